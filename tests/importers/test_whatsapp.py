"""WhatsApp "Export chat": every header layout, date order from the whole file, authors,
system lines, media, the zip with its files, broken files, and flat memory on long chats."""

from __future__ import annotations

import datetime as dt
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from importers.helpers import DATA, context, read_all, score
from onrecord.importers.base import AttachmentRef, ImportedAccount, ImportFormatError
from onrecord.importers.source import Source
from onrecord.importers.whatsapp import IMPORTER, MISSING_MEDIA

WA = DATA / "whatsapp"
UTC = dt.UTC


def when(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_android_24h_day_first_chat() -> None:
    items, unparsed = read_all(IMPORTER, WA / "Chat with Alex Doe.txt", "Europe/London")
    assert unparsed == []
    assert [i.kind for i in items] == ["system"] + ["message"] * 7 + ["system", "message"]
    notice, first, reply, multi, omitted, attached, deleted, edited, call, phone = items
    assert notice.author is None and notice.text.startswith("Messages and calls are end-to-end")
    assert first.author == ImportedAccount("whatsapp", None, "Alex Doe", "Alex Doe")
    assert first.text == "hey, saw your post from the run club"
    assert first.sent_at == when(2025, 4, 6, 13, 3)  # 14:03 BST
    assert first.sent_at_original == "06/04/25, 14:03"
    assert first.time_zone_assumed and first.platform_id is None
    assert first.conversation == "Chat with Alex Doe"
    assert first.position == "Chat with Alex Doe.txt line 2"
    assert first.extra == {"date_order": "day-first"}
    assert reply.author is not None and reply.author.display_name == "Jordan Kay"
    # a line shaped like another header layout (a pasted timestamp) continues the message
    assert multi.text == (
        "someone who knows where you park\nevery day\n"
        "2025-04-06 10:00 - this line is pasted, not a header"
    )
    assert multi.raw.count("\n") == 2
    assert omitted.attachments == [AttachmentRef("<Media omitted>", None, MISSING_MEDIA)]
    assert attached.text == "IMG-20250406-WA0003.jpg (file attached)\nlook at this"
    assert attached.attachments == [
        AttachmentRef("IMG-20250406-WA0003.jpg", None, "the file is not in this export")
    ]
    assert (
        deleted.deleted and deleted.kind == "message" and deleted.text == "This message was deleted"
    )
    assert edited.text == "you can't hide" and edited.extra["edited"] is True
    assert call.text == "Missed voice call" and call.author is not None
    assert phone.author == ImportedAccount(
        "whatsapp", None, "+447700900123", "+44\u00a07700\u2011900123"
    )
    assert phone.text == "who's this? time: now"
    assert phone.sent_at == when(2025, 4, 13, 8, 18)


def test_android_12h_month_first_with_narrow_no_break_space() -> None:
    path = WA / "WhatsApp Chat with Sam Lee.txt"
    assert "\u202fPM" in path.read_text(encoding="utf-8")
    items, unparsed = read_all(IMPORTER, path, "America/New_York")
    assert unparsed == []
    assert [i.sent_at for i in items] == [
        when(2024, 4, 3, 1, 5),  # 4/2 9:05 PM EDT
        when(2024, 4, 3, 1, 6),
        when(2024, 4, 15, 4, 1),  # 12:01 AM is just after midnight
        when(2024, 4, 15, 16, 30),  # 12:30 PM is just after noon
    ]
    assert items[0].sent_at_original == "4/2/24, 9:05\u202fPM"
    assert items[0].extra == {"date_order": "month-first"}
    assert items[1].author == ImportedAccount(
        "whatsapp", None, "+15550102233", "+1\u00a0555\u2011010\u20112233"
    )
    assert items[1].text == "Pay 500 by Friday"


def test_ios_bracketed_with_marks_seconds_and_a_bom() -> None:
    folder = WA / "WhatsApp Chat - Fairview Runners"
    data = (folder / "_chat.txt").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "\u200e[".encode() in data
    items, unparsed = read_all(IMPORTER, folder, "Europe/London")
    assert unparsed == []
    assert {i.conversation for i in items} == {"WhatsApp Chat - Fairview Runners"}
    texts = [(i.kind, i.author.display_name if i.author else None, i.text) for i in items]
    assert texts == [
        (
            "system",
            None,
            "Messages and calls are end-to-end encrypted. Only people in this chat can read, "
            "listen to, or share them.",
        ),
        ("system", None, "Alex Doe added Dr: Who"),
        ("message", "Alex Doe", "morning run at 7"),
        ("message", "Riley Stone", "<attached: 00000012-PHOTO-2025-04-06-14-06-01.jpg>"),
        ("message", "Dr: Who", "note: bring water"),
        ("message", "Alex Doe", "image omitted"),
        ("message", "Riley Stone", "This message was deleted."),
        ("system", None, "Dr: Who left"),
    ]
    assert items[0].extra["shown_under"] == "Fairview Runners"
    assert items[0].sent_at == when(2025, 4, 6, 13, 3, 12)
    assert items[0].sent_at_original == "06/04/2025, 14:03:12"
    assert items[0].position == "_chat.txt line 1"
    assert items[3].extra == {"date_order": "day-first", "not_a_saved_contact": True}
    assert items[3].author is not None and items[3].author.handle == "Riley Stone"
    assert items[3].attachments == [
        AttachmentRef(
            "00000012-PHOTO-2025-04-06-14-06-01.jpg", None, "the file is not in this export"
        )
    ]
    assert items[5].attachments == [AttachmentRef("image omitted", None, MISSING_MEDIA)]
    assert items[6].deleted and items[6].sent_at == when(2025, 4, 21, 7, 0)
    # the same file given alone is named after itself
    alone, _ = read_all(IMPORTER, folder / "_chat.txt")
    assert {i.conversation for i in alone} == {"_chat"}


def test_german_dotted_dates_and_localised_placeholders() -> None:
    items, unparsed = read_all(IMPORTER, WA / "Chat mit Kim Berg.txt", "Europe/Berlin")
    assert unparsed == []
    assert [i.sent_at for i in items] == [
        when(2025, 4, 6, 12, 3),
        when(2025, 4, 6, 12, 4),
        when(2025, 4, 30, 21, 59),
        when(2025, 4, 30, 22, 0),
    ]
    assert items[0].text == "Hallo, ich weiß, wo du wohnst"
    assert items[2].attachments == [AttachmentRef("<Medien ausgeschlossen>", None, MISSING_MEDIA)]
    assert items[3].deleted and not items[2].deleted


def test_date_order_is_decided_from_the_whole_file() -> None:
    items, _ = read_all(IMPORTER, WA / "Chat with Morgan Pike.txt")
    # only the last line has a first field above 12; the first line is still 3 April
    assert items[0].sent_at == when(2024, 4, 3, 10, 0)
    assert items[9].sent_at == when(2024, 4, 12, 10, 0)
    assert items[-1].sent_at == when(2024, 4, 25, 10, 0)
    assert all(i.extra == {"date_order": "day-first"} for i in items)


def test_names_with_colons_and_group_system_lines() -> None:
    items, _ = read_all(IMPORTER, WA / "WhatsApp Chat with Book Club.txt")
    got = [(i.kind, i.author.display_name if i.author else None, i.text) for i in items]
    assert got == [
        ("system", None, 'Alex Doe created group "Book Club: 2024"'),
        ("system", None, "Alex Doe added Dr: Who"),
        ("message", "Dr: Who", "hi: everyone"),
        ("message", "Alex Doe", "note: meeting moved"),
        ("system", None, 'Alex Doe changed the subject from "Book Club: 2024" to "Books: 2025"'),
        ("system", None, "Dr: Who left"),
        ("message", "Alex Doe", "I left my keys"),
    ]
    # nothing above 12: day-first is assumed, and every item says so
    assert items[0].sent_at == when(2024, 5, 12, 18, 0)
    assert all(i.extra["date_order_ambiguous"] is True for i in items)


@pytest.mark.parametrize(
    ("line", "expected", "order"),
    [
        ("2025/04/06, 14:03 - Alex Doe: hi", when(2025, 4, 6, 14, 3), "year-first"),
        ("6.4.2025, 14:03 - Alex Doe: hi", when(2025, 4, 6, 14, 3), "day-first"),
        ("06/04/2025, 2:03 p.m. - Alex Doe: hi", when(2025, 4, 6, 14, 3), "day-first"),
        ("06/04/2025, 2:03\u00a0p.\u00a0m. - Alex Doe: hola", when(2025, 4, 6, 14, 3), "day-first"),
        ("06/04/2025, 12:03 a.m. - Alex Doe: hi", when(2025, 4, 6, 0, 3), "day-first"),
        ("06/04/25, 14:03 \u2013 Alex Doe: hi", when(2025, 4, 6, 14, 3), "day-first"),
        ("06/04/2025, 14:03. - Alex Doe: hi", when(2025, 4, 6, 14, 3), "day-first"),
        ("[4/6/25, 2:03:09\u2009PM] Alex Doe: hi", when(2025, 4, 6, 14, 3, 9), "month-first"),
        ("\u200e[06-04-2025, 14:03:09] Alex Doe: hi", when(2025, 4, 6, 14, 3, 9), "day-first"),
    ],
)
def test_header_variants(tmp_path: Path, line: str, expected: dt.datetime, order: str) -> None:
    # a second line with a day above 12 (or a year-first date) settles the order
    second = {
        "year-first": "2025/04/20, 10:00 - Alex Doe: later",
        "month-first": "[4/20/25, 10:00:00\u2009AM] Alex Doe: later",
    }.get(order, line.replace("06", "20", 1).replace("6.4.", "20.4.", 1))
    path = write(tmp_path, "Chat with Alex Doe.txt", f"{line}\n{second}\n")
    assert score(IMPORTER, path) >= 0.85
    items, unparsed = read_all(IMPORTER, path)
    assert unparsed == [] and len(items) == 2
    assert items[0].sent_at == expected
    assert items[0].extra["date_order"] == order and "date_order_ambiguous" not in items[0].extra
    assert items[0].author is not None and items[0].author.display_name == "Alex Doe"
    assert items[0].text in ("hi", "hola")


def test_ambiguous_12_hour_us_layout_is_month_first_and_marked(tmp_path: Path) -> None:
    text = "4/6/25, 9:00\u202fAM - Alex Doe: one\n4/7/25, 9:00\u202fAM - Alex Doe: two\n"
    items, _ = read_all(IMPORTER, write(tmp_path, "Chat with Alex Doe.txt", text))
    assert items[0].sent_at == when(2025, 4, 6, 9, 0)
    assert items[0].extra["date_order"] == "month-first"
    assert items[0].extra["date_order_ambiguous"] is True


def test_zip_with_one_photo_present_and_one_missing(tmp_path: Path) -> None:
    chat = (
        "[06/04/2025, 14:06:01] Riley Stone: \u200e<attached: "
        "00000012-PHOTO-2025-04-06-14-06-01.jpg>\n"
        "[06/04/2025, 14:07:00] Riley Stone: \u200e<attached: "
        "00000013-PHOTO-2025-04-06-14-07-00.jpg>\n"
        "[13/04/2025, 09:00:00] Jordan Kay: stop\n"
    )
    archive = tmp_path / "WhatsApp Chat - Riley Stone.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("_chat.txt", chat)
        zf.writestr("00000012-PHOTO-2025-04-06-14-06-01.jpg", b"\xff\xd8\xff\xe0 fake jpeg")
    assert score(IMPORTER, archive) >= 0.9
    with Source.open(archive) as source:
        assert [u.path for u in IMPORTER.units(source, context())] == ["_chat.txt"]
    items, unparsed = read_all(IMPORTER, archive)
    assert unparsed == [] and len(items) == 3
    assert items[0].conversation == "WhatsApp Chat - Riley Stone"
    assert items[0].attachments == [
        AttachmentRef(
            "00000012-PHOTO-2025-04-06-14-06-01.jpg", "00000012-PHOTO-2025-04-06-14-06-01.jpg"
        )
    ]
    assert items[1].attachments == [
        AttachmentRef(
            "00000013-PHOTO-2025-04-06-14-07-00.jpg", None, "the file is not in this export"
        )
    ]


def test_broken_lines_are_reported_not_dropped(tmp_path: Path) -> None:
    data = (
        b"stray text before any message\n"
        b"06/04/25, 14:03 - Alex Doe: first\n"
        b"06/04/25, 14:04 - Alex Doe: caf\xe9 in latin-1\n"
        b"31/02/25, 14:05 - Alex Doe: a date that does not exist\n"
        b"and its second line\n"
        b"13/04/25, 09:00 - Alex Doe: last\n"
    )
    path = tmp_path / "Chat with Alex Doe.txt"
    path.write_bytes(data)
    items, unparsed = read_all(IMPORTER, path)
    assert [i.text for i in items] == ["first", "last"]
    assert [(u.position, u.message) for u in unparsed] == [
        ("Chat with Alex Doe.txt line 1", "text before the first message header"),
        ("Chat with Alex Doe.txt line 3", "line 3 is not valid UTF-8 text; it was not read"),
        (
            "Chat with Alex Doe.txt line 4",
            "the date or time in this header cannot be read (day is out of range for month)",
        ),
    ]
    assert unparsed[2].raw.endswith("\nand its second line")


def test_empty_and_foreign_files(tmp_path: Path) -> None:
    empty = write(tmp_path, "Chat with Nobody.txt", "\ufeff\n")
    with pytest.raises(ImportFormatError, match="is empty"):
        read_all(IMPORTER, empty)
    notes = write(tmp_path, "notes.txt", "shopping list\n- milk\n- eggs: two dozen\n")
    assert score(IMPORTER, notes) == 0.0
    with pytest.raises(ImportFormatError, match="starts like a WhatsApp message") as caught:
        read_all(IMPORTER, notes)
    assert caught.value.position == "notes.txt line 1"
    other = DATA.parent / "pipeline" / "dce-general-2026-10-20.json"
    assert score(IMPORTER, other) == 0.0
    for sample in DATA.iterdir():
        if sample.name != "whatsapp":
            assert score(IMPORTER, sample) < 0.5, sample


def test_a_long_chat_streams_in_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "Chat with Long.txt"
    with path.open("w", encoding="utf-8") as out:
        for n in range(60_000):
            out.write(f"{1 + n % 28:02d}/04/25, 14:{n % 60:02d} - Person {n % 5}: message {n}\n")
            if n % 3 == 0:
                out.write("a second line\n")
    ctx = context()
    count = 0
    tracemalloc.start()
    try:
        with Source.open(path) as source:
            [unit] = IMPORTER.units(source, ctx)
            for _record in IMPORTER.iter_items(source, unit, ctx):
                count += 1
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 60_000 and path.stat().st_size > 2 * 1024 * 1024
    assert peak < 512 * 1024  # a few messages' worth, not the file
