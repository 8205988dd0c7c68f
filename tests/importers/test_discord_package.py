"""Discord's data package: new (c<id>/messages.json, Capitalised) and old (<id>/messages.csv)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from importers.helpers import DATA, context, read_all, score
from onrecord.importers.base import (
    AttachmentRef,
    ImportedAccount,
    ImportedItem,
    ImportFormatError,
    Unparsed,
)
from onrecord.importers.discord_package import IMPORTER, NOT_INCLUDED
from onrecord.importers.source import Source

HERE = DATA / "discord-package"
NEW = HERE / "new"
OLD = HERE / "old"
UTC = dt.UTC
PAT = ImportedAccount("discord", "700000000000000001", "pat_h", "Pat H.")
SNOWFLAKE = "the message id (a Discord snowflake holds the UTC send time)"


def zipped(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, prefix + path.relative_to(folder).as_posix())
    return target


def test_scores_high_on_packages_and_zero_on_other_formats(tmp_path: Path) -> None:
    assert score(IMPORTER, NEW) == 1.0
    assert score(IMPORTER, OLD) == 0.95
    assert score(IMPORTER, zipped(NEW, tmp_path / "package.zip", "package/")) == 1.0
    other = tmp_path / "channel.json"
    other.write_text('{"id": "1", "type": 0}')
    plain = tmp_path / "messages.json"
    plain.write_text('[{"ID": 1}]')
    for path in (other, plain, DATA / "whatsapp", DATA / "discord-exporter", DATA / "slack"):
        assert score(IMPORTER, path) == 0.0
    assert score(IMPORTER, DATA / "telegram") == 0.0


def test_new_package_owner_snowflake_times_and_linked_attachments() -> None:
    items, unparsed = read_all(IMPORTER, NEW, "America/Chicago")
    assert [i.platform_id for i in items] == [
        "1216451025821499393",
        "1216451759308800002",
        "1216642022773882883",
    ]
    assert all(i.author == PAT and i.kind == "message" for i in items)
    first, second, dm = items
    assert first.text == "please stop posting my photos"
    assert first.sent_at == dt.datetime(2024, 3, 10, 18, 22, 5, 123000, tzinfo=UTC)
    assert first.sent_at_original == "2024-03-10 18:22:05" and not first.time_zone_assumed
    assert first.extra == {
        "channel_type": 0,
        "channel_name": "general",
        "index_name": "general in Oakridge / Hobbyists",
        "guild_id": "800000000000000001",
        "guild_name": "Oakridge / Hobbyists",
        "time_from": SNOWFLAKE,
    }
    assert first.conversation == "1210000000000000011" and first.recipients == []
    assert first.position == "Messages/c1210000000000000011/messages.json $[0]"
    assert first.raw == {
        "ID": 1216451025821499393,
        "Timestamp": "2024-03-10 18:22:05",
        "Contents": "please stop posting my photos",
        "Attachments": "",
    }
    assert second.text == ""
    assert second.attachments == [
        AttachmentRef("proof 1.png", missing=NOT_INCLUDED),
        AttachmentRef("log.txt", missing=NOT_INCLUDED),
    ]
    assert second.extra["attachment_urls"][1].endswith("/1210000000000009998/log.txt")
    assert dm.text == "I have reported you.\nDo not contact me again."
    assert dm.sent_at == dt.datetime(2024, 3, 11, 7, 1, 2, 345000, tzinfo=UTC)
    assert dm.conversation == "1210000000000000022" and dm.recipients == ["700000000000000002"]
    assert dm.extra["index_name"] == "Direct Message with grimlock_77"
    assert unparsed == [
        Unparsed(
            "Messages/c1210000000000000022/messages.json $[1]",
            "the message has no readable time ('garbage')",
            '{"ID": "not-a-number", "Timestamp": "garbage", "Contents": "unreadable", '
            '"Attachments": ""}',
        )
    ]


def test_a_channel_without_messages_file_and_a_null_name_yield_nothing() -> None:
    with Source.open(NEW) as source:
        units = list(IMPORTER.units(source, context()))
    assert [u.path for u in units] == [
        "Messages/c1210000000000000011/messages.json",
        "Messages/c1210000000000000022/messages.json",
    ]
    assert [u.label for u in units] == [
        "general in Oakridge / Hobbyists",
        "Direct Message with grimlock_77",
    ]


def test_old_package_csv_with_offsets_multiline_and_no_account_file() -> None:
    items, unparsed = read_all(IMPORTER, OLD)
    me = ImportedAccount("discord", None, "", "me (package owner)")
    assert unparsed == [] and all(i.author == me for i in items)
    assert [(i.platform_id, i.sent_at, i.time_zone_assumed) for i in items] == [
        ("706293950050205696", dt.datetime(2020, 5, 2, 23, 59, 59, 999000, tzinfo=UTC), False),
        ("705721553387520000", dt.datetime(2020, 5, 1, 10, 5, 30, tzinfo=UTC), False),
        ("705720169783099392", dt.datetime(2020, 5, 1, 10, 0, 0, 123000, tzinfo=UTC), False),
    ]
    assert items[0].text == 'line one\r\nline two, "quoted"'
    assert items[0].sent_at_original == "2020-05-02 23:59:59.999000+00:00"
    assert "time_from" not in items[0].extra
    assert items[1].attachments == [
        AttachmentRef("screenshot.png", missing=NOT_INCLUDED),
        AttachmentRef("clip.mp4", missing=NOT_INCLUDED),
    ]
    assert items[1].position == "messages/557000000000000001/messages.csv row 3"
    assert items[1].raw["Contents"] == "see attached"
    assert {i.conversation for i in items} == {"557000000000000001"}
    assert items[2].extra == {"channel_type": 1, "index_name": "Direct Message with grimlock#0042"}
    assert items[2].recipients == ["700000000000000001", "700000000000000002"]


def test_a_zip_with_a_wrapping_folder_reads_the_same(tmp_path: Path) -> None:
    items, unparsed = read_all(IMPORTER, zipped(NEW, tmp_path / "p.zip", "package/"))
    assert len(items) == 3 and len(unparsed) == 1 and items[0].author == PAT
    assert items[0].position == "package/Messages/c1210000000000000011/messages.json $[0]"


def test_broken_files_fail_their_channel_only(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    shutil.copytree(OLD, folder)
    channel = folder / "messages" / "557000000000000009"
    channel.mkdir()
    (channel / "channel.json").write_text("{not json")
    (channel / "messages.json").write_bytes(
        b'[\n  {"ID": "1", "Timestamp": "2021-06-01 12:00:00", "Contents": "naive", '
        b'"Attachments": ""},\n  {"ID": "2", "Timestamp": "2021-06-01 12:0'
    )
    cut = folder / "messages" / "557000000000000002" / "messages.csv"
    cut.write_bytes(b"ID,Contents\n1,hi\n")
    outcome: dict[str, list[ImportedItem | Unparsed] | ImportFormatError] = {}
    with Source.open(folder) as source:
        for unit in IMPORTER.units(source, context("Europe/Berlin")):
            try:
                outcome[unit.path] = list(
                    IMPORTER.iter_items(source, unit, context("Europe/Berlin"))
                )
            except ImportFormatError as exc:
                outcome[unit.path] = exc
    good = outcome["messages/557000000000000001/messages.csv"]
    assert isinstance(good, list) and len(good) == 3
    header = outcome["messages/557000000000000002/messages.csv"]
    assert isinstance(header, ImportFormatError)
    assert "first row is not ID,Timestamp,Contents,Attachments" in str(header)
    assert header.position == "messages/557000000000000002/messages.csv row 1"
    cut_short = outcome["messages/557000000000000009/messages.json"]
    assert isinstance(cut_short, ImportFormatError)
    assert "line 3" in str(cut_short) and "ends too early" in str(cut_short)
    assert cut_short.position == "messages/557000000000000009/messages.json line 3"
    assert sorted(outcome) == [
        "messages/557000000000000001/messages.csv",
        "messages/557000000000000002/messages.csv",
        "messages/557000000000000009/messages.json",
    ]


def test_broken_channel_json_and_naive_times_without_snowflake(tmp_path: Path) -> None:
    channel = tmp_path / "messages" / "c42"
    channel.mkdir(parents=True)
    (channel / "channel.json").write_text("[1]")
    (channel / "messages.json").write_text(
        json.dumps([{"ID": "7", "Timestamp": "2021-06-01 12:00:00", "Contents": "x"}])
    )
    [item], [problem] = read_all(IMPORTER, tmp_path, "Europe/Berlin")
    assert problem == Unparsed(
        "messages/c42/channel.json", "channel.json is not a JSON object; the folder's id is used"
    )
    assert item.conversation == "42" and item.time_zone_assumed
    assert item.sent_at == dt.datetime(2021, 6, 1, 10, 0, tzinfo=UTC)


def test_csv_invalid_utf8_short_rows_and_empty_file(tmp_path: Path) -> None:
    channel = tmp_path / "messages" / "99"
    channel.mkdir(parents=True)
    (channel / "channel.json").write_text('{"id": "99", "type": 1}')
    (channel / "messages.csv").write_bytes(
        b"\xef\xbb\xbfID,Timestamp,Contents,Attachments\n"
        b"1,2020-01-01 00:00:00+00:00,caf\xe9,\n"
        b"2,2020-01-01 00:00:01+00:00\n"
        b'3,2020-01-01 00:00:02+00:00,"ok",\n'
    )
    items, unparsed = read_all(IMPORTER, tmp_path)
    assert [i.text for i in items] == ["ok"]
    assert [(u.position, u.message, u.raw) for u in unparsed] == [
        (
            "messages/99/messages.csv row 2",
            "this row is not valid UTF-8 text",
            "1,2020-01-01 00:00:00+00:00,caf\ufffd,",
        ),
        (
            "messages/99/messages.csv row 3",
            "this row has 2 columns, not 4",
            "2,2020-01-01 00:00:01+00:00,,",
        ),
    ]
    (channel / "messages.csv").write_bytes(b"")
    with pytest.raises(ImportFormatError, match="not a Discord package messages file"):
        read_all(IMPORTER, tmp_path)
