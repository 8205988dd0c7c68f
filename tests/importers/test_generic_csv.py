"""Any CSV: columns guessed or mapped, delimiters, times in every common form, the date order
from the whole file, and the errors a person meets (no text column, not UTF-8)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from importers.helpers import DATA, read_all, score
from onrecord.errors import InputError
from onrecord.importers import generic_csv
from onrecord.importers.base import ImportedAccount, ImportFormatError
from onrecord.importers.generic_csv import IMPORTER, GenericCsvImporter, mapping_from_option

CSV = DATA / "csv"


def utc(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def test_columns_guessed_and_times_in_every_form() -> None:
    items, unparsed = read_all(IMPORTER, CSV / "guessed.csv", "Europe/Berlin")
    assert [i.text for i in items] == [
        "first, with a comma",
        'a "quoted" word',
        "two\nlines",
        "naive time",
        "US date",
        "unreadable time",
    ]
    assert [(i.sent_at, i.time_zone_assumed) for i in items] == [
        (utc(2025, 4, 1, 6, 0), False),  # ISO with +02:00
        (utc(2025, 4, 1, 8, 0), False),  # epoch seconds
        (dt.datetime(2025, 4, 1, 8, 0, 0, 123000, tzinfo=dt.UTC), False),  # epoch ms
        (utc(2025, 4, 1, 8, 30), True),  # naive: Berlin (CEST) assumed
        (utc(2025, 4, 2, 15, 45), True),  # 04/02/2025 5:45 PM, month-first
        (None, False),
    ]
    first = items[0]
    assert first.platform == "other" and first.kind == "message"
    assert first.author == ImportedAccount(
        "other", handle="troll_test_01", display_name="troll_test_01"
    )
    assert first.platform_id == "m1" and first.url == "https://forum.example.com/t/1#m1"
    assert first.reply_to is None and items[1].reply_to == "m1"
    assert first.sent_at_original == "2025-04-01T08:00:00+02:00"
    assert first.position == "guessed.csv row 2"
    assert first.raw == {
        "id": "m1",
        "Created At": "2025-04-01T08:00:00+02:00",
        "Username": "troll_test_01",
        "Message": "first, with a comma",
        "Permalink": "https://forum.example.com/t/1#m1",
        "Reply To": "",
    }
    assert items[4].extra == {"date_order": "month-first", "date_order_ambiguous": True}
    assert items[5].extra == {"time_not_understood": "not a date"}
    # the blank line is no record; the row with too many fields is reported
    assert [(u.position, u.message) for u in unparsed] == [
        ("guessed.csv row 9", "row 9 has 7 fields but the header has 6")
    ]


def test_semicolons_day_first_from_the_whole_file_and_a_platform_column() -> None:
    items, unparsed = read_all(IMPORTER, CSV / "semicolon.csv", "Europe/Berlin")
    assert unparsed == []
    assert [(i.platform, i.text, i.sent_at) for i in items] == [
        ("signal", "Frohes neues Jahr, oder?", utc(2024, 12, 31, 22, 59)),
        ("other", "second", utc(2024, 12, 31, 23, 1)),  # 01/01: day-first, as row 2 showed
    ]
    assert items[0].author == ImportedAccount("signal", handle="Alex Doe", display_name="Alex Doe")
    assert items[1].extra == {}


def test_tabs_and_separate_date_and_time_columns() -> None:
    [item], _ = read_all(IMPORTER, CSV / "tabs.tsv", "Europe/London")
    assert item.text == "tab separated" and item.author is not None
    assert item.author.handle == "sam_test"
    assert item.sent_at == utc(2025, 4, 5, 13, 3) and item.sent_at_original == "2025-04-05 14:03"


def test_a_mapping_given_to_the_importer() -> None:
    path = CSV / "custom_columns.csv"
    with pytest.raises(ImportFormatError) as caught:
        read_all(IMPORTER, path)
    message = str(caught.value)
    assert "'When', 'Who', 'What', 'Where'" in message and "--map" in message
    assert caught.value.position == "custom_columns.csv row 1"
    mapping = mapping_from_option(
        "text=What, author=Who,time=When,conversation=Where,platform=Nextdoor"
    )
    assert mapping == {
        "text": "What",
        "author": "Who",
        "time": "When",
        "conversation": "Where",
        "platform": "Nextdoor",
    }
    [item], _ = read_all(GenericCsvImporter(mapping), path, "UTC")
    assert item.platform == "nextdoor" and item.text == "you cannot hide"
    assert item.author == ImportedAccount(
        "nextdoor", handle="Riley Stone", display_name="Riley Stone"
    )
    assert item.conversation == "Neighbourhood app" and item.sent_at == utc(2025, 4, 6, 12, 0)
    with pytest.raises(ImportFormatError, match="no column named 'Body'"):
        read_all(GenericCsvImporter({"text": "Body"}), path)


def test_a_mapping_from_the_command_line_option() -> None:
    mapping = generic_csv.mapping_from_option("text=What, time=When")
    [item], _ = read_all(GenericCsvImporter(mapping), CSV / "custom_columns.csv")
    assert item.text == "you cannot hide" and item.author is None
    assert IMPORTER.mapping == {}


@pytest.mark.parametrize(
    ("option", "error"),
    [
        ("text", "is not field=Column"),
        ("text=", "is not field=Column"),
        ("words=Message", "'words' is not a field"),
        (" , ", "--map is empty"),
    ],
)
def test_bad_map_options(option: str, error: str) -> None:
    with pytest.raises(InputError, match=error):
        mapping_from_option(option)


def test_bom_and_invalid_utf8(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbftext,author\r\nhello,someone_test\r\n")
    [item], _ = read_all(IMPORTER, bom)
    assert item.text == "hello" and item.raw == {"text": "hello", "author": "someone_test"}
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"text,author\nfine,a\nalso fine,b\ncaf\xe9,c\n")
    with pytest.raises(ImportFormatError) as caught:
        read_all(IMPORTER, latin)
    assert "row 4 has a byte that is not UTF-8 (byte 35 of the file)" in str(caught.value)
    assert "CSV UTF-8" in str(caught.value) and caught.value.position == "latin.csv row 4"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFormatError, match="no header row"):
        read_all(IMPORTER, empty)


def test_score_is_low_so_specific_importers_win(tmp_path: Path) -> None:
    assert score(IMPORTER, CSV / "guessed.csv") == 0.05
    assert score(IMPORTER, DATA / "reddit" / "older_export") == 0.05
    notes = tmp_path / "notes.txt"
    notes.write_text("text,author\nhello,someone\n")
    assert score(IMPORTER, notes) == 0.0
    assert score(IMPORTER, DATA / "whatsapp" / "Chat with Alex Doe.txt") == 0.0
    assert score(IMPORTER, DATA / "meta" / "messenger-e2ee") == 0.0
