"""The shipped reference data: every row sourced and dated, coverage, lookups and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import run_onrecord
from onrecord.cli.reference_commands import COMMANDS, reference
from onrecord.errors import InputError
from onrecord.reference import lookup
from onrecord.reference.lookup import (
    ABUSE_KINDS,
    DATA_FILES,
    NOT_LEGAL_ADVICE,
    ReferenceNotFoundError,
)

STATE_CODES = {
    f"US-{code}"
    for code in re.findall(
        r"[A-Z]{2}",
        "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
        "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY",
    )
}
# Each state fact column and the column that must hold its source.
STATE_FACT_SOURCES = {
    "harassment_statute": "harassment_source_url",
    "intimate_image_law": "intimate_image_source_url",
    "intimate_image_statute": "intimate_image_source_url",
    "defamation_years": "defamation_source_url",
    "defamation_statute": "defamation_source_url",
    "anti_slapp": "anti_slapp_source_url",
}


def _urls(cell: str) -> list[str]:
    return [u.strip() for u in cell.split(lookup.URL_SEPARATOR) if u.strip()]


# -- every shipped row carries a source and a checked-on date --------------------------------


@pytest.mark.parametrize("name", DATA_FILES)
def test_every_row_has_a_web_source_and_a_past_checked_on_date(name: str) -> None:
    rows = lookup.read_rows(name)
    assert rows, f"{name} is empty"
    for number, row in enumerate(rows, start=2):
        where = f"{name} line {number}"
        checked = dt.date.fromisoformat(row["checked_on"])  # ISO date or ValueError
        assert checked <= dt.date.today(), f"{where}: checked_on {checked} is in the future"
        source_columns = [c for c in row if c.endswith("source_url")]
        assert source_columns, f"{name} has no source_url column"
        cells = [row[c] for c in source_columns if row[c].strip()]
        assert cells, f"{where}: no source URL"
        for cell in cells:
            for url in _urls(cell):
                assert url.startswith(("http://", "https://")), f"{where}: bad URL {url!r}"
                assert " " not in url, f"{where}: URL with a space {url!r}"


@pytest.mark.parametrize("name", DATA_FILES)
def test_no_draft_markers_or_verdicts_ship(name: str) -> None:
    for row in lookup.read_rows(name):
        for cell in row.values():
            text = cell.casefold()
            assert "unverified" not in text, cell
            assert "this is illegal" not in text, cell


def test_every_state_fact_has_its_own_source() -> None:
    for row in lookup.read_rows("us_state_laws.csv"):
        for fact, source in STATE_FACT_SOURCES.items():
            if row[fact].strip():
                assert _urls(row[source]), f"{row['code']}: {fact} has no {source}"


# -- coverage -------------------------------------------------------------------------------


def test_at_least_twenty_platforms_with_known_kinds() -> None:
    platforms = lookup.platforms()
    assert len(platforms) >= 20
    for item in platforms:
        assert item.channels, item.name
        for channel in item.channels:
            assert channel.kind in ABUSE_KINDS, (item.name, channel.kind)
            assert channel.how
    covered = {c.kind for p in platforms for c in p.channels}
    assert covered == set(ABUSE_KINDS)


# How many platforms have a sourced channel for each kind (the 2026-11-26 research). A
# platform without such a channel, or whose channel no source read confirmed, has no row:
# these floors keep a later edit from silently losing confirmed rows.
KIND_FLOORS = {
    "harassment": 18,
    "threats": 8,
    "private_information": 7,
    "impersonation": 8,
    "intimate_images": 12,
    "copyright_agent": 6,
    "law_enforcement": 12,
    "data_download": 11,
}
MAJOR_PLATFORMS = (
    "X",
    "Facebook",
    "Instagram",
    "WhatsApp",
    "TikTok",
    "YouTube",
    "Snapchat",
    "Discord",
    "Reddit",
    "Telegram",
    "Twitch",
    "LinkedIn",
    "Bluesky",
    "Mastodon",
    "Pinterest",
    "Tumblr",
    "Google Search",
    "Microsoft Bing",
    "Roblox",
    "OnlyFans",
    "GitHub",
    "Messenger",
    "eSafety Commissioner",
)


def test_each_kind_is_covered_for_enough_platforms() -> None:
    platforms = lookup.platforms()
    assert len(platforms) >= 20
    assert set(KIND_FLOORS) == set(ABUSE_KINDS)
    for kind, floor in KIND_FLOORS.items():
        covered = [p.name for p in platforms if p.channels_for(kind)]
        assert len(covered) >= floor, (kind, covered)


@pytest.mark.parametrize("name", MAJOR_PLATFORMS)
def test_major_platforms_ship_with_a_sourced_channel(name: str) -> None:
    found = lookup.platform(name)
    assert found.channels
    for channel in found.channels:
        assert channel.source.urls and channel.source.checked_on == dt.date(2026, 11, 26)


def test_one_row_per_platform_and_kind() -> None:
    """Two rows for one (platform, kind) must differ in what they say, never be copies."""
    seen: set[tuple[str, str, str]] = set()
    for row in lookup.read_rows("platforms.csv"):
        key = (row["platform"], row["kind"], row["channel"])
        assert key not in seen, key
        seen.add(key)


def test_the_command_prints_a_platforms_channels(tmp_path: Path) -> None:
    """The installed ``onrecord`` (a child process, no vault needed) lists each channel."""
    result = run_onrecord(tmp_path / "home", "reference", "platform", "github", check=True)
    found = lookup.platform("GitHub")
    assert result.stdout.startswith("GitHub")
    for kind in found.kinds:
        assert f"{lookup.KIND_LABELS[kind]}:" in result.stdout
    for channel in found.channels:
        assert channel.how in result.stdout
    assert result.stdout.count("Source: ") == len(found.channels)


def test_fifty_states_and_dc() -> None:
    states = lookup.states()
    assert set(states) == STATE_CODES
    assert len(lookup.read_rows("us_state_laws.csv")) == 51
    for state in states.values():
        assert state.anti_slapp is not None and state.anti_slapp.value in {"yes", "no"}
        if state.defamation is not None and state.defamation.years is not None:
            assert 1 <= state.defamation.years <= 6, state.code


def test_corrected_limitation_periods() -> None:
    """Rows the drafts had wrong, confirmed against the statutes' text."""
    washington = lookup.states()["US-WA"].defamation
    wisconsin = lookup.states()["US-WI"].defamation
    assert washington is not None and washington.years == 2
    assert wisconsin is not None and wisconsin.years == 3


@pytest.mark.parametrize("code", ["GB", "CA", "AU", "EU", "DE", "IN"])
def test_other_jurisdictions_present(code: str) -> None:
    info = lookup.law(code)
    assert info.code == code
    assert info.statutes
    assert not info.fallback_note


def test_named_instruments_are_present() -> None:
    eu = " ".join(s.citation for s in lookup.law("EU").statutes)
    assert "Art. 16" in eu and "Art. 17" in eu
    assert any("eSafety" in s.citation for s in lookup.law("AU").statutes)
    germany = lookup.law("DE").statutes
    assert any("Digital Services Act" in s.citation for s in germany)  # EU law applies too


@pytest.mark.parametrize(("kind", "count"), [("dmca", 6), ("take_it_down", 4), ("dsa_art16", 4)])
def test_notice_element_counts(kind: str, count: int) -> None:
    notice = lookup.notice_elements(kind)
    assert [e.number for e in notice.elements] == list(range(1, count + 1))
    assert all(e.text for e in notice.elements)


def test_other_notices_present() -> None:
    kinds = {n.kind for n in lookup.notices()}
    assert {"gdpr_art17", "search_removal"} <= kinds
    assert lookup.notice_elements("GDPR").kind == "gdpr_art17"
    assert lookup.notice_elements("take-it-down").kind == "take_it_down"


def test_legal_categories_have_elements_and_evidence() -> None:
    categories = lookup.legal_categories()
    assert len(categories) >= 10
    for category in categories:
        assert category.elements and category.evidence, category.key
    assert {"defamation", "stalking", "intimate_images", "true_threats"} <= {
        c.key for c in categories
    }


# -- lookups --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("twitter", "X"),
        ("X", "X"),
        ("TWITTER.COM", "X"),
        ("fb", "Facebook"),
        ("Facebook", "Facebook"),
        ("ig", "Instagram"),
        ("take it down", "NCMEC Take It Down"),
        ("StopNCII", "StopNCII.org"),
    ],
)
def test_platform_aliases(name: str, expected: str) -> None:
    assert lookup.platform(name).name == expected


def test_platform_channels_by_kind() -> None:
    x = lookup.platform("twitter")
    assert x.channels_for("harassment")
    assert x.channels_for("copyright_agent") == ()
    assert x.kinds[0] == "harassment"


@pytest.mark.parametrize(
    ("code", "resolved"),
    [
        ("US-CA", "US-CA"),
        ("us-ny", "US-NY"),
        ("us_tx", "US-TX"),
        ("California", "US-CA"),
        ("US", "US"),
        ("UK", "GB"),
        ("gb", "GB"),
        ("India", "IN"),
        ("Indiana", "US-IN"),
    ],
)
def test_law_codes_and_names(code: str, resolved: str) -> None:
    assert lookup.law(code).code == resolved


def test_state_law_includes_federal_law_and_categories() -> None:
    info = lookup.law("US-CA")
    assert info.state is not None and info.state.name == "California"
    assert any("2261A" in s.citation for s in info.statutes)
    assert info.categories


def test_subdivision_falls_back_to_country() -> None:
    info = lookup.law("AU-NSW")
    assert info.code == "AU"
    assert "AU-NSW" in info.fallback_note
    assert info.statutes


def test_not_found_errors_name_what_exists() -> None:
    with pytest.raises(ReferenceNotFoundError) as caught:
        lookup.platform("myspace")
    assert isinstance(caught.value, LookupError) and isinstance(caught.value, InputError)
    assert "Facebook" in str(caught.value)
    with pytest.raises(LookupError, match="US-CA"):
        lookup.law("FR")
    with pytest.raises(LookupError, match="dmca"):
        lookup.notice_elements("subpoena")


# -- CLI ------------------------------------------------------------------------------------


def test_commands_export_the_group() -> None:
    assert [reference] == COMMANDS


def test_cli_platform_prints_each_channel_with_its_source() -> None:
    result = CliRunner().invoke(reference, ["platform", "twitter"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("X (also:")
    channels = lookup.platform("X").channels
    assert result.output.count("Source: ") == len(channels)
    assert result.output.count("(checked 20") == len(channels)


def test_cli_platform_json() -> None:
    result = CliRunner().invoke(reference, ["platform", "fb", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["name"] == "Facebook"
    assert data["channels"][0]["source"]["urls"]


def test_cli_law_ends_with_the_lawyer_line() -> None:
    result = CliRunner().invoke(reference, ["law", "US-CA"])
    assert result.exit_code == 0, result.output
    assert "California (US-CA)" in result.output
    assert "Categories the facts may fit" in result.output
    assert result.output.rstrip().endswith(NOT_LEGAL_ADVICE)
    assert "Source: " in result.output


def test_cli_law_fallback_and_json() -> None:
    runner = CliRunner()
    text = runner.invoke(reference, ["law", "AU-NSW"])
    assert text.exit_code == 0, text.output
    assert "No separate data for AU-NSW; showing AU." in text.output
    assert NOT_LEGAL_ADVICE in text.output
    as_json = runner.invoke(reference, ["law", "GB", "--json"])
    data = json.loads(as_json.output)
    assert data["code"] == "GB" and data["disclaimer"] == NOT_LEGAL_ADVICE
    assert all(s["source"]["checked_on"] for s in data["statutes"])


def test_cli_list() -> None:
    runner = CliRunner()
    text = runner.invoke(reference, ["list"])
    assert text.exit_code == 0, text.output
    assert "Platforms and services" in text.output and "US-WY" in text.output
    data = json.loads(runner.invoke(reference, ["list", "--json"]).output)
    assert len(data["platforms"]) >= 20
    assert {"GB", "CA", "AU", "EU", "DE", "IN", "US"} <= {j["code"] for j in data["jurisdictions"]}


def test_cli_unknown_name_fails_with_the_known_list() -> None:
    result = CliRunner().invoke(reference, ["platform", "myspace"])
    assert result.exit_code != 0
    assert isinstance(result.exception, LookupError)
    assert "Known:" in str(result.exception)


# -- every state and DC: each required fact is sourced or says it is not confirmed ----------

NOT_CONFIRMED = "not confirmed from a source onrecord could read"
# Each required state field, the column with its value and the column with its source.
REQUIRED_STATE_FACTS = {
    "harassment or stalking statute": ("harassment_statute", "harassment_source_url"),
    "intimate-image statute": ("intimate_image_statute", "intimate_image_source_url"),
    "defamation limitation period": ("defamation_years", "defamation_source_url"),
    "anti-SLAPP": ("anti_slapp", "anti_slapp_source_url"),
}


@pytest.mark.parametrize("code", sorted(STATE_CODES))
def test_every_state_has_each_fact_sourced_or_marked_not_confirmed(code: str) -> None:
    row = next(r for r in lookup.read_rows("us_state_laws.csv") if r["code"] == code)
    for label, (value, source) in REQUIRED_STATE_FACTS.items():
        if row[value].strip():
            assert _urls(row[source]), f"{code}: {label} has no source"
            assert all(u.startswith(("http://", "https://")) for u in _urls(row[source]))
        else:
            assert NOT_CONFIRMED in row["note"] or "not confirmed" in row["note"], (
                f"{code}: {label} is empty and the note does not say it was not confirmed"
            )
    assert dt.date.fromisoformat(row["checked_on"]) <= dt.date.today()


def test_state_coverage_does_not_fall_back() -> None:
    """The 2026-11-26 research confirmed these; a later edit must not silently lose them."""
    rows = lookup.read_rows("us_state_laws.csv")
    harassment = [r for r in rows if r["harassment_statute"] and r["harassment_source_url"]]
    intimate = [r for r in rows if r["intimate_image_statute"] and r["intimate_image_source_url"]]
    assert len(harassment) == 51
    assert len(intimate) >= 49


def test_weak_compilations_are_not_the_only_source_of_new_rows() -> None:
    weak = ("riseandstand.net", "docslib.org")
    for row in lookup.read_rows("us_state_laws.csv"):
        for column in ("harassment_source_url", "intimate_image_source_url"):
            urls = _urls(row[column])
            if row["code"] in {"US-AL", "US-AK", "US-AR"}:
                continue  # older rows still to re-check (reported to the lead)
            assert not urls or not all(any(w in u for w in weak) for u in urls), (
                row["code"],
                column,
            )


def test_state_facts_load_with_their_sources() -> None:
    texas = lookup.states()["US-TX"]
    assert texas.harassment is not None and "42.072" in texas.harassment.value
    assert texas.harassment.source.urls
    montana = lookup.states()["US-MT"]
    assert montana.intimate_images is not None  # the law exists (Ballotpedia) ...
    assert montana.intimate_images.value == ""  # ... its citation is not confirmed
    assert NOT_CONFIRMED in montana.note


# -- hotlines --------------------------------------------------------------------------------


def test_hotlines_each_have_a_number_a_source_and_a_date() -> None:
    lines = lookup.hotlines()
    assert len(lines) >= 10
    for line in lines:
        assert line.number.strip() and line.name.strip() and line.purpose.strip(), line
        assert line.source.urls and all(u.startswith("http") for u in line.source.urls)
        assert line.source.checked_on <= dt.date.today()
        assert line.url == "" or line.url.startswith("https://")


@pytest.mark.parametrize(
    ("country", "emergency"),
    [("US", "911"), ("GB", "999"), ("AU", "000"), ("EU", "112"), ("IN", "112"), ("CA", "911")],
)
def test_each_country_has_its_emergency_number_first(country: str, emergency: str) -> None:
    found = lookup.hotlines_for(country)
    assert found and found[0].is_emergency
    assert found[0].number.startswith(emergency)


def test_named_support_lines_are_present() -> None:
    numbers = {(h.country, h.number.split(" ")[0]) for h in lookup.hotlines()}
    assert ("US", "1-800-799-7233") in numbers
    assert ("GB", "0345") in numbers  # Revenge Porn Helpline 0345 6000 459
    assert ("DE", "116") in numbers  # Hilfetelefon 116 016
    assert ("IN", "1930") in numbers
    assert lookup.hotlines_for("uk") == lookup.hotlines_for("GB")
    assert lookup.hotlines_for("JP") == ()


def test_esafety_removal_notices_give_24_hours_after_a_48_hour_wait() -> None:
    au = {s.citation: s for s in lookup.law("AU").statutes}
    adult = next(s for c, s in au.items() if "Adult cyber abuse" in c)
    images = next(s for c, s in au.items() if "Image-based abuse" in c)
    assert "48 hours" in adult.summary and "24 hours" in adult.summary
    assert "24 hours" in images.summary and "no need to wait" in images.summary
    assert any("austlii" in u or "worldlii" in u for u in images.source.urls)
