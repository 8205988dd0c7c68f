"""Reddit data export: files found by header row, comments, posts, messages and chat history,
the owner from statistics.csv, UTC dates, RFC 4180 quoting and broken files."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from importers.helpers import DATA, context, read_all, score
from onrecord.importers.base import ImportedAccount, ImportFormatError
from onrecord.importers.reddit import IMPORTER, OWNER_UNKNOWN
from onrecord.importers.source import Source

EXPORT = DATA / "reddit" / "export_jordan_kay_test_20250406"
POST = "https://www.reddit.com/r/testrunners/comments/p9q8r7/fairview_run_club/"
OWNER = ImportedAccount("reddit", handle="jordan_kay_test", display_name="jordan_kay_test")
TROLL = ImportedAccount("reddit", handle="throwaway_test_123", display_name="throwaway_test_123")


def units(path: Path) -> list[tuple[str, str]]:
    with Source.open(path) as source:
        return [(u.path, u.meta["kind"]) for u in IMPORTER.units(source, context())]


def test_files_are_found_by_header_not_name() -> None:
    assert units(EXPORT) == [
        ("chat_history.csv", "chat_history"),
        ("comments.csv", "comments"),
        ("messages.csv", "messages"),
        ("messages_archive.csv", "messages"),
        ("posts.csv", "posts"),
    ]  # comment_headers, post_votes, ip_logs and statistics are not units
    assert units(DATA / "reddit" / "older_export") == [("file_07.csv", "comments")]
    assert score(IMPORTER, EXPORT) == 0.95
    assert score(IMPORTER, DATA / "reddit" / "older_export") == 0.9


def test_comments_with_quoting_newlines_and_bom() -> None:
    assert (EXPORT / "comments.csv").read_bytes().startswith(b"\xef\xbb\xbfid,")
    items, unparsed = read_all(IMPORTER, EXPORT, "America/New_York")
    assert unparsed == []
    comments = [i for i in items if i.kind == "comment"]
    assert [c.text for c in comments] == [
        "Please stop posting my route.\nIt is not okay.",
        'He said "I know where you run", so I reported it.',
        "[deleted]",
    ]
    first, second, gone = comments
    assert first.author == OWNER
    assert first.platform_id == "kx1a2b3" and first.reply_to == "p9q8r7"
    assert second.reply_to == "kx0zzzz" and gone.reply_to == "kx1a2b4"
    assert first.url == POST + "kx1a2b3/" and first.conversation == POST
    assert first.sent_at == dt.datetime(2025, 4, 1, 18, 22, 5, tzinfo=dt.UTC)
    assert first.sent_at_original == "2025-04-01 18:22:05 UTC" and not first.time_zone_assumed
    assert first.position == "comments.csv row 2"
    assert first.extra == {
        "subreddit": "testrunners",
        "link": POST,
        "gildings": "0",
        "parent": "t3_p9q8r7",
    }
    assert second.extra["media"] == "https://i.example.com/abc.png"
    assert gone.deleted and not first.deleted
    assert first.raw["ip"] == "" and first.raw["id"] == "kx1a2b3"


def test_posts_messages_and_chat_history() -> None:
    items, _ = read_all(IMPORTER, EXPORT)
    posts = [i for i in items if i.kind == "post"]
    assert [p.text for p in posts] == [
        "Fairview run club: someone is following me\n\n"
        "Since March an account keeps commenting on my runs.\n\nHas this happened to anyone?",
        "Link post without a body",
    ]
    assert posts[0].author == OWNER and posts[0].platform_id == "p9q8r7"
    assert posts[0].conversation == "r/testrunners" and posts[0].url == POST
    assert posts[0].extra["title"] == "Fairview run club: someone is following me"
    assert posts[1].extra["link_url"] == "https://www.example.org/guide"

    messages = [i for i in items if i.position.startswith("messages")]
    assert [(m.author, m.recipients, m.conversation, m.text) for m in messages] == [
        (TROLL, ["jordan_kay_test"], "2m3n4o", "I see you every morning, 6:10 sharp."),
        (OWNER, ["throwaway_test_123"], "2m3n4o", "Do not message me again."),
        (TROLL, ["jordan_kay_test"], "2m0000", "old archived message"),
    ]
    assert messages[0].kind == "message" and messages[0].extra == {"subject": "your runs"}
    assert messages[2].sent_at == dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=dt.UTC)

    chat = [i for i in items if i.position.startswith("chat_history")]
    assert [(c.platform_id, c.reply_to, c.text) for c in chat] == [
        ("chatmsg-0001", None, "hey runner"),
        ("chatmsg-0002", "chatmsg-0001", "edited threat"),
    ]
    assert chat[0].author == TROLL
    assert chat[0].conversation == "https://chat.reddit.com/room/!testroom:reddit.com"
    assert chat[0].edited_at is None
    assert chat[1].edited_at == dt.datetime(2025, 4, 5, 6, 3, 30, tzinfo=dt.UTC)
    assert chat[1].extra["conversation_type"] == "direct"


def test_owner_unknown_without_statistics() -> None:
    items, _ = read_all(IMPORTER, DATA / "reddit" / "older_export")
    [comment] = items
    assert comment.author == ImportedAccount("reddit", display_name=OWNER_UNKNOWN)
    assert comment.sent_at == dt.datetime(2014, 8, 27, 0, 59, 46, tzinfo=dt.UTC)
    assert comment.text == "an old comment"


def test_a_zip_and_a_single_csv(tmp_path: Path) -> None:
    archive = tmp_path / "export_someone.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("comments.csv", "statistics.csv", "ip_logs.csv"):
            zf.write(EXPORT / name, name)
    items, _ = read_all(IMPORTER, archive)
    assert len(items) == 3 and {i.author for i in items} == {OWNER}
    single, _ = read_all(IMPORTER, EXPORT / "messages.csv")
    assert [i.platform_id for i in single] == ["2m3n4o", "2m3n4p"]


def test_broken_rows_and_files(tmp_path: Path) -> None:
    header = "id,permalink,thread_id,date,ip,from,to,subject,body\n"
    ragged = tmp_path / "messages.csv"
    ragged.write_text(
        header
        + "a1,https://www.reddit.com/m/a1,,2025-01-01 00:00:00 UTC,,x_test,y_test,s,ok\n"
        + "a2,too,few\n"
        + "a3,https://www.reddit.com/m/a3,,yesterday,,x_test,y_test,s,late\n",
        encoding="utf-8",
    )
    items, unparsed = read_all(IMPORTER, ragged)
    assert [i.text for i in items] == ["ok", "late"]
    assert items[1].sent_at is None and items[1].extra["time_not_understood"] == "yesterday"
    assert [(u.position, u.message) for u in unparsed] == [
        ("messages.csv row 3", "row 3 has 3 fields but the header has 9")
    ]
    latin = tmp_path / "comments.csv"
    latin.write_bytes(
        b"id,permalink,date,ip,subreddit,gildings,link,parent,body\n"
        b"c1,p,2025-01-01 00:00:00 UTC,,s,0,l,t3_x,fine\n"
        b"c2,p,2025-01-01 00:00:00 UTC,,s,0,l,t3_x,caf\xe9\n"
    )
    with pytest.raises(ImportFormatError, match="row 3 has a byte that is not UTF-8") as caught:
        read_all(IMPORTER, latin)
    assert caught.value.position == "comments.csv row 3"


def test_other_files_score_zero(tmp_path: Path) -> None:
    votes = tmp_path / "post_votes.csv"
    votes.write_text("id,permalink,direction\np1,https://www.reddit.com/r/x/,up\n")
    assert score(IMPORTER, votes) == 0.0
    with pytest.raises(ImportFormatError, match="not one of the Reddit export's message files"):
        read_all(IMPORTER, votes)
    assert score(IMPORTER, DATA / "csv" / "guessed.csv") == 0.0
    assert score(IMPORTER, DATA / "whatsapp" / "Chat with Alex Doe.txt") == 0.0
    for sample in DATA.iterdir():
        if sample.name != "reddit":
            assert score(IMPORTER, sample) == 0.0, sample
