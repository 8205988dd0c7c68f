"""Uploads spooled encrypted: never whole in memory, never plaintext on disk, read back exactly."""

from __future__ import annotations

import hashlib
import os
import random
import tracemalloc
from collections.abc import Iterator

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onrecord.cases.models import Evidence
from onrecord.web.uploads import EncryptedSpoolHandler, SpooledUpload
from web.conftest import SERVER_MODE, STAFF_PASSWORD, Org

MARKER = b"SYNTHETIC-PLAINTEXT-MARKER "


def spool(pieces: Iterator[bytes], size: int) -> SpooledUpload:
    """Feed an upload through the handler as Django's multipart parser does."""
    handler = EncryptedSpoolHandler()
    handler.new_file("files", "shot.png", "image/png", size)
    start = 0
    for piece in pieces:
        handler.receive_data_chunk(piece, start)
        start += len(piece)
    return handler.file_complete(start)


def raw_spool(upload: SpooledUpload) -> bytes:
    fd = upload._spool.fileno()
    return os.pread(fd, os.fstat(fd).st_size, 0)


def test_the_spool_holds_ciphertext_and_every_reader_gets_the_exact_bytes() -> None:
    rng = random.Random(7)
    data = MARKER * 50_000 + rng.randbytes(3 * 1024 * 1024 + 17)  # crosses chunk boundaries
    upload = spool((data[i : i + 65_536] for i in range(0, len(data), 65_536)), len(data))
    try:
        assert upload.size == len(data) and upload.name == "shot.png"
        assert MARKER not in raw_spool(upload)
        first, second = upload.reopen(), upload.reopen()
        halves = first.read(1_000_000), second.read(2_500_000), first.read(), second.read()
        assert halves[0] + halves[2] == data and halves[1] + halves[3] == data
        assert b"".join(upload.chunks()) == data
        assert upload.read() == data  # the file Django hands the view reads from the start
    finally:
        upload.close()
    assert upload._spool.closed


def test_an_empty_upload_is_kept_as_an_empty_file() -> None:
    upload = spool(iter(()), 0)
    assert upload.size == 0 and upload.reopen().read() == b""
    upload.close()


def test_a_large_upload_does_not_sit_in_memory() -> None:
    size, piece = 96 * 1024 * 1024, 64 * 1024
    block = random.Random(3).randbytes(piece)
    tracemalloc.start()
    try:
        upload = spool((block for _ in range(size // piece)), size)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    upload.close()
    expected = hashlib.sha256()
    for _ in range(size // piece):
        expected.update(block)
    assert digest.hexdigest() == expected.hexdigest()
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a 96 MiB upload"


@SERVER_MODE[0]
@SERVER_MODE[1]
def test_an_upload_through_the_web_app_becomes_an_exhibit_with_its_exact_hash(org: Org) -> None:
    data = MARKER + random.Random(11).randbytes(2 * 1024 * 1024 + 5)
    client = Client()
    login = client.post("/login", {"email": org.email("advocate"), "password": STAFF_PASSWORD})
    assert login.status_code == 302
    sent = client.post(
        f"/cases/{org.case_a.pk}/evidence/upload",
        {"files": SimpleUploadedFile("synthetic-shot.png", data, "image/png")},
    )
    assert sent.status_code == 302
    stored = Evidence.objects.get(case=org.case_a, original_name="synthetic-shot.png")
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert b"".join(org.vault.blobs.open_chunks(stored.blob_id)) == data
