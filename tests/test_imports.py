"""The import pipeline end to end: original first, per-unit transactions, re-import,
edits, gone-from-source, broken files, and verification of what was imported."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from conftest import run_onrecord
from onrecord.cases.imports import import_path
from onrecord.cases.models import Account, Case, Evidence, Item
from onrecord.cases.records import create_case
from onrecord.cases.verify import verify
from onrecord.errors import InputError
from onrecord.vault.custody import entry_body
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry

DATA = Path(__file__).resolve().parent / "data" / "pipeline"
FIRST = DATA / "dce-general-2026-10-20.json"
SECOND = DATA / "dce-general-2026-10-27.json"


def new_case(vault: Vault) -> Case:
    return create_case(
        vault,
        title="Imports",
        jurisdiction="US-CA",
        time_zone="America/Los_Angeles",
        operator="t",
    )


def bad(vault: Vault) -> list[object]:
    return [c for c in verify(vault) if not c.is_ok]


def test_first_import_stores_the_original_and_every_message(vault: Vault) -> None:
    case = new_case(vault)
    report = import_path(vault, case, FIRST, operator="t")
    assert report.as_json() | {"problems": []} == {
        "format": "discord-exporter",
        "items_added": 5,
        "duplicates": 0,
        "edits": 0,
        "gone_from_source": 0,
        "attachments": 0,
        "attachments_missing": 0,
        "unparsed": 0,
        "units": 1,
        "units_failed": 0,
        "problems": [],
    }
    original = Evidence.objects.get(case=case)
    assert original.method == "import" and original.original_name == FIRST.name
    items = {i.platform_id: i for i in Item.objects.filter(case=case)}
    troll = items["1200000000000000002"]
    assert troll.sent_at == dt.datetime(2026, 10, 15, 6, 52, tzinfo=dt.UTC)
    assert troll.sent_at_original == "2026-10-14T23:52:00.000-07:00"
    assert troll.author is not None and troll.author.platform_id == "900000000000000001"
    assert troll.evidence == original and troll.conversation == "77"
    assert items["1200000000000000005"].reply_to == items["1200000000000000004"]
    assert Account.objects.filter(case=case).count() == 2
    [entry] = [
        entry_body(e)
        for e in LogEntry.objects.filter(log=case.log_name)
        if entry_body(e)["action"] == "import.unit"
    ]
    assert entry["items"] == 5 and entry["exhibit"] == original.exhibit
    assert not bad(vault)


def test_reimport_adds_nothing_and_a_later_export_records_edits_and_deletions(
    vault: Vault,
) -> None:
    case = new_case(vault)
    import_path(vault, case, FIRST, operator="t")
    again = import_path(vault, case, FIRST, operator="t")
    assert (again.items_added, again.duplicates, again.gone_from_source) == (0, 5, 0)
    later = import_path(vault, case, SECOND, operator="t")
    assert (later.items_added, later.edits, later.duplicates, later.gone_from_source) == (
        2,
        1,
        3,
        1,
    )
    gone = Item.objects.get(case=case, platform_id="1200000000000000003")
    assert gone.gone_from_source_at is not None and gone.text == "you think blocking me works?"
    versions = list(Item.objects.filter(platform_id="1200000000000000002").order_by("pk"))
    assert [v.text for v in versions] == ["nobody wants you here", "nobody wants you here. leave"]
    assert versions[1].previous_version == versions[0] and versions[1].edited_at is not None
    troll = Account.objects.get(case=case, platform_id="900000000000000001")
    assert troll.handle == "n1ght_watch_4418" and "n1ght_watch_4417" in troll.names_seen
    assert Account.objects.filter(case=case).count() == 2
    assert Item.objects.filter(case=case).count() == 7
    assert not bad(vault)


def test_a_broken_file_imports_nothing_and_the_others_import(vault: Vault, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(DATA / "dce-random.json", folder / "random.json")
    shutil.copy(DATA / "dce-random-truncated.json", folder / "random-cut.json")
    shutil.copy(FIRST, folder / "general.json")
    case = new_case(vault)
    report = import_path(vault, case, folder, operator="t", format_key="discord-exporter")
    assert report.items_added == 6 and report.units == 3 and report.units_failed == 1
    [problem] = report.problems
    assert problem.file == "random-cut.json"
    assert "Nothing was imported from this file" in problem.message
    # every file of the folder was stored as evidence, the broken one too
    names = sorted(Evidence.objects.filter(case=case).values_list("original_name", flat=True))
    assert names == ["exports/general.json", "exports/random-cut.json", "exports/random.json"]
    literal = Item.objects.get(platform_id="1200000000000000010")
    assert literal.text == "hello <b>world</b> \u202eevil"
    assert not bad(vault)


def test_wrong_forced_format_unknown_format_and_empty_input(vault: Vault, tmp_path: Path) -> None:
    case = new_case(vault)
    text = tmp_path / "notes.txt"
    text.write_text("just some notes, not an export\n")
    with pytest.raises(InputError, match="Could not tell what kind of export"):
        import_path(vault, case, text, operator="t")
    with pytest.raises(InputError, match="no format 'myspace'"):
        import_path(vault, case, text, operator="t", format_key="myspace")
    forced = import_path(vault, case, text, operator="t", format_key="discord-exporter")
    assert forced.items_added == 0 and forced.problems
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError):
        import_path(vault, case, empty, operator="t")
    assert not bad(vault)


def test_tampering_with_an_imported_message_is_found(vault: Vault) -> None:
    case = new_case(vault)
    import_path(vault, case, FIRST, operator="t")
    Item.objects.filter(platform_id="1200000000000000004").update(text="hello there")
    [problem] = bad(vault)
    assert problem.state == "altered" and "items imported from" in problem.subject
    Item.objects.filter(platform_id="1200000000000000004").delete()
    [problem] = bad(vault)
    assert problem.state == "missing"


def test_import_command_json_and_exit_code(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_onrecord(home, "init", check=True)
    run_onrecord(home, "case", "new", "CLI", "--jurisdiction", "GB", check=True)
    done = run_onrecord(home, "import", "1", str(FIRST), "--json", check=True)
    assert set(json.loads(done.stdout)) >= {
        "format",
        "items_added",
        "duplicates",
        "gone_from_source",
        "attachments",
        "problems",
    }
    broken = run_onrecord(
        home, "import", "1", str(DATA / "dce-random-truncated.json"), "--format", "discord-exporter"
    )
    assert broken.returncode == 1 and "dce-random-truncated.json" in broken.stderr
    listed = run_onrecord(home, "formats", "--json", check=True)
    keys = {f["key"] for f in json.loads(listed.stdout)}
    assert {"discord-exporter", "whatsapp", "x", "telegram", "eml", "mbox", "csv"} <= keys
    added = run_onrecord(
        home,
        "item",
        "add",
        "1",
        "--platform",
        "Instagram",
        "--author",
        "@someone",
        "--text",
        "pasted by hand",
        "--time",
        "2026-10-01 21:15",
    )
    assert added.returncode == 0 and "Recorded item" in added.stdout
    assert run_onrecord(home, "verify").returncode == 0


def test_a_package_of_own_messages_does_not_mark_other_peoples_messages_gone(
    vault: Vault, tmp_path: Path
) -> None:
    case = new_case(vault)
    import_path(vault, case, FIRST, operator="t")
    package = tmp_path / "package"
    (package / "Account").mkdir(parents=True)
    (package / "Messages" / "c77").mkdir(parents=True)
    (package / "Account" / "user.json").write_text(
        json.dumps({"id": "900000000000000002", "username": "sam_r", "global_name": "Sam"})
    )
    (package / "Messages" / "index.json").write_text(json.dumps({"77": "general in Runners"}))
    (package / "Messages" / "c77" / "channel.json").write_text(
        json.dumps({"id": "77", "type": 0, "name": "general", "guild": {"id": "9", "name": "R"}})
    )
    (package / "Messages" / "c77" / "messages.json").write_text(
        json.dumps(
            [
                {
                    "ID": "1200000000000000001",
                    "Timestamp": "2026-10-14 14:00:00.000000+00:00",
                    "Contents": "morning all",
                    "Attachments": "",
                },
                {
                    "ID": "1200000000000000007",
                    "Timestamp": "2026-10-22 14:00:00.000000+00:00",
                    "Contents": "new message of mine",
                    "Attachments": "",
                },
            ]
        )
    )
    report = import_path(vault, case, package, operator="t")
    assert report.format == "discord-package"
    gone = set(
        Item.objects.filter(case=case)
        .exclude(gone_from_source_at=None)
        .values_list("platform_id", flat=True)
    )
    # only Sam's own "please stop" is missing from Sam's own package; the troll's stay
    assert gone == {"1200000000000000005"}
    assert not bad(vault)


@pytest.mark.slow
def test_a_1_gb_export_streams_with_bounded_memory(tmp_path: Path) -> None:
    """A WhatsApp export zip holding a 1 GB video: stored, read and linked, memory flat."""
    import zipfile

    from conftest import run_measured

    video = "00000007-VIDEO-2026-10-13-02-41-00.mp4"
    export = tmp_path / "WhatsApp Chat - Unknown.zip"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(
            "_chat.txt",
            "[13/10/2026, 02:40:00] +1 555 0100: I know which car is yours\n"
            f"[13/10/2026, 02:41:00] +1 555 0100: \u200e<attached: {video}>\n",
        )
        with archive.open(video, "w", force_zip64=True) as member:
            block = bytes(1024 * 1024)
            for _ in range(1024):
                member.write(block)
    home = tmp_path / "home"
    run_onrecord(home, "init", check=True)
    run_onrecord(home, "case", "new", "Big", "--jurisdiction", "US-NY", check=True)
    result, peak_kib = run_measured(home, "import", "1", str(export), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["items_added"] == 2 and report["attachments"] == 1
    assert peak_kib < 300 * 1024, f"peak RSS {peak_kib} KiB"
    assert run_onrecord(home, "verify").returncode == 0


SAMPLES = Path(__file__).resolve().parent / "data" / "imports"
EVERY_FORMAT = [
    ("x", "x/2022_tweets"),
    ("x", "x/dms"),
    ("mastodon", "mastodon/archive"),
    ("bluesky", "bluesky/repo.car"),
    ("discord-exporter", "discord-exporter/server"),
    ("discord-package", "discord-package/new"),
    ("slack", "slack/workspace"),
    ("telegram", "telegram/account"),
    ("whatsapp", "whatsapp/WhatsApp Chat - Fairview Runners"),
    ("whatsapp", "whatsapp/Chat with Alex Doe.txt"),
    ("meta", "meta/facebook-jordankay-20250406"),
    ("meta", "meta/instagram-jordankay-20250406"),
    ("reddit", "reddit/export_jordan_kay_test_20250406"),
    ("eml", "email/mixed_attachment.eml"),
    ("mbox", "email/takeout.mbox"),
    ("sms-backup", "sms/sms-20240115120000.xml"),
    ("csv", "csv/guessed.csv"),
]


@pytest.mark.parametrize(("key", "sample"), EVERY_FORMAT, ids=[s for _k, s in EVERY_FORMAT])
def test_every_format_is_detected_imported_once_and_verifies(
    local_vault: Vault, key: str, sample: str
) -> None:
    case = new_case(local_vault)
    first = import_path(local_vault, case, SAMPLES / sample, operator="t")
    assert first.format == key
    assert first.items_added > 0 and first.units_failed == 0
    held = Item.objects.filter(case=case).count()
    assert held == first.items_added
    assert all(
        i.sent_at is None or i.sent_at.utcoffset() == dt.timedelta(0)
        for i in Item.objects.filter(case=case)
    )
    again = import_path(local_vault, case, SAMPLES / sample, operator="t")
    assert again.items_added == 0 and again.gone_from_source == 0
    assert Item.objects.filter(case=case).count() == held
    assert not bad(local_vault)
