"""DiscordChatExporter JSON and CSV: offsets to UTC, types, authors, assets, threads, dates."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest

from importers.helpers import DATA, context, read_all, score
from onrecord.importers.base import AttachmentRef, ImportedAccount, ImportFormatError
from onrecord.importers.discord_exporter import IMPORTER, NOT_DOWNLOADED
from onrecord.importers.source import Source

HERE = DATA / "discord-exporter"
SERVER = HERE / "server"
GENERAL = SERVER / "Oakridge Hobbyists - general [900000000000000001].json"
FILES = "Oakridge Hobbyists - general [900000000000000001].json_Files"
CSV_DM = HERE / "csv" / "Direct Messages - grimlock [900000000000000077].csv"
UTC = dt.UTC


def absent(url: str) -> str:
    return (
        f"downloaded with the export as {url}, but that file is not in what was imported "
        "(import the whole folder or zip to include it)"
    )


def grim() -> ImportedAccount:
    return ImportedAccount("discord", "700000000000000002", "grimlock_77", "Grim")


def test_scores_high_on_exports_and_zero_on_other_formats(tmp_path: Path) -> None:
    assert score(IMPORTER, SERVER) == 0.95
    assert score(IMPORTER, GENERAL) == 0.95
    assert score(IMPORTER, CSV_DM) == 0.9
    assert score(IMPORTER, HERE / "csv" / "named-month.csv") == 0.9
    other = tmp_path / "other.json"
    other.write_text('{"messages": [{"id": 1}], "name": "a chat"}')
    notes = tmp_path / "notes.txt"
    notes.write_text("guild channel messages\n")
    plain = tmp_path / "table.csv"
    plain.write_text("id,name\n1,x\n")
    for path in (other, notes, plain, DATA / "whatsapp", DATA / "email" / "plain.eml"):
        assert score(IMPORTER, path) == 0.0
    for name in ("discord-package", "slack", "telegram"):
        assert score(IMPORTER, DATA / name) == 0.0


def test_guild_channel_json_with_every_message_kind() -> None:
    items, unparsed = read_all(IMPORTER, GENERAL, "Europe/Paris")
    assert [i.platform_id for i in items] == [f"110000000000000000{n}" for n in range(1, 7)]
    assert [i.kind for i in items] == [
        "system",
        "message",
        "message",
        "system",
        "message",
        "system",
    ]
    assert {i.conversation for i in items} == {"900000000000000001"}
    join, post, reply, pin, bot, thread = items
    assert join.author == grim() and join.text == "Joined the server."
    assert join.sent_at == dt.datetime(2023, 3, 30, 21, 40, tzinfo=UTC)
    assert post.sent_at == dt.datetime(2023, 3, 30, 21, 44, 50, 473000, tzinfo=UTC)
    assert post.sent_at_original == "2023-03-30T16:44:50.473-05:00"
    assert not post.time_zone_assumed
    assert post.edited_at == dt.datetime(2023, 3, 30, 21, 46, 1, 900000, tzinfo=UTC)
    assert post.text == 'everyone look at what @Pat posted \U0001f621 <3 & "quotes"'
    assert post.attachments == [
        AttachmentRef("screenshot.png", missing=absent(f"{FILES}/screenshot-5F3A1.png")),
        AttachmentRef("notes.txt", missing=NOT_DOWNLOADED),
    ]
    assert post.extra["isPinned"] is True
    assert post.extra["reactions"][0]["emoji"]["code"] == "joy"
    assert post.extra["mentions"][0]["id"] == "700000000000000001"
    assert post.extra["guild_name"] == "Oakridge Hobbyists"
    assert post.extra["exported_at"] == "2024-02-01T09:00:00.1234567+01:00"
    assert post.raw["author"]["roles"][0]["name"] == "Member"
    assert post.position == f"{GENERAL.name} $.messages[1]"
    assert reply.author == ImportedAccount("discord", "700000000000000001", "pat_h#4821", "pat_h")
    assert reply.text == "please stop\nthis is not ok" and reply.reply_to == post.platform_id
    assert [a.name for a in reply.attachments] == ["voice note.ogg", "deleted.png"]
    assert pin.sent_at == dt.datetime(2023, 3, 30, 21, 51, tzinfo=UTC)
    assert bot.author == ImportedAccount(
        "discord", "700000000000000009", "ModHelper#1234", "ModHelper"
    )
    assert bot.text == "" and bot.extra["author_is_bot"] is True
    assert bot.extra["embeds"][0]["title"] == "Warning issued" and bot.extra["stickers"]
    assert bot.sent_at == dt.datetime(2023, 3, 31, 0, 0, tzinfo=UTC)
    assert thread.author == ImportedAccount(
        "discord", "700000000000000003", "sunny.day", "sunny.day"
    )
    assert thread.reply_to is None and thread.extra["type"] == "ThreadCreated"
    [bad] = unparsed
    assert bad.position == f"{GENERAL.name} $.messages[6]"
    assert bad.message == "the message has no readable time ('yesterday')"
    assert "this one has a broken time" in bad.raw


def test_a_folder_is_one_unit_per_export_threads_included_assets_skipped() -> None:
    with Source.open(SERVER) as source:
        units = [u.path for u in IMPORTER.units(source, context())]
    assert units == [
        "Direct Messages - grimlock_77 [900000000000000077].json",
        "Oakridge Hobbyists - general [900000000000000001].json",
        "_threads/Oakridge Hobbyists - general - meetup plans [900000000000000050].json",
    ]
    items, unparsed = read_all(IMPORTER, SERVER)
    assert len(items) == 9 and len(unparsed) == 1
    [post] = [i for i in items if i.platform_id == "1100000000000000002"]
    assert post.attachments[0] == AttachmentRef(
        "screenshot.png", path=f"{FILES}/screenshot-5F3A1.png"
    )
    [reply] = [i for i in items if i.platform_id == "1100000000000000003"]
    assert reply.attachments == [  # a Windows path, URL-encoded; one file deleted since
        AttachmentRef("voice note.ogg", path=f"{FILES}/voice note-77AA0.ogg"),
        AttachmentRef("deleted.png", missing=absent(f"{FILES}/deleted-0000.png")),
    ]
    [thread_item] = [i for i in items if i.conversation == "900000000000000050"]
    assert thread_item.text == "who is coming on saturday?"
    assert thread_item.extra["channel_type"] == "GuildPublicThread"
    call, threat = [i for i in items if i.conversation == "900000000000000077"]
    assert call.kind == "system" and call.extra["callEndedTimestamp"] == "2022-11-05T23:31:10+09:00"
    assert threat.sent_at == dt.datetime(2022, 11, 5, 14, 32, tzinfo=UTC)
    assert threat.author == ImportedAccount(
        "discord", "700000000000000002", "grimlock#0042", "grimlock"
    )
    assert "exported_at" not in threat.extra  # older exports have no exportedAt


def test_a_zip_reads_the_same_and_finds_assets_inside(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(SERVER.rglob("*")):
            if path.is_file():
                out.write(path, "DCE/" + path.relative_to(SERVER).as_posix())
    items, unparsed = read_all(IMPORTER, archive)
    assert len(items) == 9 and len(unparsed) == 1
    [post] = [i for i in items if i.platform_id == "1100000000000000002"]
    assert post.attachments[0] == AttachmentRef(
        "screenshot.png", path=f"DCE/{FILES}/screenshot-5F3A1.png"
    )


def test_times_without_offset_use_the_case_zone_and_say_so(tmp_path: Path) -> None:
    text = GENERAL.read_text(encoding="utf-8").replace(
        '"2023-03-30T16:40:00.000-05:00"', '"2023-03-30T16:40:00"'
    )
    path = tmp_path / "naive.json"
    path.write_text(text, encoding="utf-8")
    items, _ = read_all(IMPORTER, path, "Asia/Tokyo")
    assert items[0].time_zone_assumed and not items[1].time_zone_assumed
    assert items[0].sent_at == dt.datetime(2023, 3, 30, 7, 40, tzinfo=UTC)


def test_channel_after_messages_and_a_byte_order_mark_still_read(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_bytes(
        b'\xef\xbb\xbf{"messages": [{"id": "5", "type": "Default", "timestamp": '
        b'"2021-01-01T00:00:00+00:00", "content": "hi", "author": {"id": "1", "name": "a", '
        b'"discriminator": "0"}}], "guild": {"id": "2", "name": "g"}, "channel": {"id": "3"}}'
    )
    [item], [] = read_all(IMPORTER, path)
    assert (item.conversation, item.platform_id, item.text) == ("3", "5", "hi")
    assert item.author == ImportedAccount("discord", "1", "a", "a")


def test_truncated_json_names_the_line(tmp_path: Path) -> None:
    data = GENERAL.read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(data[: data.index(b"please stop") + 5])
    with pytest.raises(ImportFormatError, match=r"cut\.json at line 125 .*ends too early") as err:
        read_all(IMPORTER, cut)
    assert err.value.position == "cut.json line 125"


def test_broken_json_and_invalid_utf8_name_the_line(tmp_path: Path) -> None:
    lines = GENERAL.read_bytes().split(b"\n")
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\n".join([*lines[:99], lines[99] + b" oops", *lines[100:]]))
    with pytest.raises(ImportFormatError, match=r"line 100 .*not valid JSON") as err:
        read_all(IMPORTER, garbage)
    assert err.value.position == "garbage.json line 100"
    latin = tmp_path / "latin.json"
    latin.write_bytes(GENERAL.read_bytes().replace(b"look at what", b"look \xe0 what"))
    with pytest.raises(ImportFormatError, match=r"line 52 .*not UTF-8") as err:
        read_all(IMPORTER, latin)
    assert err.value.position == "latin.json line 52"


def test_wrong_or_empty_json_named_alone_is_refused(tmp_path: Path) -> None:
    cases = {
        "empty.json": (b"", "ends too early"),
        "array.json": (b"[1, 2]", "not a JSON object"),
        "other.json": (b'{"guild": null, "messages": []}', "names no channel"),
    }
    for name, (data, reason) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert score(IMPORTER, path) == 0.0
        with pytest.raises(ImportFormatError, match=reason):
            read_all(IMPORTER, path)
    empty_folder = tmp_path / "nothing"
    empty_folder.mkdir()
    assert read_all(IMPORTER, empty_folder) == ([], [])


def test_csv_with_bom_day_first_multiline_and_assets(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    shutil.copytree(HERE / "csv", folder)
    items, unparsed = read_all(IMPORTER, folder, "Europe/London")
    mine = [i for i in items if i.position.startswith("Direct Messages")]
    first, second = mine
    assert first.text == 'first line\nsecond line, with comma and "quotes"'
    assert first.author == ImportedAccount(
        "discord", "700000000000000002", "grimlock_77", "grimlock_77"
    )
    assert first.sent_at == dt.datetime(2023, 4, 3, 20, 5, tzinfo=UTC)  # BST
    assert first.time_zone_assumed and first.sent_at_original == "03-04-2023 21:05"
    assert first.platform_id is None and first.conversation == "900000000000000077"
    assert first.extra["date_order"] == "day/month"
    assert first.extra["date_order_from"] == "a date in the file with a day above 12"
    assert second.author == ImportedAccount("discord", "700000000000000001", "pat_h#4821", "pat_h")
    assert second.sent_at == dt.datetime(2023, 4, 15, 8, 30, tzinfo=UTC)
    assert second.attachments == [
        AttachmentRef("evidence.png", missing=NOT_DOWNLOADED),
        AttachmentRef(
            "clip-ABCD1.mp4",
            path="Direct Messages - grimlock [900000000000000077].csv_Files/clip-ABCD1.mp4",
        ),
    ]
    assert second.extra["reactions"] == "\U0001f621 (1),\U0001f44d (3)"
    assert second.raw["Reactions"] == second.extra["reactions"]
    assert second.position == f"{CSV_DM.name} row 3"
    assert len(items) == 6 and len(unparsed) == 2


def test_csv_dates_ambiguous_named_month_and_bad_rows() -> None:
    items, unparsed = read_all(IMPORTER, HERE / "csv" / "us-ambiguous.csv", "America/New_York")
    assert [i.sent_at for i in items] == [
        dt.datetime(2020, 1, 2, 6, 33, tzinfo=UTC),
        dt.datetime(2020, 1, 2, 18, 35, tzinfo=UTC),
    ]
    assert items[0].extra["date_order"] == "month/day"
    assert items[0].extra["date_order_from"].startswith("guessed")
    assert items[0].conversation == "us-ambiguous.csv" and not unparsed
    items, unparsed = read_all(IMPORTER, HERE / "csv" / "named-month.csv", "UTC")
    assert [(i.text, i.sent_at) for i in items] == [
        ("happy new year", dt.datetime(2020, 1, 1, 1, 33, tzinfo=UTC)),
        ("and again", dt.datetime(2020, 1, 1, 13, 34, tzinfo=UTC)),
    ]
    assert items[0].author == ImportedAccount(
        "discord", "700000000000000002", "grimlock#0042", "grimlock"
    )
    assert [(u.position, u.message) for u in unparsed] == [
        ("named-month.csv row 4", "the date 'soon' could not be read"),
        ("named-month.csv row 5", "this row has 2 columns, not 6"),
    ]


def test_csv_month_first_from_the_file_invalid_utf8_and_truncation(tmp_path: Path) -> None:
    path = tmp_path / "us.csv"
    path.write_bytes(
        b"AuthorID,Author,Date,Content,Attachments,Reactions\r\n"
        b'"1","a","2/3/2021 10:00","x","",""\r\n'
        b'"1","a","12/25/2021 10:00","caf\xe9","",""\r\n'
        b'"1","a","12/26/2021 10:00","cut off mid'
    )
    items, unparsed = read_all(IMPORTER, path)
    assert [i.sent_at for i in items] == [dt.datetime(2021, 2, 3, 10, 0, tzinfo=UTC)]
    assert items[0].extra["date_order"] == "month/day"
    assert items[0].extra["date_order_from"] == "a date in the file with a day above 12"
    assert [(u.position, u.message) for u in unparsed] == [
        ("us.csv row 3", "this row is not valid UTF-8 text"),
        ("us.csv row 4", "this row has 4 columns, not 6"),
    ]
    assert unparsed[0].raw == "1,a,12/25/2021 10:00,caf\ufffd,,"
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Date,Text\n2021-01-01,hello\n")
    assert score(IMPORTER, wrong) == 0.0
    with pytest.raises(ImportFormatError, match="not a DiscordChatExporter CSV") as err:
        read_all(IMPORTER, wrong)
    assert err.value.position == "wrong.csv row 1"


def test_csv_dates_with_an_offset_are_not_assumed(tmp_path: Path) -> None:
    path = tmp_path / "iso.csv"
    path.write_text(
        "AuthorID,Author,Date,Content,Attachments,Reactions\n"
        '"1","a","2023-03-30T16:44:50.473-05:00","x","",""\n'
        '"1","a","2023-03-30 16:45","y","",""\n',
        encoding="utf-8",
    )
    first, second = read_all(IMPORTER, path, "Europe/Paris")[0]
    assert first.sent_at == dt.datetime(2023, 3, 30, 21, 44, 50, 473000, tzinfo=UTC)
    assert not first.time_zone_assumed and "date_order" not in first.extra
    assert second.sent_at == dt.datetime(2023, 3, 30, 14, 45, tzinfo=UTC)
    assert second.time_zone_assumed
