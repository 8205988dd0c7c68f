"""The SMS Backup & Restore importer: sms, mms, calls, surrogate repair, streaming, errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from importers.helpers import DATA, context, read_all, score
from onrecord.errors import InputError
from onrecord.importers.base import AttachmentRef, ImportedAccount, ImportFormatError, Unparsed
from onrecord.importers.email_eml import IMPORTER as EML
from onrecord.importers.email_mbox import IMPORTER as MBOX
from onrecord.importers.sms_backup import (
    IMPORTER,
    ME,
    SurrogateRepairReader,
    repair_surrogates,
)
from onrecord.importers.source import Source

SMS = DATA / "sms" / "sms-20240115120000.xml"
CALLS = DATA / "sms" / "calls-20240115120000.xml"
PNG = b"\x89PNG\r\n\x1a\nsynthetic image"
STALKER = ImportedAccount("sms", "+447700900123", "+447700900123", "Unknown Caller")


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def key(*fields: str) -> str:
    return hashlib.sha256("|".join(fields).encode()).hexdigest()


def test_sms_in_out_null_and_newlines() -> None:
    items, unparsed = read_all(IMPORTER, SMS)
    assert (len(items), len(unparsed)) == (8, 2)
    received, sent, nulls = items[:3]
    assert received.position == "sms-20240115120000.xml /smses/sms[1]"
    assert (received.platform, received.kind) == ("sms", "sms")
    assert received.text == "You can't hide from me.\nI know your new address."
    assert received.author == ImportedAccount(
        "sms", "+447700900123", "+44 7700 900123", "Unknown Caller"
    )
    assert received.recipients == ["me"]
    assert received.sent_at == utc(2024, 1, 15, 8, 30)
    assert received.sent_at_original == "15 Jan 2024 09:30:00"
    assert received.time_zone_assumed is False
    assert received.platform_id is None
    assert received.conversation == "+447700900123"
    assert received.extra == {
        "type": "received",
        "dedupe_key": key(
            "+44 7700 900123",
            "1705307400000",
            "1",
            "You can't hide from me.\nI know your new address.",
        ),
        "readable_date": "15 Jan 2024 09:30:00",
        "contact_name": "Unknown Caller",
    }
    assert received.raw["service_center"] == "+447700900000"
    assert received.raw["subject"] == "null"
    assert sent.author == ME
    assert sent.recipients == ["+447700900123"]
    assert sent.conversation == "+447700900123"
    assert sent.sent_at == utc(2024, 1, 15, 8, 31, 0, 123000)
    assert sent.extra["type"] == "sent"
    assert nulls.text == ""
    assert nulls.author == ImportedAccount("sms", "01614960000", "(0161) 496-0000", "")
    assert nulls.extra["contact_name"] == ""
    assert nulls.conversation == "01614960000"


def test_surrogate_pairs_and_lone_surrogates() -> None:
    items, _ = read_all(IMPORTER, SMS)
    emoji, lone, mms = items[3], items[4], items[5]
    assert emoji.text == "Watching you \U0001f606 always"
    assert "notes" not in emoji.extra
    assert lone.text == "half \ufffd an emoji"
    assert lone.raw["body"] == "half \ufffd an emoji"
    assert lone.extra["notes"] == [
        "A character was written as half of an emoji code and is shown as \ufffd."
    ]
    assert mms.text == "Recognise this door?\n\U0001f440"


def test_mms_text_image_and_smil() -> None:
    items, _ = read_all(IMPORTER, SMS)
    mms = items[5]
    assert mms.position == "sms-20240115120000.xml /smses/mms[1]"
    assert mms.author == STALKER
    assert mms.recipients == ["+447700900999"]
    assert mms.sent_at == utc(2024, 1, 15, 9, 0)
    assert mms.conversation == "+447700900123"
    assert mms.attachments == [AttachmentRef("IMG_0042.png", part="mms 1 part 1")]
    assert mms.extra["attachment_parts"] == [
        {
            "key": "mms 1 part 1",
            "name": "IMG_0042.png",
            "content_type": "image/png",
            "size": len(PNG),
            "sha256": hashlib.sha256(PNG).hexdigest(),
        }
    ]
    assert mms.extra["msg_box"] == "received"
    assert mms.raw["parts"][1]["data"] == "<32 base64 characters>"
    assert mms.raw["parts"][0]["seq"] == "-1"
    with Source.open(SMS) as source:
        unit = next(IMPORTER.units(source, context()))
        assert IMPORTER.attachment_bytes(source, unit, "mms 1 part 1") == PNG
        assert list(IMPORTER.iter_attachment_bytes(source, unit)) == [("mms 1 part 1", PNG)]
        with pytest.raises(InputError, match="no readable attachment 'mms 3 part 0'"):
            IMPORTER.attachment_bytes(source, unit, "mms 3 part 0")  # invalid base64
        with pytest.raises(InputError, match="no readable attachment 'mms 9 part 0'"):
            IMPORTER.attachment_bytes(source, unit, "mms 9 part 0")


def test_group_mms_with_date_in_seconds() -> None:
    items, _ = read_all(IMPORTER, SMS)
    group = items[6]
    assert group.author == ME
    assert group.text == "Everyone: I have screenshots. Stop."
    assert group.sent_at == utc(2024, 1, 15, 10, 0)
    assert group.extra["date_unit"] == "seconds"
    assert group.conversation == "+447700900123~+447700900456~+447700900789"
    assert group.recipients == ["+447700900123", "+447700900456", "+447700900789"]
    assert group.extra["subject"] == "Group chat"


def test_invalid_base64_part_is_missing_and_the_message_imports() -> None:
    items, _ = read_all(IMPORTER, SMS)
    damaged = items[7]
    assert damaged.text == "see attached"
    assert damaged.author == ImportedAccount("sms", "+447700900456", "+447700900456", "Sam Quill")
    assert damaged.attachments == [
        AttachmentRef(
            "image0.jpg",
            missing="the backup holds damaged data for this file "
            "(invalid base64: Only base64 data is allowed)",
        ),
        AttachmentRef("video0.mp4", missing="not included in the backup"),
    ]
    assert damaged.extra["attachment_parts"] == []


def test_unparsed_records() -> None:
    _, unparsed = read_all(IMPORTER, SMS)
    assert unparsed == [
        Unparsed(
            "sms-20240115120000.xml /smses/sms[6]",
            "Could not read this record: an <sms> with neither an address nor a text.",
            '<sms protocol="0" address="null" date="1705316460000" type="1" body="null" '
            'readable_date="15 Jan 2024 12:01:00" contact_name="(Unknown)" />',
        ),
        Unparsed(
            "sms-20240115120000.xml /smses/rcs[1]",
            "A record of an unknown kind <rcs> (not an SMS, MMS or call).",
            '<rcs date="1705316470000" body="something new" />',
        ),
    ]


def test_calls_become_system_items() -> None:
    items, unparsed = read_all(IMPORTER, CALLS)
    assert unparsed == []
    assert [(i.kind, i.text) for i in items] == [
        ("system", "Call from +447700900123, duration 65 s"),
        ("system", "Missed call from +447700900123"),
        ("system", "Blocked call from a withheld number"),
        ("system", "Call to 999, duration 12 s"),
    ]
    assert [i.author for i in items] == [STALKER, STALKER, None, ME]
    assert items[0].sent_at == utc(2024, 1, 15, 6, 26, 40)
    assert items[0].position == "calls-20240115120000.xml /calls/call[1]"
    assert items[3].recipients == ["999"]
    assert items[0].extra["dedupe_key"] == key("+447700900123", "1705300000000", "1", "65")


@pytest.mark.parametrize(
    ("data", "repaired", "lone"),
    [
        (b"a&#55357;&#56838;b", b"a&#128518;b", 0),
        (b"&#xD83D;&#xDE00;", b"&#128512;", 0),
        (b"&#55357;x", b"&#64976;x", 1),
        (b"&#56838;&#55357;", b"&#64976;&#64976;", 2),
        (b"&#55357;&#55357;&#56838;", b"&#64976;&#128518;", 1),
        (b"&#65;&#10;&amp;&#55295;", b"&#65;&#10;&amp;&#55295;", 0),
    ],
)
def test_repair_surrogates(data: bytes, repaired: bytes, lone: int) -> None:
    assert repair_surrogates(data) == (repaired, lone)


def test_repair_reader_at_every_chunk_boundary() -> None:
    text = (
        b"<r a='x&#55357;&#56838;y&#xD83D;&#xDC40;&#55357;&amp;&#10;"
        b"&#55357;&#56838;&#55357;&#56838;' b='&#56838;' c='end&#55357;'/>"
    )
    expected = (
        b"<r a='x&#128518;y&#128064;&#64976;&amp;&#10;"
        b"&#128518;&#128518;' b='&#64976;' c='end&#64976;'/>"
    )
    for chunk in range(1, len(text) + 2):
        for size in (1, 3, 7, 4096, -1):
            reader = SurrogateRepairReader(io.BytesIO(text), chunk_size=chunk)
            out = b""
            while piece := reader.read(size):
                out += piece
                if size < 0:
                    break
            assert out == expected, (chunk, size)
            assert reader.lone == 3


def test_truncated_file_names_line_and_column(tmp_path: Path) -> None:
    data = SMS.read_bytes()
    cut = data[: data.index(b"<mms ") + 120]
    path = write(tmp_path, "sms-cut.xml", cut)
    with pytest.raises(ImportFormatError) as error:
        read_all(IMPORTER, path)
    message = str(error.value)
    assert message.startswith("Could not read sms-cut.xml at line 10, column ")
    assert "The backup may be incomplete or damaged" in message
    assert error.value.position == "sms-cut.xml line 10"


def test_invalid_utf8_wrong_root_and_empty(tmp_path: Path) -> None:
    bad = b"<?xml version='1.0' encoding='UTF-8'?>\n<smses>\n<sms body='caf\xe9' />\n</smses>\n"
    with pytest.raises(ImportFormatError, match="at line 3, column 15: not well-formed"):
        read_all(IMPORTER, write(tmp_path, "sms-bad.xml", bad))
    other = b"<?xml version='1.0'?>\n<smses-not><sms/></smses-not>\n"
    with pytest.raises(ImportFormatError, match="not an SMS Backup & Restore file"):
        read_all(IMPORTER, write(tmp_path, "x.xml", other))
    empty = write(tmp_path, "sms-empty.xml", b"<?xml version='1.0'?>\n<smses count='0' />\n")
    assert read_all(IMPORTER, empty) == ([], [])


def test_folder_and_zip_hold_both_files(tmp_path: Path) -> None:
    archive = tmp_path / "backup.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(SMS, "SMSBackupRestore/sms-20240115120000.xml")
        zf.write(CALLS, "SMSBackupRestore/calls-20240115120000.xml")
        zf.writestr("SMSBackupRestore/readme.txt", "not a backup")
    with Source.open(archive) as source:
        units = [u.path for u in IMPORTER.units(source, context())]
    assert units == [
        "SMSBackupRestore/calls-20240115120000.xml",
        "SMSBackupRestore/sms-20240115120000.xml",
    ]
    items, unparsed = read_all(IMPORTER, archive)
    assert (len(items), len(unparsed)) == (12, 2)


def test_memory_stays_flat_on_a_large_backup(tmp_path: Path) -> None:
    record = (
        b'  <sms protocol="0" address="+447700900123" date="1705307400000" type="1" '
        b'body="' + b"&#55357;&#56838; spam " * 40 + b'" readable_date="x" contact_name="y" />\n'
    )
    data = b"<?xml version='1.0'?>\n<smses count='1'>\n" + record * 4_000 + b"</smses>\n"
    path = write(tmp_path, "sms-big.xml", data)  # about 3.6 MB
    tracemalloc.start()
    count = 0
    with Source.open(path) as source:
        unit = next(IMPORTER.units(source, context()))
        for _ in IMPORTER.iter_items(source, unit, context()):
            count += 1
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 4_000
    assert peak < 1024 * 1024, peak


def test_score(tmp_path: Path) -> None:
    assert score(IMPORTER, SMS) == 1.0
    assert score(IMPORTER, CALLS) == 0.9
    assert score(IMPORTER, DATA / "sms") == 1.0
    assert score(IMPORTER, DATA / "email" / "takeout.mbox") == 0.0
    assert score(IMPORTER, DATA / "email" / "plain.eml") == 0.0
    rss = b"<?xml version='1.0'?>\n<rss><channel><item/></channel></rss>\n"
    assert score(IMPORTER, write(tmp_path, "feed.xml", rss)) == 0.0
    assert score(IMPORTER, write(tmp_path, "x.json", b'{"smses": []}')) == 0.0
    assert score(IMPORTER, write(tmp_path, "notes.txt", b"<smses>\n")) == 0.0
    assert score(EML, SMS) == 0.0
    assert score(MBOX, SMS) == 0.0


def test_alphanumeric_senders_short_codes_and_drafts(tmp_path: Path) -> None:
    data = (
        b"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count='3'>\n"
        b'<sms address="PARCEL-CO" date="1705307400000" type="1" body="Your code" '
        b'contact_name="(Unknown)" readable_date="null" />\n'
        b'<sms address="12345" date="1705307401000" type="1" body="STOP to end" '
        b'contact_name="(Unknown)" />\n'
        b'<sms address="+1 (555) 010-9999" date="1705307402000" type="3" body="unsent" />\n'
        b"</smses>\n"
    )
    items, unparsed = read_all(IMPORTER, write(tmp_path, "sms-small.xml", data))
    assert unparsed == []
    assert [i.author for i in items] == [
        ImportedAccount("sms", "PARCEL-CO", "PARCEL-CO", ""),
        ImportedAccount("sms", "12345", "12345", ""),
        ME,
    ]
    assert [i.conversation for i in items] == ["PARCEL-CO", "12345", "+15550109999"]
    assert items[2].extra["type"] == "draft"
    assert items[2].recipients == ["+15550109999"]
    assert [i.sent_at_original for i in items] == [
        "1705307400000",  # readable_date "null": the raw date is the original
        "1705307401000",
        "1705307402000",
    ]
