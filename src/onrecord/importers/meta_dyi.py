"""Facebook Messenger and Instagram "Download your information" messages, in JSON.

Thread files ``messages/<folder>/<thread>/message_N.json`` (folders ``inbox``,
``archived_threads``, ``filtered_threads``, ``message_requests``, ``e2ee_cutover``), at the
root or under ``your_activity_across_facebook/``, ``your_facebook_activity/`` or
``your_instagram_activity/``; each file is one unit, sorted numerically per thread
(``message_10`` after ``message_9``), streamed message by message with ijson. Messages are
newest-first; they are yielded in the file's order (times order them later).

* ``sender_name`` is a display name only; ``timestamp_ms`` is UTC; ``content`` is absent for
  media-only messages (still an item, with its attachments); photos, videos, gifs, audio
  files, files and stickers become attachments (present when the export holds the file);
  shares, reactions, calls and joined users go to ``extra``; ``is_unsent`` → deleted;
  ``type`` Call / Subscribe / Unsubscribe → ``system``.
* Mojibake: Meta writes UTF-8 bytes as ``\\u00XX`` escapes. A string is repaired only when
  every code point is below 256 and those bytes decode as UTF-8; others (a real ``“``) are
  kept as they are. ``raw`` keeps the record unrepaired.
* The 2024 end-to-end-encrypted Messenger export: ``messages/<name>_<n>.json`` in camelCase
  (``participants``, ``threadName``, ``messages[{senderName, text, timestamp, type,
  isUnsent, media[], reactions[]}]``).
* The Instagram ``messages.json`` of 2020 and before (a list of ``{participants,
  conversation[{sender, created_at, text}]}``).
* The HTML export (``message_1.html``) is recognised and refused with how to get the JSON.

Facebook or Instagram is read from the paths (``your_instagram_activity``), else from the
other folders and the download's name; Facebook when nothing says.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
from collections.abc import Iterator
from pathlib import PurePosixPath
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
from onrecord.importers.source import Source

THREAD = re.compile(
    r"(?:^|/)messages/(?:inbox|archived_threads|filtered_threads|message_requests|e2ee_cutover)"
    r"/(?P<thread>[^/]+)/message_(?P<n>\d+)\.(?P<ext>json|html)$"
)
E2EE = re.compile(r"(?:^|/)messages/(?P<thread>[^/]+_\d+)\.json$")
OLD_INSTAGRAM = re.compile(r"(?:^|/)messages\.json$")
ROOTS = ("messages", "your_activity_across_facebook", "your_facebook_activity")
MEDIA_KEYS = ("photos", "videos", "gifs", "audio_files", "files")
SYSTEM_TYPES = {"call", "subscribe", "unsubscribe"}
HTML_MESSAGE = (
    "{path} is from the HTML version of the {platform} download, which onrecord cannot read "
    "reliably (its dates are display text). Request your information again and choose "
    "Format: JSON (Accounts Centre → Your information and permissions → Download your "
    "information), then import that download."
)


def repair(text: str) -> str:
    """Undo Meta's mojibake: only when every code point is < 256 and the bytes are UTF-8."""
    if text.isascii() or any(ord(ch) > 255 for ch in text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return text


def repaired(value: Any) -> Any:
    """``value`` with every string in it repaired."""
    if isinstance(value, str):
        return repair(value)
    if isinstance(value, list):
        return [repaired(v) for v in value]
    if isinstance(value, dict):
        return {repair(k): repaired(v) for k, v in value.items()}
    return value


class MetaImporter:
    key = "meta"
    label = "Facebook Messenger / Instagram download (JSON)"
    reads = "messages/…/message_N.json of a Facebook or Instagram 'Download your information'"

    def score(self, source: Source) -> float:
        best = 0.0
        for path in source.paths():
            found = THREAD.search(path)
            if found:
                return 0.95 if found["ext"] == "json" else 0.7
            if _may_hold_messages(source, path):
                shape = _shape(source.read_head(path))
                best = max(best, {"thread": 0.9, "instagram-2020": 0.6}.get(shape, 0.0))
        return best

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        platform = platform_of(source)
        rows: list[tuple[str, int, Unit]] = []
        html: list[str] = []
        for path in source.paths():
            found = THREAD.search(path)
            meta = {"platform": _platform_in(path) or platform}
            if found and found["ext"] == "html":
                html.append(path)
            elif found:
                rows.append(
                    (path[: found.start("n")], int(found["n"]), Unit(path, found["thread"], meta))
                )
            elif _may_hold_messages(source, path):
                shape = _shape(source.read_head(path))
                if shape or source.kind == "file":
                    label = PurePosixPath(path).stem
                    rows.append((path, 0, Unit(path, label, meta | {"shape": shape or "thread"})))
        for _folder, _number, unit in sorted(rows, key=lambda row: row[:2]):
            yield unit
        if html and not rows:
            yield Unit(html[0], "HTML export", {"platform": platform, "shape": "html"})

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        platform = str(unit.meta.get("platform") or platform_of(source))
        shape = unit.meta.get("shape", "thread")
        if shape == "html":
            name = "Instagram" if platform == "instagram" else "Facebook"
            raise ImportFormatError(HTML_MESSAGE.format(path=unit.path, platform=name))
        if shape == "instagram-2020":
            yield from _old_instagram(source, unit.path)
            return
        conversation = _thread_name(source, unit.path)
        participants: list[str] = []
        for tag, index, value in _walk(source, unit.path, "messages", ("participants",)):
            if tag == "participants":
                participants = [_name(p) for p in value] if isinstance(value, list) else []
                continue
            where = f"{unit.path} $.messages[{index}]"
            if not isinstance(value, dict):
                yield Unparsed(
                    where, "a message that is not a JSON object", json.dumps(value)[:2000]
                )
                continue
            item = _message(value, where, platform, conversation, participants)
            item.attachments = _attachments(source, unit.path, value)
            yield item


def platform_of(source: Source) -> str:
    """Whose export this is, "instagram" or "facebook": its folders, else the download's name."""
    paths = source.paths()[:5000]
    instagram = sum("instagram" in p or "followers_and_following" in p for p in paths)
    facebook = sum("facebook" in p for p in paths)
    if instagram != facebook:
        return "instagram" if instagram > facebook else "facebook"
    return "instagram" if "instagram" in source.name.lower() else "facebook"


def _platform_in(path: str) -> str | None:
    if "your_instagram_activity/" in path:
        return "instagram"
    if "your_facebook_activity/" in path or "your_activity_across_facebook/" in path:
        return "facebook"
    return None


def _may_hold_messages(source: Source, path: str) -> bool:
    """A JSON file that is not a thread file but may be one of the other shapes."""
    if not path.lower().endswith(".json"):
        return False
    return bool(E2EE.search(path) or OLD_INSTAGRAM.search(path) or source.kind == "file")


def _shape(head: bytes) -> str:
    """The file's shape from its first bytes: "thread" (classic or 2024 camelCase),
    "instagram-2020", or "" (not a message file)."""
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"[":
        return "instagram-2020" if b'"conversation"' in head else ""
    keys = (b'"sender_name"', b'"senderName"', b'"threadName"', b'"thread_path"')
    return "thread" if any(k in head for k in keys) else ""


def _message(
    record: dict[str, Any], where: str, platform: str, conversation: str, participants: list[str]
) -> ImportedItem:
    fixed = repaired(record)
    e2ee = "senderName" in fixed or ("timestamp_ms" not in fixed and "timestamp" in fixed)
    sender = str(fixed.get("senderName" if e2ee else "sender_name") or "")
    stamp = fixed.get("timestamp" if e2ee else "timestamp_ms")
    sent_at = None
    if isinstance(stamp, int | float) and not isinstance(stamp, bool):
        try:
            sent_at = dt.datetime.fromtimestamp(stamp / 1000, dt.UTC)
        except (OverflowError, OSError, ValueError):
            sent_at = None
    kind_name = str(fixed.get("type") or "")
    extra: dict[str, Any] = {"type": kind_name} if kind_name else {}
    for key in ("share", "reactions", "call_duration", "missed", "users"):
        if key in fixed:
            extra[key] = fixed[key]
    if "content" not in fixed and "text" not in fixed:
        extra["no_text"] = True
    unsent = fixed.get("isUnsent" if e2ee else "is_unsent") is True
    return ImportedItem(
        platform=platform,
        kind="system" if kind_name.lower() in SYSTEM_TYPES else "message",
        position=where,
        text=str(fixed.get("text" if e2ee else "content") or ""),
        author=ImportedAccount(platform, display_name=sender) if sender else None,
        sent_at=sent_at,
        sent_at_original=str(stamp) if stamp is not None else "",
        recipients=[p for p in participants if p != sender],
        conversation=conversation,
        deleted=unsent,
        raw=record,
        extra=extra,
    )


def _attachments(source: Source, path: str, record: dict[str, Any]) -> list[AttachmentRef]:
    media: list[Any] = []
    for key in (*MEDIA_KEYS, "media"):
        value = record.get(key)
        media.extend(value if isinstance(value, list) else [])
    if isinstance(record.get("sticker"), dict):
        media.append(record["sticker"])
    refs: list[AttachmentRef] = []
    for entry in media:
        uri = repair(str(entry.get("uri") or "")) if isinstance(entry, dict) else ""
        if not uri:
            continue
        name = PurePosixPath(uri.split("?", 1)[0]).name or uri
        if "://" in uri:
            refs.append(AttachmentRef(name, None, "only a link: the file is not in the export"))
            continue
        found = next((c for c in _candidates(path, uri) if source.exists(c)), None)
        refs.append(AttachmentRef(name, found, "" if found else "the file is not in this export"))
    return refs


def _candidates(path: str, uri: str) -> list[str]:
    """Where ``uri`` (relative to the export's root, or to the JSON file) may be."""
    parts = PurePosixPath(path).parts
    roots = [i for i, part in enumerate(parts) if part in ROOTS or part.startswith("your_")]
    prefix = "/".join(parts[: roots[0]]) if roots else ""
    folder = str(PurePosixPath(path).parent)
    relative = posixpath.normpath(uri.lstrip("/"))
    found = [relative]
    inside = re.search(r"/(?=messages/)", path)
    if relative.startswith("messages/") and inside:
        found.append(path[: inside.end()] + relative)  # an older uri in a newer folder layout
    for base in (prefix, folder if folder != "." else ""):
        if base:
            found.append(posixpath.normpath(f"{base}/{relative}"))
    return found


def _thread_name(source: Source, path: str) -> str:
    """The thread's folder; for a lone message_N.json, its thread_path or title."""
    found = THREAD.search(path)
    if found:
        return found["thread"]
    if not PurePosixPath(path).name.startswith("message_"):
        return PurePosixPath(path).stem
    for _tag, _index, value in _walk(source, path, None, ("thread_path",)):
        if isinstance(value, str) and value:
            return PurePosixPath(repair(value)).name
    return PurePosixPath(path).stem


def _name(participant: Any) -> str:
    if isinstance(participant, dict):
        return repair(str(participant.get("name") or ""))
    return repair(str(participant))


def _walk(
    source: Source,
    path: str,
    array: str | None,
    fields: tuple[str, ...],
    boundary: str | None = None,
) -> Iterator[tuple[str, int, Any]]:
    """Stream one JSON file: ("item", index, value) for each element of ``array``, (field, -1,
    value) for each field named, ("boundary", -1, None) where an object at ``boundary`` opens.
    """
    items = f"{array}.item"
    index, depth, at, seen = -1, 0, "", array is None
    builder: Any = None
    with source.open_file(path) as stream:
        try:
            for prefix, event, value in ijson.parse(stream, use_float=True):
                if builder is not None:
                    builder.event(event, value)
                    depth += (event in ("start_map", "start_array")) - (
                        event in ("end_map", "end_array")
                    )
                    if depth == 0:
                        yield (at, index if at == "item" else -1, builder.value)
                        builder = None
                    continue
                if prefix == "" and event == "start_array" and boundary is None:
                    raise ImportFormatError(
                        f"{path} is not a Facebook or Instagram message file (it holds a list, "
                        "not a thread). Check that you chose the right file.",
                        f"{path} $",
                    )
                if prefix == boundary and event == "start_map":
                    yield ("boundary", -1, None)
                seen = seen or (prefix == array and event == "start_array")
                tag = "item" if prefix == items else prefix if prefix in fields else ""
                if not tag or event in ("map_key", "end_map", "end_array"):
                    continue
                index += tag == "item"
                if event in ("start_map", "start_array"):
                    builder, depth, at = ijson.ObjectBuilder(), 1, tag
                    builder.event(event, value)
                else:
                    yield (tag, index if tag == "item" else -1, value)
        except ijson.JSONError as exc:
            raise ImportFormatError(
                f"Could not read {path} at message {max(index, 0) + 1:,}: "
                f"{(str(exc).splitlines() or ['damaged JSON'])[0].strip()}. The file may be "
                "incomplete or damaged: download your information again.",
                f"{path} $.{array or ''}[{max(index, 0)}]",
            ) from None
    if not seen:
        raise ImportFormatError(
            f"{path} holds no list of messages: it is not a Facebook or Instagram message file, "
            "or it is damaged. Download your information again in JSON.",
            f"{path} $",
        )


def _old_instagram(source: Source, path: str) -> Iterator[ImportedItem | Unparsed]:
    """Instagram's single messages.json of 2020 and before, streamed message by message."""
    conversation, number = -1, -1
    people: list[str] = []
    walk = _walk(source, path, "item.conversation", ("item.participants",), boundary="item")
    for tag, _index, value in walk:
        if tag == "boundary":
            conversation, number, people = conversation + 1, -1, []
        elif tag == "item.participants":
            people = [str(p) for p in value] if isinstance(value, list) else []
        else:
            number += 1
            where = f"{path} $[{conversation}].conversation[{number}]"
            if not isinstance(value, dict):
                yield Unparsed(
                    where, "a message that is not a JSON object", json.dumps(value)[:2000]
                )
                continue
            scope = ", ".join(sorted(people)) or f"conversation {conversation}"
            yield _old_message(value, where, scope, people)


def _old_message(
    message: dict[str, Any], where: str, scope: str, people: list[str]
) -> ImportedItem:
    sender = str(message.get("sender") or "")
    original = str(message.get("created_at") or "")
    try:
        sent_at: dt.datetime | None = dt.datetime.fromisoformat(original).astimezone(dt.UTC)
    except ValueError:
        sent_at = None
    links = {k: v for k, v in message.items() if k not in ("sender", "created_at", "text")}
    return ImportedItem(
        platform="instagram",
        kind="message",
        position=where,
        text=str(message.get("text") or ""),
        author=ImportedAccount("instagram", handle=sender, display_name=sender) if sender else None,
        sent_at=sent_at,
        sent_at_original=original,
        recipients=[p for p in people if p != sender],
        conversation=scope,
        raw=message,
        extra=links,
    )


IMPORTER = MetaImporter()
