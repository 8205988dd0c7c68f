"""The mbox importer: streamed splitting, From-escaping, Gmail Takeout headers, attachments."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from importers.helpers import DATA, context, read_all, score
from onrecord.errors import InputError
from onrecord.importers.base import (
    AttachmentRef,
    ImportedAccount,
    ImportedItem,
    ImportFormatError,
    Unparsed,
)
from onrecord.importers.email_eml import IMPORTER as EML
from onrecord.importers.email_mbox import IMPORTER, split_mbox
from onrecord.importers.sms_backup import IMPORTER as SMS
from onrecord.importers.source import Source

TAKEOUT = DATA / "email" / "takeout.mbox"
PNG = b"\x89PNG\r\n\x1a\nsynthetic"


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_takeout_mbox() -> None:
    items, unparsed = read_all(IMPORTER, TAKEOUT, "Europe/Paris")
    assert unparsed == []
    assert [i.position for i in items] == [
        "takeout.mbox message 1 (line 1)",
        "takeout.mbox message 2 (line 18)",
        "takeout.mbox message 3 (line 36)",
        "takeout.mbox message 4 (line 61)",
    ]
    first, second, third, fourth = items
    assert first.text == (
        "I wrote this in a letter once:\nFrom now on you answer me.\n>From here it only gets worse."
    )
    assert first.extra["labels"] == ["Inbox", "Important", "Geöffnet", "Category Personal"]
    assert first.conversation == "1787245324872937456"
    assert first.author == ImportedAccount(
        "email", handle="rook.vandermeer@example.net", display_name="Rook Van der Meer"
    )
    assert (
        first.raw["mbox_from_line"] == "From 1787245324872937456@xxx Mon Jan 08 09:00:00 +0000 2024"
    )
    assert (first.raw["mbox_line"], first.raw["mbox_offset"]) == (1, 0)
    assert second.text == (
        "Stop contacting me.\n\nFrom the desk of a very tired person: stop.\n"
        "I kept a copy of everything.\n"
        "From rook.vandermeer@example.net Mon Jan 08 09:00:00 2024 is when it started."
    )
    assert second.author == ImportedAccount(
        "email", handle="ada.fenwick@example.org", display_name="Ada Fenwick"
    )
    assert second.sent_at == utc(2024, 1, 8, 10, 30)
    assert second.reply_to == "<mon-1@mail.example.net>"
    assert second.extra["labels"] == ["Sent"]
    assert third.conversation == "1787245324872937456"
    assert third.reply_to == "<ada-2@mail.example.org>"
    assert third.attachments == [
        AttachmentRef("your-house.png", part=[3, 0, third.raw["mbox_offset"]])
    ]
    assert third.extra["attachment_parts"] == [
        {
            "key": [3, 0, third.raw["mbox_offset"]],
            "name": "your-house.png",
            "content_type": "image/png",
            "size": len(b"\x89PNG\r\n\x1a\nsynthetic"),
            "sha256": hashlib.sha256(PNG).hexdigest(),
        }
    ]
    assert fourth.extra["subject"] == "été"
    assert fourth.sent_at == utc(2024, 1, 10, 7, 0)
    assert fourth.time_zone_assumed is True
    assert fourth.platform_id is None
    assert fourth.conversation == ""


def test_attachment_bytes_by_key_with_and_without_offset(tmp_path: Path) -> None:
    items, _ = read_all(IMPORTER, TAKEOUT)
    key = items[2].extra["attachment_parts"][0]["key"]
    with Source.open(TAKEOUT) as source:
        unit = next(IMPORTER.units(source, context()))
        assert IMPORTER.attachment_bytes(source, unit, key) == PNG
        assert IMPORTER.attachment_bytes(source, unit, key[:2]) == PNG
        with pytest.raises(InputError, match="no message 3 at the place recorded"):
            IMPORTER.attachment_bytes(source, unit, [3, 0, key[2] + 1])
        with pytest.raises(InputError, match="no attachment number 1"):
            IMPORTER.attachment_bytes(source, unit, [3, 1, key[2]])
    archive = tmp_path / "takeout.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(TAKEOUT, "Takeout/Mail/All mail Including Spam and Trash.mbox")
    with Source.open(archive) as source:
        unit = next(IMPORTER.units(source, context()))
        assert unit.path == "Takeout/Mail/All mail Including Spam and Trash.mbox"
        assert IMPORTER.attachment_bytes(source, unit, key) == PNG  # not seekable: skipped


def test_crlf_and_mixed_line_endings_and_mboxrd_unescaping(tmp_path: Path) -> None:
    data = (
        b"From a@example.com Sat Jan 13 10:00:00 2024\r\n"
        b"From: a@example.com\r\nSubject: one\r\nDate: Sat, 13 Jan 2024 10:00:00 +0000\r\n\r\n"
        b">>>From deep\r\n>From shallow\r\n> From not escaped\r\n\r\n"
        b"From b@example.com Sat Jan 13 11:00:00 2024\n"
        b"From: b@example.com\nSubject: two\n\nsecond\r\n"
    )
    items, unparsed = read_all(IMPORTER, write(tmp_path, "inbox.mbox", data))
    assert unparsed == []
    assert [i.text for i in items] == [">>From deep\nFrom shallow\n> From not escaped", "second"]
    assert [i.extra["subject"] for i in items] == ["one", "two"]
    assert items[1].position == "inbox.mbox message 2 (line 10)"


def test_a_message_without_headers_and_text_before_the_first_are_unparsed(
    tmp_path: Path,
) -> None:
    data = (
        b"stray text\n\n"
        b"From x@example.com Sun Jan 14 09:00:00 2024\nFrom: x@example.com\nSubject: ok\n\nfine\n\n"
        b"From y@example.com Sun Jan 14 09:05:00 2024\nX-Note: nothing useful\n\nno headers\n\n"
        b"From z@example.com Sun Jan 14 09:10:00 2024\nFrom: z@example.com\n\nlast\n"
    )
    items, unparsed = read_all(IMPORTER, write(tmp_path, "box.mbox", data))
    assert [i.text for i in items] == ["fine", "last"]
    assert [i.position for i in items] == [
        "box.mbox message 1 (line 3)",
        "box.mbox message 3 (line 14)",
    ]
    assert unparsed == [
        Unparsed(
            "box.mbox line 1",
            "Text before the first message (no 'From ' line starts it); it was kept as it is.",
            "stray text\n",
        ),
        Unparsed(
            "box.mbox message 2 (line 9)",
            "Message 2 has no e-mail headers (From, To, Date, Subject); it was kept as it is.",
            "X-Note: nothing useful\n\nno headers\n",
        ),
    ]


def test_not_an_mbox_and_empty_mbox(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="does not look like a mailbox") as error:
        read_all(IMPORTER, write(tmp_path, "notes.mbox", b"From the start, this is prose.\n"))
    assert error.value.position == "notes.mbox"
    assert read_all(IMPORTER, write(tmp_path, "empty.mbox", b"")) == ([], [])


def test_split_mbox_streams() -> None:
    """The splitter yields messages while the stream is still being read (never all of it)."""

    def endless() -> Iterator[bytes]:
        for number in itertools.count():
            yield b"From a@example.com Mon Jan 15 10:00:00 2024\n"
            yield b"From: a@example.com\n"
            yield b"\n"
            yield f"message {number}\n".encode()
            yield b"\n"

    chunks = list(itertools.islice(split_mbox(endless()), 3))
    assert [(c.number, c.line, c.data()) for c in chunks] == [
        (1, 1, b"From: a@example.com\n\nmessage 0\n"),
        (2, 6, b"From: a@example.com\n\nmessage 1\n"),
        (3, 11, b"From: a@example.com\n\nmessage 2\n"),
    ]


def test_memory_stays_flat_on_a_large_mbox(tmp_path: Path) -> None:
    message = (
        b"From a@example.com Mon Jan 15 10:00:00 2024\n"
        b"From: a@example.com\nSubject: s\nDate: Mon, 15 Jan 2024 10:00:00 +0000\n\n"
        + b"x" * 1000
        + b"\n\n"
    )
    path = write(tmp_path, "big.mbox", message * 3_000)  # about 3.2 MB
    tracemalloc.start()
    count = 0
    with Source.open(path) as source:
        unit = next(IMPORTER.units(source, context()))
        for _ in IMPORTER.iter_items(source, unit, context()):
            count += 1
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 3_000
    assert peak < 1024 * 1024, peak


def test_score(tmp_path: Path) -> None:
    assert score(IMPORTER, TAKEOUT) == 1.0
    assert score(IMPORTER, DATA / "email") == 1.0
    assert score(IMPORTER, write(tmp_path, "Inbox", TAKEOUT.read_bytes())) == 0.85
    assert score(IMPORTER, write(tmp_path, "empty.mbox", b"")) == 0.5
    assert score(IMPORTER, DATA / "email" / "plain.eml") == 0.0
    assert score(IMPORTER, DATA / "sms" / "sms-20240115120000.xml") == 0.0
    assert score(IMPORTER, write(tmp_path, "chat.txt", b"[01/02/2024, 10:00] A: hi\n")) == 0.0
    assert score(IMPORTER, write(tmp_path, "x.json", b'{"messages": []}')) == 0.0
    assert score(EML, TAKEOUT) == 0.0
    assert score(SMS, TAKEOUT) == 0.0


def test_one_message_the_email_library_fails_on_does_not_stop_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from onrecord.importers import email_mbox

    real = email_mbox.message_to_item

    def flaky(data: bytes, position: str, *args: Any) -> ImportedItem:
        if "message 2 " in position:
            raise RuntimeError("boom")
        return real(data, position, *args)

    monkeypatch.setattr(email_mbox, "message_to_item", flaky)
    items, unparsed = read_all(IMPORTER, TAKEOUT)
    assert len(items) == 3
    assert [(u.position, u.message) for u in unparsed] == [
        ("takeout.mbox message 2 (line 18)", "Message 2 could not be read (boom).")
    ]
    assert unparsed[0].raw.startswith("X-GM-THRID: 1787245324872937456\nX-Gmail-Labels: Sent\n")
