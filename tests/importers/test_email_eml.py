"""The .eml importer: headers, encodings, bodies, dates, threading and attachments."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

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
from onrecord.importers.email_eml import IMPORTER, html_to_text
from onrecord.importers.email_mbox import IMPORTER as MBOX
from onrecord.importers.sms_backup import IMPORTER as SMS
from onrecord.importers.source import Source

EMAIL = DATA / "email"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def one(path: Path, time_zone: str = "UTC") -> ImportedItem:
    items, unparsed = read_all(IMPORTER, path, time_zone)
    assert unparsed == []
    assert len(items) == 1
    return items[0]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_plain_reply_with_encoded_words_and_received_chain() -> None:
    item = one(EMAIL / "plain.eml")
    assert (item.platform, item.kind, item.position) == ("email", "email", "plain.eml")
    assert item.author == ImportedAccount(
        "email", handle="rook.vandermeer@example.net", display_name="Rook Van der Meer"
    )
    assert item.recipients == [
        "ada.fenwick@example.org",
        "support@example.org",
        "plain@example.com",
    ]
    assert item.sent_at == utc(2024, 1, 2, 9, 0)
    assert item.sent_at_original == "Tue, 2 Jan 2024 10:00:00 +0100"
    assert item.time_zone_assumed is False
    assert item.platform_id == "<reply-2@mail.example.net>"
    assert item.conversation == "<root-0@mail.example.org>"
    assert item.reply_to == "<first-1@mail.example.org>"
    assert item.text == (
        "I know where you live, Ada. Ça ne fait que commencer.\n"
        "This line is long enough that it was soft-wrapped by the quoted-printable encoder."
    )
    assert item.extra["subject"] == "Menace reçue"
    assert item.extra["date_source"] == "date header"
    headers = item.extra["headers"]
    assert [name for name, _ in headers][:3] == ["Return-Path", "Received", "Received"]
    assert len(headers) == 14
    assert headers[1][1].endswith(
        "for <ada.fenwick@example.org>; Tue, 02 Jan 2024 10:00:05 +0100 (CET)"
    )
    assert headers[2][1].startswith("from [198.51.100.7] by mail.example.net with ESMTPSA;")
    assert ["Subject", "Menace reçue"] in headers
    assert ["Subject", "=?UTF-8?B?TWVuYWNlIHJlw6d1ZQ==?="] in item.raw["headers"]
    assert item.attachments == []
    assert item.extra["attachment_parts"] == []


def test_alternative_prefers_plain_text_and_keeps_html() -> None:
    item = one(EMAIL / "alternative.eml")
    assert item.author == ImportedAccount(
        "email", handle="renee.dupre@example.fr", display_name="Renée Dupré"
    )
    assert item.extra["subject"] == "Réponse à votre message"
    assert item.text == "Vous n'avez pas répondu. Je reviendrai."
    assert item.extra["html"] == "<p>Vous n'avez pas répondu. <b>Je reviendrai.</b></p>\n"
    assert item.sent_at == utc(2024, 1, 3, 23, 30)
    assert item.conversation == item.platform_id == "<alt-3@example.fr>"
    assert item.reply_to is None


def test_mixed_with_base64_pdf_and_rfc2231_name(tmp_path: Path) -> None:
    item = one(EMAIL / "mixed_attachment.eml")
    assert item.extra["subject"] == "你好 - see attached"
    assert item.text == "Ça dépasse les bornes.\nJe garde une trace de tout."
    assert item.attachments == [
        AttachmentRef("photos.pdf", part=0),
        AttachmentRef("adresse de Renée.csv", part=1),
    ]
    assert item.extra["attachment_parts"] == [
        {
            "key": 0,
            "name": "photos.pdf",
            "content_type": "application/pdf",
            "size": len(PDF),
            "sha256": hashlib.sha256(PDF).hexdigest(),
        },
        {
            "key": 1,
            "name": "adresse de Renée.csv",
            "content_type": "text/csv",
            "size": 12,
            "sha256": hashlib.sha256(b"hello,world\n").hexdigest(),
        },
    ]
    with Source.open(EMAIL / "mixed_attachment.eml") as source:
        unit = next(IMPORTER.units(source, context()))
        assert IMPORTER.attachment_bytes(source, unit, 0) == PDF
        assert IMPORTER.attachment_bytes(source, unit, 1) == b"hello,world\n"
        with pytest.raises(InputError, match="no attachment number 2"):
            IMPORTER.attachment_bytes(source, unit, 2)


def test_html_only_is_converted_and_a_name_holding_an_address_is_not_the_sender() -> None:
    item = one(EMAIL / "html_only.eml")
    assert item.text == "You will regret this & you know it.\n\nLine\xa0two <3\nlast line"
    assert "<script>" in item.extra["html"]
    assert item.author == ImportedAccount(
        "email", handle="anon-4471@throwaway.example", display_name="security@bank.example"
    )


def test_html_to_text_drops_scripts_styles_and_head() -> None:
    markup = (
        "<html><head><title>Hidden</title><style>.a{}</style></head><body>"
        "<script>var x = 1;</script><div>A&nbsp;&eacute;&#233;</div><ul><li>one</li>"
        "<li>two</li></ul>&amp;lt;</body></html>"
    )
    assert html_to_text(markup) == "A\xa0éé\n\none\n\ntwo\n\n&lt;"


def test_missing_date_falls_back_to_the_newest_received_header() -> None:
    item = one(EMAIL / "missing_date.eml")
    assert item.sent_at == utc(2024, 1, 6, 10, 0, 30)
    assert item.sent_at_original == "Sat, 6 Jan 2024 12:00:30 +0200"
    assert item.extra["date_source"] == "received header"
    assert "date_header" not in item.extra


def test_invalid_date_falls_back_to_the_first_readable_received_header() -> None:
    item = one(EMAIL / "invalid_date.eml")
    assert item.sent_at == utc(2024, 1, 7, 15, 7, 7)
    assert item.extra["date_source"] == "received header"
    assert item.extra["date_header"] == "sometime last tuesday"


def test_undecodable_8bit_headers_mixed_line_endings_unknown_charset(tmp_path: Path) -> None:
    data = (
        b"From: J\xc3\xb6rg Tester <jorg@example.com>\r\n"
        b"To: Ada <ada@example.org>,\n\tBee <BEE@Example.org>\r"
        b"Subject: caf\xe9 cr\xe8me\r\n"
        b"Message-ID: <8bit@example.com>\n"
        b"Content-Type: text/plain; charset=x-klingon\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n"
        b"\r\n"
        b"line one \xe9t\xe9\r\nline two\rline three\n"
    )
    item = one(write(tmp_path, "8bit.eml", data))
    assert item.author == ImportedAccount(
        "email", handle="jorg@example.com", display_name="Jörg Tester"
    )
    assert item.recipients == ["ada@example.org", "bee@example.org"]
    assert item.extra["subject"] == "caf\ufffd cr\ufffdme"
    assert item.extra["header_notes"] == [
        "The Subject header holds bytes that are not UTF-8; they are shown as \ufffd."
    ]
    assert ["Subject", "caf\\xe9 cr\\xe8me"] in item.raw["headers"]
    assert item.text == "line one été\nline two\nline three"
    assert item.extra["charset_notes"] == [
        'A text part declared the unknown charset "x-klingon" and was not plain ASCII; '
        "it was read as Latin-1."
    ]
    assert item.sent_at is None
    assert item.extra["date_source"] == "none"
    assert item.conversation == "<8bit@example.com>"


def test_headers_that_policy_default_rejects_fall_back_to_compat32(tmp_path: Path) -> None:
    data = (
        b'From: "Unclosed <broken@example.com>\n'
        b'To: "\n'
        b"Cc: =?UTF-8?Q?Line=0AOne?= <Two@Example.com>\n"
        b"Subject: =?utf-8?q?ok?=\n"
        b"Message-ID: <>\n"
        b"Date: Tue, 2 Jan 2024 10:00:00 -0000\n\nbody\n"
    )
    item = one(write(tmp_path, "odd.eml", data))
    assert item.platform_id == "<>"
    assert item.recipients == ["two@example.com"]
    assert item.extra["subject"] == "ok"
    assert item.author is not None and item.author.handle == "broken@example.com"
    assert ["To", '"'] in item.extra["headers"]
    assert item.sent_at == utc(2024, 1, 2, 10, 0)
    assert item.time_zone_assumed is False


def test_display_name_with_encoded_newline_is_one_line(tmp_path: Path) -> None:
    data = b"From: =?UTF-8?Q?Jane=0A_Doe?= <jane@example.com>\nSubject: x\n\nhi\n"
    item = one(write(tmp_path, "nl.eml", data))
    assert item.author == ImportedAccount(
        "email", handle="jane@example.com", display_name="Jane Doe"
    )


@pytest.mark.parametrize(
    ("date", "expected", "assumed"),
    [
        ("Wed, 10 Jan 2024 08:00:00", utc(2024, 1, 10, 7, 0), True),
        ("Wed, 10 Jan 2024 08:00:00 CET", utc(2024, 1, 10, 7, 0), True),
        ("Wed, 10 Jan 2024 08:00:00 EST", utc(2024, 1, 10, 13, 0), False),
        ("Wed, 10 Jan 2024 08:00:00 -0000", utc(2024, 1, 10, 8, 0), False),
        ("10 Jan 24 08:00 +0530", utc(2024, 1, 10, 2, 30), False),
    ],
)
def test_date_zones(tmp_path: Path, date: str, expected: dt.datetime, assumed: bool) -> None:
    data = f"From: a@example.com\nDate: {date}\n\nx\n".encode()
    item = one(write(tmp_path, "d.eml", data), "Europe/Paris")
    assert (item.sent_at, item.time_zone_assumed, item.sent_at_original) == (
        expected,
        assumed,
        date,
    )


def test_forwarded_message_inline_image_and_damaged_base64(tmp_path: Path) -> None:
    data = (
        b"From: a@example.com\nSubject: fwd\nX-GM-THRID: 1790000000000000001\n"
        b'X-Gmail-Labels: Inbox,"Trash, old"\n'
        b'Content-Type: multipart/mixed; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain\n\nsee below\n"
        b"--B\nContent-Type: message/rfc822\n\n"
        b"From: b@example.com\nSubject: inner\n\ninner body\n"
        b"--B\nContent-Type: image/gif\nContent-ID: <x>\nContent-Transfer-Encoding: base64\n\n"
        b"R0lGODlh\n"
        b"--B\nContent-Type: application/octet-stream; name=broken.bin\n"
        b"Content-Transfer-Encoding: base64\n\nAAE*C\n"
        b"--B--\n"
    )
    path = write(tmp_path, "fwd.eml", data)
    item = one(path)
    assert item.text == "see below"
    assert item.conversation == "1790000000000000001"
    assert item.extra["labels"] == ["Inbox", "Trash, old"]
    assert [a.name for a in item.attachments] == [
        "attached-message-1.eml",
        "attachment-2",
        "broken.bin",
    ]
    parts = item.extra["attachment_parts"]
    assert [p["content_type"] for p in parts] == [
        "message/rfc822",
        "image/gif",
        "application/octet-stream",
    ]
    assert "note" not in parts[1]
    assert (
        parts[2]["note"] == "The attachment's base64 was damaged; what could be decoded was kept."
    )
    with Source.open(path) as source:
        unit = next(IMPORTER.units(source, context()))
        assert IMPORTER.attachment_bytes(source, unit, 0) == (
            b"From: b@example.com\nSubject: inner\n\ninner body"
        )
        assert IMPORTER.attachment_bytes(source, unit, 1) == b"GIF89a"
        assert parts[1]["sha256"] == hashlib.sha256(b"GIF89a").hexdigest()


def test_folder_and_zip_give_one_unit_per_file(tmp_path: Path) -> None:
    items, unparsed = read_all(IMPORTER, EMAIL)
    assert unparsed == []
    assert [i.position for i in items] == [
        "alternative.eml",
        "html_only.eml",
        "invalid_date.eml",
        "missing_date.eml",
        "mixed_attachment.eml",
        "plain.eml",
    ]
    archive = tmp_path / "mail.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(EMAIL / "plain.eml", "saved/plain.eml")
        zf.write(EMAIL / "mixed_attachment.eml", "saved/Mixed.EML")
    items, _ = read_all(IMPORTER, archive)
    assert [i.position for i in items] == ["saved/Mixed.EML", "saved/plain.eml"]
    with Source.open(archive) as source:
        unit = next(IMPORTER.units(source, context()))
        assert IMPORTER.attachment_bytes(source, unit, 0) == PDF


def test_empty_and_not_an_email_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match=r"empty\.eml is empty") as empty:
        read_all(IMPORTER, write(tmp_path, "empty.eml", b"\n\n"))
    assert empty.value.position == "empty.eml"
    with pytest.raises(ImportFormatError, match="does not look like an e-mail"):
        read_all(IMPORTER, write(tmp_path, "note.eml", b"just some notes\nnothing else\n"))


def test_score(tmp_path: Path) -> None:
    assert score(IMPORTER, EMAIL / "plain.eml") == 0.95
    assert score(IMPORTER, EMAIL) == 0.95
    headers = b"From: a@example.com\nTo: b@example.com\nSubject: s\n\nbody\n"
    assert score(IMPORTER, write(tmp_path, "saved.txt", headers)) == 0.6
    assert score(IMPORTER, EMAIL / "takeout.mbox") == 0.0
    assert score(IMPORTER, DATA / "sms" / "sms-20240115120000.xml") == 0.0
    assert score(IMPORTER, write(tmp_path, "notes.txt", b"Dear diary,\nnothing.\n")) == 0.0
    assert score(IMPORTER, write(tmp_path, "x.json", b'{"messages": []}')) == 0.0
    assert score(MBOX, EMAIL / "plain.eml") == 0.0
    assert score(SMS, EMAIL / "plain.eml") == 0.0


def test_eml_saved_with_an_mbox_from_line(tmp_path: Path) -> None:
    data = b"From a@example.com Mon Jan 15 10:00:00 2024\nFrom: a@example.com\nSubject: s\n\nhi\n"
    path = write(tmp_path, "saved.eml", data)
    assert score(IMPORTER, path) == 0.95
    item = one(path)
    assert (item.text, item.extra["subject"]) == ("hi", "s")
    assert item.extra["headers"] == [["From", "a@example.com"], ["Subject", "s"]]


def test_a_message_the_email_library_fails_on_is_unparsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> ImportedItem:
        raise RuntimeError("boom")

    monkeypatch.setattr("onrecord.importers.email_eml.message_to_item", fail)
    items, unparsed = read_all(IMPORTER, write(tmp_path, "x.eml", b"From: a@example.com\n\nhi\n"))
    assert items == []
    assert unparsed == [
        Unparsed("x.eml", "This e-mail could not be read (boom).", "From: a@example.com\n\nhi\n")
    ]


def test_bounce_report_keeps_the_explanation_and_the_returned_message(tmp_path: Path) -> None:
    data = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\n"
        b"To: ada.fenwick@example.org\nSubject: Undelivered Mail Returned to Sender\n"
        b"Date: Mon, 15 Jan 2024 10:00:00 +0000\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\n\n'
        b"--R\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
        b"--R\nContent-Type: message/delivery-status\n\n"
        b"Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; x@example.net\n"
        b"Action: failed\n"
        b"--R\nContent-Type: message/rfc822\n\n"
        b"From: ada.fenwick@example.org\nSubject: please stop\n\nplease stop\n"
        b"--R--\n"
    )
    item = one(write(tmp_path, "bounce.eml", data))
    assert item.text == "Your message could not be delivered."
    assert item.author == ImportedAccount(
        "email", handle="mailer-daemon@mx.example.org", display_name="Mail Delivery System"
    )
    assert item.attachments == [AttachmentRef("attached-message-1.eml", part=0)]
    assert item.extra["attachment_parts"][0]["content_type"] == "message/rfc822"
