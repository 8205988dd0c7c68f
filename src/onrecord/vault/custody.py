"""The custody log: append-only, tamper-evident, able to prove one exhibit alone.

Each case has its own log (and the vault one more, ``vault``, for what outlives a case,
such as a purge). An entry is canonical JSON: keys sorted, no spaces, UTF-8, integers
only (RFC 8785 for this subset) — who, when, what, and the hashes involved. Entries are
the leaves of an RFC 6962 / RFC 9162 Merkle tree (``merkle``); after each batch of
changes the vault signs a tree head (size, root, time) with its Ed25519 key. An
inclusion proof shows one entry is in the log without revealing the others; a
consistency proof shows a later head extends an earlier one.

Entries are written in the same database transaction as the change they record, so a
crash leaves both or neither. ``seal`` signs what was appended since the last head, and
when a time-stamping authority is configured, has the new head timestamped once it is
committed (``timestamp``): one request per seal, never one per entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import connection

from onrecord import __version__
from onrecord.vault import merkle, timestamp
from onrecord.vault.models import LogEntry, TreeHead

HEAD_CONTEXT = b"onrecord tree head v1\n"


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """The one byte form of an entry: sorted keys, no whitespace, UTF-8, no floats."""
    _reject_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _reject_floats(value: object) -> None:
    if isinstance(value, float):
        raise TypeError("custody entries hold no floats (their JSON form is not canonical)")
    if isinstance(value, Mapping):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_floats(item)


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """``2026-11-26T07:41:02.123456Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Signer:
    """The vault's Ed25519 key, which signs tree heads."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public = Verifier(private_key.public_key().public_bytes_raw())

    @classmethod
    def generate(cls) -> Signer:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_bytes(cls, raw: bytes) -> Signer:
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def private_bytes(self) -> bytes:
        return self._key.private_bytes_raw()

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


@dataclass(frozen=True)
class Verifier:
    """The public half: checks tree-head signatures."""

    public_key: bytes

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.public_key).hexdigest()

    def is_valid(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def head_message(log: str, tree_size: int, root_hash: str, timestamp: str) -> bytes:
    """The exact bytes a tree-head signature covers."""
    body = {"log": log, "root_hash": root_hash, "timestamp": timestamp, "tree_size": tree_size}
    return HEAD_CONTEXT + canonical_json(body)


def head_timestamp(head: TreeHead) -> str:
    return iso_utc(head.timestamp)


class CustodyLog:
    """One named log in the active database."""

    def __init__(self, name: str) -> None:
        self.name = name

    def next_index(self) -> int:
        """The index the next entry will get; it holds until the transaction ends.

        Rows written in the same transaction before their entry (an import's items) can
        carry it: appends to one log are serialised for the whole transaction.
        """
        self.lock()
        last = LogEntry.objects.filter(log=self.name).order_by("-index").first()
        return 0 if last is None else last.index + 1

    def append(self, action: str, by: str, details: Mapping[str, Any]) -> LogEntry:
        """Add an entry; call inside the transaction that makes the change it records."""
        index = self.next_index()
        body: dict[str, Any] = {
            "action": action,
            "by": by,
            "index": index,
            "log": self.name,
            "time": iso_utc(utc_now()),
            "tool": f"onrecord {__version__}",
        }
        body.update(details)
        data = canonical_json(body)
        return LogEntry.objects.create(
            log=self.name,
            index=index,
            data=data.decode(),
            leaf_hash=merkle.leaf_hash(data).hex(),
        )

    def lock(self) -> None:
        """Serialise writers to this log until the transaction ends (SQLite's already are)."""
        if connection.vendor == "postgresql":
            key = int.from_bytes(
                hashlib.sha256(self.name.encode()).digest()[:8], "big", signed=True
            )
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])

    def size(self) -> int:
        return LogEntry.objects.filter(log=self.name).count()

    def entries(self, start: int = 0, stop: int | None = None) -> list[LogEntry]:
        query = LogEntry.objects.filter(log=self.name, index__gte=start)
        if stop is not None:
            query = query.filter(index__lt=stop)
        return list(query.order_by("index"))

    def leaf_hashes(self, tree_size: int | None = None) -> list[bytes]:
        query = LogEntry.objects.filter(log=self.name)
        if tree_size is not None:
            query = query.filter(index__lt=tree_size)
        return [
            bytes.fromhex(h) for h in query.order_by("index").values_list("leaf_hash", flat=True)
        ]

    def latest_head(self) -> TreeHead | None:
        return TreeHead.objects.filter(log=self.name).order_by("-tree_size").first()

    def heads(self) -> list[TreeHead]:
        return list(TreeHead.objects.filter(log=self.name).order_by("tree_size"))

    def seal(self, signer: Signer) -> TreeHead | None:
        """Sign a head over everything appended so far; None when nothing is new.

        With a TSA configured, the head is also timestamped after its transaction commits;
        a TSA that fails leaves the head signed and stored, and says so on stderr.
        """
        self.lock()
        latest = self.latest_head()
        start, frontier = _resume(latest)
        added = LogEntry.objects.filter(log=self.name, index__gte=start).order_by("index")
        hashes = (bytes.fromhex(h) for h in added.values_list("leaf_hash", flat=True))
        frontier, size = merkle.extend_frontier(frontier, start, hashes)
        if size == 0 or (latest is not None and latest.tree_size == size):
            return None
        root = merkle.root_from_frontier(frontier).hex()
        moment = utc_now()
        message = head_message(self.name, size, root, iso_utc(moment))
        signature = signer.sign(message)
        head = TreeHead.objects.create(
            log=self.name,
            tree_size=size,
            root_hash=root,
            timestamp=moment,
            key_id=signer.public.key_id,
            signature=signature.hex(),
            frontier=" ".join(h.hex() for h in frontier),
        )
        timestamp.stamp_head_after_commit(self.name, head.tree_size, message)
        return head

    def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        return merkle.inclusion_proof(self.leaf_hashes(tree_size), index)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        return merkle.consistency_proof(self.leaf_hashes(new_size), old_size)


def _resume(head: TreeHead | None) -> tuple[int, list[bytes]]:
    """Where the next head's computation starts: after ``head``, or from the first entry.

    A head from before frontiers were kept, or whose frontier does not fold to its own
    signed root, is not trusted as a starting point: the tree is computed from every entry.
    """
    if head is None or not head.frontier:
        return 0, []
    try:
        frontier = [bytes.fromhex(h) for h in head.frontier.split()]
    except ValueError:
        return 0, []
    if len(frontier) != head.tree_size.bit_count():
        return 0, []
    if merkle.root_from_frontier(frontier).hex() != head.root_hash:
        return 0, []
    return head.tree_size, frontier


def entry_body(entry: LogEntry) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(entry.data)
    return body


def proof_hex(proof: Sequence[bytes]) -> list[str]:
    return [p.hex() for p in proof]
