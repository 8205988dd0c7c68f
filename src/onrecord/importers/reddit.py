"""Reddit's data export (the GDPR request): a zip or folder of about 30 CSV files, or one CSV.

Files are recognised by their HEADER ROW, never by name, in any column order:

* comments ``id,permalink,date,ip,subreddit,gildings,link,parent,body[,media]`` → kind
  ``comment``, ``reply_to`` = the parent's id (its ``t1_`` / ``t3_`` type prefix dropped so it
  meets the parent's ``id``), ``url`` = permalink, scoped by the post (``link``);
* posts ``id,permalink,date,ip,subreddit,gildings,title,url,body`` → kind ``post``, text =
  title, a blank line, body; scoped by subreddit;
* messages (also ``messages_archive.csv``) ``id,permalink,thread_id,date,ip,from,to,subject,
  body`` → kind ``message``, author = from, recipients = [to], scoped by thread_id;
* chat_history ``message_id,created_at,updated_at,username,message,thread_parent_message_id,
  channel_url,subreddit,channel_name,conversation_type`` → kind ``message``, scoped by channel.

Every other CSV (votes, ip_logs, *_headers without bodies…) is not a unit. Comments and
posts carry no author: they are the export owner's, named from ``statistics.csv``
(``statistic,value`` with "account name") when present, else "me (export owner)". Dates
like ``2014-08-27 00:59:46 UTC`` are UTC, not assumed. ``[deleted]`` / ``[removed]`` bodies
are kept with ``deleted=True``. RFC 4180 quoting, a BOM and blank ``ip`` cells are read as
the CSV importer reads them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

from onrecord.importers.base import (
    ImportContext,
    ImportedAccount,
    ImportedItem,
    ImportFormatError,
    Unit,
    Unparsed,
)
from onrecord.importers.generic_csv import csv_rows, normal, parse_time, record
from onrecord.importers.source import Source

_COMMON = ("id", "permalink", "date", "ip", "subreddit", "gildings")
HEADERS: dict[str, frozenset[str]] = {
    "comments": frozenset((*_COMMON, "link", "parent", "body")),
    "posts": frozenset((*_COMMON, "title", "url", "body")),
    "messages": frozenset(
        ("id", "permalink", "thread_id", "date", "ip", "from", "to", "subject", "body")
    ),
    "chat_history": frozenset(
        [
            "message_id",
            "created_at",
            "updated_at",
            "username",
            "message",
            "thread_parent_message_id",
            "channel_url",
            "subreddit",
            "channel_name",
            "conversation_type",
        ]
    ),
}
OWNER_UNKNOWN = "me (export owner)"
GONE = ("[deleted]", "[removed]")


def header_of(source: Source, path: str) -> list[str]:
    """The normalised header row of a CSV file ([] when it has none)."""
    head = source.read_head(path, 16 * 1024).decode("utf-8", "ignore").lstrip("\ufeff")
    first = head.split("\n", 1)[0].rstrip("\r")
    try:
        return [normal(name) for name in next(csv.reader([first]), [])]
    except csv.Error:
        return []


def file_kind(header: list[str]) -> str | None:
    """Which Reddit file a header row belongs to, or None."""
    names = set(header)
    for kind, wanted in HEADERS.items():
        if wanted <= names:
            return kind
    return None


class RedditImporter:
    key = "reddit"
    label = "Reddit data export (CSV)"
    reads = "the CSV files of a Reddit data request (comments, posts, messages, chat history)"

    def score(self, source: Source) -> float:
        kinds = {file_kind(header_of(source, p)) for p in _csv_paths(source)} - {None}
        return 0.0 if not kinds else 0.9 if len(kinds) == 1 else 0.95

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        owner = _owner(source)
        found = [(p, file_kind(header_of(source, p))) for p in _csv_paths(source)]
        found = [(p, kind) for p, kind in found if kind is not None]
        if not found and source.kind == "file":
            found = [(source.paths()[0], None)]  # named with --format: iter_items says why
        for path, kind in found:
            label = f"Reddit {(kind or 'file').replace('_', ' ')}"
            yield Unit(path, label, {"kind": kind, "owner": owner})

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        rows = csv_rows(source, unit.path)
        header = next((row for _n, row in rows), [])
        kind = file_kind([normal(h) for h in header])
        if kind is None:
            raise ImportFormatError(
                f"{unit.path} is not one of the Reddit export's message files (its first row "
                "is not a known Reddit header). Check that you chose the Reddit export.",
                f"{unit.path} row 1",
            )
        owner_name = str(unit.meta.get("owner") or "")
        owner = ImportedAccount("reddit", handle=owner_name, display_name=owner_name)
        if not owner_name:
            owner = ImportedAccount("reddit", display_name=OWNER_UNKNOWN)
        names = [normal(h) for h in header]
        for number, row in rows:
            where = f"{unit.path} row {number}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problem = f"row {number} has {len(row)} fields but the header has {len(header)}"
                yield Unparsed(where, problem, ",".join(row)[:2000])
                continue
            cells = dict(zip(names, row, strict=True))
            yield _item(kind, cells, record(header, row), where, owner, context)


def _item(
    kind: str,
    cells: dict[str, str],
    raw: dict[str, str],
    where: str,
    owner: ImportedAccount,
    context: ImportContext,
) -> ImportedItem:
    stamp = cells["created_at" if kind == "chat_history" else "date"]
    sent_at, assumed = parse_time(stamp, context.time_zone)
    extra: dict[str, object] = {"time_not_understood": stamp} if stamp and not sent_at else {}
    item = ImportedItem(
        platform="reddit",
        kind="message",
        position=where,
        text=cells.get("body", ""),
        author=owner,
        sent_at=sent_at,
        sent_at_original=stamp,
        time_zone_assumed=assumed,
        url=cells.get("permalink", ""),
        platform_id=cells.get("id") or None,
        raw=raw,
        extra=extra,
    )
    subreddit = cells.get("subreddit", "")
    if kind == "comments":
        parent = cells["parent"]
        item.kind, item.reply_to = "comment", re.sub(r"^t[13]_", "", parent) or None
        item.conversation = cells["link"] or f"r/{subreddit}"
        extra |= {"subreddit": subreddit, "link": cells["link"], "gildings": cells["gildings"]}
        extra["parent"] = parent  # "t1_…" a comment, "t3_…" the post
        if cells.get("media"):
            extra["media"] = cells["media"]
    elif kind == "posts":
        item.kind, item.conversation = "post", f"r/{subreddit}"
        title, body = cells["title"], cells["body"]
        item.text = f"{title}\n\n{body}" if body else title
        extra |= {"title": title, "subreddit": subreddit, "link_url": cells["url"]}
        extra["gildings"] = cells["gildings"]
    elif kind == "messages":
        sender, to = cells["from"], cells["to"]
        item.author = ImportedAccount("reddit", handle=sender, display_name=sender)
        item.recipients = [to] if to else []
        item.conversation = cells["thread_id"] or cells["id"]
        extra["subject"] = cells["subject"]
    else:
        user = cells["username"]
        item.author = ImportedAccount("reddit", handle=user, display_name=user)
        item.text, item.platform_id = cells["message"], cells["message_id"] or None
        item.reply_to = cells["thread_parent_message_id"] or None
        item.conversation = cells["channel_url"] or cells["channel_name"]
        item.url = ""
        for key in ("channel_name", "subreddit", "conversation_type", "updated_at"):
            extra[key] = cells[key]
        edited, _ = parse_time(cells["updated_at"], context.time_zone)
        if edited and sent_at and edited > sent_at:
            item.edited_at = edited
    item.deleted = item.text.strip() in GONE or cells.get("body", "").strip() in GONE
    item.text = item.text.replace("\r\n", "\n")
    return item


def _csv_paths(source: Source) -> list[str]:
    paths = source.paths()
    return paths if source.kind == "file" else [p for p in paths if p.lower().endswith(".csv")]


def _owner(source: Source) -> str:
    """The account name from statistics.csv (``statistic,value``), found by its header."""
    for path in _csv_paths(source):
        if header_of(source, path)[:2] != ["statistic", "value"]:
            continue
        try:
            for _number, row in csv_rows(source, path):
                if len(row) >= 2 and normal(row[0]) in ("account_name", "username"):
                    return row[1].strip()
        except ImportFormatError:
            return ""
    return ""


IMPORTER = RedditImporter()
