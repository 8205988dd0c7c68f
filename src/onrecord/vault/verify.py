"""Checks with three outcomes, never two: ok, altered or missing, or could not check.

"Could not check" is never "ok": a check that cannot run says why. These checks cover
what the vault itself holds — its database file, its custody logs and their signed
heads, their timestamp tokens, its blobs. ``onrecord.cases.verify`` adds what each
case's records claim.

One more state, "not timestamped", passes: a head without a token (the time-stamping
authority was down, or not yet configured) is still signed and checked; only the extra
third-party proof of its time is absent, and saying so is all there is to say.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from django.apps import apps
from django.db import DatabaseError, connection

from onrecord.errors import TamperedError, VaultError
from onrecord.vault import merkle
from onrecord.vault.blobs import BlobMissingError, BlobStore
from onrecord.vault.custody import Verifier, head_message, head_timestamp
from onrecord.vault.models import Blob, LogEntry, TimestampToken, TreeHead
from onrecord.vault.timestamp import (
    TokenCheck,
    chain_der,
    configured_tsa_url,
    head_subject,
    verify_token,
)

State = Literal["ok", "altered", "missing", "could not check", "not timestamped"]
PASSING: frozenset[State] = frozenset({"ok", "not timestamped"})


@dataclass(frozen=True)
class Check:
    """One verified thing: what, its state, and the detail a person needs."""

    subject: str
    state: State
    detail: str = ""

    @property
    def is_ok(self) -> bool:
        return self.state in PASSING

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
    checks += check_head_tokens(name, heads, label)
    checks += check_evidence_tokens(entries, label)
    return checks


def check_head_tokens(name: str, heads: list[TreeHead], label: str) -> list[Check]:
    """Each head's tokens against its signed message; heads without one, when a TSA is set."""
    tokens = TimestampToken.objects.filter(subject_kind="head", subject__startswith=f"{name}:")
    by_subject: dict[str, list[TimestampToken]] = {}
    for token in tokens:
        by_subject.setdefault(token.subject, []).append(token)
    if not by_subject and not configured_tsa_url():
        return []
    subject = f"custody log of {label}, trusted time"
    results: list[tuple[str, TokenCheck]] = []
    bare: list[int] = []
    for head in heads:
        message = head_message(name, head.tree_size, head.root_hash, head_timestamp(head))
        digest = hashlib.sha256(message).digest()
        mine = by_subject.pop(head_subject(name, head.tree_size), [])
        if not mine:
            bare.append(head.tree_size)
        results += [(f"head of size {head.tree_size}", _check_token(t, digest)) for t in mine]
    results += [
        (f"head {s.split(':')[-1]}", TokenCheck("altered", "its head is gone from the log"))
        for s in by_subject
    ]
    checks = _summarise(subject, results, "heads")
    if bare:
        sizes = ", ".join(map(str, bare[:10])) + (" …" if len(bare) > 10 else "")
        checks.append(
            Check(
                f"{subject}, heads not timestamped",
                "not timestamped",
                f"head{'s' if len(bare) > 1 else ''} of size {sizes}: no timestamp token (the "
                "time-stamping authority could not be reached, or was set later); "
                f"{'their signatures are' if len(bare) > 1 else 'its signature is'} "
                "checked above",
            )
        )
    return checks


def check_evidence_tokens(entries: list[LogEntry], label: str) -> list[Check]:
    """Tokens over the hashes this log recorded (captures, evidence) still cover them."""
    hashes = set()
    for entry in entries:
        if 'sha256"' not in entry.data:
            continue
        try:
            data = json.loads(entry.data)
            recorded = [data.get("sha256"), data.get("capture_sha256")]
        except (ValueError, AttributeError):
            continue  # an unreadable entry is reported as altered above
        for sha256 in recorded:
            if isinstance(sha256, str) and re.fullmatch(r"[0-9a-f]{64}", sha256):
                hashes.add(sha256)
    if not hashes:
        return []
    tokens = TimestampToken.objects.filter(
        subject_kind__in=("evidence", "capture"), subject__in=sorted(hashes)
    )
    results = [
        (
            f"{'capture' if t.subject_kind == 'capture' else 'exhibit'} {t.subject[:16]}…",
            _check_token(t, bytes.fromhex(t.subject)),
        )
        for t in tokens
    ]
    return _summarise(
        f"custody log of {label}, trusted time of exhibits and captures",
        results,
        "exhibits and captures",
    )


def _check_token(token: TimestampToken, digest: bytes) -> TokenCheck:
    if token.digest != digest.hex():
        return TokenCheck("altered", "the timestamped hash is not the one recorded")
    try:
        chain = chain_der(token)
    except ValueError as exc:
        return TokenCheck("altered", f"the certificates stored with it cannot be read ({exc})")
    return verify_token(bytes(token.token), digest, chain)


def _summarise(subject: str, results: list[tuple[str, TokenCheck]], what: str) -> list[Check]:
    checks = [
        Check(subject, r.state, f"{where}: {r.detail}") for where, r in results if not r.is_ok
    ]
    good = [r for _where, r in results if r.is_ok]
    if good:
        latest = max(good, key=lambda r: r.gen_time or datetime.min.replace(tzinfo=UTC))
        authorities = sorted({r.authority for r in good})
        checks.append(
            Check(
                subject,
                "ok",
                f"{len(good)} token{'s' if len(good) > 1 else ''} over {what} verified, "
                f"the latest {latest.detail}"
                + (
                    f"; also certified by {', '.join(authorities[1:])}"
                    if len(authorities) > 1
                    else ""
                ),
            )
        )
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
    """Re-hash a blob's plaintext against the hash it was stored under (file or object)."""
    name = blobs.name_for(sha256)
    try:
        found, found_size = blobs.rehash(sha256, progress)
    except BlobMissingError:
        return Check(subject, "missing", f"its blob {name[:16]}… is gone")
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


def check_blob_store(blobs: BlobStore) -> list[Check]:
    """The stored names against the blob records: missing blobs, and strays.

    A stray (stored, named by no record) is reported but passes: a command interrupted
    between storing a blob and recording it leaves one, whole, and no exhibit depends on
    it. A record whose blob is gone is *missing*, unless an exhibit holds it: the exhibit's
    own check names that one.
    """
    subject = f"blob store ({blobs.backend.where})"
    try:
        stored = set(blobs.names())
    except (OSError, VaultError) as exc:
        return [Check(subject, "could not check", f"its blobs could not be listed: {exc}")]
    recorded = set(Blob.objects.filter(purged_at=None).values_list("stored_name", flat=True))
    strays = sorted(stored - recorded)
    detail = ""
    if strays:
        detail = (
            f"; {len(strays)} stored blob(s) no record names ({_names(strays)}): left by an "
            "interrupted command, or put there outside onrecord; no exhibit depends on them"
        )
    exhibits = set(
        Blob.objects.filter(evidence__isnull=False, evidence__purged_at=None).values_list(
            "stored_name", flat=True
        )
    )
    gone = sorted(recorded - stored - exhibits)
    if gone:
        return [
            Check(subject, "missing", f"{len(gone)} recorded blob(s) gone: {_names(gone)}{detail}")
        ]
    return [Check(subject, "ok", f"{len(recorded)} recorded blob(s) present{detail}")]


def _names(names: list[str]) -> str:
    return ", ".join(f"{n[:16]}…" for n in names[:10]) + (" …" if len(names) > 10 else "")
