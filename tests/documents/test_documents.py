"""Documents from the demo case: every kind as PDF and text, every required element present,
and a harasser's markup, control and right-to-left characters shown literally.

PDF text is extracted with poppler's ``pdftotext`` when it is installed, else ``pypdf``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from onrecord.cases.evidence import Acquired, add_files
from onrecord.cases.items import add_items, find_or_create_account
from onrecord.cases.models import Case, Evidence, Item
from onrecord.cases.records import create_case
from onrecord.cases.triage import triage_case
from onrecord.cli.document_commands import document
from onrecord.cli.session import Session
from onrecord.demo import build_demo_case
from onrecord.documents import KINDS, Request, render_document
from onrecord.documents.render import templates_dir
from onrecord.errors import InputError
from onrecord.reference.lookup import notice_elements, platform
from onrecord.vault.home import Vault

HOSTILE = (
    "#set page(width: 1cm) $x^2$ *bold* _it_ [link](x) \\ <label> @ref `raw` "
    '<script>alert("x")</script> &amp; // not a comment'
)
RTL_WORDS = ("שלום", "עולם", "مرحبا", "بالعالم")
CONTROLS = "bell\x07 esc\x1b[31m override\u202egnp.exe"
CONTROLS_SHOWN = "bell<U+0007> esc<U+001B>[31m override<U+202E>gnp.exe"
WEAPON_WORDS = ("weapon", "gun", "knife", "pepper spray", "taser", "firearm")


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, whitespace collapsed, bidi marks dropped."""
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode("utf-8")
    else:
        import pypdf

        out = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    return flat(re.sub("[\u202a-\u202e\u2066-\u2069\u200e\u200f]", "", out))


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def unwrapped(text: str) -> str:
    """``text`` without whitespace and hyphens: a long URL may wrap (at a hyphen) in a PDF."""
    return re.sub(r"[\s-]", "", text)


NOTICES = {
    "take-it-down-notice": "take_it_down",
    "dsa-notice": "dsa_art16",
    "gdpr-erasure": "gdpr_art17",
    "search-removal": "search_removal",
}


def own_words(version: str, key: str) -> str:
    """``version`` without the notice elements it quotes in the law's own words (the DSA's
    speak of "illegal content"; onrecord itself never says it)."""
    if key in NOTICES:
        for element in notice_elements(NOTICES[key]).elements:
            version = flat(version).replace(flat(element.text), "")
    return version


@pytest.fixture
def case(vault: Vault) -> Case:
    made = build_demo_case(vault, "tester")
    triage_case(vault, made, "tester")
    return made


def render_all(
    vault: Vault, case: Case, item_ids: tuple[int, ...] = ()
) -> dict[str, tuple[str, str]]:
    request = Request(vault, case, "tester", item_ids)
    return {
        kind.key: (
            render_document(request, kind.key, "text").decode("utf-8"),
            pdf_text(render_document(request, kind.key, "pdf")),
        )
        for kind in KINDS
    }


def test_kinds_are_listed_in_order() -> None:
    assert [k.key for k in KINDS] == [
        "police-packet",
        "ic3-worksheet",
        "dmca-notice",
        "takedown-request",
        "take-it-down-notice",
        "dsa-notice",
        "gdpr-erasure",
        "search-removal",
        "platform-report",
        "public-reply",
        "cease-and-desist",
        "preservation-request",
        "lawyer-case-file",
    ]


def test_templates_use_no_downloaded_packages() -> None:
    for template in templates_dir().glob("*.typ"):
        assert "@preview" not in template.read_text("utf-8"), template.name


def test_every_kind_has_its_elements(vault: Vault, case: Case) -> None:
    docs = render_all(vault, case)
    worst = Item.objects.filter(case=case).order_by("-triage__severity", "sent_at").first()
    assert worst is not None and worst.evidence is not None
    exhibits = list(Evidence.objects.filter(case=case))
    for key, (text, pdf) in docs.items():
        for version in (flat(text), pdf):
            assert "This is not legal advice" in version, key
            assert flat(worst.text) in version, key
            assert f"Exhibit {worst.evidence.exhibit}" in version, key
            assert worst.evidence.sha256 in version, key
            assert "illegal" not in own_words(version, key).lower(), key
            assert "jurisdiction US-CA; times in America/Los_Angeles" in flat(version), key
            for word in WEAPON_WORDS:
                assert word not in version.lower(), (key, word)
    for version in docs["police-packet"]:
        for exhibit in exhibits:
            assert f"Exhibit {exhibit.exhibit}" in version
            assert exhibit.sha256 in version
            assert flat(exhibit.original_name) in flat(version)
        for identifier in ("n1ght_watch_4417", "990044170001", "night watch", "+1 555 0100"):
            assert identifier in version
        assert "https://social.example/n1ght_watch_4417/status/1850000000000000001" in version
        assert "IC3 keeps no evidence: keep the originals" in flat(version)
        assert "Timeline of the worst items" in version
        assert "Acquired" in version and "by tester" in version
    for version in docs["ic3-worksheet"]:
        for section in (
            "Victim Information",
            "Financial Transaction(s)",
            "Description of Incident",
            "Information About The Subject(s)",
            "Other Information",
        ):
            assert section in version
        assert "Pay 500 in gift cards by Friday" in version  # the demand, under money
        assert "watcher4417@example.net" in version
    for version in docs["dmca-notice"]:
        for element in notice_elements("dmca").elements:
            assert flat(element.text) in flat(version)
        assert "under penalty of perjury" in version
        assert "FILL IN: your signature" in version
        assert "FILL IN: the work you own" in version
        assert "FILL IN: your postal address" in version
    for version in docs["takedown-request"]:
        assert "I ask you to" in version
        assert "FILL IN: a date" in version
    for key, notice in NOTICES.items():
        source = notice_elements(notice).source
        for version in docs[key]:
            for element in notice_elements(notice).elements:
                assert flat(element.text) in flat(version), (key, element.number)
            for url in source.urls:
                assert unwrapped(url) in unwrapped(version), key
            assert f"checked {source.checked_on.isoformat()}" in version, key
    for version in docs["take-it-down-notice"]:
        assert "no later than 48 hours after a valid request" in version
        assert "47 U.S.C. § 223a" in version
        assert "FILL IN: your signature" in version
    for version in docs["gdpr-erasure"]:
        assert "within one month" in version
    for version in docs["search-removal"]:
        assert "https://support.google.com/websearch/answer/9673730" in version
        assert "Microsoft Bing" in version
    whatsapp = platform("whatsapp").channels_for("harassment")[0]
    for version in docs["platform-report"]:
        assert "WhatsApp" in version and "social.example" in version
        assert flat(whatsapp.how) in flat(version)
        for url in whatsapp.source.urls:
            assert unwrapped(url) in unwrapped(version)
        assert f"checked {whatsapp.source.checked_on.isoformat()}" in version
        assert "The rule broken: Threatening someone with harm" in version
        assert "Text to paste:" in version and "I am reporting" in version
    for version in docs["public-reply"]:
        assert "You do not have to reply" in version
        assert "can feed a pile-on" in version
        assert version.index("You do not have to reply") < version.index("a draft")
        assert "FILL IN: the one fact" in version
    for version in docs["cease-and-desist"]:
        assert "Cease and desist from contacting me" in version
        assert "Legal categories the facts may fit" in version
        assert "True threats" in version or "true threat" in version.lower()
        assert "for a lawyer or a court to decide" in version
    head = vault.log(case.log_name).latest_head()
    assert head is not None
    for version in docs["lawyer-case-file"]:
        for section in ("Summary", "Actors", "Exhibit index", "Limitation periods"):
            assert section in version
        assert "Legal categories the facts may fit" in version
        assert "Impact and cost journal" in version
        for exhibit in exhibits:
            assert exhibit.sha256 in version
            if exhibit.log_index < head.tree_size:
                proof = vault.log(case.log_name).inclusion_proof(exhibit.log_index, head.tree_size)
                assert all(h.hex() in version for h in proof)
        assert head.root_hash in version
        assert "Defamation (California)" in version and "from the first item: 2027-" in version
    assert "<svg" in render_all_data(vault, case)["chart"]
    for version in docs["preservation-request"]:
        assert "preserve data for a legal matter" in version
        assert "https://social.example/n1ght_watch_4417/status/1850000000000000001" in version
        assert "990044170001" in version and "n1ght_watch_4417" in version
        assert f"Item {worst.pk}" in version
        assert "may not oblige the platform" in version


def render_all_data(vault: Vault, case: Case) -> dict[str, object]:
    from onrecord.documents.render import build_data

    return build_data(Request(vault, case, "tester"), "lawyer-case-file")


def test_a_harassers_text_is_shown_literally(vault: Vault, case: Case, tmp_path: Path) -> None:
    source = tmp_path / "hostile.txt"
    text = f"{HOSTILE}\n{' '.join(RTL_WORDS)}\n{CONTROLS}"
    source.write_text(text, encoding="utf-8")
    add_files(vault, case, [source], Acquired(operator="tester", method="test"))
    exhibit = Evidence.objects.get(case=case, original_name="hostile.txt")
    author = find_or_create_account(case, platform="social.example", handle="hostile_1")
    item = Item(
        platform="social.example",
        kind="post",
        author=author,
        text=text,
        sent_at=dt.datetime(2026, 10, 22, 3, 0, tzinfo=dt.UTC),
        url="https://social.example/hostile_1/status/9",
        evidence=exhibit,
        position="line 1",
    )
    (saved,) = add_items(vault, case, [item], "tester", source="test")
    docs = render_all(vault, case, item_ids=(saved.pk,))
    for key, (plain_text, pdf) in docs.items():
        for version in (plain_text, pdf):
            assert HOSTILE in version, key
            assert CONTROLS_SHOWN in version, key
            for word in RTL_WORDS:
                assert word in version, key
            assert exhibit.sha256 in version, key
        assert "\x1b" not in plain_text and "\u202e" not in plain_text


def test_the_command_writes_pdf_or_text(vault: Vault, case: Case, tmp_path: Path) -> None:
    session = Session({"operator": "tester"})
    session.vault = vault
    runner = CliRunner()
    listed = runner.invoke(document, ["--list"], obj=session)
    assert listed.exit_code == 0 and "police-packet" in listed.output
    for name in ("packet.pdf", "packet.txt"):
        result = runner.invoke(
            document, [str(case.pk), "police-packet", "-o", str(tmp_path / name)], obj=session
        )
        assert result.exit_code == 0, result.output
    assert (tmp_path / "packet.pdf").read_bytes().startswith(b"%PDF")
    assert "Exhibit list" in (tmp_path / "packet.txt").read_text("utf-8")
    wrong = runner.invoke(document, [str(case.pk), "no-such-kind", "-o", "x.txt"], obj=session)
    assert wrong.exit_code != 0


def test_an_empty_case_still_makes_every_document(vault: Vault) -> None:
    empty = create_case(
        vault, title="Nothing yet", jurisdiction="GB", time_zone="Europe/London", operator="t"
    )
    for key, (text, pdf) in render_all(vault, empty).items():
        for version in (flat(text), pdf):
            assert "This is not legal advice" in version, key
            assert "No items were chosen." in version, key
            assert "FILL IN: your full name" in version, key


def test_items_and_platform_choose_what_is_quoted(vault: Vault, case: Case) -> None:
    whatsapp = Request(vault, case, "tester", platform="whatsapp")
    text = render_document(whatsapp, "dmca-notice", "text").decode("utf-8")
    assert "I know which car is yours" in text
    assert "4417 Birchwood Lane" not in text
    with pytest.raises(InputError, match="no item 99999"):
        render_document(Request(vault, case, "tester", (99999,)), "police-packet", "text")


def test_a_document_made_by_the_command_is_logged_as_an_export(tmp_path: Path) -> None:
    import hashlib
    import json as json_module

    from conftest import run_onrecord

    home = tmp_path / "home"
    run_onrecord(home, "demo", check=True)
    run_onrecord(home, "triage", "1", check=True)
    out = tmp_path / "police.pdf"
    run_onrecord(home, "document", "1", "police-packet", "-o", str(out), check=True)
    log = json_module.loads(run_onrecord(home, "log", "1", "--json", check=True).stdout)
    [made] = [e for e in log["entries"] if e["action"] == "export.made"]
    assert made["document"] == "police-packet" and made["format"] == "pdf"
    assert made["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert "made a police-packet" in run_onrecord(home, "log", "1", check=True).stdout
    assert run_onrecord(home, "verify").returncode == 0
