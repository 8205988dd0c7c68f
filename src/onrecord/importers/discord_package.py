"""Discord's own data package ("Request my data" in Discord's settings), a zip or its folder.

Layout: ``messages/index.json`` (``{channelId: "general in Server" | "Direct Message with
name#1234" | null}``) and one folder per channel, ``messages/c<id>/`` (``messages/<id>/`` in
older packages; ``Messages/`` and ``Account/`` capitalised since 2025), holding
``channel.json`` (``{id, type, name?, guild{id,name}?, recipients[]?}``) and the messages:
``messages.json`` (an array of ``{ID, Timestamp, Contents, Attachments}``, streamed) or, in
older packages, ``messages.csv`` (``ID,Timestamp,Contents,Attachments``, contents quoted and
possibly multi-line). A folder with ``channel.json`` and no messages file is normal: there is
nothing to import from it.

Only the package owner's own messages are in it: every item's author is the owner, read from
``account/user.json`` when present, else "me (package owner)". ``Timestamp`` with an offset
(``2020-05-01 10:00:00.123000+00:00``) is used as is; without one, the message id (a Discord
snowflake, which encodes the UTC time it was sent to the millisecond) gives the time; only when
neither is there is the case's zone assumed. ``Attachments`` are space-separated links to
Discord's servers: the files are not in the package. Channel names (which may hold ``/`` or be
null) are only recorded, never used as paths.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import ijson

from onrecord.errors import InputError
from onrecord.importers.base import (
    AttachmentRef,
    ImportContext,
    ImportedAccount,
    ImportedItem,
    ImportFormatError,
    Unit,
    Unparsed,
)
from onrecord.importers.jsonstream import Tracked
from onrecord.importers.source import Source

PLATFORM = "discord"
NOT_INCLUDED = "only a link to Discord's servers is in the data package"
OWNER_UNKNOWN = "me (package owner)"
CSV_HEADER = ["ID", "Timestamp", "Contents", "Attachments"]
DISCORD_EPOCH_MS = 1_420_070_400_000
_CHANNEL_FOLDER = re.compile(r"c?(\d{1,25})")
_MESSAGE_FILES = ("messages.json", "messages.csv")


class DiscordPackageImporter:
    key = "discord-package"
    label = "Discord data package (Request my data)"
    reads = "the zip Discord sends (or its folder): messages/ with index.json and channel folders"

    def score(self, source: Source) -> float:
        folders = _channel_folders(source)
        index = [p for p in source.find("index.json") if _parent(p).lower() == "messages"]
        if not folders:
            return 0.3 if index else 0.0
        head = source.read_head(folders[0][1] + "channel.json", 2048).lstrip()
        if not head.startswith(b"{") or b'"id"' not in head:
            return 0.0
        has_user = any(_parent(p).lower() == "account" for p in source.find("user.json"))
        return 1.0 if index and has_user else 0.95 if index or has_user else 0.8

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        packages: dict[str, tuple[ImportedAccount, dict[str, str]]] = {}
        for folder_id, folder in _channel_folders(source):
            messages_folder = posixpath.dirname(folder.rstrip("/"))
            if messages_folder not in packages:
                root = posixpath.dirname(messages_folder)
                packages[messages_folder] = (_owner(source, root), _index(source, messages_folder))
            owner, names = packages[messages_folder]
            for path in [folder + n for n in _MESSAGE_FILES if source.exists(folder + n)]:
                label = names.get(folder_id) or folder_id
                meta = {
                    "folder_id": folder_id,
                    "folder": folder,
                    "owner": owner,
                    "label": label,
                    "own_messages_only": True,  # the package holds only its owner's messages
                }
                yield Unit(path, label=label, meta=meta)

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        channel, problem = _channel(source, unit.meta["folder"] + "channel.json")
        if problem:
            yield problem
        conversation = str(channel.get("id") or unit.meta["folder_id"])
        owner: ImportedAccount = unit.meta["owner"]
        label = unit.meta["label"]
        guild = channel.get("guild") if isinstance(channel.get("guild"), dict) else None
        about = {
            "channel_type": channel.get("type"),
            "channel_name": channel.get("name"),
            "index_name": None if label == unit.meta["folder_id"] else label,
            "guild_id": guild.get("id") if guild else None,
            "guild_name": guild.get("name") if guild else None,
        }
        about = {k: v for k, v in about.items() if v is not None}
        recipients = [
            str(r) for r in channel.get("recipients") or [] if str(r) != (owner.platform_id or "")
        ]
        shared = _Shared(conversation, owner, recipients, about, context)
        if unit.path.endswith(".csv"):
            for number, row in _csv_rows(source, unit.path):
                yield _csv_message(row, f"{unit.path} row {number}", shared)
        else:
            with source.open_file(unit.path) as stream:
                reader = Tracked(stream)
                try:
                    for index, record in enumerate(ijson.items(reader, "item", use_float=True)):
                        yield shared.item(record, f"{unit.path} $[{index}]")
                except ijson.JSONError as exc:
                    raise reader.error(unit.path, exc) from None


def _parent(path: str) -> str:
    return posixpath.basename(posixpath.dirname(path))


def _channel_folders(source: Source) -> list[tuple[str, str]]:
    """(id from the folder name, folder path with a trailing ``/``) of every channel folder."""
    found = []
    for path in source.find("channel.json"):
        match = _CHANNEL_FOLDER.fullmatch(_parent(path))
        if match:
            found.append((match.group(1), path.removesuffix("channel.json")))
    return found


def _small_json(source: Source, path: str) -> Any:
    return json.loads(source.read_bytes(path, limit=64 * 1024 * 1024).decode("utf-8-sig"))


def _beside(source: Source, folder: str, name: str) -> list[str]:
    """``folder/name`` in any capitalisation (``account/`` became ``Account/`` in 2025)."""
    wanted = posixpath.join(folder, name).lower()
    return [p for p in source.find(posixpath.basename(name)) if p.lower() == wanted]


def _owner(source: Source, root: str) -> ImportedAccount:
    for path in _beside(source, root, "account/user.json"):
        try:
            user = _small_json(source, path)
        except (InputError, ValueError):
            continue
        if isinstance(user, dict) and user.get("id"):
            name = str(user.get("username") or "")
            discriminator = str(user.get("discriminator") or "")
            return ImportedAccount(
                PLATFORM,
                platform_id=str(user["id"]),
                handle=f"{name}#{discriminator}" if discriminator.strip("0") else name,
                display_name=str(user.get("global_name") or name or OWNER_UNKNOWN),
            )
    return ImportedAccount(PLATFORM, display_name=OWNER_UNKNOWN)


def _index(source: Source, messages_folder: str) -> dict[str, str]:
    """Channel names by id from ``index.json`` (names may be null: those are left out)."""
    for path in _beside(source, messages_folder, "index.json"):
        try:
            index = _small_json(source, path)
        except (InputError, ValueError):
            return {}
        if isinstance(index, dict):
            return {str(k): str(v) for k, v in index.items() if v is not None}
    return {}


def _channel(source: Source, path: str) -> tuple[dict[str, Any], Unparsed | None]:
    try:
        channel = _small_json(source, path)
    except (InputError, ValueError) as exc:
        return {}, Unparsed(
            path, f"channel.json could not be read ({exc}); the folder's id is used"
        )
    if not isinstance(channel, dict):
        return {}, Unparsed(path, "channel.json is not a JSON object; the folder's id is used")
    return channel, None


class _Shared:
    """What every message of one channel shares, and the reading of one message."""

    def __init__(
        self,
        conversation: str,
        owner: ImportedAccount,
        recipients: list[str],
        about: Mapping[str, Any],
        context: ImportContext,
    ) -> None:
        self.conversation = conversation
        self.owner = owner
        self.recipients = recipients
        self.about = about
        self.context = context

    def item(self, record: Any, position: str) -> ImportedItem | Unparsed:
        if not isinstance(record, dict):
            return Unparsed(position, "this message is not a JSON object", json.dumps(record))
        message_id = record.get("ID")
        stamp = str(record.get("Timestamp") or "")
        sent = _time(stamp, message_id, self.context)
        if sent is None:
            raw = json.dumps(record, ensure_ascii=False)
            return Unparsed(position, f"the message has no readable time ({stamp!r})", raw)
        urls = _urls(record.get("Attachments"))
        extra: dict[str, Any] = dict(self.about)
        if sent[2]:
            extra["time_from"] = sent[2]
        if urls:
            extra["attachment_urls"] = urls
        return ImportedItem(
            platform=PLATFORM,
            kind="message",
            position=position,
            text=str(record.get("Contents") or ""),
            author=self.owner,
            sent_at=sent[0],
            sent_at_original=stamp,
            time_zone_assumed=sent[1],
            recipients=self.recipients,
            platform_id=str(message_id) if message_id not in (None, "") else None,
            conversation=self.conversation,
            attachments=[AttachmentRef(_file_name(u), missing=NOT_INCLUDED) for u in urls],
            raw=record,
            extra=extra,
        )


def _time(
    stamp: str, message_id: Any, context: ImportContext
) -> tuple[dt.datetime, bool, str] | None:
    """(UTC time, zone assumed, where the time came from when not from the text)."""
    try:
        value: dt.datetime | None = dt.datetime.fromisoformat(stamp.strip())
    except ValueError:
        value = None
    if value is not None and value.tzinfo is not None:
        return value.astimezone(dt.UTC), False, ""
    snowflake = str(message_id or "")
    if snowflake.isdigit() and int(snowflake) >> 22:
        ms = (int(snowflake) >> 22) + DISCORD_EPOCH_MS
        when = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=ms)
        if when.year < 2100:
            return when, False, "the message id (a Discord snowflake holds the UTC send time)"
    if value is not None:
        return value.replace(tzinfo=context.time_zone).astimezone(dt.UTC), True, ""
    return None


def _urls(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v.get("url") if isinstance(v, dict) else v) for v in value if v]
    return str(value or "").split()


def _file_name(url: str) -> str:
    return unquote(posixpath.basename(urlsplit(url).path)) or url


def _csv_rows(source: Source, path: str) -> Iterator[tuple[int, dict[str, str]]]:
    with source.open_file(path) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
        rows = csv.reader(text)
        number = 1
        try:
            header = next(rows, None)
            if header is None or [h.strip() for h in header] != CSV_HEADER:
                raise ImportFormatError(
                    f"{path} is not a Discord package messages file: its first row is not "
                    f"{','.join(CSV_HEADER)}. The package may be damaged: request it again.",
                    f"{path} row 1",
                )
            for number, row in enumerate(rows, start=2):
                if row:
                    yield number, dict(zip(CSV_HEADER, row, strict=False)) | _width(row)
        except csv.Error as exc:
            raise ImportFormatError(
                f"Could not read {path} after row {number:,}: {exc}. The package may be "
                "incomplete or damaged: request it again.",
                f"{path} row {number + 1}",
            ) from None


def _width(row: list[str]) -> dict[str, str]:
    return {} if len(row) == len(CSV_HEADER) else {"_columns": str(len(row))}


def _csv_message(row: dict[str, str], position: str, shared: _Shared) -> ImportedItem | Unparsed:
    text = ",".join(row.get(h, "") for h in CSV_HEADER)
    if any("\udc80" <= c <= "\udcff" for c in text):
        raw = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return Unparsed(position, "this row is not valid UTF-8 text", raw)
    if "_columns" in row:
        return Unparsed(position, f"this row has {row['_columns']} columns, not 4", text)
    return shared.item(row, position)


IMPORTER = DiscordPackageImporter()
