"""Uploads spooled to disk encrypted, under a key that lives only in memory for the request.

Django keeps small uploads in memory and writes large ones to a plaintext temporary file.
Neither suits evidence: fifty staff uploading at once must not hold fifty files in memory,
and a plaintext copy of an intimate image must not sit in /tmp until the disk is reused.
Each uploaded file here is encrypted as it arrives (the vault's chunked AES-256-GCM format,
``crypto.BlobEncryptor``) with a fresh random key, into an unlinked temporary file; the
view reads it back decrypted, as many times as it needs, and the bytes become unreadable
once the request ends and the key is gone. Memory stays at a chunk or two per file.
"""

from __future__ import annotations

import io
import os
import secrets
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from onrecord.vault import crypto


class _SpoolReader(io.RawIOBase):
    """The spool file read at its own position (``pread``): readers never disturb each other."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = os.pread(self._fd, len(buffer), self._position)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)


class _DecryptingReader(io.RawIOBase):
    """A read-only stream over the plaintext of an encrypted spool file."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            piece = next(self._chunks, None)
            if piece is None:
                return 0
            self._pending = memoryview(piece)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


class SpooledUpload(UploadedFile):
    """An uploaded file held encrypted on disk; ``reopen()`` gives a fresh plaintext stream."""

    def __init__(
        self,
        spool: IO[bytes],
        key: bytes,
        name: str,
        content_type: str,
        size: int,
        charset: str | None,
    ) -> None:
        self._spool = spool
        self._key = key
        super().__init__(self.reopen(), name, content_type, size, charset)

    def reopen(self) -> IO[bytes]:
        """The plaintext from the start (each call independent of the others' positions)."""
        ciphertext = io.BufferedReader(_SpoolReader(self._spool.fileno()))
        return io.BufferedReader(_DecryptingReader(crypto.iter_decrypt(self._key, ciphertext)))

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        stream = self.reopen()
        while data := stream.read(chunk_size or self.DEFAULT_CHUNK_SIZE):
            yield data

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> SpooledUpload:
        self.file = self.reopen()
        return self

    def close(self) -> None:
        self._key = b""
        self._spool.close()


class EncryptedSpoolHandler(FileUploadHandler):
    """Django upload handler: every file goes to an encrypted spool, never memory or plaintext."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._key = secrets.token_bytes(32)
        self._spool: IO[bytes] = tempfile.TemporaryFile(prefix="onrecord-upload-")  # noqa: SIM115
        self._encryptor = crypto.BlobEncryptor(self._key)
        self._spool.write(self._encryptor.header())

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._spool.write(self._encryptor.update(raw_data))
        return None

    def file_complete(self, file_size: int) -> SpooledUpload:
        self._spool.write(self._encryptor.finalize())
        self._spool.flush()
        return SpooledUpload(
            self._spool,
            self._key,
            self.file_name or "",
            self.content_type or "application/octet-stream",
            file_size,
            self.charset,
        )

    def upload_interrupted(self) -> None:
        spool = getattr(self, "_spool", None)
        if spool is not None:
            spool.close()
