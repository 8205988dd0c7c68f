"""Facebook Messenger and Instagram downloads: thread files in numeric order, mojibake repaired
only where it is mojibake, media-only and unsent messages, the 2024 E2EE shape, Instagram's
2020 shape, the refused HTML export, and a damaged thread failing alone."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest

from importers.helpers import DATA, context, read_all, score
from onrecord.importers.base import AttachmentRef, ImportedAccount, ImportedItem, ImportFormatError
from onrecord.importers.meta_dyi import IMPORTER, repair
from onrecord.importers.source import Source

META = DATA / "meta"
FB = META / "facebook-jordankay-20250406"
THREAD = "your_activity_across_facebook/messages/inbox/alexdoe_10001"


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def unit_paths(path: Path) -> list[str]:
    with Source.open(path) as source:
        return [unit.path for unit in IMPORTER.units(source, context())]


def test_repair_only_touches_mojibake() -> None:
    assert repair("Zo\u00c3\u00ab") == "Zoë"
    assert repair("\u00e2\u009d\u00a4") == "❤"
    assert repair("\u201cstop\u201d") == "\u201cstop\u201d"  # above 255: not mojibake
    assert repair("caf\u00e9") == "café"  # below 256 but not UTF-8 bytes: kept
    assert repair("plain") == "plain"


def test_thread_files_are_units_in_numeric_order() -> None:
    assert unit_paths(FB) == [
        "your_activity_across_facebook/messages/archived_threads/zoepark_20002/message_1.json",
        f"{THREAD}/message_1.json",
        f"{THREAD}/message_2.json",
        f"{THREAD}/message_10.json",
    ]
    assert score(IMPORTER, FB) == 0.95


def test_messenger_thread_across_files() -> None:
    items, unparsed = read_all(IMPORTER, FB)
    thread = [i for i in items if i.conversation == "alexdoe_10001"]
    assert [(i.kind, i.text) for i in thread] == [
        ("message", "Zoë says hi 😀"),
        ("message", ""),
        ("message", "\u201cstop\u201d, I said"),
        ("message", ""),
        ("message", "look at this"),
        ("system", "Alex Doe called you."),
        ("message", ""),
        ("system", "Alex Doe added Jordan Kay to the group."),
    ]
    hi, photos, stop, unsent, share, call, sticker, joined = thread
    assert all(i.platform == "facebook" and i.platform_id is None for i in thread)
    assert hi.author == ImportedAccount("facebook", display_name="Alex Doe")
    assert hi.recipients == ["Jordan Kay"] and stop.recipients == ["Alex Doe"]
    assert hi.sent_at == utc("2025-04-06T10:05:00") and not hi.time_zone_assumed
    assert hi.sent_at_original == "1743933900000"
    assert hi.position == f"{THREAD}/message_1.json $.messages[0]"
    assert hi.extra == {"reactions": [{"reaction": "❤", "actor": "Jordan Kay"}]}
    # raw keeps the record exactly as Meta wrote it (mojibake and all)
    assert hi.raw["content"] == "Zo\u00c3\u00ab says hi \u00f0\u009f\u0098\u0080"
    assert hi.raw["reactions"][0]["reaction"] == "\u00e2\u009d\u00a4"
    assert photos.attachments == [
        AttachmentRef("111.jpg", f"{THREAD}/photos/111.jpg"),
        AttachmentRef("112.jpg", None, "the file is not in this export"),
    ]
    assert photos.extra == {"no_text": True}
    assert unsent.deleted and not stop.deleted and unsent.text == ""
    assert share.extra["share"] == {
        "link": "https://www.example.com/posts/42",
        "share_text": "a post",
    }
    assert call.extra == {"type": "Call", "call_duration": 12}
    assert sticker.attachments == [AttachmentRef("999.png", None, "the file is not in this export")]
    assert joined.extra["users"] == [{"name": "Jordan Kay"}]
    assert joined.position == f"{THREAD}/message_10.json $.messages[1]"
    # the archived thread: a mojibake name repaired, a real "é" kept, a bad record reported
    [archived] = [i for i in items if i.conversation == "zoepark_20002"]
    assert archived.author == ImportedAccount("facebook", display_name="Zoë Park")
    assert archived.text == "café au lait" and archived.recipients == ["Jordan Kay"]
    assert [(u.position, u.message, u.raw) for u in unparsed] == [
        (
            "your_activity_across_facebook/messages/archived_threads/zoepark_20002/"
            "message_1.json $.messages[1]",
            "a message that is not a JSON object",
            '"not a message"',
        )
    ]


def test_instagram_thread_under_your_instagram_activity() -> None:
    path = META / "instagram-jordankay-20250406"
    assert score(IMPORTER, path) == 0.95
    items, unparsed = read_all(IMPORTER, path)
    assert unparsed == []
    assert {i.platform for i in items} == {"instagram"}
    assert {i.conversation for i in items} == {"rileystone_17841400000000000"}
    threat, photo, share = items
    assert threat.text == "I know where you live 🏠"
    assert threat.author == ImportedAccount("instagram", display_name="Riley Stone")
    assert threat.extra == {"reactions": [{"reaction": "😮", "actor": "Jordan Kay"}]}
    assert threat.sent_at == utc("2025-03-01T22:15:30")
    assert photo.text == "" and photo.attachments == [
        AttachmentRef("555.jpg", None, "the file is not in this export")
    ]
    assert share.extra["share"]["link"] == "https://www.instagram.com/p/EXAMPLE123/"


def test_e2ee_2024_messenger_export() -> None:
    path = META / "messenger-e2ee"
    assert score(IMPORTER, path) == 0.9
    assert unit_paths(path) == ["messages/alexdoe_1.json"]
    items, unparsed = read_all(IMPORTER, path)
    assert unparsed == []
    text, media, unsent = items
    assert text.text == "Zoë told me everything"  # real UTF-8 is left alone
    assert text.author == ImportedAccount("facebook", display_name="Alex Doe")
    assert text.recipients == ["Jordan Kay"] and text.conversation == "alexdoe_1"
    assert text.sent_at == utc("2024-06-01T08:00:00")
    assert text.extra == {"type": "text", "reactions": [{"actor": "Jordan Kay", "reaction": "👍"}]}
    assert media.attachments == [
        AttachmentRef("photo_1.jpg", "messages/media/alexdoe_1/photo_1.jpg")
    ]
    assert unsent.deleted and not text.deleted


def test_instagram_2020_messages_json() -> None:
    path = META / "instagram-2020"
    assert score(IMPORTER, path) == 0.6
    items, unparsed = read_all(IMPORTER, path)
    assert unparsed == []
    assert [(i.author.handle if i.author else "", i.text) for i in items] == [
        ("riley.stone", "old style message"),
        ("jordan.kay", "leave me alone"),
        ("riley.stone", ""),
    ]
    first = items[0]
    assert first.platform == "instagram" and first.conversation == "jordan.kay, riley.stone"
    assert first.sent_at == dt.datetime(2019, 5, 6, 12, 34, 56, 123456, tzinfo=dt.UTC)
    assert first.position == "messages.json $[0].conversation[0]"
    assert items[2].extra == {"media": "https://scontent.example.com/v/photo.jpg"}


def test_html_export_is_recognised_and_refused() -> None:
    path = META / "facebook-html"
    assert score(IMPORTER, path) > 0
    with pytest.raises(ImportFormatError, match="choose Format: JSON") as caught:
        read_all(IMPORTER, path)
    assert "HTML version of the Facebook download" in str(caught.value)


def test_a_damaged_thread_fails_alone() -> None:
    path = META / "facebook-broken"
    outcomes: dict[str, object] = {}
    with Source.open(path) as source:
        for unit in IMPORTER.units(source, context()):
            try:
                outcomes[unit.label] = [
                    r.text
                    for r in IMPORTER.iter_items(source, unit, context())
                    if isinstance(r, ImportedItem)
                ]
            except ImportFormatError as exc:
                outcomes[unit.label] = exc
    assert outcomes["good_1"] == ["still readable"]
    error = outcomes["bad_2"]
    assert isinstance(error, ImportFormatError)
    assert error.position == "messages/inbox/bad_2/message_1.json $.messages[1]"
    assert "download your information again" in str(error)
    assert "\n" not in str(error)


def test_platform_from_the_download_name_and_a_lone_thread_file(tmp_path: Path) -> None:
    record = {
        "participants": [{"name": "Alex Doe"}, {"name": "Jordan Kay"}],
        "messages": [{"sender_name": "Alex Doe", "timestamp_ms": 1700000000000, "content": "hi"}],
        "title": "Alex Doe",
        "thread_path": "inbox/alexdoe_555",
    }
    for name, platform in (("instagram-jk-2025.zip", "instagram"), ("jk-2025.zip", "facebook")):
        archive = tmp_path / name
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("messages/inbox/alexdoe_555/message_1.json", json.dumps(record))
        items, _ = read_all(IMPORTER, archive)
        assert [(i.platform, i.conversation) for i in items] == [(platform, "alexdoe_555")]
    lone = tmp_path / "message_1.json"
    lone.write_text(json.dumps(record))
    assert score(IMPORTER, lone) == 0.9
    items, _ = read_all(IMPORTER, lone)
    assert [(i.conversation, i.text) for i in items] == [("alexdoe_555", "hi")]


def test_media_found_under_a_prefix_folder_and_an_older_uri(tmp_path: Path) -> None:
    thread = "your_facebook_activity/messages/inbox/alexdoe_555"
    record = {
        "participants": [{"name": "Alex Doe"}],
        "messages": [
            {
                "sender_name": "Alex Doe",
                "timestamp_ms": 1700000000000,
                "photos": [{"uri": "messages/inbox/alexdoe_555/photos/1.jpg"}],
                "videos": [{"uri": f"{thread}/videos/2.mp4"}],
                "files": [{"uri": "https://cdn.example.com/x.pdf"}],
            }
        ],
    }
    archive = tmp_path / "facebook-jk.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"download/{thread}/message_1.json", json.dumps(record))
        zf.writestr(f"download/{thread}/photos/1.jpg", b"jpeg")
        zf.writestr(f"download/{thread}/videos/2.mp4", b"mp4")
    [item], _ = read_all(IMPORTER, archive)
    assert item.attachments == [
        AttachmentRef("1.jpg", f"download/{thread}/photos/1.jpg"),
        AttachmentRef("2.mp4", f"download/{thread}/videos/2.mp4"),
        AttachmentRef("x.pdf", None, "only a link: the file is not in the export"),
    ]
    assert item.extra == {"no_text": True} and item.recipients == []


def test_not_a_meta_export(tmp_path: Path) -> None:
    other = tmp_path / "notes.json"
    other.write_text('{"notes": ["a", "b"]}')
    assert score(IMPORTER, other) == 0.0
    with pytest.raises(ImportFormatError, match="holds no list of messages"):
        read_all(IMPORTER, other)
    assert score(IMPORTER, DATA / "whatsapp" / "Chat with Alex Doe.txt") == 0.0
    assert score(IMPORTER, DATA.parent / "pipeline" / "dce-general-2026-10-20.json") == 0.0
    for sample in DATA.iterdir():
        if sample.name != "meta":
            assert score(IMPORTER, sample) < 0.5, sample
