"""Slack export: day files, exact ts, threads, subtypes, mrkdwn, files, broken files."""

from __future__ import annotations

import datetime as dt
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
from onrecord.importers.slack import IMPORTER, NOT_INCLUDED
from onrecord.importers.source import Source

WORKSPACE = DATA / "slack" / "workspace"
UTC = dt.UTC
ALEX = ImportedAccount("slack", "U01ALEX0001", "alex.doe", "alexd")
SAM = ImportedAccount("slack", "U01SAM00002", "sam.r", "Sam Rowe")
KIM = ImportedAccount("slack", "U01KIM00003", "kim", "kimb")


def by_id(path: Path) -> dict[str, ImportedItem]:
    items, _ = read_all(IMPORTER, path)
    return {i.platform_id or "": i for i in items}


def test_scores_high_on_exports_and_zero_on_other_formats(tmp_path: Path) -> None:
    assert score(IMPORTER, WORKSPACE) == 0.95
    assert score(IMPORTER, WORKSPACE / "general") == 0.5
    other = tmp_path / "2020-01-01.json"
    other.write_text('{"date": "2020-01-01"}')
    notes = tmp_path / "notes.txt"
    notes.write_text("users.json channels.json\n")
    for path in (other, notes, DATA / "whatsapp", DATA / "discord-exporter", DATA / "telegram"):
        assert score(IMPORTER, path) == 0.0
    assert score(IMPORTER, DATA / "discord-package") == 0.0


def test_units_are_day_files_and_folders_map_to_channel_ids() -> None:
    with Source.open(WORKSPACE) as source:
        units = list(IMPORTER.units(source, context()))
    assert [(u.path, u.label, u.meta["conversation"]) for u in units] == [
        ("D01DIRECT04/2020-01-08.json", "D01DIRECT04 2020-01-08", "D01DIRECT04"),
        ("general/2020-01-06.json", "general 2020-01-06", "C01GENERAL1"),
        ("general/2020-01-07.json", "general 2020-01-07", "C01GENERAL1"),
        ("hr-private/2020-01-06.json", "hr-private 2020-01-06", "G01PRIVATE3"),
        (
            "mpdm-alex.doe--sam.r--kim-1/2020-01-09.json",
            "mpdm-alex.doe--sam.r--kim-1 2020-01-09",
            "G01MPIM0005",
        ),
        ("old-channel/2019-12-31.json", "old-channel 2019-12-31", "old-channel"),
    ]


def test_messages_times_threads_and_mrkdwn() -> None:
    items, unparsed = read_all(IMPORTER, WORKSPACE, "Asia/Tokyo")
    assert len(items) == 13
    found = {i.platform_id: i for i in items}
    post = found["1578300123.004560"]
    assert post.author == SAM and post.kind == "message" and post.conversation == "C01GENERAL1"
    assert post.sent_at == dt.datetime(2020, 1, 6, 8, 42, 3, 4560, tzinfo=UTC)
    assert post.sent_at_original == "1578300123.004560" and not post.time_zone_assumed
    assert post.text == (
        "hey @alex.doe, see #random and this page (https://example.com/a?b=1&c=2) <3 &amp; @here"
    )
    assert post.reply_to is None  # thread_ts == ts: the thread's parent
    assert post.edited_at == dt.datetime(2020, 1, 6, 8, 43, 20, tzinfo=UTC)
    assert post.extra["reactions"] == [{"name": "eyes", "users": ["U01ALEX0001"], "count": 1}]
    assert post.extra["reply_count"] == 1 and post.recipients == []
    assert post.raw["blocks"][0]["type"] == "rich_text"
    assert post.position == "general/2020-01-06.json $[1]"
    reply = found["1578400000.000100"]
    assert reply.author == ALEX and reply.reply_to == "1578300123.004560"
    assert reply.text == "you will regret https://example.com/x"
    broadcast = found["1578400200.000000"]
    assert broadcast.reply_to == "1578300123.004560" and broadcast.author == KIM
    assert broadcast.text == "also sent to channel @U09UNKNOWN"
    exact = found["1578480060.999999"]
    assert exact.sent_at == dt.datetime(2020, 1, 8, 10, 41, 0, 999999, tzinfo=UTC)
    assert exact.conversation == "D01DIRECT04" and exact.recipients == ["U01ALEX0001"]
    assert found["1578480000.000000"].recipients == ["U01SAM00002"]
    assert found["1578310000.100000"].conversation == "G01PRIVATE3"
    assert unparsed == [
        Unparsed(
            "general/2020-01-06.json $[4]",
            "the message has no readable ts (None)",
            '{"type": "message", "text": "no ts here", "user": "U01SAM00002"}',
        )
    ]


def test_subtypes_bots_deleted_and_files() -> None:
    found = by_id(WORKSPACE)
    join = found["1578300000.000200"]
    assert join.kind == "system" and join.text == "@sam.r has joined the channel"
    topic = found["1578400300.000000"]
    assert topic.kind == "system" and topic.extra["subtype"] == "channel_topic"
    assert found["1578560000.000000"].kind == "system"
    bot = found["1578302000.000000"]
    assert bot.author == ImportedAccount("slack", "B01BOT00001", "reminderbot", "reminderbot")
    assert bot.kind == "message"
    assert bot.text == "Reminder: hr@example.com (mailto:hr@example.com) > policy"
    assert bot.extra["attachments"][0]["title_link"] == "https://example.com/policy"
    tomb = found["1578400100.000000"]
    assert tomb.deleted and tomb.text == "This message was deleted."
    assert tomb.author == ImportedAccount("slack", "USLACKBOT", "slackbot", "Slackbot")
    shared = found["1578301000.000001"]
    assert shared.author == KIM and not shared.deleted
    assert shared.attachments == [
        AttachmentRef("Screenshot 2020-01-06.png", missing=NOT_INCLUDED),
        AttachmentRef("F01FILE0002", missing="the file was deleted from Slack before the export"),
    ]
    unknown = found["1577836799.000000"]
    assert unknown.author == ImportedAccount("slack", "U01GONE0009", "gone.user", "Gone User")
    assert unknown.conversation == "old-channel"


def test_one_channel_folder_alone_and_a_zip(tmp_path: Path) -> None:
    items, unparsed = read_all(IMPORTER, WORKSPACE / "general")
    assert len(items) == 8 and len(unparsed) == 1
    assert {i.conversation for i in items} == {"general"}
    assert items[1].text.startswith("hey @U01ALEX0001, see #random")  # no users.json: ids
    archive = tmp_path / "Acme Slack export Jan 1 2020 - Jan 9 2020.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(WORKSPACE.rglob("*")):
            out.write(path, path.relative_to(WORKSPACE).as_posix())
    assert score(IMPORTER, archive) == 0.95
    zipped, _ = read_all(IMPORTER, archive)
    assert [i.text for i in zipped] == [i.text for i in read_all(IMPORTER, WORKSPACE)[0]]


def test_a_truncated_day_fails_alone_and_a_broken_users_file_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(WORKSPACE, folder)
    day = folder / "general" / "2020-01-07.json"
    day.write_bytes(day.read_bytes()[:300])
    (folder / "users.json").write_bytes(b'[{"id": "U01ALEX0001", "name": "alex.doe"}, {"id": ')
    outcome: dict[str, list[ImportedItem | Unparsed] | ImportFormatError] = {}
    with Source.open(folder) as source:
        for unit in IMPORTER.units(source, context()):
            try:
                outcome[unit.path] = list(IMPORTER.iter_items(source, unit, context()))
            except ImportFormatError as exc:
                outcome[unit.path] = exc
    error = outcome["general/2020-01-07.json"]
    assert isinstance(error, ImportFormatError) and "ends too early" in str(error)
    assert error.position == "general/2020-01-07.json line 12"
    first = outcome["D01DIRECT04/2020-01-08.json"]
    assert isinstance(first, list)
    problem, *messages = first
    assert isinstance(problem, Unparsed) and problem.position == "users.json line 1"
    assert "Names from it are shown as ids" in problem.message
    assert [m.author for m in messages if isinstance(m, ImportedItem)] == [
        ImportedAccount("slack", "U01ALEX0001", "alex.doe", "alex.doe"),
        ImportedAccount("slack", "U01SAM00002", "", ""),
    ]
    later = outcome["general/2020-01-06.json"]
    assert isinstance(later, list) and not any(
        isinstance(r, Unparsed) and "users" in r.position for r in later
    )


def test_invalid_utf8_and_wrong_shape(tmp_path: Path) -> None:
    channel = tmp_path / "general"
    channel.mkdir()
    (channel / "2021-02-03.json").write_bytes(
        b'[\n {"type": "message", "ts": "1612345678.000100", "text": "caf\xe9"}\n]'
    )
    with pytest.raises(ImportFormatError, match=r"line 2 .*not UTF-8") as err:
        read_all(IMPORTER, tmp_path)
    assert err.value.position == "general/2021-02-03.json line 2"
    (channel / "2021-02-03.json").write_text('[1, {"type": "message", "ts": 1612345678.5}]')
    items, unparsed = read_all(IMPORTER, tmp_path)
    assert items == [] and [u.message for u in unparsed] == [
        "this message is not a JSON object",
        "the message has no readable ts (1612345678.5)",
    ]
