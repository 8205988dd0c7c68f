"""Telegram Desktop's JSON export (``result.json``), one chat or the whole account.

One chat: ``{name, type, id, messages[]}``. Whole account: ``{about, personal_information,
contacts, ..., chats{about, list[chat...]}, left_chats{about, list[chat...]}}``. Each chat is
one unit; the file is read in one streaming pass (ijson) that stops at each chat's
``messages`` while that unit is read, so a multi-gigabyte export is never held in memory and
a file cut short imports every chat before the cut.

Messages: ``id`` (unique per chat only: ``conversation`` is the chat id), ``type``
(``message``, or ``service`` for joins, calls, pins...: kind ``system``, with ``actor`` and
``action`` in ``extra``), ``text`` as a string or a list of strings and entity objects (their
``text`` concatenated; ``text_entities`` when ``text`` is absent; hidden ``text_link`` targets
kept), ``date_unixtime`` (authoritative UTC) else ``date`` (the exporting computer's local
time, no zone: the case's zone is assumed), ``edited_unixtime``/``edited``, ``from`` (null for
deleted accounts: "Deleted Account") and ``from_id`` (``user123``, ``channel123``),
``reply_to_message_id`` (a reply into another chat, ``reply_to_peer_id``, is only recorded).
``photo``/``file`` are paths relative to ``result.json``: present when in the export, missing
when Telegram wrote ``(File not included. Change data exporting settings to download.)`` or
the file is absent. Forwarding, bots, media, stickers, polls, places, contacts and reactions
go to ``extra``. The HTML export is a different product and is not read.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import Any

import ijson

from onrecord.importers.base import (
    AttachmentRef,
    ImportContext,
    ImportedAccount,
    ImportedItem,
    ImportFormatError,
    Unit,
    Unparsed,
)
from onrecord.importers.jsonstream import Tracked, build, skip
from onrecord.importers.source import Source

PLATFORM = "telegram"
DELETED_ACCOUNT = "Deleted Account"
ABSENT = "not in what was imported (import the whole export folder or zip to include it)"
EXTRA = (
    "forwarded_from", "saved_from", "via_bot", "author", "media_type", "mime_type",
    "duration_seconds", "sticker_emoji", "poll", "location_information", "contact_information",
    "reactions", "action", "title", "members", "message_id", "discard_reason", "reply_to_peer_id",
    "edited",
)  # fmt: skip
_CHAT_TYPE = re.compile(
    rb'"type":\s*"(?:personal_chat|private_group|private_supergroup|public_supergroup'
    rb'|private_channel|public_channel|saved_messages|bot_chat)"'
)


class TelegramImporter:
    key = "telegram"
    label = "Telegram Desktop export (result.json)"
    reads = "result.json from Telegram Desktop's JSON export: one chat or the whole account"

    def score(self, source: Source) -> float:
        best = 0.0
        for path in _candidates(source)[:10]:
            head = source.read_head(path, 8192).removeprefix(b"\xef\xbb\xbf").lstrip()
            if not head.startswith(b"{"):
                continue
            chat = b'"messages"' in head and _CHAT_TYPE.search(head)
            account = b'"about"' in head and (
                b'"personal_information"' in head or b'"chats"' in head
            )
            if chat or account:
                best = max(best, 0.95)
            elif b'"messages"' in head and b'"date"' in head:
                best = max(best, 0.4)
        return best

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        for path in _candidates(source):
            walk = _Pass(source, path)
            try:
                for chat in walk.chats():
                    label = f"{chat.header.get('name') or chat.jpath} ({chat.header.get('type')})"
                    yield Unit(path, label=label, meta={"pass": walk, "chat": chat})
            except _StoppedError:
                pass  # the chat whose messages broke the file has already said so
            except ImportFormatError as exc:
                yield Unit(path, label=f"{path} (unreadable part)", meta={"error": exc})
            finally:
                walk.close()

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        if "error" in unit.meta:
            raise unit.meta["error"]
        walk: _Pass = unit.meta["pass"]
        chat: _Chat = unit.meta["chat"]
        if walk.current == chat.jpath:
            yield from _items(walk, chat, source, context)
            return
        fresh = _Pass(source, unit.path)  # units were listed ahead: read this chat again
        try:
            for again in fresh.chats():
                if again.jpath == chat.jpath:
                    yield from _items(fresh, again, source, context)
                    return
        finally:
            fresh.close()


def _candidates(source: Source) -> list[str]:
    if source.kind == "file":
        return source.paths()
    return source.find("result.json")


class _StoppedError(Exception):
    """The pass cannot go on: a chat's messages broke the file (already reported)."""


class _Chat:
    def __init__(self, jpath: str, header: dict[str, Any]) -> None:
        self.jpath = jpath  # "$" for a one-chat export, "$.chats.list[3]" in an account
        self.header = header


class _Pass:
    """One streaming pass over one result.json: each chat in turn, paused at its messages."""

    def __init__(self, source: Source, path: str) -> None:
        self.path = path
        self._stream = source.open_file(path)
        self.reader = Tracked(self._stream)
        self.events: Iterator[tuple[str, str, Any]] = ijson.parse(self.reader, use_float=True)
        self.current: str | None = None  # the chat whose messages come next
        self.failed = False

    def close(self) -> None:
        self.current = None
        self._stream.close()

    def chats(self) -> Iterator[_Chat]:
        try:
            first = next(self.events, None)
            if first is None or first[1] != "start_map":
                raise ImportFormatError(
                    f"{self.path} is not a Telegram export (it is not a JSON object). Export "
                    "again from Telegram Desktop with the format set to JSON.",
                    self.path,
                )
            yield from self._chat("$", top=True)
        except ijson.JSONError as exc:
            raise self.reader.error(self.path, exc) from None

    def _chat(self, jpath: str, top: bool) -> Iterator[_Chat]:
        """The map just opened: a chat (yielded at its messages), or the account's top."""
        header: dict[str, Any] = {}
        for _prefix, event, key in self.events:
            if event == "end_map":
                return
            _p, start, value = next(self.events)
            if key == "messages" and start == "start_array":
                chat = _Chat(jpath, dict(header))
                self.current = jpath
                yield chat
                if self.failed:
                    raise _StoppedError
                if self.current == jpath:  # not read, or not to the end
                    skip(self.events, "start_array")
                self.current = None
            elif top and key in ("chats", "left_chats") and start == "start_map":
                yield from self._section(f"$.{key}")
            elif start in ("start_map", "start_array"):
                skip(self.events, start)
            else:
                header[key] = value

    def _section(self, jpath: str) -> Iterator[_Chat]:
        for _prefix, event, key in self.events:
            if event == "end_map":
                return
            _p, start, _value = next(self.events)
            if key != "list" or start != "start_array":
                skip(self.events, start)
                continue
            for index, (_p2, item_event, _v) in enumerate(self.events):
                if item_event == "end_array":
                    break
                if item_event == "start_map":
                    yield from self._chat(f"{jpath}.list[{index}]", top=False)
                else:
                    skip(self.events, item_event)

    def messages(self) -> Iterator[Any]:
        """The messages of the chat the pass is paused at, read once."""
        for _prefix, event, value in self.events:
            if event == "end_array":
                self.current = None
                return
            yield build(self.events, event, value)


def _items(
    walk: _Pass, chat: _Chat, source: Source, context: ImportContext
) -> Iterator[ImportedItem | Unparsed]:
    conversation = str(chat.header.get("id") or chat.header.get("name") or chat.jpath)
    about = {"chat_name": chat.header.get("name"), "chat_type": chat.header.get("type")}
    folder = posixpath.dirname(walk.path)
    try:
        for index, message in enumerate(walk.messages()):
            position = f"{walk.path} {chat.jpath}.messages[{index}]"
            yield _item(message, position, conversation, about, folder, source, context)
    except ijson.JSONError as exc:
        walk.failed = True
        raise walk.reader.error(walk.path, exc) from None


def _item(
    message: Any,
    position: str,
    conversation: str,
    about: Mapping[str, Any],
    folder: str,
    source: Source,
    context: ImportContext,
) -> ImportedItem | Unparsed:
    if not isinstance(message, dict):
        return Unparsed(position, "this message is not a JSON object", json.dumps(message))
    date, unix = message.get("date"), message.get("date_unixtime")
    sent = _time(unix, date, context)
    if sent is None:
        raw = json.dumps(message, ensure_ascii=False)
        return Unparsed(position, f"the message has no readable date ({date!r})", raw)
    edited = _time(message.get("edited_unixtime"), message.get("edited"), context)
    service = message.get("type") == "service"
    text, links, mentioned = _text(message)
    extra: dict[str, Any] = {k: v for k, v in about.items() if v}
    extra.update({k: message[k] for k in EXTRA if message.get(k) not in (None, "", [])})
    if links:
        extra["links"] = links
    if mentioned:
        extra["mentioned_user_ids"] = mentioned
    if service and message.get("actor") is not None:
        extra["actor"] = message["actor"]
    reply = message.get("reply_to_message_id")
    return ImportedItem(
        platform=PLATFORM,
        kind="system" if service else "message",
        position=position,
        text=text,
        author=_account(message, "actor" if service else "from"),
        sent_at=sent[0],
        sent_at_original=" ".join(str(v) for v in (date, unix and f"(unix {unix})") if v),
        time_zone_assumed=sent[1],
        platform_id=str(message["id"]) if message.get("id") is not None else None,
        conversation=conversation,
        reply_to=str(reply) if reply is not None and "reply_to_peer_id" not in message else None,
        attachments=_attachments(message, folder, source),
        edited_at=edited[0] if edited else None,
        raw=message,
        extra=extra,
    )


def _account(message: Mapping[str, Any], name_key: str) -> ImportedAccount | None:
    id_key = f"{name_key}_id"
    if name_key not in message and id_key not in message:
        return None
    name = message.get(name_key)
    ident = message.get(id_key)
    return ImportedAccount(
        PLATFORM,
        platform_id=str(ident) if ident not in (None, "") else None,
        display_name=DELETED_ACCOUNT if name is None else str(name),
    )


def _time(unix: Any, local: Any, context: ImportContext) -> tuple[dt.datetime, bool] | None:
    """``*_unixtime`` as UTC; else the local text in the case's zone (assumed)."""
    if isinstance(unix, str | int) and str(unix).strip().isdigit():
        return dt.datetime.fromtimestamp(int(unix), dt.UTC), False
    if not isinstance(local, str):
        return None
    try:
        value = dt.datetime.fromisoformat(local.strip())
    except ValueError:
        return None
    if value.tzinfo is not None:
        return value.astimezone(dt.UTC), False
    return value.replace(tzinfo=context.time_zone).astimezone(dt.UTC), True


def _text(message: Mapping[str, Any]) -> tuple[str, list[str], list[str]]:
    """The message's text, the hidden targets of its text links, and users mentioned by id."""
    text = message.get("text")
    parts = text if isinstance(text, list) else None
    if parts is None and not text and isinstance(message.get("text_entities"), list):
        parts = message["text_entities"]
    if parts is None:
        return str(text or ""), [], []
    pieces: list[str] = []
    links: list[str] = []
    mentioned: list[str] = []
    for part in parts:
        if isinstance(part, dict):
            pieces.append(str(part.get("text") or ""))
            if part.get("type") == "text_link" and part.get("href"):
                links.append(str(part["href"]))
            if part.get("type") == "mention_name" and part.get("user_id") is not None:
                mentioned.append(str(part["user_id"]))
        else:
            pieces.append(str(part))
    return "".join(pieces), links, mentioned


def _attachments(message: Mapping[str, Any], folder: str, source: Source) -> list[AttachmentRef]:
    refs = []
    for field in ("photo", "file"):
        value = message.get(field)
        if not isinstance(value, str) or not value:
            continue
        name = str(message.get("file_name") or "") if field == "file" else ""
        if value.startswith("(") and value.endswith(")"):  # "(File not included. ...)"
            name = name or str(message.get("media_type") or field)
            refs.append(AttachmentRef(name, missing=f"Telegram left it out of the export: {value}"))
            continue
        path = posixpath.normpath(posixpath.join(folder, value.replace("\\", "/")))
        name = name or posixpath.basename(path)
        if source.exists(path):
            refs.append(AttachmentRef(name, path=path))
        else:
            refs.append(AttachmentRef(name, missing=f"{value}: {ABSENT}"))
    return refs


IMPORTER = TelegramImporter()
