"""Slack workspace export (a zip or its folder), as Slack's "Export data" writes it.

Layout: ``users.json`` (members: ``id`` to ``name``, ``real_name``, ``profile.display_name``),
``channels.json`` (public), ``groups.json`` (private), ``dms.json`` and ``mpims.json`` (direct
and group messages; their members are the items' recipients), and one folder per
conversation (the channel's name, a DM's ``D...`` id or an mpim's name) of day files
``YYYY-MM-DD.json``, each a JSON array (streamed). Each day file is one unit; a folder of day
files without the workspace files (one channel, or a zip of it) is read too, its name then
standing for the conversation.

A message's ``ts`` (epoch seconds as a string with 6 decimals) is its id and its UTC time,
kept exact; ``conversation`` is the channel's id from the workspace files (else the folder's
name); ``thread_ts`` other than ``ts`` is the parent; ``edited.ts`` the edit time. Subtypes:
joins, leaves, topic, purpose, name, archive and pin changes are ``system``; ``tombstone`` and
``message_deleted`` are kept as deleted; ``bot_message`` is authored by the bot. Text is Slack
mrkdwn: ``<@U123>`` becomes ``@name``, ``<#C123|name>`` ``#name``, ``<https://x|label>``
``label (https://x)``, ``<!here>`` ``@here``, and ``&lt; &gt; &amp;`` are unescaped once.
Files are listed, never included, in Slack's exports. Reactions, link previews and thread
counts go to ``extra``. A day's file holds that day's messages in the workspace's zone, but
``ts`` is UTC, and thread replies sit in the day of the reply.
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
    Unit,
    Unparsed,
)
from onrecord.importers.jsonstream import Tracked
from onrecord.importers.source import Source

PLATFORM = "slack"
NOT_INCLUDED = "Slack exports link files, they do not include them"
LISTS = ("channels.json", "groups.json", "dms.json", "mpims.json")
SYSTEM = {
    "pinned_item", "unpinned_item", "bot_add", "bot_remove", "bot_enable", "bot_disable",
    "channel_convert_to_private", "channel_convert_to_public", "sh_room_created",
    "huddle_thread", "reminder_add", "app_conversation_join", "joiner_notification",
}  # fmt: skip
SYSTEM_ENDINGS = ("_join", "_leave", "_topic", "_purpose", "_name", "_archive", "_unarchive")
DELETED = {"tombstone", "message_deleted"}
_DAY = re.compile(r"(?:(?:(.*)/)?([^/]+)/)?(\d{4}-\d{2}-\d{2})\.json")
_TS = re.compile(r"(\d{1,12})(?:\.(\d{1,6})\d*)?")
_TOKEN = re.compile(r"<([^<>\n]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}


class SlackImporter:
    key = "slack"
    label = "Slack workspace export"
    reads = "the zip Slack's Export data gives (or its folder): users.json, channels.json, days"

    def score(self, source: Source) -> float:
        days = _day_files(source)
        for root in _roots(source):
            head = source.read_head(_join(root, "users.json"), 1024).lstrip()
            has_days = any(folder_root == root for folder_root, _f, _p in days)
            if head.startswith(b"[") and (has_days or source.exists(_join(root, "channels.json"))):
                return 0.95 if has_days else 0.6
        for _root, _folder, path in days[:3]:
            head = source.read_head(path, 4096)
            if head.lstrip().startswith(b"[") and b'"ts"' in head and b'"type"' in head:
                return 0.5
        return 0.0

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        workspaces: dict[str, _Workspace] = {}
        for root, folder, path in _day_files(source):
            if root not in workspaces:
                workspaces[root] = _Workspace.read(source, root)
            space = workspaces[root]
            conversation, name, members = space.by_folder.get(folder, (folder, folder, []))
            meta = {
                "conversation": conversation,
                "channel_name": name,
                "members": members,
                "workspace": space,
            }
            yield Unit(path, label=f"{name} {posixpath.basename(path)[:-5]}", meta=meta)

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        space: _Workspace = unit.meta["workspace"]
        yield from space.take_problems()
        with source.open_file(unit.path) as stream:
            reader = Tracked(stream)
            try:
                for index, message in enumerate(ijson.items(reader, "item", use_float=True)):
                    yield _item(message, f"{unit.path} $[{index}]", unit.meta, space)
            except ijson.JSONError as exc:
                raise reader.error(unit.path, exc) from None


def _join(root: str, name: str) -> str:
    return posixpath.join(root, name) if root else name


def _roots(source: Source) -> list[str]:
    return [posixpath.dirname(p) for p in source.paths() if posixpath.basename(p) == "users.json"]


def _day_files(source: Source) -> list[tuple[str, str, str]]:
    """(workspace root, conversation folder, path) of every day file.

    Day files at the top of a folder given alone are that folder's (one channel's) days.
    """
    found = []
    for path in source.paths():
        match = _DAY.fullmatch(path)
        if match:
            folder = match.group(2) or (source.name if source.kind == "folder" else "")
            found.append((match.group(1) or "", folder, path))
    return found


class _Workspace:
    """The workspace files: who is who, which folder is which conversation."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, str]] = {}
        self.channel_names: dict[str, str] = {}
        self.by_folder: dict[str, tuple[str, str, list[str]]] = {}
        self.problems: list[Unparsed] = []

    @classmethod
    def read(cls, source: Source, root: str) -> _Workspace:
        space = cls()
        for user in space._records(source, _join(root, "users.json")):
            profile = user.get("profile")
            profile = profile if isinstance(profile, dict) else {}
            space.users[str(user.get("id"))] = {
                "name": str(user.get("name") or ""),
                "real_name": str(user.get("real_name") or profile.get("real_name") or ""),
                "display_name": str(profile.get("display_name") or ""),
            }
        for listing in LISTS:
            for entry in space._records(source, _join(root, listing)):
                ident = str(entry.get("id") or "")
                name = str(entry.get("name") or "")
                direct = listing in ("dms.json", "mpims.json")  # a channel's members change
                members = [str(m) for m in entry.get("members") or []] if direct else []
                if ident:
                    space.by_folder[name or ident] = (ident, name or ident, members)
                    space.channel_names[ident] = name
        return space

    def _records(self, source: Source, path: str) -> Iterator[dict[str, Any]]:
        if not source.exists(path):
            return
        with source.open_file(path) as stream:
            reader = Tracked(stream)
            try:
                for record in ijson.items(reader, "item", use_float=True):
                    if isinstance(record, dict):
                        yield record
            except ijson.JSONError as exc:
                error = reader.error(path, exc)
                message = f"{error} Names from it are shown as ids until it is read."
                self.problems.append(Unparsed(error.position, message))

    def take_problems(self) -> list[Unparsed]:
        """The workspace files' problems, reported once (with the first day read)."""
        problems, self.problems = self.problems, []
        return problems

    def account(self, message: Mapping[str, Any]) -> ImportedAccount | None:
        user = message.get("user")
        profile = message.get("user_profile")
        profile = profile if isinstance(profile, dict) else {}
        if user == "USLACKBOT":
            return ImportedAccount(PLATFORM, "USLACKBOT", "slackbot", "Slackbot")
        if user:
            known = self.users.get(str(user), {})
            handle = known.get("name") or str(profile.get("name") or "")
            display = (
                known.get("display_name")
                or known.get("real_name")
                or str(profile.get("display_name") or profile.get("real_name") or "")
                or handle
            )
            return ImportedAccount(PLATFORM, str(user), handle, display)
        bot = message.get("bot_id")
        if bot:
            bot_profile = message.get("bot_profile")
            bot_name = bot_profile.get("name") if isinstance(bot_profile, dict) else None
            name = str(message.get("username") or bot_name or "")
            return ImportedAccount(PLATFORM, str(bot), name, name)
        return None


def _item(
    message: Any, position: str, meta: Mapping[str, Any], space: _Workspace
) -> ImportedItem | Unparsed:
    if not isinstance(message, dict):
        return Unparsed(position, "this message is not a JSON object", json.dumps(message))
    ts = message.get("ts")
    sent = _ts_time(ts)
    if sent is None:
        raw = json.dumps(message, ensure_ascii=False)
        return Unparsed(position, f"the message has no readable ts ({ts!r})", raw)
    subtype = str(message.get("subtype") or "")
    system = subtype in SYSTEM or subtype.endswith(SYSTEM_ENDINGS)
    edited = message.get("edited")
    thread = message.get("thread_ts")
    author = space.account(message)
    extra: dict[str, Any] = {"channel_name": meta["channel_name"]}
    for name in ("subtype", "reactions", "attachments", "reply_count", "reply_users", "bot_id"):
        if message.get(name):
            extra[name] = message[name]
    return ImportedItem(
        platform=PLATFORM,
        kind="system" if system else "message",
        position=position,
        text=_mrkdwn(str(message.get("text") or ""), space),
        author=author,
        sent_at=sent,
        sent_at_original=str(ts),
        recipients=[m for m in meta["members"] if not author or m != author.platform_id],
        platform_id=str(ts),
        conversation=meta["conversation"],
        reply_to=str(thread) if thread and thread != ts else None,
        attachments=[_file(f) for f in message.get("files") or [] if isinstance(f, dict)],
        deleted=subtype in DELETED,
        edited_at=_ts_time(edited.get("ts")) if isinstance(edited, dict) else None,
        raw=message,
        extra=extra,
    )


def _ts_time(ts: Any) -> dt.datetime | None:
    """A Slack ``ts`` to the exact UTC time (microseconds, no float rounding)."""
    match = _TS.fullmatch(ts) if isinstance(ts, str) else None
    if match is None:
        return None
    micro = int((match.group(2) or "0").ljust(6, "0"))
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return epoch + dt.timedelta(seconds=int(match.group(1)), microseconds=micro)


def _file(file: Mapping[str, Any]) -> AttachmentRef:
    name = str(file.get("name") or file.get("title") or file.get("id") or "file")
    mode = file.get("mode")
    if mode == "tombstone":
        return AttachmentRef(name, missing="the file was deleted from Slack before the export")
    if mode == "hidden_by_limit":
        return AttachmentRef(name, missing="Slack hid the file (plan limit) when exporting")
    return AttachmentRef(name, missing=NOT_INCLUDED)


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def _mrkdwn(text: str, space: _Workspace) -> str:
    """Slack's stored mrkdwn as it reads on screen: mentions, channels, links, entities."""
    parts: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        parts.append(_unescape(text[last : match.start()]))
        parts.append(_token(match.group(1), space))
        last = match.end()
    parts.append(_unescape(text[last:]))
    return "".join(parts)


def _token(body: str, space: _Workspace) -> str:
    target, _bar, label = body.partition("|")
    label = _unescape(label)
    if target.startswith("@"):
        user = space.users.get(target[1:], {})
        return "@" + (label.lstrip("@") or user.get("name") or target[1:])
    if target.startswith("#"):
        return "#" + (label or space.channel_names.get(target[1:]) or target[1:])
    if target.startswith("!"):
        return label or "@" + target[1:].split("^")[0]
    url = _unescape(target)
    return f"{label} ({url})" if label and label != url else url


IMPORTER = SlackImporter()
