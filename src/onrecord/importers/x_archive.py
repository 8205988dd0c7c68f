"""X (formerly Twitter) account archive: the ``data/*.js`` files of the zip or its folder.

Each data file is one JavaScript assignment ``window.YTD.<name>.partN = [...];``: everything
up to the first ``=`` and a trailing ``;`` are cut off and the array is streamed with ijson,
so ``YTD.tweet``/``YTD.tweets``, ``-partN`` files and the ``window.__THAR_CONFIG`` manifest
all read alike; paths may sit under a top folder. One unit per data file. Handled:

* tweets: ``tweet.js`` (2019: bare objects; 2020-2022: ``{"tweet": {...}}``), ``tweets.js``
  (Nov 2022+), ``-partN`` parts, ``community-tweet.js``, ``twitter-circle-tweet.js`` and
  ``deleted-tweets.js`` (``deleted=True``, ``deleted_at`` in ``extra``); ``full_text`` is
  HTML-unescaped once; each edited version (``edit_info``) is its own item, linked in
  ``extra``; media of ``extended_entities.media`` is found as ``tweets_media/<id>-<file>``;
* ``note-tweet.js`` long posts: a note's full text replaces the truncated text of its tweet
  (same second, truncated text starts the note); a note with no tweet is its own item;
* direct messages and group DMs: ``messageCreate`` with edits, reactions and media; joins,
  leaves and renames as ``system`` items; ids become handles where ``account.js``,
  ``follower.js`` or ``following.js`` name them;
* the owner, author of every tweet, from ``account.js`` or the manifest's ``userInfo``.

The pre-2019 "Grailbird" tweet archive (``data/js/tweets/YYYY_MM.js``) is recognised and
refused with an explanation of what to download instead.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from typing import IO, Any

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
from onrecord.importers.jsonstream import json_error
from onrecord.importers.source import Source

PLATFORM = "x"
TWEET_SCOPE = "tweets"
_KINDS = {  # kind: (file name stem, media folder)
    "tweets": ("tweets?", "tweets_media"),
    "community": ("community-tweet", "community_tweet_media"),
    "circle": ("twitter-circle-tweet", "twitter_circle_tweet_media"),
    "deleted": ("deleted-tweets?", "deleted_tweets_media"),
    "notes": ("note-tweet", "tweets_media"),
    "dms": ("direct-messages", "direct_messages_media"),
    "group_dms": ("direct-messages-group", "direct_messages_group_media"),
}
_FILES = {kind: re.compile(rf"{stem}(?:-part(\d+))?\.js") for kind, (stem, _) in _KINDS.items()}
_ORDER = list(_KINDS)
_TWEETS = ("tweets", "community", "circle", "deleted")
_MONTH_NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"
_GRAILBIRD = re.compile(r"(?:^|/)data/js/tweets/\d{4}_\d{2}\.js")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES.split(), 1)}
_TWITTER_TIME = re.compile(r"\w{3} (\w{3}) (\d\d?) (\d\d):(\d\d):(\d\d) ([+-]\d\d)(\d\d) (\d{4})")
_TCO_TAIL = re.compile(r"(?:\s*https?://t\.co/\w+)+\s*$")
_HANDLE_LINK = re.compile(r"https?://(?:www\.)?(?:twitter|x)\.com/(?!intent/)(\w{1,15})/?$")
_MISSING = "not included in the export"
_Notes = dict[int, list[dict[str, Any]]]


class XArchiveImporter:
    key = "x"
    label = "X (Twitter) account archive"
    reads = "the X/Twitter archive zip or folder: data/tweets.js, direct-messages.js and more"

    def score(self, source: Source) -> float:
        paths = source.paths()
        manifest = [p for p in paths if p.rsplit("/", 1)[-1] == "manifest.js"][:1]
        best = 0.0
        for path in manifest + [path for _, path, _ in _data_files(source)[:2]]:
            head = _head(source, path)
            if head.startswith((b"window.YTD.", b"window.__THAR_CONFIG")):
                return 1.0
            best = max(best, 0.2 if b"= [" in head or b"=[" in head else 0.0)
        grailbird = [p for p in paths if _GRAILBIRD.search(p)][:1]
        if grailbird and _head(source, grailbird[0]).startswith(b"Grailbird.data.tweets_"):
            return 0.9
        return best

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        files = _data_files(source)
        for kind, path, _ in files:
            yield Unit(path=path, label=kind.replace("_", " "), meta={"kind": kind})
        grailbird = [p for p in source.paths() if _GRAILBIRD.search(p)]
        if not files and grailbird:
            yield Unit(path=grailbird[0], label="old tweet archive", meta={"kind": "grailbird"})

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        files = {path: kind for kind, path, _ in _data_files(source)}
        kind = str(unit.meta.get("kind") or files.get(unit.path, ""))
        if kind == "grailbird":
            raise ImportFormatError(
                f"{unit.path} belongs to Twitter's old 'tweet archive' (made before 2019), which "
                "onrecord cannot read. Request your full archive from X (Settings > Your account "
                "> Download an archive of your data) and import that instead.",
                unit.path,
            )
        if kind not in _ORDER:
            raise ImportFormatError(f"{unit.path} is not an X archive data file.", unit.path)
        reader = _Reader(source, unit.path, kind, context.time_zone)
        if kind in _TWEETS:
            yield from reader.tweets()
        else:
            yield from reader.notes() if kind == "notes" else reader.messages()


class _Reader:
    """One data file, with what it needs from its neighbours (owner, handles, notes, media)."""

    def __init__(self, source: Source, path: str, kind: str, zone: dt.tzinfo) -> None:
        self.source, self.path, self.kind, self.zone = source, path, kind, zone
        self.folder = _folder(path)
        self.owner = _owner(source, self.folder)
        self.handles: dict[str, str] = {}
        if self.owner and self.owner.platform_id and self.owner.handle:
            self.handles[self.owner.platform_id] = self.owner.handle
        self.media_folder = f"{self.folder}{_KINDS[kind][1]}/"
        self.media_files: dict[str, list[str]] | None = None  # item id -> its media files

    def _siblings(self, kinds: tuple[str, ...]) -> list[str]:
        files = _data_files(self.source)
        return [path for kind, path, _ in files if kind in kinds and _folder(path) == self.folder]

    # -- tweets ---------------------------------------------------------------------------

    def tweets(self) -> Iterator[ImportedItem | Unparsed]:
        notes = _index(self._notes())
        for index, value in _items(self.source, self.path):
            tweet = _unwrap(value)
            if tweet is None:
                yield Unparsed(f"{self.path} $[{index}]", "not a tweet: no id_str", _dump(value))
                continue
            tweet_id = str(tweet.get("id_str") or tweet.get("id"))
            original = str(tweet.get("created_at", ""))
            text = html.unescape(str(tweet.get("full_text", tweet.get("text", ""))))
            extra = _tweet_extra(tweet, self.kind, text)
            when, assumed = _time(original, self.zone)
            note = _match(notes, when, text)
            if note is not None:
                extra.update(truncated_text=text, note_tweet_id=note["id"], note_tweet=note["raw"])
                text = note["text"]
            reply = tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")
            handle = self.owner.handle if self.owner and self.owner.handle else "i/web"
            yield ImportedItem(
                platform=PLATFORM,
                kind="post",
                position=f"{self.path} $[{index}]",
                text=text,
                author=self.owner,
                sent_at=when,
                sent_at_original=original,
                time_zone_assumed=assumed,
                url=f"https://x.com/{handle}/status/{tweet_id}",
                platform_id=tweet_id,
                conversation=TWEET_SCOPE,
                reply_to=str(reply) if reply else None,
                attachments=self._tweet_media(tweet, tweet_id),
                deleted=self.kind == "deleted",
                raw=value,
                extra=extra,
            )

    def _tweet_media(self, tweet: dict[str, Any], tweet_id: str) -> list[AttachmentRef]:
        entities = tweet.get("extended_entities") or tweet.get("entities") or {}
        media = entities.get("media") if isinstance(entities, dict) else None
        media = [m for m in media if isinstance(m, dict)] if isinstance(media, list) else []
        refs: list[AttachmentRef] = []
        for entry in media:
            variants = (entry.get("video_info") or {}).get("variants") or []
            variants = sorted(variants, key=lambda v: -int(v.get("bitrate") or 0))
            urls = [str(v.get("url", "")) for v in variants]
            urls.append(str(entry.get("media_url_https") or entry.get("media_url") or ""))
            refs.append(self._media([_file_name(u) for u in urls if u], tweet_id, len(media)))
        return refs

    def _media(self, names: list[str], item_id: str, count: int) -> AttachmentRef:
        """``<media folder>/<item id>-<name>``, or the item's only file when it has one medium."""
        if self.media_files is None:
            self.media_files = {}
            for path in self.source.paths():
                if path.startswith(self.media_folder):
                    item = path[len(self.media_folder) :].split("-", 1)[0]
                    self.media_files.setdefault(item, []).append(path)
        found = self.media_files.get(item_id, [])
        for name in names:
            if f"{self.media_folder}{item_id}-{name}" in found:
                return AttachmentRef(name=name, path=f"{self.media_folder}{item_id}-{name}")
        if count == 1 and len(found) == 1:
            return AttachmentRef(name=found[0].rsplit("/", 1)[-1], path=found[0])
        return AttachmentRef(name=names[0] if names else "media", missing=_MISSING)

    # -- long posts -----------------------------------------------------------------------

    def _notes(self) -> list[dict[str, Any]]:
        notes: list[dict[str, Any]] = []
        for path in self._siblings(("notes",)):
            try:
                read = [_note(value, f"{path} $[{i}]") for i, value in _items(self.source, path)]
            except ImportFormatError:
                continue  # that file's own unit reports it; tweets keep their own text
            notes += [note for note in read if note is not None]
        return notes

    def notes(self) -> Iterator[ImportedItem | Unparsed]:
        notes: list[dict[str, Any]] = []
        for index, value in _items(self.source, self.path):
            note = _note(value, f"{self.path} $[{index}]")
            if note is None:
                yield Unparsed(f"{self.path} $[{index}]", "not a note tweet", _dump(value))
            else:
                notes.append(note)
        matched = self._matched(_index(notes))
        for note in (note for note in notes if note["position"] not in matched):
            when, assumed = _time(str(note["raw"].get("createdAt", "")), self.zone)
            yield ImportedItem(
                platform=PLATFORM,
                kind="post",
                position=note["position"],
                text=note["text"],
                author=self.owner,
                sent_at=when,
                sent_at_original=str(note["raw"].get("createdAt", "")),
                time_zone_assumed=assumed,
                platform_id=note["id"] or None,
                conversation="note-tweets",
                raw=note["raw"],
                extra={"note_tweet": True, "urls": note["raw"]["core"].get("urls") or []},
            )

    def _matched(self, notes: _Notes) -> set[str]:
        """Positions of the notes whose tweet is in a readable tweet file."""
        matched: set[str] = set()
        for path in self._siblings(_TWEETS):
            found: set[str] = set()
            try:
                for _, value in _items(self.source, path):
                    tweet = _unwrap(value) or {}
                    text = html.unescape(str(tweet.get("full_text", tweet.get("text", ""))))
                    when = _time(str(tweet.get("created_at", "")), self.zone)[0]
                    note = _match(notes, when, text)
                    found.update([note["position"]] if note else [])
            except ImportFormatError:
                continue  # that file imports nothing: its notes stand on their own
            matched |= found
        return matched

    # -- direct messages ------------------------------------------------------------------

    def messages(self) -> Iterator[ImportedItem | Unparsed]:
        self.handles.update(_handles(self.source, self.folder))
        for conv, conversation, number, message in _dm_messages(self.source, self.path):
            position = f"{self.path} $[{conv}].dmConversation.messages[{number}]"
            event = next(iter(message)) if isinstance(message, dict) and len(message) == 1 else ""
            body = message[event] if event else None
            if not isinstance(body, dict):
                yield Unparsed(position, "not a direct message event", _dump(message))
                continue
            original = str(body.get("createdAt", ""))
            if event == "messageCreate":
                text, recipient = str(body.get("text", "")), str(body.get("recipientId") or "")
                sender, message_id = str(body.get("senderId", "")), str(body.get("id") or "")
                media = [_file_name(str(url)) for url in body.get("mediaUrls") or []]
                extra = {"reactions": body.get("reactions") or [], "urls": body.get("urls") or []}
            else:
                text, recipient, message_id = self._event_text(event, body), "", ""
                sender, media = str(body.get("initiatingUserId", "")), []
                extra = {"event": event}
            yield ImportedItem(
                platform=PLATFORM,
                kind="message" if event == "messageCreate" else "system",
                position=position,
                text=text,
                author=self._account(sender) if sender else None,
                sent_at=_time(original, self.zone)[0],
                sent_at_original=original,
                time_zone_assumed=_time(original, self.zone)[1],
                recipients=[recipient] if recipient else [],
                platform_id=message_id or None,
                conversation=conversation,
                attachments=[self._media([name], message_id, 1) for name in media],
                earlier_versions=_earlier_versions(body.get("editHistory"), text),
                raw=message,
                extra={**extra, "group": self.kind == "group_dms"},
            )

    def _account(self, account_id: str) -> ImportedAccount:
        if self.owner and account_id == self.owner.platform_id:
            return self.owner
        handle = self.handles.get(account_id, "")
        url = f"https://x.com/{handle}" if handle else ""
        url = url or f"https://twitter.com/intent/user?user_id={account_id}"
        return ImportedAccount(PLATFORM, account_id, handle=handle, url=url)

    def _name(self, account_id: Any) -> str:
        handle = self.handles.get(str(account_id), "")
        return f"@{handle}" if handle else f"user {account_id}"

    def _event_text(self, event: str, body: dict[str, Any]) -> str:
        who = self._name(body.get("initiatingUserId", ""))
        users = ", ".join(self._name(u) for u in body.get("userIds") or [])
        owner = self._name(self.owner.platform_id) if self.owner else "the archive's owner"
        texts = {
            "joinConversation": f"{owner} was added to the conversation by {who}",
            "participantsJoin": f"{who} added {users} to the conversation",
            "participantsLeave": f"{users} left the conversation",
            "conversationNameUpdate": f'{who} named the conversation "{body.get("name", "")}"',
        }
        return texts.get(event, event)


# -- reading the files --------------------------------------------------------------------


class _ScriptBody:
    """The JSON array of a ``name = [...];`` script, as a byte stream for ijson."""

    def __init__(self, inner: IO[bytes], path: str) -> None:
        self._inner, self._pending, self._tail, self._eof = inner, bytearray(), b"", False
        head = inner.read(65536).removeprefix(b"\xef\xbb\xbf").lstrip()
        if not head:
            raise ImportFormatError(f"{path} is empty. Download the archive again.", path)
        if head[:1] != b"[" and b"=" in head[:1024]:
            head = head.split(b"=", 1)[1].lstrip()
        if head[:1] not in (b"[", b""):
            raise ImportFormatError(
                f"{path} is not an X archive data file (it does not hold a list of records).", path
            )
        self._feed(head)

    def _feed(self, chunk: bytes) -> None:
        data = self._tail + chunk
        body = data.rstrip(b"; \t\r\n")
        self._tail = data[len(body) :]
        self._pending += body

    def read(self, size: int = -1) -> bytes:
        while not self._eof and (size < 0 or len(self._pending) < size):
            chunk = self._inner.read(65536)
            self._eof = not chunk
            self._feed(chunk)
        size = len(self._pending) if size < 0 else size
        out = bytes(self._pending[:size])
        del self._pending[:size]
        return out


def _items(source: Source, path: str) -> Iterator[tuple[int, Any]]:
    count = 0
    with source.open_file(path) as stream:
        try:
            for value in ijson.items(_ScriptBody(stream, path), "item", use_float=True):
                yield count, value
                count += 1
        except ijson.JSONError as exc:
            raise json_error(path, f"$[{count}]", exc, "download it again") from None


def _dm_messages(source: Source, path: str) -> Iterator[tuple[int, str, int, Any]]:
    """(conversation index, conversationId, message index, event) of every DM event, streamed
    one event at a time (a conversation can hold years of messages)."""
    conv, conversation, number, depth = -1, "", -1, 0
    builder: Any = None
    waiting: list[tuple[int, Any]] = []  # events read before their conversationId
    with source.open_file(path) as stream:
        try:
            for prefix, event, value in ijson.parse(_ScriptBody(stream, path), use_float=True):
                if builder is not None:
                    builder.event(event, value)
                    depth += (event in ("start_map", "start_array")) - (
                        event in ("end_map", "end_array")
                    )
                    if depth == 0:
                        waiting.append((number, builder.value))
                        builder = None
                elif prefix == "item" and event == "start_map":
                    conv, conversation, number = conv + 1, "", -1
                elif prefix == "item.dmConversation.conversationId":
                    conversation = str(value)
                elif prefix == "item.dmConversation.messages.item":
                    number += 1
                    if event in ("start_map", "start_array"):
                        builder, depth = ijson.ObjectBuilder(), 1
                        builder.event(event, value)
                    else:
                        waiting.append((number, value))
                if waiting and (conversation or (prefix, event) == ("item", "end_map")):
                    yield from ((conv, conversation, n, m) for n, m in waiting)
                    waiting.clear()
        except ijson.JSONError as exc:
            where = f"$[{max(conv, 0)}].dmConversation.messages[{max(number, 0)}]"
            raise json_error(path, where, exc, "download it again") from None


def _script_value(source: Source, path: str) -> Any:
    """A small whole script (account.js, manifest.js) as JSON; None when it is unreadable."""
    try:
        data = source.read_bytes(path, limit=16 * 1024 * 1024).removeprefix(b"\xef\xbb\xbf")
        body = data if data.lstrip()[:1] in (b"[", b"{") else data.split(b"=", 1)[1]
        return json.loads(body.decode("utf-8").strip().rstrip(";"))
    except (ValueError, IndexError, OSError):
        return None


def _owner(source: Source, folder: str) -> ImportedAccount | None:
    """The archive's owner from account.js (next to the data file first), else the manifest."""
    for name, wrapper, keys in (
        ("account.js", "account", ("accountId", "username", "accountDisplayName")),
        ("manifest.js", "userInfo", ("accountId", "userName", "displayName")),
    ):
        found = sorted((p for p in source.paths() if p.rsplit("/", 1)[-1] == name), key=len)
        path = folder + name if folder + name in found else (found or [""])[0]
        value = _script_value(source, path) if path else None
        value = value[0] if isinstance(value, list) and value else value
        info = value.get(wrapper) if isinstance(value, dict) else None
        if isinstance(info, dict) and info.get(keys[0]):
            handle = str(info.get(keys[1]) or "")
            url = f"https://x.com/{handle}" if handle else ""
            name = str(info.get(keys[2]) or "")
            return ImportedAccount(PLATFORM, str(info[keys[0]]), handle, name, url)
    return None


def _handles(source: Source, folder: str) -> dict[str, str]:
    """Account id -> handle, where follower.js or following.js link to a profile by name
    (their usual ``intent/user?user_id=`` links name no one)."""
    handles: dict[str, str] = {}
    for path in (folder + "follower.js", folder + "following.js"):
        try:
            for _, value in _items(source, path) if source.exists(path) else ():
                entry = next(iter(value.values()), None) if isinstance(value, dict) else None
                if isinstance(entry, dict) and entry.get("accountId"):
                    match = _HANDLE_LINK.match(str(entry.get("userLink", "")))
                    handles.update({str(entry["accountId"]): match.group(1)} if match else {})
        except ImportFormatError:
            continue  # names are a help, not the record: messages keep their ids
    return handles


def _data_files(source: Source) -> list[tuple[str, str, int]]:
    """(kind, path, part) of every data file onrecord reads, in import order."""
    found: list[tuple[str, str, int]] = []
    for path in source.paths():
        name = path.rsplit("/", 1)[-1].lower()
        for kind, pattern in _FILES.items():
            match = pattern.fullmatch(name)
            if match:
                found.append((kind, path, int(match.group(1) or 0)))
                break
    return sorted(found, key=lambda f: (_ORDER.index(f[0]), f[2], f[1]))


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] + "/" if "/" in path else ""


def _head(source: Source, path: str) -> bytes:
    return source.read_head(path, 256).removeprefix(b"\xef\xbb\xbf").lstrip()


def _unwrap(value: Any) -> dict[str, Any] | None:
    """The tweet of a wrapped ``{"tweet": {...}}`` or a bare element; None if there is none."""
    tweet = value.get("tweet", value) if isinstance(value, dict) else None
    if isinstance(tweet, dict) and isinstance(tweet.get("id_str") or tweet.get("id"), str | int):
        return tweet
    return None


def _tweet_extra(tweet: dict[str, Any], kind: str, text: str) -> dict[str, Any]:
    """Deletion, edit links, reply names and retweet flag of one tweet."""
    extra: dict[str, Any] = {kind: True} if kind in ("community", "circle") else {}
    if kind == "deleted":
        extra["deleted_at"] = str(tweet.get("deleted_at", ""))
    edit = _dict(tweet.get("edit_info"))
    later = _dict(edit.get("edit"))
    control = later.get("editControlInitial") or edit.get("initial") or {}
    ids = [str(i) for i in _dict(control).get("editTweetIds") or []]
    if later:
        extra["edit_of"] = str(later.get("initialTweetId", ""))
    if later or len(ids) > 1:
        extra["edit_tweet_ids"] = ids
    for key in ("in_reply_to_user_id_str", "in_reply_to_screen_name"):
        extra.update({key.removesuffix("_str"): str(tweet[key])} if tweet.get(key) else {})
    if text.startswith("RT @"):
        extra["retweet"] = True
    return extra


def _note(value: Any, position: str) -> dict[str, Any] | None:
    note = value.get("noteTweet") if isinstance(value, dict) else None
    core = note.get("core") if isinstance(note, dict) else None
    if not isinstance(note, dict) or not isinstance(core, dict) or "text" not in core:
        return None
    when = _time(str(note.get("createdAt", "")))[0]
    note_id = str(note.get("noteTweetId", ""))
    return dict(id=note_id, when=when, text=str(core["text"]), raw=note, position=position)


def _index(notes: list[dict[str, Any]]) -> _Notes:
    index: _Notes = {}
    for note in notes:
        if note["when"] is not None:
            index.setdefault(int(note["when"].timestamp()), []).append(note)
    return index


def _match(notes: _Notes, when: dt.datetime | None, text: str) -> dict[str, Any] | None:
    """The long post a truncated tweet shows: made in the same second, its text starts it."""
    if when is None or not notes:
        return None
    prefix = _TCO_TAIL.sub("", text).rstrip().rstrip("\u2026").rstrip()[:50]
    second = int(when.timestamp())
    candidates = notes.get(second, []) + notes.get(second - 1, []) + notes.get(second + 1, [])
    return next((note for note in candidates if note["text"].startswith(prefix)), None)


def _time(text: str, zone: dt.tzinfo = dt.UTC) -> tuple[dt.datetime | None, bool]:
    """UTC time of Twitter's "Fri Mar 06 13:02:05 +0000 2026" or of ISO-8601, and whether it
    had no offset (then it is taken in ``zone``). Month names are read here, not by
    strptime, which follows the machine's locale."""
    match = _TWITTER_TIME.fullmatch(text.strip())
    try:
        if match and match.group(1) in _MONTHS:
            month, day, hour, minute, second, tz_hours, tz_minutes, year = match.groups()
            offset = dt.timedelta(hours=int(tz_hours), minutes=int(tz_hours[0] + tz_minutes))
            fields = (int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second))
            return (dt.datetime(*fields) - offset).replace(tzinfo=dt.UTC), False
        parsed = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None, False
    naive = parsed.tzinfo is None
    return (parsed.replace(tzinfo=zone) if naive else parsed).astimezone(dt.UTC), naive


def _file_name(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _earlier_versions(history: Any, current: str) -> list[str]:
    """Earlier texts of an edited DM, oldest first: ``editHistory`` entries are texts or
    objects with ``text``/``editedText``; the current text, when listed last, is not kept."""
    history = history if isinstance(history, list) else []
    entries = [{"text": e} if isinstance(e, str) else e for e in history]
    entries = [e for e in entries if isinstance(e, dict)]
    if all(e.get("createdAt") for e in entries):
        entries.sort(key=lambda e: str(e["createdAt"]))
    texts = [str(e.get("text", e.get("editedText", ""))) for e in entries]
    return texts[:-1] if texts and texts[-1] == current else texts


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


IMPORTER = XArchiveImporter()
