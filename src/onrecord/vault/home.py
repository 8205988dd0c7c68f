"""The vault folder (``ONRECORD_HOME``): create it, unlock it, open it.

::

    vault.json     format version, encrypted or not, which database, public signing key,
                   and (format 2) the object store holding the blobs
    keys.json      the master key wrapped by the passphrase (and the recovery key)
    signing.key    the Ed25519 key that signs custody-log heads, encrypted by the master key
    onrecord.db    SQLCipher database (unless the organisation server names PostgreSQL)
    blobs/         evidence bytes, content-addressed (``blobs.BlobStore``); with an object
                   store only ``blobs/tmp``, where blobs are encrypted before upload

The folder is readable without the app: a person with the passphrase, this layout and
``crypto``'s docstring can get every exhibit back. ``Vault.create`` is ``onrecord init``
on an empty folder; ``Vault.open(upgrade=True)`` is ``init`` on an existing one.

An organisation server may keep the blobs in an S3-compatible object store
(``objectstore``); ``vault.json`` records which (``blob_store``), and a vault opened with
another store, or none, is refused, rather than every exhibit being reported missing.
Only a vault on PostgreSQL may use one: a laptop's evidence stays in its folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count

from onrecord import __version__
from onrecord.errors import VaultError, VaultLockedError, VaultNotFoundError
from onrecord.vault import crypto, database
from onrecord.vault.blobs import BlobBackend, BlobStore
from onrecord.vault.custody import CustodyLog, Signer, Verifier, iso_utc, utc_now
from onrecord.vault.files import write_atomic
from onrecord.vault.models import LogEntry, TreeHead
from onrecord.vault.objectstore import S3Backend, StoreSettings, configured_store

FORMAT = 2  # 2: may name an object store (``blob_store``); a vault without one stays at 1
INFO_FILE = "vault.json"
KEYS_FILE = "keys.json"
SIGNING_FILE = "signing.key"
DATABASE_FILE = "onrecord.db"
BLOBS_DIR = "blobs"
_SIGNING_AAD = b"onrecord signing key v1"


@dataclass(frozen=True)
class VaultInfo:
    """The plaintext description of a vault (``vault.json``); it reveals no content."""

    format: int
    created_at: str
    created_with: str
    encrypted: bool
    database: str  # "sqlite" or "postgresql"
    public_key: str  # hex, Ed25519
    blob_store: str = ""  # s3://bucket/prefix, or "" for blobs/ in the vault folder

    def to_json(self) -> bytes:
        data = {k: v for k, v in self.__dict__.items() if k != "blob_store" or v}
        return json.dumps(data, indent=2).encode() + b"\n"

    @classmethod
    def read(cls, home: Path) -> VaultInfo:
        path = home / INFO_FILE
        try:
            data: dict[str, Any] = json.loads(path.read_bytes())
            info = cls(**data)
        except FileNotFoundError:
            raise VaultNotFoundError(
                f"There is no vault at {home}. Create one with `onrecord init` "
                "(or point ONRECORD_HOME at an existing vault)."
            ) from None
        except (ValueError, TypeError) as exc:
            raise VaultError(f"{path} is damaged ({exc}); restore it from a backup.") from None
        if info.format > FORMAT:
            raise VaultError(
                f"This vault was made by a newer onrecord (format {info.format}); "
                f"this is onrecord {__version__}. Upgrade onrecord to open it."
            )
        return info


class Vault:
    """An unlocked, open vault; its database is this process's default connection."""

    def __init__(
        self,
        home: Path,
        info: VaultInfo,
        master_key: bytes | None,
        signer: Signer,
        backend: BlobBackend | None = None,
    ) -> None:
        self.home = home
        self.info = info
        self.master_key = master_key
        self.signer = signer
        self.blobs = BlobStore(home / BLOBS_DIR, master_key, backend)

    # -- creating and opening ---------------------------------------------------------

    @staticmethod
    def exists(home: Path) -> bool:
        return (home / INFO_FILE).is_file()

    @classmethod
    def create(
        cls,
        home: Path,
        *,
        passphrase: str | None,
        kdf: crypto.KdfParams,
        database_url: str = "",
        with_recovery: bool = True,
        store: StoreSettings | None = None,
    ) -> tuple[Vault, str | None]:
        """Make a new vault; encrypted unless ``passphrase`` is None. Returns the recovery key.

        ``store`` (default: the ``blob_store`` settings) names an object store for the
        blobs; it must be reachable and empty under its prefix.
        """
        if cls.exists(home):
            raise VaultError(f"{home} already holds a vault.")
        if (home / DATABASE_FILE).exists():
            raise VaultError(
                f"{home} holds an onrecord database but no {INFO_FILE}. Move the folder aside "
                "and run `onrecord init` again, or restore vault.json from a backup."
            )
        store = configured_store() if store is None else store
        backend = new_store_backend(store, database_url) if store.is_s3 else None
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        signer = Signer.generate()
        master_key: bytes | None = None
        recovery_key: str | None = None
        if passphrase is not None:
            key_file, master_key, recovery_key = crypto.create_key_file(
                passphrase, kdf, with_recovery
            )
            write_atomic(home / KEYS_FILE, key_file.to_json())
            sealed = _seal_signing_key(master_key, signer.private_bytes())
            write_atomic(home / SIGNING_FILE, sealed)
        else:
            write_atomic(home / SIGNING_FILE, signer.private_bytes())
        info = VaultInfo(
            format=FORMAT if store.is_s3 else 1,
            created_at=iso_utc(utc_now()),
            created_with=f"onrecord {__version__}",
            encrypted=passphrase is not None,
            database="postgresql" if database_url else "sqlite",
            public_key=signer.public.public_key.hex(),
            blob_store=store.url,
        )
        vault = cls(home, info, master_key, signer, backend)
        vault.blobs.create()
        vault._activate(database_url)
        database.migrate()
        write_atomic(home / INFO_FILE, info.to_json(), mode=0o644)
        return vault, recovery_key

    @classmethod
    def open(
        cls,
        home: Path,
        *,
        passphrase: str | None = None,
        recovery_key: str | None = None,
        database_url: str = "",
        upgrade: bool = False,
        store: StoreSettings | None = None,
    ) -> Vault:
        """Unlock and open; ``upgrade`` brings an older schema up to date (``init``).

        ``store`` (default: the ``blob_store`` settings) must be the one the vault records.
        """
        info = VaultInfo.read(home)
        store = configured_store() if store is None else store
        require_same_store(info, store, home)
        backend = S3Backend(store) if store.is_s3 else None
        master_key: bytes | None = None
        if info.encrypted:
            key_file = cls._key_file(home)
            if recovery_key is not None:
                master_key = crypto.unlock_with_recovery(key_file, recovery_key)
            elif passphrase is not None:
                master_key = crypto.unlock(key_file, passphrase)
            else:
                raise VaultLockedError(
                    "This vault is encrypted: give its passphrase (prompt, ONRECORD_PASSPHRASE "
                    "or --passphrase-file)."
                )
        signer = Signer.from_bytes(_read_signing_key(home, master_key))
        if signer.public.public_key.hex() != info.public_key:
            raise VaultError(
                f"The signing key in {home / SIGNING_FILE} is not this vault's "
                f"(vault.json names another). One of the two files was replaced."
            )
        vault = cls(home, info, master_key, signer, backend)
        if info.database == "postgresql" and not database_url:
            raise VaultError(
                "This vault keeps its database in PostgreSQL: set ONRECORD_DATABASE_URL."
            )
        vault._activate(database_url if info.database == "postgresql" else "")
        if upgrade:
            database.migrate()
        elif vault.pending_migrations():
            raise VaultError(
                "This vault was made by an older onrecord. Run `onrecord init` to upgrade it "
                "(nothing is lost; the upgrade is recorded)."
            )
        return vault

    @staticmethod
    def _key_file(home: Path) -> crypto.KeyFile:
        try:
            return crypto.KeyFile.from_json((home / KEYS_FILE).read_bytes())
        except FileNotFoundError:
            raise VaultError(
                f"{home / KEYS_FILE} is missing, so the vault cannot be unlocked. "
                "Restore keys.json from a backup."
            ) from None

    def _activate(self, database_url: str) -> None:
        if database_url:
            database.activate(database.postgres_settings(database_url))
            return
        key_hex = None
        if self.master_key is not None:
            key_hex = crypto.subkey(self.master_key, "database").hex()
        database.activate(database.sqlite_settings(self.home / DATABASE_FILE, key_hex))

    def pending_migrations(self) -> list[str]:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        return [f"{m.app_label}.{m.name}" for m, _backwards in plan]

    def close(self) -> None:
        database.deactivate()

    # -- the passphrase ---------------------------------------------------------------

    def change_passphrase(self, new_passphrase: str, kdf: crypto.KdfParams) -> None:
        """Re-wrap the master key under a new passphrase; nothing else is re-encrypted."""
        if self.master_key is None:
            raise VaultError("This vault is not encrypted, so it has no passphrase to change.")
        key_file = self._key_file(self.home)
        write_atomic(
            self.home / KEYS_FILE,
            crypto.rewrap(key_file, self.master_key, new_passphrase, kdf).to_json(),
        )

    # -- the custody logs -------------------------------------------------------------

    def log(self, name: str) -> CustodyLog:
        return CustodyLog(name)

    @property
    def verifier(self) -> Verifier:
        return Verifier(bytes.fromhex(self.info.public_key))

    def seal_all(self) -> int:
        """Sign a head on every log with entries past its last head (after a crash)."""
        sizes = dict(
            LogEntry.objects.values_list("log").annotate(n=Count("id")).values_list("log", "n")
        )
        sealed = 0
        for name, size in sizes.items():
            latest = TreeHead.objects.filter(log=name).order_by("-tree_size").first()
            if latest is None or latest.tree_size < size:
                self.log(name).seal(self.signer)
                sealed += 1
        return sealed

    def recover(self) -> tuple[int, int]:
        """Tidy after an interrupted command: (partial files removed, logs sealed)."""
        return self.blobs.clean_incoming(), self.seal_all()


def new_store_backend(store: StoreSettings, database_url: str) -> S3Backend:
    """The object store for a new vault (or a restore): server only, reachable, empty."""
    if not database_url:
        raise VaultError(_LAPTOP_STORE)
    backend = S3Backend(store)
    backend.check()
    if not backend.is_empty():
        raise VaultError(
            f"{store.shown} already holds objects: another vault's evidence may be there. "
            "Nothing was written. Give this vault a prefix of its own "
            "(blob_store = s3://bucket/another-prefix)."
        )
    return backend


def require_same_store(info: VaultInfo, store: StoreSettings, home: Path) -> None:
    """Refuse to open a vault with another blob store than the one it was made with."""
    if info.blob_store == store.url:
        return
    if not info.blob_store and info.database == "sqlite":
        raise VaultError(_LAPTOP_STORE)
    if not info.blob_store:
        raise VaultError(
            f"This vault keeps its evidence in its folder ({home / BLOBS_DIR}), but blob_store "
            f"names {store.url}. Unset ONRECORD_BLOB_STORE (or blob_store in the config file); "
            "to move the evidence into the object store, `onrecord backup` the vault and "
            "`onrecord restore` it with blob_store set."
        )
    if not store.url:
        raise VaultError(
            f"This vault keeps its evidence in the object store {info.blob_store}: set "
            f"ONRECORD_BLOB_STORE={info.blob_store} (and the s3_ settings it was made with)."
        )
    raise VaultError(
        f"This vault keeps its evidence in {info.blob_store}, but blob_store names {store.url}. "
        f"Set it back to {info.blob_store}; to move the evidence, `onrecord backup` the vault "
        "and `onrecord restore` it with the new blob_store."
    )


_LAPTOP_STORE = (
    "An object store (blob_store) is for the organisation server, whose database is "
    "PostgreSQL (ONRECORD_DATABASE_URL); a laptop vault keeps its evidence in its own "
    "encrypted folder. Unset ONRECORD_BLOB_STORE (or blob_store in the config file)."
)


def _seal_signing_key(master_key: bytes, raw: bytes) -> bytes:
    nonce = os.urandom(12)
    key = crypto.subkey(master_key, "signing-key")
    return nonce + AESGCM(key).encrypt(nonce, raw, _SIGNING_AAD)


def _read_signing_key(home: Path, master_key: bytes | None) -> bytes:
    path = home / SIGNING_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise VaultError(f"{path} is missing: the vault cannot sign its custody log.") from None
    if master_key is None:
        if len(data) != 32:
            raise VaultError(f"{path} is damaged (wrong length); restore it from a backup.")
        return data
    try:
        key = crypto.subkey(master_key, "signing-key")
        return AESGCM(key).decrypt(data[:12], data[12:], _SIGNING_AAD)
    except (InvalidTag, ValueError):
        raise VaultError(
            f"{path} was altered or belongs to another vault; restore it from a backup."
        ) from None
