"""What an evidence bag holds: the chosen items, their exhibits and their custody entries.

Everything here reads the database and returns plain JSON-ready data; ``bag`` writes it.
A whole-case export chooses every item and every exhibit not purged; ``--items`` chooses
those items and the exhibits they were read from, and nothing else of the case.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from django.db.models import QuerySet

from onrecord import __version__
from onrecord.cases.items import item_digest
from onrecord.cases.models import Acquisition, Case, Evidence, Item, Label
from onrecord.errors import InputError
from onrecord.vault import merkle
from onrecord.vault.custody import (
    HEAD_CONTEXT,
    head_message,
    head_timestamp,
    iso_utc,
    proof_hex,
)
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry, TreeHead

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
NAME_LIMIT = 120
BATCH = 500


@dataclass(frozen=True)
class Selection:
    """The items and exhibits a bag holds, and whether that is the whole case.

    ``items`` is a query (read in batches: a case may hold millions of messages);
    ``item_ids`` are their numbers, in order.
    """

    case: Case
    items: QuerySet[Item]
    item_ids: list[int]
    exhibits: list[Evidence]
    whole_case: bool

    def each_item(self) -> Iterator[Item]:
        """The chosen items in order, fetched in batches."""
        return self.items.iterator(chunk_size=BATCH)


def select(case: Case, item_ids: Sequence[int]) -> Selection:
    """The whole case, or only ``item_ids`` (of this case) and their exhibits."""
    query = Item.objects.filter(case=case).select_related("author", "evidence").order_by("pk")
    if not item_ids:
        exhibits = Evidence.objects.filter(case=case, purged_at=None).order_by("exhibit")
        ids = list(query.values_list("pk", flat=True))
        return Selection(case, query, ids, list(exhibits), whole_case=True)
    wanted = set(item_ids)
    query = query.filter(pk__in=wanted)
    found = dict(query.values_list("pk", "evidence__exhibit"))
    missing = sorted(wanted - set(found))
    if missing:
        raise InputError(
            f"Case {case.pk} has no item {', '.join(map(str, missing))}. "
            "`onrecord items` lists the items and their numbers."
        )
    numbers = {n for n in found.values() if n is not None}
    exhibits = Evidence.objects.filter(case=case, exhibit__in=numbers, purged_at=None)
    return Selection(case, query, sorted(found), list(exhibits.order_by("exhibit")), False)


def safe_name(exhibit: int, original_name: str) -> str:
    """``<exhibit>-<name>``: the original's base name with only portable characters."""
    base = PureWindowsPath(PurePosixPath(original_name).name).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "file"
    if len(cleaned) > NAME_LIMIT:
        suffix = PurePosixPath(cleaned).suffix[:16]
        cleaned = cleaned[: NAME_LIMIT - len(suffix)].rstrip("._") + suffix
    return f"{exhibit}-{cleaned}"


def exhibit_record(evidence: Evidence) -> dict[str, Any]:
    """One exhibit for ``exhibits.json``: where its file is and how it was acquired."""
    return {
        "exhibit": evidence.exhibit,
        "file": f"data/originals/{safe_name(evidence.exhibit, evidence.original_name)}",
        "original_name": evidence.original_name,
        "sha256": evidence.sha256,
        "size": evidence.size,
        "media_type": evidence.media_type,
        "kind": evidence.kind,
        "acquired_at": _iso(evidence.acquired_at),
        "acquired_by": evidence.acquired_by,
        "method": evidence.method,
        "tool": f"{evidence.tool} {evidence.tool_version}".strip(),
        "source_url": evidence.source_url,
        "note": evidence.note,
        "log_index": evidence.log_index,
        "acquired_again": [
            {
                "original_name": a.original_name,
                "acquired_at": _iso(a.acquired_at),
                "acquired_by": a.acquired_by,
                "method": a.method,
                "source_url": a.source_url,
                "note": a.note,
                "log_index": a.log_index,
            }
            for a in evidence.acquisitions.order_by("acquired_at", "pk")
        ],
    }


def item_record(item: Item) -> dict[str, Any]:
    """One item for ``items.json``: its text exactly, who, when, where it was found."""
    author = item.author
    return {
        "item": item.pk,
        "exhibit": item.evidence.exhibit if item.evidence is not None else None,
        "position": item.position,
        "platform": item.platform,
        "kind": item.kind,
        "author": None
        if author is None
        else {
            "platform": author.platform,
            "handle": author.handle,
            "platform_id": author.platform_id,
            "display_name": author.display_name,
            "url": author.url,
            "earlier_names": list(author.names_seen),
        },
        "text": item.text,
        "sent_at": _iso(item.sent_at) if item.sent_at else None,
        "sent_at_original": item.sent_at_original,
        "time_zone_assumed": item.time_zone_assumed,
        "url": item.url,
        "platform_id": item.platform_id,
        "conversation": item.conversation,
        "in_reply_to": item.in_reply_to,
        "deleted_at_source": item.deleted_at_source,
        "edited_at": _iso(item.edited_at) if item.edited_at else None,
        "gone_from_source_at": _iso(item.gone_from_source_at) if item.gone_from_source_at else None,
        "log_index": item.log_index,
        "digest": item_digest(item),
    }


def entry_indexes(selection: Selection) -> list[int]:
    """The custody entries that record the chosen exhibits and items, and only those."""
    found: set[int] = {e.log_index for e in selection.exhibits}
    found.update(
        Acquisition.objects.filter(evidence__in=selection.exhibits).values_list(
            "log_index", flat=True
        )
    )
    for log_index, gone_index in selection.items.values_list("log_index", "gone_log_index"):
        found.add(log_index)
        if gone_index is not None:
            found.add(gone_index)
    labels = Label.objects.filter(item__in=selection.items.values("pk"))
    found.update(labels.values_list("log_index", flat=True))
    return sorted(i for i in found if i >= 0)


def custody_lines(vault: Vault, selection: Selection, head: TreeHead) -> Iterator[dict[str, Any]]:
    """The chosen entries, each with its inclusion proof against ``head``."""
    log_name = selection.case.log_name
    wanted = [i for i in entry_indexes(selection) if i < head.tree_size]
    levels = tree_levels(vault.log(log_name).leaf_hashes(head.tree_size))
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        for entry in LogEntry.objects.filter(log=log_name, index__in=chunk).order_by("index"):
            yield {
                "index": entry.index,
                "data": entry.data,
                "leaf_hash": entry.leaf_hash,
                "inclusion_proof": proof_hex(audit_path(levels, entry.index)),
            }


def tree_levels(leaf_hashes: list[bytes]) -> list[list[bytes]]:
    """Every node of the RFC 6962 tree, level by level, leaves first.

    Node ``j`` of level ``L`` is the hash of leaves ``[j * 2**L, min((j + 1) * 2**L, n))``;
    a last node without a sibling moves up unchanged, exactly as RFC 6962 splits an
    unbalanced tree. Built once, it gives every audit path in O(log n).
    """
    levels = [list(leaf_hashes)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        above = [merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        if len(below) % 2:
            above.append(below[-1])
        levels.append(above)
    return levels


def audit_path(levels: list[list[bytes]], index: int) -> list[bytes]:
    """The inclusion proof of leaf ``index`` (RFC 6962 §2.1.1), leaf to root."""
    path: list[bytes] = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        index >>= 1
    return path


def head_record(vault: Vault, head: TreeHead) -> dict[str, Any]:
    """The signed tree head, with the exact message its signature covers."""
    timestamp = head_timestamp(head)
    message = head_message(head.log, head.tree_size, head.root_hash, timestamp)
    return {
        "log": head.log,
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "timestamp": timestamp,
        "signature": head.signature,
        "signature_algorithm": "Ed25519",
        "key_id": head.key_id,
        "public_key": vault.info.public_key,
        "signed_message": message.decode("utf-8"),
        "signed_message_format": (
            f"the UTF-8 bytes {HEAD_CONTEXT.decode()!r} followed by the JSON object "
            '{"log", "root_hash", "timestamp", "tree_size"} with sorted keys, no spaces, UTF-8'
        ),
        "hashing": (
            "RFC 6962: leaf = SHA-256(0x00 || entry data bytes), "
            "node = SHA-256(0x01 || left || right); inclusion proofs ordered leaf to root"
        ),
        "made_by": f"onrecord {__version__}",
    }


def _iso(moment: dt.datetime) -> str:
    return iso_utc(moment)
