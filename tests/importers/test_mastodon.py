"""Mastodon account archive importer, on the synthetic archive in data/imports/mastodon."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from onrecord.errors import InputError
from onrecord.importers.base import ImportedItem, ImportFormatError
from onrecord.importers.mastodon import IMPORTER

from .helpers import DATA, read_all, score

ARCHIVE = DATA / "mastodon" / "archive"
ME = "https://social.example/users/willowmere"
UTC = dt.UTC


def status(n: int) -> str:
    return f"{ME}/statuses/10900000000000{n:04d}"


def outbox(tmp_path: Path, items: list[Any], actor: bool = True) -> Path:
    folder = tmp_path / "archive"
    folder.mkdir()
    if actor:
        shutil.copy(ARCHIVE / "actor.json", folder / "actor.json")
    document = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "outbox.json",
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
    }
    (folder / "outbox.json").write_text(json.dumps(document))
    return folder


def check_archive(items: list[ImportedItem], prefix: str = "") -> None:
    assert len(items) == 8  # totalItems says 9: that is normal and not reported
    assert [i.kind for i in items] == [
        "post",
        "post",
        "post",
        "message",
        "other",
        "other",
        "other",
        "post",
    ]
    owner = items[0].author
    assert owner is not None
    assert (owner.platform, owner.platform_id, owner.handle) == (
        "mastodon",
        ME,
        "willowmere@social.example",
    )
    assert (owner.display_name, owner.url) == (
        "Willow Mere \U0001f33f",
        "https://social.example/@willowmere",
    )
    assert all(i.author == owner for i in items)
    assert all(i.conversation == ME for i in items)

    first = items[0]
    assert first.text == "Hello & welcome to my #garden page\n\nLine one\nLine two"
    assert first.platform_id == status(1)
    assert first.url == "https://social.example/@willowmere/109000000000000001"
    assert first.sent_at == dt.datetime(2023, 1, 15, 10, 20, 30, tzinfo=UTC)
    assert first.sent_at_original == "2023-01-15T10:20:30Z" and not first.time_zone_assumed
    assert first.extra["visibility"] == "public"
    assert first.extra["hashtags"] == ["#garden"]
    media = f"{prefix}media_attachments/files/109/000/000/000/000/001/original/a1b2c3d4e5f6.png"
    assert [(a.name, a.path, a.missing) for a in first.attachments] == [
        ("a1b2c3d4e5f6.png", media, "")
    ]
    assert first.raw["object"]["content"].startswith("<p>Hello &amp; welcome")
    assert first.position == f"{prefix}outbox.json $.orderedItems[0]"

    reply = items[1]
    assert reply.text == "@thornback please stop tagging me"
    assert reply.reply_to == "https://other.example/users/thornback/statuses/109000000000000777"
    assert reply.extra["visibility"] == "unlisted"
    assert (reply.extra["content_warning"], reply.extra["sensitive"]) == ("harassment", True)
    assert reply.extra["mentions"] == ["@thornback@other.example"]
    assert reply.recipients == ["https://other.example/users/thornback"]
    assert [(a.name, a.path, a.missing) for a in reply.attachments] == [
        ("f00dfeed.jpg", None, "not included in the export")
    ]

    assert items[2].text == "see https://example.org/a/very/long/path"
    assert items[2].extra["visibility"] == "followers-only"

    direct = items[3]
    assert direct.text == "@thornback I have reported your account. Don't contact me again."
    assert direct.extra["visibility"] == "direct"
    assert direct.recipients == ["https://other.example/users/thornback"]
    assert direct.sent_at == dt.datetime(2023, 2, 2, 23, 59, 59, tzinfo=UTC)

    boost = items[4]
    assert boost.text == "boosted https://other.example/users/kindly/statuses/109000000000000888"
    assert boost.extra == {
        "boosted": "https://other.example/users/kindly/statuses/109000000000000888"
    }
    assert boost.platform_id == status(5) + "/activity"
    assert boost.reply_to is None and boost.attachments == []
    assert (
        items[5].extra["boosted"]
        == "https://other.example/users/kindly/statuses/109000000000000999"
    )
    assert items[6].text == f"created {status(7)}"
    assert items[6].extra == {"object": status(7)}

    poll = items[7]
    assert poll.text == "Which is worse?"
    assert poll.extra["poll_options"] == ["Being doxxed", "Being impersonated"]


def test_archive_folder() -> None:
    assert score(IMPORTER, ARCHIVE) == 1.0
    items, unparsed = read_all(IMPORTER, ARCHIVE)
    assert unparsed == []
    check_archive(items)


def test_archive_zip_under_a_top_folder(tmp_path: Path) -> None:
    archive = tmp_path / "archive-20230301-abc.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in sorted(ARCHIVE.rglob("*")):
            if file.is_file():
                zf.write(file, "archive-20230301/" + file.relative_to(ARCHIVE).as_posix())
    assert score(IMPORTER, archive) == 1.0
    items, unparsed = read_all(IMPORTER, archive)
    assert unparsed == []
    check_archive(items, prefix="archive-20230301/")


def test_outbox_alone_without_actor(tmp_path: Path) -> None:
    document = json.loads((ARCHIVE / "outbox.json").read_text())
    folder = outbox(tmp_path, document["orderedItems"][:1], actor=False)
    assert score(IMPORTER, folder) == 0.7
    items, _ = read_all(IMPORTER, folder / "outbox.json")
    assert items[0].author is not None
    assert items[0].author.handle == "willowmere@social.example"
    assert items[0].author.display_name == ""
    assert items[0].conversation == ME
    assert items[0].attachments[0].missing == "not included in the export"


def test_unknown_activities_are_unparsed_and_naive_times_assumed(tmp_path: Path) -> None:
    items = [
        {"id": f"{ME}/likes/1", "type": "Like", "actor": ME, "object": status(1)},
        {
            "id": f"{status(9)}/activity",
            "type": "Create",
            "actor": ME,
            "object": {"id": status(9), "type": "Event", "name": "a meetup"},
        },
        {"id": f"{status(10)}/activity", "type": "Create", "actor": ME, "object": None},
        "not an activity",
        {
            "id": f"{status(11)}/activity",
            "type": "Create",
            "actor": ME,
            "published": "2023-03-01T10:00:00",
            "to": [f"{ME}/followers"],
            "object": {
                "id": status(11),
                "type": "Note",
                "content": "a &lt;b&gt; c",
                "published": "2023-03-01T10:00:00",
                "to": [f"{ME}/followers"],
            },
        },
    ]
    read, unparsed = read_all(IMPORTER, outbox(tmp_path, items), "America/New_York")
    assert [(u.position, u.message) for u in unparsed] == [
        ("outbox.json $.orderedItems[0]", "not a post or a boost (type 'Like')"),
        ("outbox.json $.orderedItems[1]", "a Create of type 'Event' (not a note)"),
        ("outbox.json $.orderedItems[2]", "not a post or a boost (type 'Create')"),
        ("outbox.json $.orderedItems[3]", "not a post or a boost (type None)"),
    ]
    assert json.loads(unparsed[0].raw)["type"] == "Like"
    assert len(read) == 1
    assert read[0].text == "a <b> c"
    assert read[0].time_zone_assumed
    assert read[0].sent_at == dt.datetime(2023, 3, 1, 15, 0, tzinfo=UTC)
    assert read[0].position == "outbox.json $.orderedItems[4]"


def test_empty_outbox(tmp_path: Path) -> None:
    assert read_all(IMPORTER, outbox(tmp_path, [])) == ([], [])


def test_truncated_outbox_is_a_clear_error(tmp_path: Path) -> None:
    folder = outbox(tmp_path, json.loads((ARCHIVE / "outbox.json").read_text())["orderedItems"])
    data = (folder / "outbox.json").read_bytes()
    (folder / "outbox.json").write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ImportFormatError) as error:
        read_all(IMPORTER, folder)
    assert "Could not read outbox.json at $.orderedItems[" in str(error.value)
    assert "the file ends too early" in str(error.value)
    assert "download it again" in str(error.value)
    assert error.value.position.startswith("outbox.json $.orderedItems[")


def test_invalid_utf8_is_a_clear_error(tmp_path: Path) -> None:
    folder = outbox(tmp_path, [])
    (folder / "outbox.json").write_bytes(
        b'{"type": "OrderedCollection", "orderedItems": [{"type": "Create", "object": "\xff\xfe"}]}'
    )
    with pytest.raises(ImportFormatError, match="not UTF-8 text"):
        read_all(IMPORTER, folder)


def test_wrong_format(tmp_path: Path) -> None:
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "outbox.json").write_text('{"messages": [{"text": "hello"}]}')
    assert score(IMPORTER, folder) == 0.0
    with pytest.raises(ImportFormatError, match="is not a Mastodon outbox"):
        read_all(IMPORTER, folder)


def test_score_is_zero_for_other_formats(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("outbox.json OrderedCollection\n")
    assert score(IMPORTER, text) == 0.0
    plain = tmp_path / "data.json"
    plain.write_text('{"type": "OrderedCollection", "orderedItems": []}')
    assert score(IMPORTER, plain) == 0.0
    for other in ("x/2022_tweets", "x/dms", "bluesky/repo.car"):
        assert score(IMPORTER, DATA / other) == 0.0


def test_score_is_zero_on_the_samples_of_other_formats() -> None:
    others = [
        path for folder in DATA.iterdir() if folder.name != "mastodon" for path in folder.iterdir()
    ]
    assert len(others) > 5
    for path in others:
        try:
            assert score(IMPORTER, path) == 0.0, path
        except InputError:
            continue  # a deliberately damaged sample that cannot even be opened
