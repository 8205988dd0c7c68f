"""Backup and restore of a whole vault: its database, evidence blobs and key files.

A backup is one folder, readable without onrecord::

    manifest.json         every file's SHA-256 and size, signed by the vault's Ed25519 key
    database.dump         server: ``pg_dump --format=custom`` of the vault's schema only
    vault/onrecord.db     laptop: the SQLCipher file, copied by SQLite's backup API (still
                          encrypted, one consistent snapshot even while the vault is in use)
    vault/vault.json      the vault's plaintext description and public key
    vault/keys.json       the master key, wrapped by the passphrase (and the recovery key)
    vault/signing.key     the custody-log signing key, encrypted by the master key
    vault/blobs/xx/name   the evidence, still encrypted, byte for byte (from the vault folder
                          or from the object store, ``blob_store``: the layout is the same)

Why this order: blobs are written and fsynced *before* the database refers to them, so
the database is copied first and the blobs after; every blob the copied database names
is then in the backup (blobs stored later are harmless extras). The manifest is written
last, so a folder without one is a backup that stopped part-way.

Restoring checks the manifest's signature and every file's hash before it writes
anything, refuses a non-empty home or a database that already holds tables, and stops
on a mismatch unless told to restore what is there anyway (``allow_damaged``), so that
``onrecord verify`` can then name the exhibits affected. Evidence is never repaired or
dropped silently. Both the backup and the restore are entries in the vault's custody log.

A restore puts the blobs into the store the settings name (``blob_store``), whatever
store the backup came from: the vault folder, or an object store that must be empty under
its prefix (organisation server only). ``vault.json`` is rewritten to name that store. A
restore that fails removes what it wrote: the new home, and the objects it uploaded.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

import psycopg
from django.db import connection, transaction
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from onrecord import __version__
from onrecord.config import child_environment
from onrecord.errors import ConfigError, IntegrityError, StorageFullError, VaultError
from onrecord.vault import home
from onrecord.vault.custody import Verifier, canonical_json, iso_utc, utc_now
from onrecord.vault.files import fsync_dir, write_atomic
from onrecord.vault.home import Vault, VaultInfo, new_store_backend
from onrecord.vault.models import VAULT_LOG
from onrecord.vault.objectstore import S3Backend, StoreSettings, configured_store

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
VAULT_DIR = "vault"
KEY_FILES = (home.INFO_FILE, home.KEYS_FILE, home.SIGNING_FILE)
_CONTEXT = b"onrecord backup manifest v1\n"
_READ = 1024 * 1024
_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ SCHEMA - ")  # a line of ``pg_restore --list``


@dataclass
class BackupReport:
    """What ``backup_vault`` wrote."""

    folder: Path
    database: str  # "postgresql" or "sqlite"
    files: int = 0
    blobs: int = 0
    bytes: int = 0
    manifest_sha256: str = ""

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "folder": str(self.folder)}


@dataclass
class RestoreReport:
    """What ``restore_vault`` did, and which files did not match the manifest."""

    home: Path
    database: str
    files: int = 0
    damaged: list[str] = field(default_factory=list)
    blob_store: str = ""  # where the blobs went: "" for the vault folder, else s3://...

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "home": str(self.home)}


# -- backing up ------------------------------------------------------------------------------


def backup_vault(vault: Vault, target: Path, *, operator: str, database_url: str) -> BackupReport:
    """Copy the open vault into the new or empty folder ``target``; see the module docstring."""
    _require_empty(target, "The backup folder")
    report = BackupReport(target, vault.info.database)
    files: dict[str, dict[str, Any]] = {}
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        (target / VAULT_DIR / home.BLOBS_DIR).mkdir(parents=True, mode=0o700)
        schema = ""
        if vault.info.database == "postgresql":
            schema = _dump_postgres(database_url, target / DUMP)
            files[DUMP] = _describe(target / DUMP)
        else:
            copy = target / VAULT_DIR / home.DATABASE_FILE
            _copy_sqlite(copy)
            files[f"{VAULT_DIR}/{home.DATABASE_FILE}"] = _describe(copy)
        for name in KEY_FILES:
            files[f"{VAULT_DIR}/{name}"] = _copy(vault.home / name, target / VAULT_DIR / name)
        for name in vault.blobs.names():
            relative = f"{VAULT_DIR}/{home.BLOBS_DIR}/{name[:2]}/{name}"
            with vault.blobs.open_stored(name) as reader:
                files[relative] = _copy_stream(reader, target / relative)
            report.blobs += 1
        manifest = {
            "format": FORMAT,
            "made_at": iso_utc(utc_now()),
            "made_with": f"onrecord {__version__}",
            "made_by": operator,
            "database": vault.info.database,
            "schema": schema,
            "public_key": vault.info.public_key,
            "files": files,
        }
        signature = vault.signer.sign(_CONTEXT + canonical_json(manifest)).hex()
        data = json.dumps({**manifest, "signature": signature}, indent=2).encode() + b"\n"
        _write_synced(target / MANIFEST, data)
        fsync_dir(target)
    except OSError as exc:
        shutil.rmtree(target, ignore_errors=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFullError(
                f"The disk holding the backup ({target}) is full. The partial backup was "
                "removed; free some space or choose another disk, then run the backup again."
            ) from None
        raise VaultError(f"The backup to {target} failed and was removed: {exc}.") from None
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    report.files = len(files) + 1
    report.bytes = sum(int(f["size"]) for f in files.values())
    report.manifest_sha256 = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        details = {"folder": str(target), "manifest_sha256": report.manifest_sha256}
        vault.log(VAULT_LOG).append("vault.backup", operator, details)
        vault.log(VAULT_LOG).seal(vault.signer)
    return report


def _dump_postgres(url: str, out: Path) -> str:
    """``pg_dump`` the vault's schema (only it: the database may hold others)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = str(cursor.fetchone()[0])
    _run_tool(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--schema", schema],
        url,
        "-f",
        str(out),
    )
    return schema


def _copy_sqlite(out: Path) -> None:
    """One consistent copy through SQLite's backup API, keyed like the original."""
    connection.ensure_connection()
    source = connection.connection
    key = connection.settings_dict["OPTIONS"].get("key")
    if key:
        import sqlcipher3.dbapi2 as sqlcipher

        target: Any = sqlcipher.connect(str(out))
        target.execute(f"PRAGMA key = \"x'{key}'\"")
    else:
        target = sqlite3.connect(str(out))
    try:
        source.backup(target)
    finally:
        target.close()


# -- restoring -------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, Any]:
    """The backup's manifest, its signature checked against the backup's own public key."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_bytes())
    except FileNotFoundError:
        raise VaultError(
            f"{folder} holds no {MANIFEST}, so it is not a complete onrecord backup (a backup "
            "that stopped part-way has none). Use another backup."
        ) from None
    except ValueError as exc:
        raise IntegrityError(f"{folder / MANIFEST} is damaged ({exc}).") from None
    if manifest.get("format", 0) > FORMAT:
        raise VaultError(
            f"This backup was made by a newer onrecord ({manifest.get('made_with')}); "
            f"this is onrecord {__version__}. Upgrade onrecord to restore it."
        )
    body = {k: v for k, v in manifest.items() if k != "signature"}
    try:
        info = json.loads((folder / VAULT_DIR / home.INFO_FILE).read_bytes())
        key = bytes.fromhex(str(manifest["public_key"]))
        valid = info.get("public_key") == manifest["public_key"] and Verifier(key).is_valid(
            _CONTEXT + canonical_json(body), bytes.fromhex(str(manifest["signature"]))
        )
    except (OSError, ValueError, KeyError, TypeError):
        valid = False
    if not valid:
        raise IntegrityError(
            f"The manifest of {folder} is not signed by the vault it describes: it or "
            f"{VAULT_DIR}/{home.INFO_FILE} was changed after the backup. Use another backup."
        )
    unsafe = [name for name in manifest.get("files", {}) if not _is_plain_relative(name)]
    if unsafe:
        raise IntegrityError(
            f"The manifest of {folder} names files outside the backup ({unsafe[0]!r}); it was "
            "not made by onrecord. Nothing was restored. Use another backup."
        )
    return manifest


def _is_plain_relative(name: str) -> bool:
    """A path inside the backup: relative, no '..', no empty or '.' parts, no backslashes."""
    parts = name.split("/")
    return bool(name) and "\\" not in name and all(p not in ("", ".", "..") for p in parts)


def damaged_files(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Files that are missing, changed or not named by the manifest (empty: all match)."""
    named: dict[str, dict[str, Any]] = manifest["files"]
    found = {p.relative_to(folder).as_posix() for p in _files_under(folder)} - {MANIFEST}
    problems = [f"{name}: not named in the manifest" for name in sorted(found - set(named))]
    for name, expected in sorted(named.items()):
        path = folder / name
        if name not in found:
            problems.append(f"{name}: missing")
            continue
        actual = _hash_file(path)
        if actual != (expected["sha256"], int(expected["size"])):
            problems.append(f"{name}: its bytes differ from the manifest")
    return problems


def restore_vault(
    folder: Path,
    target_home: Path,
    *,
    database_url: str = "",
    passphrase: str | None,
    operator: str,
    allow_damaged: bool = False,
    store: StoreSettings | None = None,
) -> RestoreReport:
    """Restore the backup in ``folder`` into an empty ``target_home`` (and database).

    The blobs go to ``store`` (default: the ``blob_store`` settings).
    """
    manifest = read_manifest(folder)
    kind = str(manifest["database"])
    if kind == "postgresql" and not database_url:
        raise ConfigError(
            "This backup is of an organisation server: give --database-url, the PostgreSQL "
            "database (empty) to restore it into."
        )
    if kind == "sqlite" and database_url:
        raise ConfigError(
            "This backup is of a laptop vault, whose database lives in the vault folder: "
            "restore it without --database-url."
        )
    store = configured_store() if store is None else store
    report = RestoreReport(
        target_home, kind, damaged=damaged_files(folder, manifest), blob_store=store.url
    )
    if report.damaged and not allow_damaged:
        shown = "; ".join(report.damaged[:10])
        more = f" (and {len(report.damaged) - 10} more)" if len(report.damaged) > 10 else ""
        raise IntegrityError(
            f"The backup in {folder} does not match its manifest: {shown}{more}. Nothing was "
            "restored. Use another backup, or restore this one with --allow-damaged and run "
            "`onrecord verify`, which names the exhibits affected."
        )
    _require_empty(target_home, "The home to restore into")
    if kind == "postgresql":
        _require_empty_database(database_url)
    backend = new_store_backend(store, database_url) if store.is_s3 else None
    target_home.mkdir(parents=True, exist_ok=True, mode=0o700)
    uploaded: list[str] = []
    try:
        staging = target_home / home.BLOBS_DIR / "tmp"
        staging.mkdir(parents=True)
        for name in manifest["files"]:
            if not name.startswith(f"{VAULT_DIR}/") or not (folder / name).is_file():
                continue
            relative = name.removeprefix(f"{VAULT_DIR}/")
            if backend is not None and relative.startswith(f"{home.BLOBS_DIR}/"):
                blob = relative.rsplit("/", 1)[-1]
                _upload(folder / name, staging, backend, blob)
                uploaded.append(blob)
            else:
                _copy(folder / name, target_home / relative)
            report.files += 1
        _record_store(target_home, store)
        if kind == "postgresql":
            _restore_postgres(folder / DUMP, str(manifest["schema"]), database_url)
    except BaseException:
        shutil.rmtree(target_home, ignore_errors=True)
        if backend is not None:
            _remove_uploaded(backend, uploaded)
        raise
    vault = Vault.open(target_home, passphrase=passphrase, database_url=database_url, store=store)
    try:
        with transaction.atomic():
            details = {
                "from": str(folder),
                "backup_made_at": manifest["made_at"],
                "manifest_sha256": _hash_file(folder / MANIFEST)[0],
                "damaged_files": len(report.damaged),
                "blob_store": store.url or "vault folder",
            }
            vault.log(VAULT_LOG).append("vault.restore", operator, details)
            vault.log(VAULT_LOG).seal(vault.signer)
    finally:
        vault.close()
    return report


def _upload(source: Path, staging: Path, backend: S3Backend, name: str) -> None:
    """Put one blob file of the backup into the object store (the backup keeps its copy)."""
    staged = staging / f"incoming-{secrets.token_hex(8)}"
    try:
        _copy(source, staged)
        backend.put(staged, name)
    finally:
        staged.unlink(missing_ok=True)


def _remove_uploaded(backend: S3Backend, names: list[str]) -> None:
    """Take back what a failed restore uploaded, as far as the store lets us."""
    for name in names:
        try:
            backend.delete(name)
        except VaultError:
            break  # the store is unreachable: the error that stopped the restore says so


def _record_store(target_home: Path, store: StoreSettings) -> None:
    """Make the restored ``vault.json`` name the store its blobs were restored into."""
    info = VaultInfo.read(target_home)
    if info.blob_store != store.url:
        moved = replace(info, blob_store=store.url, format=home.FORMAT if store.url else 1)
        write_atomic(target_home / home.INFO_FILE, moved.to_json(), mode=0o644)


def _require_empty_database(url: str) -> None:
    """The target schema (first on the URL's search_path) must exist and hold nothing."""
    with _connect(url) as conn:
        schema = _current_schema(conn)
        row = conn.execute(
            "SELECT (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid) "
            "+ (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = n.oid) "
            "+ (SELECT count(*) FROM pg_type t WHERE t.typnamespace = n.oid) "
            "FROM pg_namespace n WHERE n.nspname = %s",
            [schema],
        ).fetchone()
    if row is None or row[0]:
        raise VaultError(
            f"The database to restore into already holds tables or functions in schema "
            f"{schema!r}. Restore goes into an empty database only: create a new one "
            "(createdb) or a new schema, and name it in --database-url."
        )


def _restore_postgres(dump: Path, source_schema: str, url: str) -> None:
    """``pg_restore`` in one transaction, then give the schema the target's name."""
    with _connect(url) as conn:
        target = _current_schema(conn)
        if source_schema != target:
            exists = conn.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", [source_schema]
            ).fetchone()
            if exists:
                raise VaultError(
                    f"The database to restore into already has a schema {source_schema!r} "
                    "(the backup's own). Restore into another database."
                )
            conn.execute(psycopg.sql.SQL("CREATE SCHEMA {}").format(_ident(source_schema)))
    with tempfile.TemporaryDirectory(prefix="onrecord-restore-") as work:
        contents = _run_tool(["pg_restore", "--list", str(dump)], "", capture=True)
        kept = [line for line in contents.splitlines() if not _SCHEMA_ENTRY.match(line)]
        listing = Path(work) / "contents.list"
        listing.write_text("\n".join(kept) + "\n", encoding="utf-8")
        steps = ["pg_restore", "--single-transaction", "--exit-on-error", "--no-owner"]
        try:
            _run_tool([*steps, "--no-privileges", "--use-list", str(listing)], url, str(dump))
        except BaseException:
            if source_schema != target:
                with _connect(url) as conn:
                    conn.execute(
                        psycopg.sql.SQL("DROP SCHEMA {} CASCADE").format(_ident(source_schema))
                    )
            raise
    if source_schema != target:
        with _connect(url) as conn, conn.transaction():
            conn.execute(psycopg.sql.SQL("DROP SCHEMA {}").format(_ident(target)))
            conn.execute(
                psycopg.sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                    _ident(source_schema), _ident(target)
                )
            )


def _current_schema(conn: psycopg.Connection[Any]) -> str:
    row = conn.execute("SELECT current_schema()").fetchone()
    if row is None or row[0] is None:
        raise VaultError(
            "The schema named by the database URL's search_path does not exist. Create it "
            "(CREATE SCHEMA name), or leave search_path out to use public."
        )
    return str(row[0])


def _ident(name: str) -> psycopg.sql.Identifier:
    return psycopg.sql.Identifier(name)


def _connect(url: str) -> psycopg.Connection[Any]:
    from onrecord.server.worker import conninfo

    return psycopg.connect(conninfo(url), autocommit=True)


# -- files and tools -------------------------------------------------------------------------


def _run_tool(command: list[str], url: str, *args: str, capture: bool = False) -> str:
    """Run pg_dump/pg_restore; the password goes by environment, never on the command line."""
    from onrecord.server.worker import conninfo

    env = child_environment()
    full = list(command)
    if url:
        params = conninfo_to_dict(conninfo(url))
        password = params.pop("password", None)
        if password:
            env["PGPASSWORD"] = str(password)
        full += ["--dbname", make_conninfo("", **params)]
    try:
        done = subprocess.run([*full, *args], capture_output=True, text=True, env=env)
    except FileNotFoundError:
        raise ConfigError(
            f"{command[0]} is not installed here; install the PostgreSQL client tools "
            "(Debian: postgresql-client) matching the server's version."
        ) from None
    if done.returncode != 0:
        raise VaultError(
            f"{command[0]} failed (exit {done.returncode}): {done.stderr.strip()[-800:]}"
        )
    return done.stdout


def _require_empty(folder: Path, what: str) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise VaultError(f"{what} {folder} is not empty. Name a new or empty folder.")


def _files_under(folder: Path) -> Iterator[Path]:
    for root, _dirs, names in os.walk(folder):
        for name in names:
            yield Path(root) / name


def _hash_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(_READ):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _describe(path: Path) -> dict[str, Any]:
    sha256, size = _hash_file(path)
    return {"sha256": sha256, "size": size}


def _copy(source: Path, target: Path) -> dict[str, Any]:
    """Copy one file durably, hashing the bytes as they are written."""
    with source.open("rb") as reader:
        described = _copy_stream(reader, target)
    shutil.copymode(source, target)
    return described


def _copy_stream(reader: BinaryIO, target: Path) -> dict[str, Any]:
    """Write a stream to a new file durably, hashing the bytes as they are written."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest, size = hashlib.sha256(), 0
    with target.open("xb") as writer:
        while chunk := reader.read(_READ):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    return {"sha256": digest.hexdigest(), "size": size}


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("xb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


__all__ = [
    "DUMP",
    "FORMAT",
    "MANIFEST",
    "BackupReport",
    "RestoreReport",
    "backup_vault",
    "damaged_files",
    "read_manifest",
    "restore_vault",
]
