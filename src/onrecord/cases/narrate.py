"""Custody-log entries in plain words, for ``onrecord log``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Body = Mapping[str, Any]


def _size(n: object) -> str:
    return f"{int(str(n)):,} bytes" if str(n).isdigit() else "? bytes"


def _evidence_add(b: Body) -> str:
    source = f" from {b['source_url']}" if b.get("source_url") else ""
    return (
        f"added exhibit {b.get('exhibit')}: {b.get('original_name')!r} ({b.get('media_type')}, "
        f"{_size(b.get('size'))}, sha256 {str(b.get('sha256'))[:16]}…){source}"
    )


def _evidence_reacquire(b: Body) -> str:
    return (
        f"acquired exhibit {b.get('exhibit')} again as {b.get('original_name')!r} "
        "(same bytes, stored once)"
    )


_PHRASES: dict[str, Callable[[Body], str]] = {
    "case.create": lambda b: (
        f"opened the case {b.get('title')!r} ({b.get('jurisdiction')}, {b.get('time_zone')})"
    ),
    "evidence.add": _evidence_add,
    "evidence.reacquire": _evidence_reacquire,
    "evidence.purge": lambda b: (
        f"purged exhibit {b.get('exhibit')} (its bytes and {b.get('items_deleted', 0)} item(s) "
        "read from it are deleted; this record stays)"
    ),
    "item.add": lambda b: f"recorded item {b.get('item')} (from {b.get('source')})",
    "journal.add": lambda b: f"wrote journal entry {b.get('journal_entry')}",
    "case.purge": lambda b: (
        f"purged case {b.get('case_number')} ({b.get('exhibits')} exhibit(s), "
        f"{b.get('items')} item(s))"
    ),
    "vault.passphrase_change": lambda b: "changed the vault passphrase",
    "export.made": lambda b: (
        f"made a {b.get('document', 'export')} ({b.get('format')}, sha256 "
        f"{str(b.get('sha256'))[:16]}…)"
    ),
    "import.unit": lambda b: (
        f"imported {b.get('items')} item(s) from {b.get('unit')!r} of exhibit {b.get('exhibit')} "
        f"({b.get('format')})"
    ),
    "import.gone": lambda b: f"marked {b.get('gone')} item(s) gone from the source",
    "triage.batch": lambda b: f"labelled {b.get('items')} item(s) with {b.get('model_version')}",
    "label.set": lambda b: f"reviewed item {b.get('item')} (review {b.get('label_id')})",
}


def describe_entry(body: Body) -> str:
    action = str(body.get("action"))
    phrase = _PHRASES.get(action)
    return phrase(body) if phrase else action
