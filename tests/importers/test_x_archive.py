"""X/Twitter archive importer, on the unpacked archives in data/imports/x (one per variant)
and on zips of them built here."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest

from onrecord.errors import InputError
from onrecord.importers.base import ImportedItem, ImportFormatError, Unparsed
from onrecord.importers.source import Source
from onrecord.importers.x_archive import IMPORTER

from .helpers import DATA, context, read_all, score

X = DATA / "x"
ME, GRIM, OWL, MOTH = (
    "987654321098765432",
    "1500000000000000123",
    "1500000000000000456",
    "1500000000000000789",
)
UTC = dt.UTC
MISSING = "not included in the export"


def zipped(folder: Path, tmp_path: Path, top: str = "") -> Path:
    archive = tmp_path / f"{folder.name}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                zf.write(file, top + file.relative_to(folder).as_posix())
    return archive


def by_id(items: list[ImportedItem]) -> dict[str | None, ImportedItem]:
    return {item.platform_id: item for item in items}


def check_owner(items: list[ImportedItem], name: str = "Quiet Fern") -> None:
    for item in items:
        assert item.author is not None
        assert (item.author.platform, item.author.platform_id) == ("x", ME)
        assert (item.author.handle, item.author.display_name) == ("quietfern", name)


def test_2019_bare_tweet_objects() -> None:
    folder = X / "2019_bare"
    assert score(IMPORTER, folder) == 1.0
    items, unparsed = read_all(IMPORTER, folder)
    assert unparsed == []
    assert [i.platform_id for i in items] == [
        "1100000000000000011",
        "1100000000000000022",
        "1100000000000000033",
    ]
    check_owner(items)
    first, reply, media = items
    assert first.text == "Morning walk by the canal & coffee after"
    assert first.sent_at == dt.datetime(2019, 2, 25, 9, 15, 2, tzinfo=UTC)
    assert first.sent_at_original == "Mon Feb 25 09:15:02 +0000 2019"
    assert (first.kind, first.conversation, first.reply_to) == ("post", "tweets", None)
    assert first.url == "https://x.com/quietfern/status/1100000000000000011"
    assert first.position == "data/tweet.js $[0]"
    assert first.raw["id_str"] == "1100000000000000011"
    assert reply.reply_to == "1099999999999999901"
    assert reply.extra["in_reply_to_screen_name"] == "grimlark_x"
    assert reply.extra["in_reply_to_user_id"] == GRIM
    assert [(a.name, a.path, a.missing) for a in media.attachments] == [
        ("D0aBcDeFgHi.jpg", "data/tweets_media/1100000000000000033-D0aBcDeFgHi.jpg", "")
    ]


def check_2020(items: list[ImportedItem], unparsed: list[Unparsed], top: str) -> None:
    assert [i.platform_id for i in items] == [
        "1250000000000000001",
        "1250000000000000002",
        "1260000000000000009",
    ]
    check_owner(items)
    assert items[0].sent_at == dt.datetime(2020, 4, 11, 23, 59, 59, tzinfo=UTC)
    assert items[1].text == "2/2 <screenshots below>"
    assert items[1].reply_to == "1250000000000000001"
    assert [(a.name, a.path, a.missing) for a in items[1].attachments] == [
        ("VdClip01.mp4", None, MISSING)  # the best video variant, not its thumbnail
    ]
    assert items[2].extra == {"retweet": True}
    assert items[2].position == f"{top}data/tweet-part1.js $[0]"
    assert [(u.position, u.message) for u in unparsed] == [
        (f"{top}data/tweet.js $[2]", "not a tweet: no id_str")
    ]
    assert '"a record with no id"' in unparsed[0].raw


def test_2020_wrapped_tweets_with_parts_under_a_top_folder(tmp_path: Path) -> None:
    folder = X / "2020_wrapped"
    assert score(IMPORTER, folder) == 1.0
    top = "twitter-2021-05-01-a1b2c3/"
    check_2020(*read_all(IMPORTER, folder), top=top)
    archive = zipped(folder, tmp_path)
    assert score(IMPORTER, archive) == 1.0
    check_2020(*read_all(IMPORTER, archive), top=top)


def check_2022(items: list[ImportedItem], unparsed: list[Unparsed], prefix: str = "") -> None:
    assert unparsed == []
    assert [i.platform_id for i in items] == [
        "1620000000000000001",
        "1620000000000000002",
        "1620000000000000003",
        "1620000000000000004",
        "1620000000000000005",
        "1620000000000000006",
        "1620000000000000007",
        "1630000000000000099",
    ]
    tweets = by_id(items)
    original, edited = tweets["1620000000000000001"], tweets["1620000000000000002"]
    assert original.text == "I never said that about them; tpyo here"
    assert edited.text == "I never said that about them; typo fixed"
    assert original.extra["edit_tweet_ids"] == ["1620000000000000001", "1620000000000000002"]
    assert edited.extra["edit_of"] == "1620000000000000001"
    assert "edit_tweet_ids" not in tweets["1620000000000000004"].extra  # not edited

    long = tweets["1620000000000000003"]
    assert long.text.endswith("named my street and my workplace. I have kept every screenshot.")
    assert long.text.startswith("This is the long account of what happened")
    assert long.extra["note_tweet_id"] == "1620000000000000103"
    assert long.extra["truncated_text"].endswith("named my street\u2026 https://t.co/LoNgPoSt01")

    assert tweets["1620000000000000004"].text == "Tom &amp; Jerry <3 > all"  # unescaped once
    assert [(a.path, a.missing) for a in tweets["1620000000000000005"].attachments] == [
        (f"{prefix}data/tweets_media/1620000000000000005-FmXyZ123abc.jpg", "")
    ]
    assert tweets["1620000000000000006"].position == f"{prefix}data/tweets-part1.js $[0]"

    deleted = tweets["1620000000000000007"]
    assert deleted.deleted and not long.deleted
    assert deleted.extra["deleted_at"] == "Thu Feb 02 08:00:00 +0000 2023"
    assert deleted.sent_at == dt.datetime(2023, 2, 2, 7, 55, tzinfo=UTC)

    note = tweets["1630000000000000099"]
    assert note.text == "A long post whose tweet is not in this archive: https://t.co/NoTe000099"
    assert (note.kind, note.conversation, note.extra["note_tweet"]) == ("post", "note-tweets", True)
    assert note.sent_at == dt.datetime(2023, 3, 1, 9, 0, tzinfo=UTC)
    assert note.position == f"{prefix}data/note-tweet.js $[1]"
    check_owner(items)


def test_2022_tweets_with_edits_notes_and_deletions(tmp_path: Path) -> None:
    folder = X / "2022_tweets"
    assert score(IMPORTER, folder) == 1.0
    with Source.open(folder) as source:
        units = [(u.path, u.meta["kind"]) for u in IMPORTER.units(source, context())]
    assert units == [
        ("data/tweets.js", "tweets"),
        ("data/tweets-part1.js", "tweets"),
        ("data/deleted-tweets.js", "deleted"),
        ("data/note-tweet.js", "notes"),
    ]
    check_2022(*read_all(IMPORTER, folder))
    check_2022(
        *read_all(IMPORTER, zipped(folder, tmp_path, "twitter-2023-03-20/")), "twitter-2023-03-20/"
    )


def test_owner_from_the_manifest_when_account_js_is_missing(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    shutil.copytree(X / "2022_tweets", folder)
    (folder / "data" / "account.js").unlink()
    manifest = (folder / "data" / "manifest.js").read_text()
    (folder / "data" / "manifest.js").write_text(
        manifest.replace('"Quiet Fern"', '"Fern (manifest)"')
    )
    items, _ = read_all(IMPORTER, folder)
    check_owner(items, "Fern (manifest)")


def test_direct_messages_and_group_conversations() -> None:
    folder = X / "dms"
    assert score(IMPORTER, folder) == 1.0
    items, unparsed = read_all(IMPORTER, folder)
    assert [(u.position, u.message) for u in unparsed] == [
        (
            "data/direct-messages-group.js $[0].dmConversation.messages[5]",
            "not a direct message event",
        )
    ]
    assert [(i.kind, i.platform_id) for i in items] == [
        ("message", "1640000000000000005"),
        ("message", "1640000000000000004"),
        ("message", "1640000000000000001"),
        ("message", "1641000000000000001"),
        ("message", "1645000000000000010"),
        ("system", None),
        ("system", None),
        ("system", None),
        ("system", None),
    ]
    edited, mine, media, owl, group = items[:5]
    assert edited.conversation == f"{ME}-{GRIM}"
    assert edited.text == "nice weather today"
    assert edited.earlier_versions == ["I know where you live"]
    assert edited.author is not None and edited.author.platform_id == GRIM
    assert edited.author.handle == ""  # only an intent link names this account
    assert edited.author.url == f"https://twitter.com/intent/user?user_id={GRIM}"
    assert edited.recipients == [ME]
    assert edited.sent_at == dt.datetime(2023, 3, 10, 22, 20, tzinfo=UTC)
    assert edited.position == "data/direct-messages.js $[0].dmConversation.messages[0]"
    assert mine.author is not None and (mine.author.platform_id, mine.author.handle) == (
        ME,
        "quietfern",
    )
    assert mine.sent_at == dt.datetime(2023, 3, 10, 22, 15, 7, 512000, tzinfo=UTC)
    assert mine.sent_at_original == "2023-03-10T22:15:07.512Z"
    assert mine.extra["reactions"][0]["reactionKey"] == "funny"
    assert [(a.name, a.path, a.missing) for a in media.attachments] == [
        ("kR3xPic.jpg", "data/direct_messages_media/1640000000000000001-kR3xPic.jpg", "")
    ]
    assert media.extra["urls"][0]["expanded"].startswith("https://twitter.com/messages/media/")
    assert owl.conversation == f"{ME}-{OWL}"
    assert owl.author is not None and owl.author.handle == "brambleowl"  # from following.js
    assert owl.text == "Saw what they posted &amp; reported it"  # DM text is not HTML-escaped
    assert [(a.name, a.missing) for a in owl.attachments] == [("GoNeVid.mp4", MISSING)]

    assert group.conversation == "1645000000000000777"
    assert group.recipients == [] and group.extra["group"] is True
    assert group.attachments[0].path == (
        "data/direct_messages_group_media/1645000000000000010-GrPic01.png"
    )
    assert [i.text for i in items[5:]] == [
        f'user {GRIM} named the conversation "fern watchers"',
        f"user {MOTH} left the conversation",
        f"user {GRIM} added @brambleowl to the conversation",
        f"@quietfern was added to the conversation by user {GRIM}",
    ]
    assert [i.extra["event"] for i in items[5:]] == [
        "conversationNameUpdate",
        "participantsLeave",
        "participantsJoin",
        "joinConversation",
    ]
    assert items[5].author is not None and items[5].author.platform_id == GRIM
    assert items[6].author is None
    assert all(i.conversation == "1645000000000000777" for i in items[5:])


def test_dms_from_a_zip(tmp_path: Path) -> None:
    items, unparsed = read_all(IMPORTER, zipped(X / "dms", tmp_path, "twitter-archive/"))
    assert len(items) == 9 and len(unparsed) == 1
    assert items[2].attachments[0].path == (
        "twitter-archive/data/direct_messages_media/1640000000000000001-kR3xPic.jpg"
    )


def test_grailbird_archive_is_refused_clearly() -> None:
    folder = X / "grailbird"
    assert score(IMPORTER, folder) == 0.9
    with pytest.raises(ImportFormatError) as error:
        read_all(IMPORTER, folder)
    assert "old 'tweet archive' (made before 2019)" in str(error.value)
    assert "Download an archive of your data" in str(error.value)
    assert error.value.position == "data/js/tweets/2017_01.js"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "archive"
    (folder / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(X / "2019_bare" / "data" / "account.js", folder / "data" / "account.js")
    (folder / "data" / name).write_bytes(data)
    return folder


TWEET = (
    b'{"tweet": {"id_str": "1700000000000000001", "created_at": "Fri Mar 06 13:02:05 +0130 2026",'
    b' "full_text": "x"}}'
)


def test_tolerant_prefix_offsets_and_big_ids(tmp_path: Path) -> None:
    folder = write(
        tmp_path, "tweets.js", b"\xef\xbb\xbfwindow.YTD.tweets.part0=[" + TWEET + b"] ;\r\n ;\n"
    )
    items, _ = read_all(IMPORTER, folder)
    assert items[0].platform_id == "1700000000000000001"  # beyond 2**53: never a float
    assert items[0].sent_at == dt.datetime(2026, 3, 6, 11, 32, 5, tzinfo=UTC)


def test_dm_time_without_offset_is_assumed_in_the_given_zone(tmp_path: Path) -> None:
    dm = (
        b'window.YTD.direct_messages.part0 = [{"dmConversation": {"conversationId": "1-2",'
        b' "messages": [{"messageCreate": {"id": "9", "senderId": "2", "recipientId": "1",'
        b' "text": "hi", "mediaUrls": [], "createdAt": "2023-03-10T22:20:00.000"}}]}}]'
    )
    items, _ = read_all(IMPORTER, write(tmp_path, "direct-messages.js", dm), "Europe/Berlin")
    assert items[0].sent_at == dt.datetime(2023, 3, 10, 21, 20, tzinfo=UTC)
    assert items[0].time_zone_assumed
    assert items[0].author is not None and items[0].author.url.endswith("user_id=2")


def test_2019_zip_without_top_folder(tmp_path: Path) -> None:
    archive = zipped(X / "2019_bare", tmp_path)
    assert score(IMPORTER, archive) == 1.0
    items, unparsed = read_all(IMPORTER, archive)
    assert unparsed == []
    assert [i.text for i in items] == [i.text for i in read_all(IMPORTER, X / "2019_bare")[0]]
    assert items[2].attachments[0].path == "data/tweets_media/1100000000000000033-D0aBcDeFgHi.jpg"


def test_truncated_file_is_a_clear_error(tmp_path: Path) -> None:
    data = (X / "2022_tweets" / "data" / "tweets.js").read_bytes()
    folder = tmp_path / "archive"
    shutil.copytree(X / "2022_tweets", folder)
    (folder / "data" / "tweets.js").write_bytes(data[: len(data) // 2])
    with Source.open(folder) as source:
        unit = next(u for u in IMPORTER.units(source, context()) if u.path == "data/tweets.js")
        records = IMPORTER.iter_items(source, unit, context())
        with pytest.raises(ImportFormatError) as error:
            list(records)
    assert str(error.value).startswith(
        "Could not read data/tweets.js at $[2]: the file ends too early."
    )
    assert "download it again" in str(error.value)
    assert error.value.position == "data/tweets.js $[2]"
    # the long post's tweet cannot be imported, so the note stands on its own
    with Source.open(folder) as source:
        unit = next(u for u in IMPORTER.units(source, context()) if u.meta["kind"] == "notes")
        notes = list(IMPORTER.iter_items(source, unit, context()))
    assert [n.platform_id for n in notes if isinstance(n, ImportedItem)] == [
        "1620000000000000103",
        "1630000000000000099",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "data/tweets.js is empty"),
        (b"window.YTD.tweets.part0 = [" + TWEET[:-4] + b'x\xff"}}]', "not UTF-8 text"),
        (b'window.YTD.tweets.part0 = {"tweet": {}}', "does not hold a list of records"),
        (b"hello, this is not an archive file", "is not an X archive data file"),
        (b"window.YTD.tweets.part0 = [" + TWEET + b"]; console.log(1)", "not valid JSON"),
    ],
)
def test_broken_files(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        read_all(IMPORTER, write(tmp_path, "tweets.js", data))


def test_empty_export(tmp_path: Path) -> None:
    folder = write(tmp_path, "tweets.js", b"window.YTD.tweets.part0 = [ ]\n")
    write(tmp_path, "direct-messages.js", b"window.YTD.direct_messages.part0 = []")
    assert read_all(IMPORTER, folder) == ([], [])


def test_score_is_zero_for_other_formats(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("window.YTD is mentioned here\n")
    assert score(IMPORTER, text) == 0.0
    plain = tmp_path / "tweets.json"
    plain.write_text('[{"id_str": "1"}]')
    assert score(IMPORTER, plain) == 0.0
    for other in ("mastodon/archive", "bluesky/repo.car"):
        assert score(IMPORTER, DATA / other) == 0.0


def test_score_is_zero_on_the_samples_of_other_formats() -> None:
    others = [path for folder in DATA.iterdir() if folder.name != "x" for path in folder.iterdir()]
    assert len(others) > 5
    for path in others:
        try:
            assert score(IMPORTER, path) == 0.0, path
        except InputError:
            continue  # a deliberately damaged sample that cannot even be opened
