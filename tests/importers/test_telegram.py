"""Telegram Desktop result.json: one chat, old exports, whole account, streaming, breakage."""

from __future__ import annotations

import datetime as dt
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
from onrecord.importers.source import Source
from onrecord.importers.telegram import ABSENT, IMPORTER

HERE = DATA / "telegram"
CHAT = HERE / "chat"
ACCOUNT = HERE / "account" / "result.json"
UTC = dt.UTC
JORDAN = ImportedAccount("telegram", "user5123456789", "", "Jordan Vale")
RILEY = ImportedAccount("telegram", "user4400112233", "", "Riley Moss")
NOT_INCLUDED = (
    "Telegram left it out of the export: "
    "(File not included. Change data exporting settings to download.)"
)


Outcome = list[ImportedItem | Unparsed] | ImportFormatError


def each_unit(path: Path, *, listed_first: bool = False) -> list[tuple[str, Outcome]]:
    """(label, records or the error) per unit, as the pipeline reads them."""
    outcome: list[tuple[str, Outcome]] = []
    with Source.open(path) as source:
        units = IMPORTER.units(source, context())
        for unit in list(units) if listed_first else units:
            try:
                outcome.append((unit.label, list(IMPORTER.iter_items(source, unit, context()))))
            except ImportFormatError as exc:
                outcome.append((unit.label, exc))
    return outcome


def test_scores_high_on_exports_and_zero_on_other_formats(tmp_path: Path) -> None:
    assert score(IMPORTER, CHAT) == 0.95
    assert score(IMPORTER, CHAT / "result.json") == 0.95
    assert score(IMPORTER, HERE / "old") == 0.95
    assert score(IMPORTER, ACCOUNT) == 0.95
    other = tmp_path / "result.json"
    other.write_text('{"status": "ok", "result": []}')
    notes = tmp_path / "notes.txt"
    notes.write_text('"messages" "type": "personal_chat"\n')
    general = DATA / "discord-exporter" / "server"
    for path in (
        other,
        notes,
        DATA / "whatsapp",
        general,
        DATA / "slack",
        DATA / "discord-package",
    ):
        assert score(IMPORTER, path) == 0.0
    assert score(IMPORTER, next(general.glob("Oakridge*.json"))) == 0.0


def test_one_chat_texts_times_authors_and_extras() -> None:
    items, unparsed = read_all(IMPORTER, CHAT, "Europe/Berlin")
    assert [i.platform_id for i in items] == [str(n) for n in range(101, 111)]
    assert {i.conversation for i in items} == {"5123456789"}
    hello, stop, photo, forward, voice, sticker, call, ghost, poll, place = items
    assert hello.author == JORDAN and hello.text == "hi, remember me?"
    assert hello.sent_at == dt.datetime(2023, 6, 1, 19, 15, 2, tzinfo=UTC)
    assert not hello.time_zone_assumed
    assert hello.sent_at_original == "2023-06-01T21:15:02 (unix 1685646902)"
    assert hello.position == "result.json $.messages[0]"
    assert hello.extra == {"chat_name": "Jordan Vale", "chat_type": "personal_chat"}
    assert stop.author == RILEY and stop.reply_to == "101"
    assert stop.text == "please stop contacting me. see this Jordan"
    assert stop.extra["links"] == ["https://example.org/report"]
    assert stop.extra["mentioned_user_ids"] == ["5123456789"]
    assert stop.edited_at == dt.datetime(2023, 6, 1, 19, 20, tzinfo=UTC)
    assert stop.raw["text"][1] == {"type": "bold", "text": "stop"}
    assert photo.text == "" and photo.extra["reactions"][0]["emoji"] == "\U0001f44e"
    assert photo.attachments == [
        AttachmentRef(
            "photo_1@01-06-2023_21-30-00.jpg", path="photos/photo_1@01-06-2023_21-30-00.jpg"
        )
    ]
    assert forward.attachments == [AttachmentRef("plans.pdf", missing=NOT_INCLUDED)]
    assert forward.extra["forwarded_from"] == "Anon Channel"
    assert voice.attachments == [
        AttachmentRef(
            "audio_1@01-06-2023_21-32-00.ogg",
            missing=f"voice_messages/audio_1@01-06-2023_21-32-00.ogg: {ABSENT}",
        )
    ]
    assert voice.extra["media_type"] == "voice_message" and voice.extra["duration_seconds"] == 7
    assert sticker.attachments == [AttachmentRef("sticker.webp", path="stickers/sticker.webp")]
    assert (
        sticker.extra["sticker_emoji"] == "\U0001f608" and sticker.extra["via_bot"] == "@stickerbot"
    )
    assert call.kind == "system" and call.author == JORDAN and call.text == ""
    assert call.extra["action"] == "phone_call" and call.extra["actor"] == "Jordan Vale"
    assert call.extra["discard_reason"] == "missed"
    assert ghost.author == ImportedAccount("telegram", "user7000000001", "", "Deleted Account")
    assert ghost.text == "you cannot block all of us"
    assert poll.extra["poll"]["question"] == "who is next?"
    assert place.reply_to is None and place.extra["reply_to_peer_id"] == "channel1999000000"
    assert place.extra["location_information"] == {"latitude": 51.5, "longitude": -0.12}
    assert unparsed == [
        Unparsed(
            "result.json $.messages[10]",
            "the message has no readable date ('not a date')",
            '{"id": 111, "type": "message", "date": "not a date", "from": "Jordan Vale", '
            '"from_id": "user5123456789", "text": "broken"}',
        )
    ]


def test_old_export_without_unix_times_assumes_the_case_zone() -> None:
    items, unparsed = read_all(IMPORTER, HERE / "old", "Europe/Berlin")
    created, hello, unix_only = items
    assert not unparsed
    assert created.kind == "system" and created.extra["action"] == "create_group"
    assert created.author == ImportedAccount("telegram", "4400112233", "", "Riley Moss")
    assert created.sent_at == dt.datetime(2019, 7, 12, 14, 55, 32, tzinfo=UTC)
    assert created.time_zone_assumed and created.sent_at_original == "2019-07-12T16:55:32"
    assert hello.edited_at == dt.datetime(2019, 7, 12, 15, 0, tzinfo=UTC)
    assert unix_only.sent_at == dt.datetime(2019, 7, 12, 16, 0, tzinfo=UTC)
    assert not unix_only.time_zone_assumed and unix_only.sent_at_original == "(unix 1562947200)"


def test_whole_account_one_unit_per_chat_left_chats_included() -> None:
    outcome = each_unit(ACCOUNT)
    assert [label for label, _ in outcome] == [
        "Jordan Vale (personal_chat)",
        "Neighbourhood Watch (private_supergroup)",
        "$.chats.list[2] (saved_messages)",
        "Old Channel (public_channel)",
    ]
    items = [
        item
        for _label, records in outcome
        if isinstance(records, list)
        for item in records
        if isinstance(item, ImportedItem)
    ]
    assert [(i.conversation, i.platform_id, i.text) for i in items] == [
        ("5123456789", "1", "first in chat one"),
        ("5123456789", "2", "reply in chat one"),
        ("1777000111", "1", ""),
        ("1777000111", "2", "same id as in chat one"),
        ("1999000000", "55", "channel post"),
    ]
    assert items[1].reply_to == "1" and items[2].kind == "system"
    assert items[2].extra["members"] == ["Jordan Vale"]
    assert items[3].position == "result.json $.chats.list[1].messages[1]"
    assert items[4].position == "result.json $.left_chats.list[0].messages[0]"
    assert items[4].author == ImportedAccount("telegram", "channel1999000000", "", "Old Channel")
    assert items[4].extra["author"] == "Admin Sig"
    assert each_unit(ACCOUNT, listed_first=True) == outcome


def test_a_cut_account_file_keeps_the_chats_before_the_cut(tmp_path: Path) -> None:
    data = ACCOUNT.read_bytes()
    inside = tmp_path / "inside.json"
    inside.write_bytes(data[: data.index(b"same id as in chat one")])
    line = data[: data.index(b"same id as in chat one")].count(b"\n") + 1
    for listed_first in (False, True):
        outcome = each_unit(inside, listed_first=listed_first)
        assert [label for label, _ in outcome][:2] == [
            "Jordan Vale (personal_chat)",
            "Neighbourhood Watch (private_supergroup)",
        ]
        first, error = outcome[0][1], outcome[1][1]
        assert isinstance(first, list) and len(first) == 2
        assert isinstance(error, ImportFormatError) and "ends too early" in str(error)
        assert error.position == f"inside.json line {line}"
    assert len(each_unit(inside)) == 2
    between = tmp_path / "between.json"
    between.write_bytes(data[: data.index(b"This page lists all supergroups")])
    outcome = each_unit(between)
    assert [label for label, _ in outcome][-1] == "between.json (unreadable part)"
    assert len(outcome) == 4 and isinstance(outcome[-1][1], ImportFormatError)


def test_a_zip_finds_the_media_and_broken_files_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "ChatExport_2023-06-02.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(CHAT.rglob("*")):
            out.write(path, "ChatExport_2023-06-02/" + path.relative_to(CHAT).as_posix())
    items, _ = read_all(IMPORTER, archive)
    assert items[2].attachments[0].path == (
        "ChatExport_2023-06-02/photos/photo_1@01-06-2023_21-30-00.jpg"
    )
    assert items[2].position == "ChatExport_2023-06-02/result.json $.messages[2]"
    cases = {
        "empty.json": (b"", "line 1 .*ends too early"),
        "array.json": (b"[]", "not a Telegram export"),
        "latin.json": (
            b'{"name": "x", "type": "personal_chat", "id": 1, "messages": [\n{"id": 1, '
            b'"type": "message", "date": "2020-01-01T00:00:00", "text": "caf\xe9"}]}',
            "line 2 .*not UTF-8",
        ),
    }
    for name, (data, pattern) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ImportFormatError, match=pattern):
            read_all(IMPORTER, path)
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + (CHAT / "result.json").read_bytes())
    assert len(read_all(IMPORTER, bom)[0]) == 10
