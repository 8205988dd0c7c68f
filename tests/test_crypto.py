"""Tests for onrecord.vault.crypto: key hierarchy and the chunked blob format."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from onrecord.errors import TamperedError, VaultError, VaultLockedError
from onrecord.vault import crypto
from onrecord.vault.crypto import (
    CHUNK_SIZE,
    HEADER_SIZE,
    TAG_SIZE,
    BlobEncryptor,
    KdfParams,
    KeyFile,
    blob_name,
    create_key_file,
    derive_kek,
    encrypted_size,
    iter_decrypt,
    rewrap,
    subkey,
    unlock,
    unlock_with_recovery,
)

FAST = KdfParams(memory_kib=8192, time_cost=1, parallelism=1)
SEALED = CHUNK_SIZE + TAG_SIZE
MASTER = bytes(range(32))


def encrypt(master: bytes, plain: bytes, pieces: list[int] | None = None) -> bytes:
    enc = BlobEncryptor(master)
    out = [enc.header()]
    pos = 0
    sizes = pieces or [len(plain)]
    i = 0
    while pos < len(plain):
        n = sizes[i % len(sizes)]
        out.append(enc.update(plain[pos : pos + n]))
        pos += n
        i += 1
    out.append(enc.finalize())
    return b"".join(out)


def decrypt(master: bytes, blob: bytes) -> bytes:
    return b"".join(iter_decrypt(master, io.BytesIO(blob)))


def chunks_of(blob: bytes) -> tuple[bytes, list[bytes]]:
    body = blob[HEADER_SIZE:]
    return blob[:HEADER_SIZE], [body[i : i + SEALED] for i in range(0, len(body), SEALED)]


def flip(data: bytes, pos: int) -> bytes:
    return data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1 :]


# --- key hierarchy -----------------------------------------------------------


def test_create_and_unlock() -> None:
    kf, master, recovery = create_key_file("correct horse", FAST, with_recovery=False)
    assert len(master) == 32
    assert recovery is None
    assert kf.recovery is None
    assert unlock(kf, "correct horse") == master


def test_wrong_passphrase() -> None:
    kf, _, _ = create_key_file("correct horse", FAST, with_recovery=True)
    with pytest.raises(VaultLockedError, match="passphrase does not unlock this vault"):
        unlock(kf, "Correct horse")


def test_recovery_key_unlocks_case_and_spaces_insensitive() -> None:
    kf, master, recovery = create_key_file("pw", FAST, with_recovery=True)
    assert recovery is not None
    groups = recovery.split("-")
    assert len(groups) == 13
    assert all(len(g) == 4 for g in groups)
    assert unlock_with_recovery(kf, recovery) == master
    assert unlock_with_recovery(kf, " ".join(groups).lower()) == master
    assert unlock_with_recovery(kf, recovery.replace("-", "")) == master


def test_wrong_or_malformed_recovery_key() -> None:
    kf, _, recovery = create_key_file("pw", FAST, with_recovery=True)
    other = create_key_file("pw", FAST, with_recovery=True)[2]
    assert recovery is not None
    assert other is not None
    with pytest.raises(VaultLockedError, match="recovery key does not unlock this vault"):
        unlock_with_recovery(kf, other)
    with pytest.raises(VaultLockedError, match="not a recovery key"):
        unlock_with_recovery(kf, recovery[:-5])
    kf_none, _, _ = create_key_file("pw", FAST, with_recovery=False)
    with pytest.raises(VaultLockedError, match="without a recovery key"):
        unlock_with_recovery(kf_none, recovery)


def test_rewrap_keeps_master_and_retires_old_passphrase() -> None:
    kf, master, recovery = create_key_file("old pass", FAST, with_recovery=True)
    assert recovery is not None
    new_params = KdfParams(memory_kib=16384, time_cost=1, parallelism=1)
    kf2 = rewrap(kf, master, "new pass", new_params)
    assert kf2.params == new_params
    assert unlock(kf2, "new pass") == master
    with pytest.raises(VaultLockedError, match="passphrase does not unlock"):
        unlock(kf2, "old pass")
    assert kf2.recovery == kf.recovery
    assert unlock_with_recovery(kf2, recovery) == master


def test_wrapped_key_is_bound_to_its_slot_name() -> None:
    salt = os.urandom(16)
    kek = derive_kek(b"pw", salt, FAST)
    good = KeyFile(params=FAST, passphrase=crypto._wrap(kek, salt, MASTER, "passphrase"))
    assert unlock(good, "pw") == MASTER
    moved = KeyFile(params=FAST, passphrase=crypto._wrap(kek, salt, MASTER, "recovery"))
    with pytest.raises(VaultLockedError, match="passphrase does not unlock"):
        unlock(moved, "pw")


def test_key_file_json_round_trip() -> None:
    kf, master, recovery = create_key_file("pw", FAST, with_recovery=True)
    assert recovery is not None
    data = kf.to_json()
    doc = json.loads(data)
    assert doc["version"] == 1
    assert doc["kdf"] == "argon2id"
    kf2 = KeyFile.from_json(data)
    assert kf2 == kf
    assert unlock(kf2, "pw") == master
    assert unlock_with_recovery(kf2, recovery) == master
    kf3, _, _ = create_key_file("pw", FAST, with_recovery=False)
    assert KeyFile.from_json(kf3.to_json()) == kf3


_GOOD_KEYS_JSON = create_key_file("pw", FAST, with_recovery=True)[0].to_json()


def _mutated(mutate: Callable[[dict[str, Any]], object]) -> bytes:
    doc = json.loads(_GOOD_KEYS_JSON)
    mutate(doc)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "damaged"),
        (b"{not json", "damaged"),
        (b"[1, 2]", "format 'onrecord-keys'"),
        (_mutated(lambda d: d.update(version=2)), "format version 2"),
        (_mutated(lambda d: d.update(kdf="scrypt")), "unknown key derivation 'scrypt'"),
        (_mutated(lambda d: d.pop("slots")), "field 'slots' is missing"),
        (_mutated(lambda d: d["kdf_params"].update(time_cost=0)), "time_cost"),
        (_mutated(lambda d: d["kdf_params"].update(memory_kib="64")), "memory_kib"),
        (
            _mutated(lambda d: d["slots"]["passphrase"].update(salt="!!")),
            "passphrase.salt is missing or not valid base64",
        ),
        (
            _mutated(
                lambda d: d["slots"]["passphrase"].update(nonce=base64.b64encode(b"x").decode())
            ),
            "passphrase.nonce is 1 bytes, expected 12",
        ),
        (_mutated(lambda d: d["slots"].update(passphrase=None)), "slot 'passphrase' is missing"),
        (_mutated(lambda d: d["slots"]["recovery"].pop("nonce")), "recovery.nonce is missing"),
        (
            _mutated(lambda d: d["kdf_params"].update(memory_kib=8, parallelism=4)),
            "memory_kib must be at least 8 * parallelism",
        ),
    ],
)
def test_malformed_key_file(data: bytes, problem: str) -> None:
    with pytest.raises(VaultError, match=r"keys\.json") as info:
        KeyFile.from_json(data)
    assert problem in str(info.value)
    assert not isinstance(info.value, VaultLockedError)


def test_subkeys_are_distinct_and_stable() -> None:
    keys = {p: subkey(MASTER, p) for p in ("database", "blob-names", "signing-key-wrap")}
    assert len(set(keys.values())) == 3
    assert all(len(k) == 32 for k in keys.values())
    assert subkey(MASTER, "database") == keys["database"]
    assert subkey(os.urandom(32), "database") != keys["database"]


def test_blob_name_hides_hash() -> None:
    digest = hashlib.sha256(b"evidence").hexdigest()
    key = subkey(MASTER, "blob-names")
    name = blob_name(key, digest)
    assert len(name) == 64
    assert name != digest
    assert blob_name(key, digest.upper()) == name
    assert blob_name(subkey(MASTER, "other"), digest) != name
    with pytest.raises(ValueError):
        blob_name(key, "abcd")


# --- blob format -------------------------------------------------------------

SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 5]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "pieces", [None, [1, 7, 65536, 999_983, 1], [CHUNK_SIZE], [3 * CHUNK_SIZE]]
)
def test_round_trip(size: int, pieces: list[int] | None) -> None:
    plain = os.urandom(size)
    blob = encrypt(MASTER, plain, pieces)
    assert len(blob) == encrypted_size(size)
    assert blob.startswith(b"ONRBLOB1")
    chunks = list(iter_decrypt(MASTER, io.BytesIO(blob)))
    assert b"".join(chunks) == plain
    assert all(len(c) == CHUNK_SIZE for c in chunks[:-1])
    assert len(chunks) == max(1, -(-size // CHUNK_SIZE))


def test_update_accepts_bytearray_and_memoryview() -> None:
    plain = os.urandom(2 * CHUNK_SIZE + 3)
    enc = BlobEncryptor(MASTER)
    parts = [enc.header(), enc.update(bytearray(plain[:10])), enc.update(memoryview(plain)[10:])]
    parts.append(enc.finalize())
    assert decrypt(MASTER, b"".join(parts)) == plain
    with pytest.raises(ValueError, match="finalized"):
        enc.update(b"x")


def test_same_plaintext_encrypts_differently() -> None:
    assert encrypt(MASTER, b"same") != encrypt(MASTER, b"same")


def test_encrypted_size() -> None:
    assert encrypted_size(0) == HEADER_SIZE + TAG_SIZE
    assert encrypted_size(CHUNK_SIZE) == HEADER_SIZE + CHUNK_SIZE + TAG_SIZE
    assert encrypted_size(CHUNK_SIZE + 1) == HEADER_SIZE + CHUNK_SIZE + 1 + 2 * TAG_SIZE


@pytest.fixture(scope="module")
def blob3() -> tuple[bytes, bytes]:
    """A blob of three chunks (two full, one short) and its plaintext."""
    plain = os.urandom(2 * CHUNK_SIZE + 100)
    return plain, encrypt(MASTER, plain)


def test_wrong_master_key(blob3: tuple[bytes, bytes]) -> None:
    with pytest.raises(TamperedError, match="chunk 0 failed authentication"):
        decrypt(os.urandom(32), blob3[1])


@pytest.mark.parametrize(
    ("pos", "problem"),
    [
        (0, "not an onrecord blob (bad header)"),
        (7, "not an onrecord blob (bad header)"),
        (20, "chunk 0 failed authentication"),  # the per-blob salt
        (HEADER_SIZE + 5, "chunk 0 failed authentication"),  # ciphertext
        (HEADER_SIZE + SEALED - 1, "chunk 0 failed authentication"),  # tag
        (HEADER_SIZE + SEALED + 1000, "chunk 1 failed authentication"),
        (-1, "chunk 2 failed authentication"),  # tag of the final chunk
    ],
)
def test_flipped_byte(blob3: tuple[bytes, bytes], pos: int, problem: str) -> None:
    blob = blob3[1]
    with pytest.raises(TamperedError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        decrypt(MASTER, flip(blob, pos % len(blob)))


def test_swapped_chunks(blob3: tuple[bytes, bytes]) -> None:
    header, c = chunks_of(blob3[1])
    with pytest.raises(
        TamperedError, match=r"chunk 0 failed authentication: .*reordered or swapped"
    ):
        decrypt(MASTER, header + c[1] + c[0] + c[2])


def test_chunk_from_other_blob_spliced_in(blob3: tuple[bytes, bytes]) -> None:
    header, c = chunks_of(blob3[1])
    _, other = chunks_of(encrypt(MASTER, os.urandom(2 * CHUNK_SIZE + 100)))
    with pytest.raises(TamperedError, match=r"chunk 1 failed authentication: .*swapped"):
        decrypt(MASTER, header + c[0] + other[1] + c[2])


def test_header_from_other_blob(blob3: tuple[bytes, bytes]) -> None:
    other = encrypt(MASTER, b"other")
    with pytest.raises(TamperedError, match="chunk 0 failed authentication"):
        decrypt(MASTER, other[:HEADER_SIZE] + blob3[1][HEADER_SIZE:])


def test_truncated_at_chunk_boundary(blob3: tuple[bytes, bytes]) -> None:
    header, c = chunks_of(blob3[1])
    msg = "ends before its final chunk: it was truncated after chunk 1"
    with pytest.raises(TamperedError, match=msg):
        decrypt(MASTER, header + c[0] + c[1])
    # Chunks before the damage are still yielded, one at a time.
    it = iter_decrypt(MASTER, io.BytesIO(header + c[0] + c[1]))
    assert next(it) == blob3[0][:CHUNK_SIZE]


def test_truncated_to_header_or_less(blob3: tuple[bytes, bytes]) -> None:
    with pytest.raises(TamperedError, match="truncated after the header"):
        decrypt(MASTER, blob3[1][:HEADER_SIZE])
    with pytest.raises(TamperedError, match=r"not an onrecord blob \(bad header\)"):
        decrypt(MASTER, blob3[1][: HEADER_SIZE - 1])
    with pytest.raises(TamperedError, match=r"bad header"):
        decrypt(MASTER, b"")


@pytest.mark.parametrize("cut", [1, 16, 17, 99])
def test_truncated_mid_chunk(blob3: tuple[bytes, bytes], cut: int) -> None:
    with pytest.raises(TamperedError, match=r"chunk 2 failed authentication: .*truncated"):
        decrypt(MASTER, blob3[1][:-cut])


def test_truncated_mid_full_chunk(blob3: tuple[bytes, bytes]) -> None:
    with pytest.raises(TamperedError, match=r"chunk 1 failed authentication: .*truncated"):
        decrypt(MASTER, blob3[1][: HEADER_SIZE + SEALED + 500])


def test_data_appended_after_full_final_chunk() -> None:
    blob = encrypt(MASTER, os.urandom(CHUNK_SIZE))
    with pytest.raises(TamperedError, match="data after the final chunk: chunk 0"):
        decrypt(MASTER, blob + b"extra")


def test_data_appended_after_short_final_chunk(blob3: tuple[bytes, bytes]) -> None:
    # Without a length field the end of a short final chunk is only known from the file's
    # end, so appended bytes make that chunk fail authentication.
    with pytest.raises(TamperedError, match=r"chunk 2 failed authentication: .*extended"):
        decrypt(MASTER, blob3[1] + b"x")
    with pytest.raises(TamperedError, match="chunk 2 failed authentication"):
        decrypt(MASTER, blob3[1] + os.urandom(SEALED))


def test_final_chunk_appended_twice() -> None:
    blob = encrypt(MASTER, os.urandom(CHUNK_SIZE))
    header, c = chunks_of(blob)
    with pytest.raises(TamperedError, match="data after the final chunk"):
        decrypt(MASTER, header + c[0] + c[0])


def test_decrypt_reads_from_short_read_stream(blob3: tuple[bytes, bytes]) -> None:
    class Dribble(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            chunk = self._data.read(min(len(b), 70_001))
            b[: len(chunk)] = chunk
            return len(chunk)

    stream: Any = Dribble(blob3[1])
    assert b"".join(iter_decrypt(MASTER, stream)) == blob3[0]
