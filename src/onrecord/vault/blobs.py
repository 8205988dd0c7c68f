"""The blob store: evidence bytes, content-addressed, written atomically, encrypted at rest.

A blob is named by the SHA-256 of the exact bytes acquired, computed while streaming (a
5 GB file never sits in memory). In an encrypted vault the name is an HMAC of the hash
(``crypto.blob_name``) so names reveal nothing, and the bytes are AES-256-GCM chunks
(``crypto.BlobEncryptor``). Bytes stored twice are kept once.

Hashing, encrypting and naming happen here, once, into a temporary file under
``blobs/tmp`` (the name is known only at the end). A backend then keeps the finished
file under its name:

- ``FileBackend`` (the default): fsync, rename into ``blobs/<2 chars>/<name>``; the
  folders are fsynced before the database refers to the blob (``sync``), so after a
  crash a blob is either whole or absent.
- ``objectstore.S3Backend`` (organisation server, ``blob_store = "s3://..."``): upload,
  durable when the PUT returns.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Protocol

from onrecord.errors import InputError, StorageFullError, VaultError
from onrecord.vault import crypto
from onrecord.vault.files import fsync_dir

READ_SIZE = crypto.CHUNK_SIZE
HEAD_SIZE = 64

Progress = Callable[[int], None]


class BlobMissingError(VaultError):
    """No blob is stored under that name."""


@dataclass(frozen=True)
class StoredBlob:
    """The result of storing bytes: their hash and size, and whether they were new."""

    sha256: str
    size: int
    stored_name: str
    new: bool
    head: bytes = b""  # the first bytes, for telling the media type


class BlobBackend(Protocol):
    """Where finished (already encrypted) blob files are kept, by name."""

    @property
    def where(self) -> str:
        """The place, as a person would name it in a message."""
        ...

    def put(self, finished: Path, name: str) -> None:
        """Keep the file ``finished`` under ``name``; the file is gone afterwards."""
        ...

    def exists(self, name: str) -> bool: ...

    def open(self, name: str) -> BinaryIO:
        """The stored bytes for streaming reads; BlobMissingError when there are none."""
        ...

    def delete(self, name: str) -> bool:
        """Remove a blob; True when one was there."""
        ...

    def names(self) -> Iterator[str]:
        """Every name stored, sorted."""
        ...

    def sync(self) -> None:
        """Make every ``put`` since the last call durable."""
        ...


class FileBackend:
    """Blob files under ``root/<2 chars>/<name>``, renamed into place and fsynced."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.tmp = tmp
        self._dirty: set[Path] = set()
        self._made: set[Path] = set()

    @property
    def where(self) -> str:
        return str(self.root)

    def path(self, name: str) -> Path:
        return self.root / name[:2] / name

    def put(self, finished: Path, name: str) -> None:
        final = self.path(name)
        if final.parent not in self._made:
            final.parent.mkdir(exist_ok=True)
            self._made.add(final.parent)
        finished.rename(final)
        self._dirty.add(final.parent)

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def open(self, name: str) -> BinaryIO:
        try:
            return self.path(name).open("rb")
        except FileNotFoundError:
            raise BlobMissingError(f"Blob {name[:12]}… is missing from {self.root}.") from None

    def delete(self, name: str) -> bool:
        path = self.path(name)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        fsync_dir(path.parent)
        return True

    def names(self) -> Iterator[str]:
        for path in self.paths():
            yield path.name

    def paths(self) -> Iterator[Path]:
        """Every blob file (a file whose folder is not the first two characters of its
        name was not put there by onrecord, and is left out)."""
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and folder != self.tmp:
                yield from (p for p in sorted(folder.iterdir()) if p.name[:2] == folder.name)

    def sync(self) -> None:
        for folder in sorted(self._dirty):
            fsync_dir(folder)
        if self._dirty:
            fsync_dir(self.root)
        self._dirty.clear()


class BlobStore:
    """Blobs hashed, named and encrypted here (when a master key is given), kept by a backend.

    ``root`` holds ``tmp``, where blobs are written before the backend takes them; with no
    backend given, the blobs themselves are kept under ``root`` too.
    """

    def __init__(
        self, root: Path, master_key: bytes | None, backend: BlobBackend | None = None
    ) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.backend: BlobBackend = backend or FileBackend(root, self.tmp)
        self._master_key = master_key
        self._names_key = crypto.subkey(master_key, "blob-names") if master_key else None
        self._tmp_made = False

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
        """The file of a blob, in a store on the filesystem (for tools that look at files)."""
        return self._files().path(self.name_for(sha256))

    def stored_names(self) -> Iterator[Path]:
        """Every blob file present, in a store on the filesystem."""
        return self._files().paths()

    def _files(self) -> FileBackend:
        if not isinstance(self.backend, FileBackend):
            raise VaultError(f"The blobs are kept in {self.backend.where}, not in files.")
        return self.backend

    def has(self, sha256: str) -> bool:
        return self.backend.exists(self.name_for(sha256))

    def names(self) -> Iterator[str]:
        """Every stored name, sorted (for finding strays and for backups)."""
        return self.backend.names()

    def open_stored(self, name: str) -> BinaryIO:
        """The stored bytes under ``name`` as kept (still encrypted), for copying."""
        return self.backend.open(name)

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
        if not self._tmp_made:
            self.tmp.mkdir(parents=True, exist_ok=True)
            self._tmp_made = True
        tmp_path = self.tmp / f"incoming-{secrets.token_hex(8)}"
        try:
            sha256, size, head = self._write(stream, tmp_path, progress)
            name = self.name_for(sha256)
            if self.backend.exists(name):
                return StoredBlob(sha256, size, name, new=False, head=head)
            self.backend.put(tmp_path, name)
            return StoredBlob(sha256, size, name, new=True, head=head)
        finally:
            tmp_path.unlink(missing_ok=True)

    def _write(
        self, stream: IO[bytes], tmp_path: Path, progress: Progress | None
    ) -> tuple[str, int, bytes]:
        """Hash and (maybe) encrypt ``stream`` into ``tmp_path``: (sha256, size, head)."""
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
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFullError(
                    f"The disk holding the vault ({self.root}) is full. Nothing of this file was "
                    "stored. Free some space, then add it again; what was added before is safe."
                ) from None
            raise
        return digest.hexdigest(), size, head

    def sync(self) -> None:
        """Make every blob stored since the last sync durable, before the database refers to it."""
        self.backend.sync()

    def delete(self, sha256: str) -> bool:
        """Remove a blob (only ``purge`` calls this). True when one was removed."""
        return self.backend.delete(self.name_for(sha256))

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
        try:
            stream = self.backend.open(self.name_for(sha256))
        except BlobMissingError:
            raise BlobMissingError(
                f"Blob {sha256[:12]}… is missing from {self.backend.where}."
            ) from None
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
