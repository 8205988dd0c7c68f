"""DiscordChatExporter (Tyrrrz/DiscordChatExporter) output, JSON or CSV, one file per channel.

JSON: ``{guild, channel{id,type,name,...}, dateRange, exportedAt (since 2023), messages[],
messageCount}``. Exports reach gigabytes: the header is read up to ``messages`` and the
messages are streamed with ijson, never loaded whole. Times carry the exporting machine's
offset (``2023-03-30T16:44:50.473-05:00``): normalised to UTC, the text kept. ``Default`` and
``Reply`` (and slash-command answers) are messages, every other type (joins, pins, calls,
thread creation, recipient changes...) is ``system``. ``discriminator`` ``"0000"``/``"0"``
(after Discord's 2023 username change) is not appended to the handle. Attachments are in the
source when the export was made with "download assets" (``url`` is then a relative path such
as ``chat.json_Files/photo-1A2B.png``, with ``/`` or Windows ``\\``); otherwise only Discord's
link is there. A folder or zip of exports gives one unit per file, threads (``_threads/``)
included; the assets folders are never read as exports.

CSV: ``AuthorID,Author,Date,Content,Attachments,Reactions`` (with or without a byte-order
mark), fields quoted, contents may span lines. There are no message ids, reply links or edit
times. ``Date`` is in the user's chosen or locale format (``01-Jan-20 01:33 AM``,
``2020-01-01 01:33``, ``1/1/2020 1:33 AM``, ``01.01.2020 01:33``) without a zone: the
context's zone is used and marked assumed. Day/month order is decided from the whole file
(a first field above 12 means day-first, a second above 12 month-first); when no date settles
it, the style decides (``/`` with AM/PM is US month-first, anything else day-first) and every
item records that the order was guessed. The channel id is taken from the file name's
``[123...]`` (DiscordChatExporter's default name) when present.

HTML and TXT exports are not read: export JSON (best) or CSV.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import posixpath
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import ijson

from onrecord.importers.base import (
    AttachmentRef,
    ImportContext,
    ImportedAccount,
    ImportedItem,
    ImportFormatError,
    Unit,
    Unparsed,
    iso_time,
)
from onrecord.importers.jsonstream import Tracked, build, skip
from onrecord.importers.source import Source

PLATFORM = "discord"
NOT_DOWNLOADED = "only a link to Discord's servers is in the export"
CSV_HEADER = ["AuthorID", "Author", "Date", "Content", "Attachments", "Reactions"]
MESSAGE_TYPES = {"Default", "Reply", "ChatInputCommand", "ContextMenuCommand"}
EXTRA_LISTS = ("reactions", "embeds", "stickers", "mentions", "inlineEmojis")
_CHANNEL_ID = re.compile(r"\[(\d{5,25})\](?:\.\w+)?$")
_NUMERIC = re.compile(
    r"(\d{1,2})([/.-])(\d{1,2})\2(\d{2,4}),?[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"\s*(?:([AaPp])\.?\s?[Mm]\.?)?"
)
_NAMED = ("%d-%b-%y %I:%M %p", "%d-%b-%Y %I:%M %p", "%d-%b-%y %H:%M", "%d %b %Y %H:%M")


class DiscordExporterImporter:
    key = "discord-exporter"
    label = "DiscordChatExporter export (JSON or CSV)"
    reads = "DiscordChatExporter .json or .csv files: one, or a folder or zip of them"

    def score(self, source: Source) -> float:
        best = 0.0
        for path in _candidates(source)[:40]:
            kind = _sniff(source, path)
            best = max(best, {"json": 0.95, "csv": 0.9, "json?": 0.5}.get(kind, 0.0))
            if best >= 0.9:
                break
        return best

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        for path in _candidates(source):
            kind = _sniff(source, path)
            if not kind and source.kind == "file":  # named with --format: say what is wrong
                kind = "csv" if path.lower().endswith(".csv") else "json"
            if kind:
                yield Unit(path, label=path, meta={"format": kind.rstrip("?")})

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        if unit.meta.get("format") == "csv":
            yield from _csv_items(source, unit.path, context)
        else:
            yield from _json_items(source, unit.path, context)


def _candidates(source: Source) -> list[str]:
    return [
        p
        for p in source.paths()
        if p.lower().endswith((".json", ".csv"))
        and not any(part.lower().endswith("_files") for part in p.split("/")[:-1])
    ]


def _sniff(source: Source, path: str) -> str:
    head = source.read_head(path, 16384).removeprefix(codecs.BOM_UTF8).lstrip()
    if path.lower().endswith(".csv"):
        first = head.split(b"\n", 1)[0].decode("utf-8", "replace").strip().replace('"', "")
        return "csv" if first.split(",")[:5] == CSV_HEADER[:5] else ""
    if not head.startswith(b"{") or b'"guild"' not in head or b'"channel"' not in head:
        return ""
    return "json" if b'"messages"' in head or b'"dateRange"' in head else "json?"


# -- JSON ------------------------------------------------------------------------------------


def _json_items(
    source: Source, path: str, context: ImportContext
) -> Iterator[ImportedItem | Unparsed]:
    header = _header(source, path)
    channel = header.get("channel")
    if not isinstance(channel, dict) or not channel.get("id"):
        raise ImportFormatError(
            f"{path} is not a DiscordChatExporter JSON export (it names no channel). "
            "Export the channel again as JSON, or choose the right format.",
            path,
        )
    guild = header.get("guild")
    guild = guild if isinstance(guild, dict) else {}
    about = {
        "channel_name": channel.get("name"),
        "channel_type": channel.get("type"),
        "category": channel.get("category"),
        "guild_id": guild.get("id"),
        "guild_name": guild.get("name"),
        "exported_at": header.get("exportedAt"),
    }
    about = {k: v for k, v in about.items() if v}
    conversation = str(channel["id"])
    folder = posixpath.dirname(path)
    with source.open_file(path) as stream:
        reader = Tracked(stream)
        try:
            messages = ijson.items(reader, "messages.item", use_float=True)
            for index, message in enumerate(messages):
                position = f"{path} $.messages[{index}]"
                yield _json_message(message, position, conversation, about, folder, source, context)
        except ijson.JSONError as exc:
            raise reader.error(path, exc) from None


def _header(source: Source, path: str) -> dict[str, Any]:
    """The top-level fields other than ``messages`` (read before them; after only if needed)."""
    found: dict[str, Any] = {}
    with source.open_file(path) as stream:
        reader = Tracked(stream)
        try:
            events = ijson.parse(reader, use_float=True)
            first = next(events, None)
            if first is None or first[1] != "start_map":
                raise ImportFormatError(
                    f"{path} is not a DiscordChatExporter JSON export (it is not a JSON object).",
                    path,
                )
            for prefix, event, value in events:
                if prefix != "" or event != "map_key":
                    continue
                _p, start, start_value = next(events)
                if value != "messages":
                    found[value] = build(events, start, start_value)
                elif "channel" in found:
                    break
                else:
                    skip(events, start)
        except ijson.JSONError as exc:
            raise reader.error(path, exc) from None
    return found


def _json_message(
    message: Any,
    position: str,
    conversation: str,
    about: dict[str, Any],
    folder: str,
    source: Source,
    context: ImportContext,
) -> ImportedItem | Unparsed:
    if not isinstance(message, dict):
        return Unparsed(position, "this message is not a JSON object", json.dumps(message))
    stamp = message.get("timestamp")
    sent_at, assumed = iso_time(stamp, context) if isinstance(stamp, str) else (None, False)
    if sent_at is None:
        raw = json.dumps(message, ensure_ascii=False)
        return Unparsed(position, f"the message has no readable time ({stamp!r})", raw)
    edited = message.get("timestampEdited")
    edited_at = iso_time(edited, context)[0] if isinstance(edited, str) else None
    reference = message.get("reference")
    reply_to = reference.get("messageId") if isinstance(reference, dict) else None
    kind = message.get("type") or "Default"
    extra: dict[str, Any] = {**about, "type": kind}
    for name in EXTRA_LISTS:
        if message.get(name):
            extra[name] = message[name]
    for name in ("isPinned", "callEndedTimestamp", "interaction", "reference"):
        if message.get(name):
            extra[name] = message[name]
    author = message.get("author")
    if isinstance(author, dict) and author.get("isBot"):
        extra["author_is_bot"] = True
    return ImportedItem(
        platform=PLATFORM,
        kind="message" if kind in MESSAGE_TYPES else "system",
        position=position,
        text=str(message.get("content") or ""),
        author=_account(author),
        sent_at=sent_at,
        sent_at_original=str(stamp),
        time_zone_assumed=assumed,
        platform_id=str(message["id"]) if message.get("id") is not None else None,
        conversation=conversation,
        reply_to=str(reply_to) if reply_to else None,
        attachments=[
            _attachment(a, folder, source)
            for a in message.get("attachments") or []
            if isinstance(a, dict)
        ],
        edited_at=edited_at,
        raw=message,
        extra=extra,
    )


def _account(author: Any) -> ImportedAccount | None:
    if not isinstance(author, dict):
        return None
    name = str(author.get("name") or "")
    discriminator = str(author.get("discriminator") or "")
    handle = f"{name}#{discriminator}" if discriminator.strip("0") else name
    return ImportedAccount(
        PLATFORM,
        platform_id=str(author["id"]) if author.get("id") else None,
        handle=handle,
        display_name=str(author.get("nickname") or name),
    )


def _attachment(attachment: dict[str, Any], folder: str, source: Source) -> AttachmentRef:
    url = str(attachment.get("url") or "")
    name = str(attachment.get("fileName") or "") or _file_name(url)
    return _reference(name, url, folder, source)


def _reference(name: str, url: str, folder: str, source: Source) -> AttachmentRef:
    if not url or urlsplit(url).scheme in ("http", "https"):
        return AttachmentRef(name, missing=NOT_DOWNLOADED)
    relative = url.replace("\\", "/")
    for candidate in (relative, unquote(relative)):
        for path in (posixpath.normpath(posixpath.join(folder, candidate)), candidate):
            if source.exists(path):
                return AttachmentRef(name, path=path)
    return AttachmentRef(
        name,
        missing=f"downloaded with the export as {url}, but that file is not in what was imported "
        "(import the whole folder or zip to include it)",
    )


def _file_name(url: str) -> str:
    return unquote(posixpath.basename(urlsplit(url.replace("\\", "/")).path)) or url


# -- CSV -------------------------------------------------------------------------------------


def _csv_items(
    source: Source, path: str, context: ImportContext
) -> Iterator[ImportedItem | Unparsed]:
    day_first, basis = _date_order(source, path)
    match = _CHANNEL_ID.search(posixpath.basename(path))
    conversation = match.group(1) if match else path
    folder = posixpath.dirname(path)
    order = {"date_order": "day/month" if day_first else "month/day", "date_order_from": basis}
    for number, row in _csv_rows(source, path):
        position = f"{path} row {number}"
        text = ",".join(row)
        if any("\udc80" <= c <= "\udcff" for c in text):
            raw = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            yield Unparsed(position, "this row is not valid UTF-8 text", raw)
            continue
        if len(row) < 5:
            yield Unparsed(position, f"this row has {len(row)} columns, not 6", text)
            continue
        sent = _csv_time(row[2], day_first, context)
        if sent is None:
            yield Unparsed(position, f"the date {row[2]!r} could not be read", text)
            continue
        author = re.sub(r"#0{1,4}$", "", row[1])
        urls = [u.strip() for u in row[4].split(",") if u.strip()]
        extra: dict[str, Any] = {"reactions": row[5]} if len(row) > 5 and row[5] else {}
        yield ImportedItem(
            platform=PLATFORM,
            kind="message",
            position=position,
            text=row[3],
            author=ImportedAccount(
                PLATFORM,
                platform_id=row[0] or None,
                handle=author,
                display_name=author.rsplit("#", 1)[0] if re.search(r"#\d{4}$", author) else author,
            ),
            sent_at=sent[0],
            sent_at_original=row[2],
            time_zone_assumed=sent[1],
            conversation=conversation,
            attachments=[_reference(_file_name(u), u, folder, source) for u in urls],
            raw=dict(zip(CSV_HEADER, row, strict=False)),
            extra={**extra, **order} if _NUMERIC.fullmatch(row[2].strip()) else extra,
        )


def _csv_rows(source: Source, path: str) -> Iterator[tuple[int, list[str]]]:
    with source.open_file(path) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
        rows = csv.reader(text)
        number = 1
        try:
            header = next(rows, None)
            if header is None or [h.strip() for h in header][:5] != CSV_HEADER[:5]:
                raise ImportFormatError(
                    f"{path} is not a DiscordChatExporter CSV export: its first row is not "
                    f"{','.join(CSV_HEADER)}.",
                    f"{path} row 1",
                )
            for number, row in enumerate(rows, start=2):
                if row:
                    yield number, row
        except csv.Error as exc:
            raise ImportFormatError(
                f"Could not read {path} after row {number:,}: {exc}. The export may be "
                "incomplete or damaged: export it again.",
                f"{path} row {number + 1}",
            ) from None


def _date_order(source: Source, path: str) -> tuple[bool, str]:
    """Day-first or not, from the whole file where a date settles it; else from the style."""
    style = ""
    for _number, row in _csv_rows(source, path):
        match = _NUMERIC.fullmatch(row[2].strip()) if len(row) > 2 else None
        if match is None:
            continue
        first, second = int(match.group(1)), int(match.group(3))
        if first > 12 >= second:
            return True, "a date in the file with a day above 12"
        if second > 12 >= first:
            return False, "a date in the file with a day above 12"
        style = style or (match.group(2) + ("12h" if match.group(8) else ""))
    return style != "/12h", "guessed from the date style: no date in the file settles it"


def _csv_time(
    text: str, day_first: bool, context: ImportContext
) -> tuple[dt.datetime, bool] | None:
    text = text.strip()
    match = _NUMERIC.fullmatch(text)
    value: dt.datetime | None = None
    if match:
        a, _sep, b, year, hour, minute, second, half = match.groups()
        day, month = (int(a), int(b)) if day_first else (int(b), int(a))
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        hours = int(hour) % 12 + (12 if half and half.lower() == "p" else 0) if half else int(hour)
        try:
            value = dt.datetime(full_year, month, day, hours, int(minute), int(second or 0))
        except ValueError:
            return None
    else:
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            for pattern in _NAMED:
                try:
                    value = dt.datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=context.time_zone).astimezone(dt.UTC), True
    return value.astimezone(dt.UTC), False


IMPORTER = DiscordExporterImporter()
