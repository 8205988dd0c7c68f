"""Any spreadsheet saved as CSV: one message per row, columns named by a mapping or guessed.

The mapping names the column of each field: ``text``, ``author``, ``time``, ``url``, ``id``,
``platform``, ``conversation``, ``reply_to`` (``--map text=Message,author=From,time=Sent``;
``time=Date+Time`` joins two columns). ``platform`` may name a column or be a platform name.
Without a mapping the columns are guessed from common header names (text / message / body /
content, author / from / sender / user / username, date / time / timestamp / created_at,
url / link / permalink, id); with no text column the import stops and names the headers.

Read as UTF-8 (a byte-order mark is dropped; other bytes stop the file, naming the row and
byte), the delimiter sniffed from the header (comma, semicolon, tab or bar), RFC 4180
quoting with embedded newlines. Times: ISO 8601 with or without offset, epoch seconds or
milliseconds, ``YYYY-MM-DD HH:MM[:SS]``, ``MM/DD/YYYY HH:MM[ AM]`` (the order read from the
whole file: day-first when any first number is above 12; when none is, month-first, or
day-first for dotted dates, and each item says it was ambiguous), a trailing ``UTC``; naive
times take the case's zone and are marked assumed. Its score is low (0.05) so that the
importers of specific exports win detection. The CSV reading and time parsing here are also
used by the Reddit importer.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import PurePosixPath

from onrecord.errors import InputError
from onrecord.importers.base import (
    ImportContext,
    ImportedAccount,
    ImportedItem,
    ImportFormatError,
    Unit,
    Unparsed,
)
from onrecord.importers.source import Source

FIELDS = ("text", "author", "time", "url", "id", "platform", "conversation", "reply_to")
GUESSES: dict[str, tuple[str, ...]] = {
    "text": ("text", "message", "body", "content", "message_text", "comment", "tweet", "msg"),
    "author": ("author", "from", "sender", "user", "username", "user_name", "screen_name",
               "handle", "sender_name", "name"),
    "time": ("timestamp", "created_at", "datetime", "date_time", "sent_at", "sent", "date",
             "time", "created", "posted_at"),
    "url": ("url", "link", "permalink"),
    "id": ("id", "message_id", "msg_id", "post_id", "tweet_id", "comment_id"),
    "platform": ("platform", "network", "site", "service"),
    "conversation": ("conversation", "conversation_id", "thread", "thread_id", "chat",
                     "chat_id", "channel", "channel_id"),
    "reply_to": ("reply_to", "in_reply_to", "reply_to_id", "in_reply_to_id", "parent",
                 "parent_id"),
}  # fmt: skip
DELIMITERS = ",;\t|"
_SLASHED = re.compile(
    r"(?P<a>\d{1,4})[/.-](?P<b>\d{1,2})[/.-](?P<c>\d{1,4})"
    r"(?:[ ,T]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ap>[AaPp]\.?[Mm]\.?)?)?"
)


def mapping_from_option(value: str) -> dict[str, str]:
    """``"text=Message,author=From,time=Sent"`` → ``{"text": "Message", ...}``."""
    mapping: dict[str, str] = {}
    for part in (p for p in value.split(",") if p.strip()):
        key, sep, column = part.partition("=")
        key = key.strip().lower()
        if not sep or not column.strip():
            raise InputError(
                f"--map {value!r}: {part.strip()!r} is not field=Column "
                "(e.g. --map text=Message,author=From,time=Sent)."
            )
        if key not in FIELDS:
            raise InputError(f"--map: {key!r} is not a field; use {', '.join(FIELDS)}.")
        mapping[key] = column.strip()
    if not mapping:
        raise InputError("--map is empty; e.g. --map text=Message,author=From,time=Sent.")
    return mapping


class GenericCsvImporter:
    key = "csv"
    label = "Spreadsheet or CSV file (any columns)"
    reads = "any .csv/.tsv; columns guessed from the header or given with --map text=…,author=…"

    def __init__(self, mapping: Mapping[str, str] | None = None) -> None:
        self.mapping = dict(mapping or {})

    def score(self, source: Source) -> float:
        return 0.05 if any(_is_table(p) for p in source.paths()) else 0.0

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        paths = source.paths() if source.kind == "file" else filter(_is_table, source.paths())
        for path in paths:
            yield Unit(path, PurePosixPath(path).name)

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        rows = csv_rows(source, unit.path)
        header = next((row for _n, row in rows), None)
        if header is None:
            raise ImportFormatError(
                f"{unit.path} is empty: it has no header row.", f"{unit.path} row 1"
            )
        columns = self._columns(unit.path, header)
        day_first, ambiguous = _date_order(source, unit.path, columns.get("time", []))
        platform_column = self.mapping.get("platform", "")
        constant = "" if "platform" in columns else platform_column.strip().lower()
        for number, row in rows:
            where = f"{unit.path} row {number}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                problem = f"row {number} has {len(row)} fields but the header has {len(header)}"
                yield Unparsed(where, problem, ",".join(row)[:2000])
                continue
            row = row + [""] * (len(header) - len(row))
            value = {f: " ".join(row[i] for i in idx).strip() for f, idx in columns.items()}
            platform = value.get("platform", "").lower() or constant or "other"
            sent_at, assumed = parse_time(value.get("time", ""), context.time_zone, day_first)
            extra: dict[str, object] = {}
            if ambiguous and _SLASHED.fullmatch(value.get("time", "")):
                order = "day-first" if "." in value["time"] else "month-first"
                extra |= {"date_order": order, "date_order_ambiguous": True}
            if value.get("time") and sent_at is None:
                extra["time_not_understood"] = value["time"]
            author = value.get("author", "")
            account = ImportedAccount(platform, handle=author, display_name=author)
            yield ImportedItem(
                platform=platform,
                kind="message",
                position=where,
                text=value["text"].replace("\r\n", "\n"),
                author=account if author else None,
                sent_at=sent_at,
                sent_at_original=value.get("time", ""),
                time_zone_assumed=assumed,
                url=value.get("url", ""),
                platform_id=value.get("id") or None,
                conversation=value.get("conversation", ""),
                reply_to=value.get("reply_to") or None,
                raw=record(header, row),
                extra=extra,
            )

    def _columns(self, path: str, header: list[str]) -> dict[str, list[int]]:
        """Field → column indexes, from the mapping or guessed from the header."""
        names = [normal(h) for h in header]
        shown = ", ".join(repr(h) for h in header) or "none"
        columns: dict[str, list[int]] = {}
        for field, wanted in self.mapping.items():
            indexes = [names.index(normal(c)) for c in wanted.split("+") if normal(c) in names]
            if len(indexes) == len(wanted.split("+")):
                columns[field] = indexes
            elif field != "platform":
                raise ImportFormatError(
                    f"{path} has no column named {wanted!r} (given for {field}). "
                    f"Its columns are: {shown}.",
                    f"{path} row 1",
                )
        for field, guesses in GUESSES.items():
            if field in columns or field in self.mapping:
                continue
            found = next((names.index(g) for g in guesses if g in names), None)
            if found is not None and found not in (i for v in columns.values() for i in v):
                columns[field] = [found]
        when = columns.get("time", [])
        if "time" not in self.mapping and when and names[when[0]] == "date" and "time" in names:
            columns["time"] = [names.index("date"), names.index("time")]
        if "text" not in columns:
            example = header[0] if header else "Message"
            raise ImportFormatError(
                f"Could not tell which column of {path} holds the message text. Its columns "
                f"are: {shown}. Say which columns to use with --format csv --map, e.g. "
                f'--map "text={example},author=…,time=…".',
                f"{path} row 1",
            )
        return columns


def normal(name: str) -> str:
    """A header name compared loosely: ``"Created At"`` → ``"created_at"``."""
    return re.sub(r"[\s-]+", "_", name.strip().lstrip("\ufeff").lower())


def record(header: list[str], row: list[str]) -> dict[str, str]:
    """The row as {column: value}; a repeated column name gets " (2)", " (3)"…"""
    raw: dict[str, str] = {}
    for name, value in zip(header, row, strict=False):
        key, n = name, 1
        while key in raw:
            n += 1
            key = f"{name} ({n})"
        raw[key] = value
    return raw


def parse_time(
    text: str, zone: dt.tzinfo, day_first: bool | None = None
) -> tuple[dt.datetime | None, bool]:
    """(UTC time or None, whether the zone was assumed) of one cell. ``day_first`` is the
    file's order for ``01/02/2025``; None decides per cell (day-first only above 12)."""
    value = text.strip()
    utc = value.upper().endswith((" UTC", " GMT"))
    value = value[:-4].strip() if utc else value
    if not value:
        return None, False
    if re.fullmatch(r"\d{9,13}(?:\.\d+)?", value):
        number = float(value)
        return dt.datetime.fromtimestamp(number / 1000 if number > 1e11 else number, dt.UTC), False
    try:
        moment: dt.datetime | None = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = _slashed(value, day_first)
    if moment is None:
        return None, False
    if moment.tzinfo is not None or utc:
        return moment.replace(tzinfo=moment.tzinfo or dt.UTC).astimezone(dt.UTC), False
    return moment.replace(tzinfo=zone).astimezone(dt.UTC), True


def _slashed(value: str, day_first: bool | None) -> dt.datetime | None:
    found = _SLASHED.fullmatch(value)
    if found is None:
        return None
    a, b, c = int(found["a"]), int(found["b"]), int(found["c"])
    if len(found["a"]) == 4:
        year, month, day = a, b, c
    else:
        if day_first is None:
            day_first = a > 12 or "." in value
        year, month, day = (c, b, a) if day_first else (c, a, b)
        year += 2000 if year < 100 else 0
    hour, minute, second = int(found["h"] or 0), int(found["mi"] or 0), int(found["s"] or 0)
    if found["ap"]:
        hour = hour % 12 + (12 if found["ap"].lower().startswith("p") else 0)
    try:
        return dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _date_order(source: Source, path: str, columns: list[int]) -> tuple[bool | None, bool]:
    """(day_first, ambiguous) for the file's slashed dates, from every row (a first pass):
    any first number above 12 means day-first, any second above 12 month-first; else the
    order is ambiguous."""
    if not columns:
        return None, False
    seen, first, second = False, 0, 0
    rows = csv_rows(source, path)
    next(rows, None)
    for _number, row in rows:
        found = _SLASHED.fullmatch(" ".join(row[i] for i in columns if i < len(row)).strip())
        if found and len(found["a"]) < 4:
            seen, first, second = True, max(first, int(found["a"])), max(second, int(found["b"]))
    if first > 12 or second > 12:
        return first > 12, False
    return None, seen  # per cell: dots day-first, slashes month-first


def sniff_delimiter(head: str) -> str:
    """The delimiter of a CSV: the candidate found most often in its first line."""
    line, quoted = [], False
    for ch in head:
        quoted = not quoted if ch == '"' else quoted
        if ch == "\n" and not quoted:
            break
        line.append(ch)
    counts = {d: "".join(line).count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_rows(source: Source, path: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, fields) of every row, the header being row 1; ImportFormatError when the
    file is not UTF-8 (naming the row and byte) or its quoting is broken."""
    head = source.read_head(path, 64 * 1024).decode("utf-8", "ignore").lstrip("\ufeff")
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    state = {"row": 1}
    with source.open_file(path) as stream:
        reader = csv.reader(_text_lines(stream, path, state), delimiter=sniff_delimiter(head))
        try:
            for number, row in enumerate(reader, 1):
                yield number, row
                state["row"] = number + 1
        except csv.Error as exc:
            raise ImportFormatError(
                f"Could not read {path} at row {state['row']:,}: {exc}. The file may be damaged "
                "or not a CSV file.",
                f"{path} row {state['row']}",
            ) from None


def _text_lines(stream: Iterable[bytes], path: str, state: dict[str, int]) -> Iterator[str]:
    offset = 0
    for number, data in enumerate(stream):
        if number == 0 and data.startswith(codecs.BOM_UTF8):
            data, offset = data[3:], 3
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError as exc:
            row, byte = state["row"], offset + exc.start + 1  # counted from 1
            raise ImportFormatError(
                f"{path} is not UTF-8 text: row {row:,} has a byte that is not UTF-8 (byte "
                f"{byte:,} of the file). Open it in your spreadsheet program and save it again "
                "as 'CSV UTF-8', then import that file.",
                f"{path} row {row}",
            ) from None
        offset += len(data)


def _is_table(path: str) -> bool:
    return path.lower().endswith((".csv", ".tsv"))


IMPORTER = GenericCsvImporter()
