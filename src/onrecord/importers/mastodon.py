"""Mastodon account archive ("Request your archive"): ``actor.json`` and ``outbox.json``.

The zip (or its unpacked folder, perhaps under a top folder) holds the ActivityPub actor
(``preferredUsername``, ``name``, ``url``), the outbox ``OrderedCollection`` and
``media_attachments/``. ``outbox.json`` is streamed with ijson (``orderedItems.item``);
its ``totalItems`` often differs from the list and is not checked. One unit per outbox.

* ``Create`` of a ``Note`` (or a ``Question`` poll, ``Article``, ``Page``): the HTML
  ``content`` becomes plain text (tags stripped, a line break for ``<br>``, a blank line
  after ``</p>``, entities unescaped once) and stays in ``raw``; ``url``, ``published``,
  ``inReplyTo`` as ``reply_to``; visibility from ``to``/``cc`` (public, unlisted,
  followers-only, direct; direct notes are kind ``message``, the rest ``post``); the
  content warning (``summary``) and ``sensitive`` in ``extra``; attachments are paths
  inside the archive (``media_attachments/...``), or missing when the file is not there;
* ``Announce`` (a boost), whose ``object`` is a URI string or an object: kind ``other``,
  text "boosted <uri>", the URI in ``extra``;
* a ``Create`` whose ``object`` is only a URI: kind ``other``, the URI in ``extra``.

Other activity types are reported as ``Unparsed``. Ids are the notes' URIs, as
``inReplyTo`` names them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlparse

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
from onrecord.importers.jsonstream import json_error
from onrecord.importers.source import Source

PLATFORM = "mastodon"
PUBLIC = {"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"}
NOTE_TYPES = {"Note", "Question", "Article", "Page"}
_MISSING = "not included in the export"


class MastodonImporter:
    key = "mastodon"
    label = "Mastodon account archive"
    reads = "the Mastodon archive zip or folder: outbox.json, actor.json, media_attachments/"

    def score(self, source: Source) -> float:
        best = 0.0
        for path in source.find("outbox.json")[:2]:
            if b"OrderedCollection" not in source.read_head(path, 8192):
                continue
            actor = _folder(path) + "actor.json"
            head = source.read_head(actor, 8192) if source.exists(actor) else b""
            best = max(best, 1.0 if b"preferredUsername" in head else 0.7)
        return best

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        for path in source.find("outbox.json"):
            yield Unit(path=path, label="Mastodon posts")

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        if b"OrderedCollection" not in source.read_head(unit.path, 8192):
            raise ImportFormatError(
                f"{unit.path} is not a Mastodon outbox (it has no OrderedCollection). Import "
                "the archive that Mastodon made (Preferences > Import and export > Request "
                "your archive).",
                unit.path,
            )
        reader = _Reader(source, unit.path, context)
        count = 0
        with source.open_file(unit.path) as stream:
            try:
                for activity in ijson.items(stream, "orderedItems.item", use_float=True):
                    yield reader.item(activity, f"{unit.path} $.orderedItems[{count}]")
                    count += 1
            except ijson.JSONError as exc:
                raise json_error(
                    unit.path, f"$.orderedItems[{count}]", exc, "download it again from Mastodon"
                ) from None


class _Reader:
    def __init__(self, source: Source, path: str, context: ImportContext) -> None:
        self.source, self.context, self.folder = source, context, _folder(path)
        actor = _actor(source, self.folder + "actor.json")
        self.actor_id = str(actor.get("id") or "")
        self.owner = _account(self.actor_id, actor) if self.actor_id else None

    def item(self, activity: Any, position: str) -> ImportedItem | Unparsed:
        kind = activity.get("type") if isinstance(activity, dict) else None
        obj = activity.get("object") if isinstance(activity, dict) else None
        if kind not in ("Create", "Announce") or not isinstance(obj, str | dict):
            return Unparsed(position, f"not a post or a boost (type {kind!r})", _dump(activity))
        assert isinstance(activity, dict)
        if isinstance(obj, dict) and kind == "Create" and obj.get("type") not in NOTE_TYPES:
            message = f"a Create of type {obj.get('type')!r} (not a note)"
            return Unparsed(position, message, _dump(activity))
        if kind == "Announce" or isinstance(obj, str):
            uri = obj if isinstance(obj, str) else str(obj.get("id") or obj.get("url") or "")
            verb, key = ("boosted", "boosted") if kind == "Announce" else ("created", "object")
            return self._build(activity, activity, position, "other", f"{verb} {uri}", {key: uri})
        text = _plain(str(obj.get("content") or ""))
        visibility = _visibility(obj.get("to"), obj.get("cc"), self.actor_id)
        tags = _dicts(obj.get("tag"))
        extra: dict[str, Any] = {
            "visibility": visibility,
            "content_warning": str(obj.get("summary") or ""),
            "sensitive": bool(obj.get("sensitive")),
            "thread": str(obj.get("conversation") or ""),
            "mentions": [str(t.get("name", "")) for t in tags if t.get("type") == "Mention"],
            "hashtags": [str(t.get("name", "")) for t in tags if t.get("type") == "Hashtag"],
        }
        if obj.get("type") == "Question":
            options = _dicts(obj.get("oneOf") or obj.get("anyOf"))
            extra["poll_options"] = [str(option.get("name", "")) for option in options]
        return self._build(
            activity, obj, position, "message" if visibility == "direct" else "post", text, extra
        )

    def _build(
        self,
        activity: dict[str, Any],
        obj: dict[str, Any],
        position: str,
        kind: str,
        text: str,
        extra: dict[str, Any],
    ) -> ImportedItem:
        original = str(obj.get("published") or activity.get("published") or "")
        when, assumed = iso_time(original, self.context)
        author_id = str(obj.get("attributedTo") or activity.get("actor") or self.actor_id)
        in_reply_to = obj.get("inReplyTo")
        return ImportedItem(
            platform=PLATFORM,
            kind=kind,
            position=position,
            text=text,
            author=self.owner if author_id == self.actor_id else _account(author_id, {}),
            sent_at=when,
            sent_at_original=original,
            time_zone_assumed=assumed,
            recipients=_recipients(obj.get("to"), obj.get("cc"), self.actor_id),
            url=str(obj.get("url") or ""),
            platform_id=str(obj.get("id") or "") or None,
            conversation=self.actor_id or author_id,
            reply_to=in_reply_to if isinstance(in_reply_to, str) and in_reply_to else None,
            attachments=[self._attachment(a) for a in _dicts(obj.get("attachment"))],
            raw=activity,
            extra=extra,
        )

    def _attachment(self, attachment: dict[str, Any]) -> AttachmentRef:
        url = str(attachment.get("url") or "")
        inside = (urlparse(url).path if "://" in url else url).lstrip("/")
        name = inside.rsplit("/", 1)[-1] or str(attachment.get("name") or "attachment")
        if inside and self.source.exists(self.folder + inside):
            return AttachmentRef(name=name, path=self.folder + inside)
        return AttachmentRef(name=name, missing=_MISSING)


class _Text(HTMLParser):
    """Mastodon's HTML as text: a line break per ``<br>``, a blank line per ``</p>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _plain(content: str) -> str:
    parser = _Text()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts).strip()


def _visibility(to: Any, cc: Any, actor_id: str) -> str:
    """public (Public in ``to``), unlisted (Public in ``cc``), followers-only, or direct."""
    to_list, cc_list = _strings(to), _strings(cc)
    if PUBLIC & set(to_list):
        return "public"
    if PUBLIC & set(cc_list):
        return "unlisted"
    followers = f"{actor_id}/followers" if actor_id else ""
    if any(a == followers or a.endswith("/followers") for a in to_list + cc_list):
        return "followers-only"
    return "direct"


def _recipients(to: Any, cc: Any, actor_id: str) -> list[str]:
    """The actors a note is addressed to (not the Public or followers collections)."""
    found = [a for a in _strings(to) + _strings(cc) if a not in PUBLIC and a != actor_id]
    return list(dict.fromkeys(a for a in found if not a.endswith("/followers")))


def _account(actor_id: str, actor: dict[str, Any]) -> ImportedAccount:
    """An account from the actor document, or from its URI alone (user@host)."""
    parsed = urlparse(actor_id)
    username = str(actor.get("preferredUsername") or parsed.path.rstrip("/").rsplit("/", 1)[-1])
    return ImportedAccount(
        PLATFORM,
        actor_id,
        handle=f"{username}@{parsed.hostname}" if parsed.hostname and username else username,
        display_name=str(actor.get("name") or ""),
        url=str(actor.get("url") or actor_id),
    )


def _actor(source: Source, path: str) -> dict[str, Any]:
    """actor.json, or an empty dict when it is absent or unreadable (ids still come from the
    outbox's activities)."""
    if not source.exists(path):
        return {}
    try:
        value = json.loads(source.read_bytes(path, limit=16 * 1024 * 1024))
    except (ValueError, OSError):
        return {}
    return value if isinstance(value, dict) else {}


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] + "/" if "/" in path else ""


def _strings(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]


def _dicts(value: Any) -> list[dict[str, Any]]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, dict)]


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


IMPORTER = MastodonImporter()
