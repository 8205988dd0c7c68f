"""Bluesky repository export: the ``.car`` file of Settings > "Export my data" (getRepo).

CARv1: a varint-prefixed DAG-CBOR header ``{version: 1, roots: [commit CID]}``, then blocks
(varint length, binary CID, bytes). The commit ``{did, version, data, rev, prev, sig}``
points (``data``) at a Merkle Search Tree whose nodes ``{l, e: [{p, k, v, t}]}`` map
prefix-compressed keys ``collection/rkey`` to record CIDs. DAG-CBOR is decoded with cbor2
(tag 42 = CID link); CIDv1 is read here. No network, no atproto SDK.

Blocks come in any order, so the file is streamed twice: pass one checks each block's
sha-256 against its CID and keeps the commit and tree nodes, and the tree walk names every
record; pass two yields ``app.bsky.feed.post`` records (text, ``createdAt``,
``reply.parent.uri`` as ``reply_to``, facets' UTF-8 byte ranges as character spans in
``extra``, images and videos as attachments missing "blobs are not in the .car export").
The author is the repo's DID (handles are not in the repo; the display name comes from the
profile record).

Damage: a truncated file, a bad header, or a commit or tree node missing or failing its
hash stops the unit (ImportFormatError: the structure cannot be trusted). A post whose
bytes do not match its CID, or that a partial export lacks, is ``Unparsed``; the rest
imports. A post block the tree does not name is imported without an id (``not_in_tree``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import cbor2

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
from onrecord.importers.source import Source

PLATFORM = "bluesky"
POST = "app.bsky.feed.post"
DAG_CBOR, SHA2_256, IDENTITY = 0x71, 0x12, 0x00
MAX_BLOCK = 16 * 1024 * 1024  # repository blocks are at most a few hundred KiB
NO_BLOBS = "blobs are not in the .car export"


@dataclass(frozen=True)
class CID:
    """A content identifier: version 1, codec, and multihash (hash code and digest)."""

    codec: int
    hash_code: int
    digest: bytes
    raw: bytes

    def __str__(self) -> str:
        return "b" + base64.b32encode(self.raw).decode("ascii").lower().rstrip("=")

    def matches(self, data: bytes) -> bool:
        if self.hash_code == SHA2_256:
            return hashlib.sha256(data).digest() == self.digest
        return self.hash_code == IDENTITY and data == self.digest


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """An unsigned LEB128 varint at ``pos``: (value, next position); ValueError if cut."""
    value = shift = 0
    while pos < len(data) and shift < 64:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            return value, pos
    raise ValueError("a number (varint) is cut short")


def read_cid(data: bytes, pos: int = 0) -> tuple[CID, int]:
    """A binary CIDv1 at ``pos``: (CID, next position); ValueError if it is not one."""
    start = pos
    version, pos = read_varint(data, pos)
    if version != 1:
        raise ValueError(f"CID version {version} (only version 1 is used by Bluesky)")
    codec, pos = read_varint(data, pos)
    hash_code, pos = read_varint(data, pos)
    length, pos = read_varint(data, pos)
    if pos + length > len(data):
        raise ValueError("a CID is cut short")
    digest = data[pos : pos + length]
    return CID(codec, hash_code, digest, data[start : pos + length]), pos + length


def _tag(tag: cbor2.CBORTag, immutable: bool) -> Any:
    if tag.tag != 42:
        return tag
    if not isinstance(tag.value, bytes) or tag.value[:1] != b"\x00":
        raise ValueError("a CID link without its 0x00 prefix")
    cid, end = read_cid(tag.value, 1)
    if end != len(tag.value):
        raise ValueError("a CID link with bytes after the CID")
    return cid


def _fail(path: str, reason: str, where: str = "") -> ImportFormatError:
    return ImportFormatError(
        f"Could not read {path}: {reason}. The export may be incomplete or damaged: export "
        "it again from Bluesky. Nothing from this file was imported.",
        f"{path} {where}".strip(),
    )


def decode(data: bytes) -> Any:
    """DAG-CBOR bytes as Python values, CID links as ``CID``; ValueError if unreadable."""
    try:
        return cbor2.loads(data, tag_hook=_tag)
    except (cbor2.CBORError, ValueError, TypeError, RecursionError) as exc:
        raise ValueError(f"not valid DAG-CBOR ({exc.__cause__ or exc})") from None


class BlueskyImporter:
    key = "bluesky"
    label = "Bluesky repository export (.car)"
    reads = "a Bluesky repository export (.car), on its own or in a folder or zip"

    def score(self, source: Source) -> float:
        for path in _car_files(source)[:3]:
            head = source.read_head(path, 1024)
            try:
                length, start = read_varint(head, 0)
                _header(head[start : start + length] if start + length <= len(head) else b"", path)
            except (ValueError, ImportFormatError):
                continue
            return 1.0
        return 0.1 if any(p.lower().endswith(".car") for p in source.paths()) else 0.0

    def units(self, source: Source, context: ImportContext) -> Iterator[Unit]:
        for path in _car_files(source):
            yield Unit(path=path, label="Bluesky repository")

    def iter_items(
        self, source: Source, unit: Unit, context: ImportContext
    ) -> Iterator[ImportedItem | Unparsed]:
        repo = _Repo(source, unit.path, context)
        repo.index()
        yield from repo.posts()


class _Repo:
    """One .car file: its commit, the tree's keys, and its post records."""

    def __init__(self, source: Source, path: str, context: ImportContext) -> None:
        self.source, self.path, self.context = source, path, context
        self.keys: dict[bytes, list[str]] = {}  # record CID -> the keys naming it in the tree
        self.loose_posts: set[bytes] = set()  # post blocks that no key names
        self.did, self.display_name = "", ""

    def index(self) -> None:
        """First pass: check every block, keep the commit and tree nodes, walk the tree."""
        nodes: dict[bytes, dict[str, Any]] = {}
        bad: set[bytes] = set()
        posts: set[bytes] = set()
        with self.source.open_file(self.path) as stream:
            roots = self._roots(stream)
            for _, cid, data in self._blocks(stream):
                if not cid.matches(data):
                    bad.add(cid.raw)
                    continue
                try:
                    value = _dict(decode(data) if cid.codec == DAG_CBOR else None)
                except ValueError:
                    continue  # posts are reported in the second pass, tree nodes by the walk
                if cid.raw == roots[0].raw or set(value) == {"l", "e"}:
                    nodes[cid.raw] = value
                elif value.get("$type") == POST:
                    posts.add(cid.raw)
                elif value.get("$type") == "app.bsky.actor.profile":
                    self.display_name = str(value.get("displayName") or "")
        commit = self._node(roots[0], nodes, bad, "commit")
        if not isinstance(commit.get("did"), str) or not isinstance(commit.get("data"), CID):
            raise _fail(self.path, "its commit names no account (DID) or tree", str(roots[0]))
        self.did = commit["did"]
        self._walk(commit["data"], nodes, bad)
        self.loose_posts = posts - set(self.keys)

    def _node(
        self, cid: CID, nodes: dict[bytes, dict[str, Any]], bad: set[bytes], what: str
    ) -> dict[str, Any]:
        if cid.raw in nodes:
            return nodes[cid.raw]
        damage = "does not match its hash: it was altered or damaged"
        reason = damage if cid.raw in bad else "is missing or unreadable"
        raise _fail(self.path, f"its {what} block ({cid}) {reason}", str(cid))

    def _walk(self, root: CID, nodes: dict[bytes, dict[str, Any]], bad: set[bytes]) -> None:
        """Name every record the tree holds; keys are ``collection/rkey``."""
        stack, seen = [root], set()
        while stack:
            cid = stack.pop()
            if cid.raw in seen:
                continue
            seen.add(cid.raw)
            node, key = self._node(cid, nodes, bad, "tree node"), b""
            stack += [node["l"]] if isinstance(node.get("l"), CID) else []
            for entry in node["e"] if isinstance(node.get("e"), list) else [None]:
                entry = _dict(entry)
                p, k, v = entry.get("p"), entry.get("k"), entry.get("v")
                if not (isinstance(p, int) and isinstance(k, bytes) and isinstance(v, CID)):
                    raise _fail(self.path, f"a tree node ({cid}) is malformed", str(cid))
                key = key[:p] + k
                self.keys.setdefault(v.raw, []).append(key.decode("utf-8", "replace"))
                stack += [entry["t"]] if isinstance(entry.get("t"), CID) else []

    def posts(self) -> Iterator[ImportedItem | Unparsed]:
        """Second pass: every post record in file order; then the posts the file lacks."""
        found: set[bytes] = set()
        author = ImportedAccount(PLATFORM, self.did, display_name=self.display_name)
        with self.source.open_file(self.path) as stream:
            self._roots(stream)
            for number, cid, data in self._blocks(stream):
                keys = [k for k in self.keys.get(cid.raw, []) if k.startswith(POST + "/")]
                if cid.raw in found or not (keys or cid.raw in self.loose_posts):
                    continue
                found.add(cid.raw)
                where = [f"{self.path} {key}" for key in keys] or [f"{self.path} block {number}"]
                problem = "" if cid.matches(data) else f"its bytes do not match its CID {cid}"
                try:
                    record = _dict(decode(data) if not problem else None)
                except ValueError as exc:
                    problem = str(exc)
                if not problem and record.get("$type") != POST:
                    problem = "it is not a post record"
                if problem:
                    message = f"{problem}: the block was altered or damaged; not imported"
                    yield from (Unparsed(position, message, data.hex()) for position in where)
                    continue
                for key, position in zip(keys or [""], where, strict=True):
                    yield self._post(record, cid, key, position, author)
        for raw, keys in self.keys.items():
            for key in [k for k in keys if k.startswith(POST + "/")] if raw not in found else []:
                yield Unparsed(
                    f"{self.path} {key}", "its block is not in the file (partial export)"
                )

    def _post(
        self, record: dict[str, Any], cid: CID, key: str, position: str, author: ImportedAccount
    ) -> ImportedItem:
        text, original = str(record.get("text", "")), str(record.get("createdAt", ""))
        when, assumed = iso_time(original, self.context)
        reply = _dict(record.get("reply"))
        parent, root = _dict(reply.get("parent")), _dict(reply.get("root"))
        extra: dict[str, Any] = {"cid": str(cid), "facets": _facets(text, record.get("facets"))}
        extra.update(langs=record.get("langs") or [], thread_root=str(root.get("uri") or ""))
        extra.update({} if key else {"not_in_tree": True})
        rkey = key.split("/", 1)[-1]
        return ImportedItem(
            platform=PLATFORM,
            kind="post",
            position=position,
            text=text,
            author=author,
            sent_at=when,
            sent_at_original=original,
            time_zone_assumed=assumed,
            url=f"https://bsky.app/profile/{self.did}/post/{rkey}" if key else "",
            platform_id=f"at://{self.did}/{key}" if key else None,
            conversation=self.did,
            reply_to=str(parent["uri"]) if parent.get("uri") else None,
            attachments=_embed(record.get("embed"), extra),
            raw=jsonable(record),
            extra=extra,
        )

    # -- the CAR container ----------------------------------------------------------------

    def _roots(self, stream: IO[bytes]) -> list[CID]:
        length = _stream_varint(stream, self.path, "header")
        if length is None:
            raise _fail(self.path, "the file is empty")
        head = stream.read(min(length, MAX_BLOCK))
        return _header(head if len(head) == length else b"", self.path)

    def _blocks(self, stream: IO[bytes]) -> Iterator[tuple[int, CID, bytes]]:
        number = 0
        while (length := _stream_varint(stream, self.path, f"block {number}")) is not None:
            if length > MAX_BLOCK:
                raise _fail(self.path, f"block {number} claims {length:,} bytes", f"block {number}")
            block = stream.read(length)
            if len(block) < length:
                raise _fail(
                    self.path, f"it ends in the middle of block {number}", f"block {number}"
                )
            try:
                cid, start = read_cid(block)
            except ValueError as exc:
                raise _fail(self.path, f"block {number}: {exc}", f"block {number}") from None
            yield number, cid, block[start:]
            number += 1


def _car_files(source: Source) -> list[str]:
    if source.kind == "file":
        return source.paths()
    return [path for path in source.paths() if path.lower().endswith(".car")]


def _stream_varint(stream: IO[bytes], path: str, what: str) -> int | None:
    """The next varint of the stream; None at a clean end of the file."""
    data = b""
    while byte := stream.read(1):
        data += byte
        if not byte[0] & 0x80:
            return read_varint(data, 0)[0]
        if len(data) >= 9:
            raise _fail(path, f"the length of {what} is damaged", what)
    if data:
        raise _fail(path, f"it ends inside the length of {what}", what)
    return None


def _header(data: bytes, path: str) -> list[CID]:
    """The roots of a CAR header (the bytes after its length)."""
    try:
        header = _dict(decode(data) if data else None)
    except ValueError as exc:
        raise _fail(path, f"it is not a readable .car file ({exc})") from None
    roots = header.get("roots")
    if header.get("version") != 1 or not isinstance(roots, list) or not roots:
        raise _fail(path, "it is not a CAR version 1 file with a root (its header is damaged)")
    if not all(isinstance(root, CID) for root in roots):
        raise _fail(path, "the roots in its header are not CIDs")
    return list(roots)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _facets(text: str, facets: Any) -> list[dict[str, Any]]:
    """Facets with their UTF-8 byte range turned into a character span of ``text``."""
    data, out = text.encode("utf-8"), []
    for facet in [_dict(f) for f in facets] if isinstance(facets, list) else []:
        start, end = (
            _dict(facet.get("index")).get("byteStart"),
            _dict(facet.get("index")).get("byteEnd"),
        )
        features = [_dict(f) for f in facet.get("features") or []]
        entry: dict[str, Any] = {"byte_start": start, "byte_end": end}
        entry["features"] = [
            {"type": str(f.get("$type", "")).rsplit("#", 1)[-1]}
            | jsonable({k: v for k, v in f.items() if k != "$type"})
            for f in features
        ]
        try:
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end):
                raise ValueError
            if end > len(data):
                raise ValueError
            first = len(data[:start].decode("utf-8"))
            last = first + len(data[start:end].decode("utf-8"))
            entry.update(start=first, end=last, text=text[first:last])
        except (ValueError, UnicodeDecodeError):
            entry["invalid"] = True  # out of range, or cuts a character in two
        out.append(entry)
    return out


def _embed(embed: Any, extra: dict[str, Any]) -> list[AttachmentRef]:
    """Attachments of an embed (images, video); the quoted post or the link go in ``extra``."""
    embed = _dict(embed)
    kind = str(embed.get("$type", ""))
    if kind == "app.bsky.embed.recordWithMedia":
        _embed(embed.get("record"), extra)
        return _embed(embed.get("media"), extra)
    if kind == "app.bsky.embed.record":
        extra["quote"] = str(_dict(embed.get("record")).get("uri", ""))
    if kind == "app.bsky.embed.external":
        extra["link"] = str(_dict(embed.get("external")).get("uri", ""))
    blobs = [(_dict(i).get("image"), _dict(i).get("alt", "")) for i in embed.get("images") or []]
    if kind == "app.bsky.embed.video":
        blobs.append((embed.get("video"), embed.get("alt", "")))
    refs = []
    for blob, alt in ((_dict(b), a) for b, a in blobs if isinstance(b, dict)):
        ref = blob.get("ref") if isinstance(blob.get("ref"), CID) else blob.get("cid", "blob")
        mime = str(blob.get("mimeType", ""))
        refs.append(
            AttachmentRef(
                f"{ref}.{mime.rsplit('/', 1)[-1]}" if "/" in mime else str(ref), missing=NO_BLOBS
            )
        )
        extra.setdefault("alt_texts", []).append(str(alt))
    return refs


def jsonable(value: Any) -> Any:
    """DAG-CBOR values as JSON (DAG-JSON style: ``{"$link"}`` for CIDs, ``{"$bytes"}``)."""
    if isinstance(value, CID):
        return {"$link": str(value)}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, cbor2.CBORTag):
        return {"$tag": value.tag, "value": jsonable(value.value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


IMPORTER = BlueskyImporter()
