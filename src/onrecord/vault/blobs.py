"""The blob store: evidence bytes, content-addressed, written atomically, encrypted at rest.

A blob is named by the SHA-256 of the exact bytes acquired, computed while streaming (a
5 GB file never sits in memory). It is written to ``blobs/tmp``, fsynced, renamed into
``blobs/<2 chars>/<name>``; the folder is fsynced before the database refers to it
(``sync``), so after a crash a blob is either whole or absent. In an encrypted vault
the name is an HMAC of the hash (``crypto.blob_name``) so file names reveal nothing, and
the bytes are AES-256-GCM chunks (``crypto.BlobEncryptor``). Bytes stored twice are kept
once.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from onrecord.errors import InputError, StorageFullError, VaultError
from onrecord.vault import crypto
from onrecord.vault.files import fsync_dir

READ_SIZE = crypto.CHUNK_SIZE
HEAD_SIZE = 64

Progress = Callable[[int], None]


@dataclass(frozen=True)
class StoredBlob:
    """The result of storing bytes: their hash and size, and whether they were new."""

    sha256: str
    size: int
    stored_name: str
    new: bool
    head: bytes = b""  # the first bytes, for telling the media type


class BlobStore:
    """Blobs under ``root``; encrypted when a master key is given."""

    def __init__(self, root: Path, master_key: bytes | None) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self._master_key = master_key
        self._names_key = crypto.subkey(master_key, "blob-names") if master_key else None
        self._dirty: set[Path] = set()
        self._made: set[Path] = set()

    @property
    def encrypted(self) -> bool:
        return self._master_key is not None

    def create(self) -> None:
        self.tmp.mkdir(parents=True, exist_ok=True)

    def name_for(self, sha256: str) -> str:
        if self._names_key is None:
            return sha256
        return crypto.blob_name(self._names_key, sha256)

    def path_for(self, sha256: str) -> Path:
        name = self.name_for(sha256)
        return self.root / name[:2] / name

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    # -- writing -------------------------------------------------------------------------

    def put_file(self, path: Path, progress: Progress | None = None) -> StoredBlob:
        """Store a file's bytes; raise InputError for what cannot be read as a file."""
        if path.is_dir():
            raise InputError(
                f"{path} is a folder, not a file. Add the files inside it "
                "(for example: onrecord add CASE folder/*), or import it as an export."
            )
        try:
            stream = path.open("rb")
        except FileNotFoundError:
            raise InputError(f"{path} does not exist (moved or deleted?).") from None
        except PermissionError:
            raise InputError(
                f"{path} could not be read: permission denied. "
                "Copy it somewhere you can read, or check its permissions."
            ) from None
        except OSError as exc:
            raise InputError(f"{path} could not be opened: {exc.strerror}.") from None
        with stream:
            try:
                return self.put_stream(stream, progress)
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise
                raise InputError(f"{path} could not be read: {exc.strerror}.") from None

    def put_stream(self, stream: IO[bytes], progress: Progress | None = None) -> StoredBlob:
        """Store everything ``stream`` yields, hashing and encrypting as it goes."""
        if self.tmp not in self._made:
            self.tmp.mkdir(parents=True, exist_ok=True)
            self._made.add(self.tmp)
        tmp_path = self.tmp / f"incoming-{secrets.token_hex(8)}"
        digest = hashlib.sha256()
        size = 0
        head = b""
        buffer = bytearray(READ_SIZE)
        view = memoryview(buffer)
        encryptor = crypto.BlobEncryptor(self._master_key) if self._master_key else None
        try:
            with tmp_path.open("xb") as out:
                if encryptor is not None:
                    out.write(encryptor.header())
                while True:
                    n = _read_full(stream, view)
                    if n == 0:
                        break
                    piece = view[:n]
                    if not head:
                        head = bytes(piece[:HEAD_SIZE])
                    digest.update(piece)
                    size += n
                    out.write(encryptor.update(piece) if encryptor else piece)
                    if progress is not None:
                        progress(n)
                    if n < READ_SIZE:
                        break
                if encryptor is not None:
                    out.write(encryptor.finalize())
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            tmp_path.unlink(missing_ok=True)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFullError(
                    f"The disk holding the vault ({self.root}) is full. Nothing of this file was "
                    "stored. Free some space, then add it again; what was added before is safe."
                ) from None
            raise
        sha256 = digest.hexdigest()
        final = self.path_for(sha256)
        if final.exists():
            tmp_path.unlink()
            return StoredBlob(sha256, size, final.name, new=False, head=head)
        if final.parent not in self._made:
            final.parent.mkdir(exist_ok=True)
            self._made.add(final.parent)
        tmp_path.rename(final)
        self._dirty.add(final.parent)
        return StoredBlob(sha256, size, final.name, new=True, head=head)

    def sync(self) -> None:
        """Make every rename since the last sync durable, before the database refers to it."""
        for folder in sorted(self._dirty):
            fsync_dir(folder)
        if self._dirty:
            fsync_dir(self.root)
        self._dirty.clear()

    def delete(self, sha256: str) -> bool:
        """Remove a blob (only ``purge`` calls this). True when a file was removed."""
        path = self.path_for(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        fsync_dir(path.parent)
        return True

    def clean_incoming(self) -> int:
        """Remove partial files left by an interrupted write; return how many."""
        removed = 0
        if self.tmp.is_dir():
            for leftover in self.tmp.iterdir():
                if leftover.name.startswith("incoming-"):
                    leftover.unlink(missing_ok=True)
                    removed += 1
        return removed

    # -- reading -------------------------------------------------------------------------

    def open_chunks(self, sha256: str) -> Iterator[bytes]:
        """The plaintext of a blob, chunk by chunk (memory stays flat)."""
        path = self.path_for(sha256)
        try:
            stream = path.open("rb")
        except FileNotFoundError:
            raise VaultError(f"Blob {sha256[:12]}… is missing from {self.root}.") from None
        with stream:
            if self._master_key is None:
                while chunk := stream.read(READ_SIZE):
                    yield chunk
            else:
                yield from crypto.iter_decrypt(self._master_key, stream)

    def rehash(self, sha256: str, progress: Progress | None = None) -> tuple[str, int]:
        """Hash a stored blob's plaintext again: (sha256 hex, size). Raises TamperedError."""
        digest = hashlib.sha256()
        size = 0
        for chunk in self.open_chunks(sha256):
            digest.update(chunk)
            size += len(chunk)
            if progress is not None:
                progress(len(chunk))
        return digest.hexdigest(), size

    def stored_names(self) -> Iterator[Path]:
        """Every blob file present (for finding strays)."""
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and folder != self.tmp:
                yield from sorted(folder.iterdir())


def _read_full(stream: IO[bytes], view: memoryview) -> int:
    """Fill ``view`` from ``stream`` unless the stream ends; return bytes read."""
    readinto = getattr(stream, "readinto", None)
    total = 0
    while total < len(view):
        if readinto is not None:
            n = readinto(view[total:])
        else:
            data = stream.read(len(view) - total)
            n = len(data)
            view[total : total + n] = data
        if not n:
            break
        total += n
    return total
