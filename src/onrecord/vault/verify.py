"""Checks with three outcomes, never two: ok, altered or missing, or could not check.

"Could not check" is never "ok": a check that cannot run says why. These checks cover
what the vault itself holds — its database file, its custody logs and their signed
heads, its blobs. ``onrecord.cases.verify`` adds what each case's records claim.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from django.apps import apps
from django.db import DatabaseError, connection

from onrecord.errors import TamperedError, VaultError
from onrecord.vault import merkle
from onrecord.vault.blobs import BlobStore
from onrecord.vault.custody import Verifier, head_message, head_timestamp
from onrecord.vault.models import LogEntry, TreeHead

State = Literal["ok", "altered", "missing", "could not check"]


@dataclass(frozen=True)
class Check:
    """One verified thing: what, its state, and the detail a person needs."""

    subject: str
    state: State
    detail: str = ""

    @property
    def is_ok(self) -> bool:
        return self.state == "ok"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def check_database() -> Check:
    """SQLCipher's page authentication, or SQLite's integrity check, over the whole file."""
    subject = "database file"
    try:
        with connection.cursor() as cursor:
            if connection.vendor != "sqlite":
                cursor.execute("SELECT 1")
                return Check(subject, "ok", f"{connection.vendor}: checked by the server")
            if connection.display_name == "SQLCipher":
                cursor.execute("PRAGMA cipher_integrity_check")
                failures = [str(row[0]) for row in cursor.fetchall()]
                if failures:
                    connection.close()
                    return Check(subject, "altered", _describe_failed_pages(failures))
            cursor.execute("PRAGMA integrity_check")
            rows = [str(row[0]) for row in cursor.fetchall()]
    except DatabaseError as exc:
        connection.close()
        return Check(subject, "altered", f"the database cannot be read: {exc}")
    if rows != ["ok"]:
        return Check(subject, "altered", "; ".join(rows[:5]))
    if connection.display_name == "SQLCipher":
        return Check(subject, "ok", "every page authenticated")
    return Check(subject, "ok", "integrity check passed")


def _describe_failed_pages(failures: list[str]) -> str:
    pages = [p for f in failures for p in re.findall(r"page (\d+)", f)]
    damaged = damaged_tables()
    where = f"; it holds {', '.join(damaged)}" if damaged else ""
    return (
        f"page{'s' if len(pages) > 1 else ''} {', '.join(pages) or '?'} failed authentication: "
        f"changed outside onrecord{where}"
    )


def damaged_tables() -> list[str]:
    """Which tables can no longer be read in full (each probed on a fresh connection)."""
    import sqlcipher3.dbapi2 as sqlcipher

    names = {m._meta.db_table: str(m._meta.verbose_name_plural) for m in apps.get_models()}
    settings = connection.settings_dict
    key = settings["OPTIONS"]["key"]

    def open_raw() -> Any:
        raw = sqlcipher.connect(settings["NAME"])
        raw.execute("PRAGMA cipher_log_level = NONE")
        raw.execute(f"PRAGMA key = \"x'{key}'\"")
        return raw

    raw = open_raw()
    try:
        tables = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    except (sqlcipher.DatabaseError, MemoryError):
        return ["the schema"]
    finally:
        raw.close()
    damaged = []
    for table in tables:
        raw = open_raw()
        try:
            for _row in raw.execute(f'SELECT * FROM "{table}" NOT INDEXED'):  # noqa: S608
                pass
        except (sqlcipher.DatabaseError, MemoryError):  # SQLCipher: HMAC failure is NOMEM
            damaged.append(names.get(table, table))
        finally:
            raw.close()
    return damaged


def check_log(name: str, verifier: Verifier, label: str) -> list[Check]:
    """Every entry hashes to its leaf; every head is signed and roots its prefix; heads extend."""
    checks: list[Check] = []
    try:
        entries = list(LogEntry.objects.filter(log=name).order_by("index"))
        heads = list(TreeHead.objects.filter(log=name).order_by("tree_size"))
    except DatabaseError as exc:
        return [Check(f"custody log of {label}", "could not check", str(exc))]
    altered_entries = 0
    expected = 0
    for entry in entries:
        data = entry.data.encode()
        if entry.index != expected:
            gap = (
                f"entry {expected}"
                if entry.index == expected + 1
                else f"entries {expected} to {entry.index - 1}"
            )
            checks.append(
                Check(f"custody log of {label}, {gap}", "missing", "removed from the log")
            )
            altered_entries += 1
        expected = entry.index + 1
        subject = f"custody log of {label}, entry {entry.index}"
        if merkle.leaf_hash(data).hex() != entry.leaf_hash:
            checks.append(Check(subject, "altered", "its content no longer matches its hash"))
            altered_entries += 1
        elif not _is_own_entry(data, name, entry.index):
            checks.append(Check(subject, "altered", "it names another log or position"))
            altered_entries += 1
    # Roots come from the entries' contents, so a changed entry also fails its signed heads.
    content_leaves = [merkle.leaf_hash(e.data.encode()) for e in entries]
    sizes = [h.tree_size for h in heads if 0 <= h.tree_size <= len(content_leaves)]
    roots = merkle.roots_at_sizes(content_leaves, sizes)
    head_subject = f"custody log of {label}, signed heads"
    problems: list[str] = []
    for head in heads:
        message = head_message(name, head.tree_size, head.root_hash, head_timestamp(head))
        if head.key_id != verifier.key_id or not verifier.is_valid(
            message, bytes.fromhex(head.signature)
        ):
            problems.append(f"head of size {head.tree_size}: signature does not verify")
        elif head.tree_size > len(entries):
            problems.append(
                f"head of size {head.tree_size}: the log holds only {len(entries)} entries "
                "(entries were removed)"
            )
        elif roots[head.tree_size].hex() != head.root_hash:
            problems.append(
                f"head of size {head.tree_size}: the entries no longer hash to its signed root"
            )
    if problems:
        checks.append(Check(head_subject, "altered", "; ".join(problems)))
    elif not heads and entries:
        checks.append(Check(head_subject, "missing", "no signed head covers this log"))
    elif heads and heads[-1].tree_size < len(entries):
        checks.append(
            Check(
                head_subject,
                "could not check",
                f"entries {heads[-1].tree_size} to {len(entries) - 1} are not yet under a signed "
                "head; open the vault with any command to seal them",
            )
        )
    elif entries:
        checks.append(
            Check(
                head_subject,
                "ok",
                f"{len(heads)} heads, {len(entries)} entries, signatures and roots verified",
            )
        )
    if not altered_entries and entries:
        checks.append(Check(f"custody log of {label}", "ok", f"{len(entries)} entries"))
    return checks


def _is_own_entry(data: bytes, log: str, index: int) -> bool:
    try:
        body = json.loads(data)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("log") == log and body.get("index") == index


def check_blob(
    blobs: BlobStore,
    sha256: str,
    size: int,
    subject: str,
    progress: Callable[[int], None] | None = None,
) -> Check:
    """Re-hash a blob's plaintext against the hash it was stored under."""
    path = blobs.path_for(sha256)
    if not path.exists():
        return Check(subject, "missing", f"its blob file {path.name[:16]}… is gone")
    try:
        found, found_size = blobs.rehash(sha256, progress)
    except TamperedError as exc:
        return Check(subject, "altered", str(exc))
    except (OSError, VaultError) as exc:
        return Check(subject, "could not check", f"its blob could not be read: {exc}")
    if found != sha256 or found_size != size:
        return Check(
            subject,
            "altered",
            f"its bytes hash to {found[:16]}… ({found_size} bytes), "
            f"recorded {sha256[:16]}… ({size} bytes)",
        )
    return Check(subject, "ok", f"sha256 {sha256[:16]}…, {size} bytes")
