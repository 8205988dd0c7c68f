"""Encryption at rest: the key hierarchy and the streaming blob format.

Key hierarchy (all keys 32 bytes)::

    passphrase --Argon2id(salt, params)--> KEK --AES-256-GCM unwrap--> master key
    recovery key --HKDF-SHA256(salt)-----> KEK --AES-256-GCM unwrap--> master key
    master key --HKDF-SHA256(info="onrecord subkey v1:" + purpose)--> subkeys
    master key --HKDF-SHA256(salt=blob salt, info="onrecord blob v1")--> blob key

``keys.json`` holds, per slot, the KDF salt, the GCM nonce and the wrapped master key
(ciphertext + 16-byte tag), with AAD ``b"onrecord keys v1 slot=<name>"``. Passphrases are
NFC-normalised UTF-8; the recovery slot's KEK uses info ``b"onrecord recovery kek v1"``.

Blob file: ``b"ONRBLOB1"`` + 32-byte random salt (the 40-byte header), then chunks. Chunk
``i`` is AES-256-GCM under the blob key with nonce ``4 zero bytes + i`` (8 bytes, big
endian) and AAD ``header + i (8 bytes BE) + final flag (1 byte, 0 or 1)``, stored as
ciphertext + 16-byte tag. Every chunk holds exactly ``CHUNK_SIZE`` plaintext bytes except
the last, which holds 1..CHUNK_SIZE bytes (0 for an empty blob) and has the flag set.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import BinaryIO

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from onrecord.errors import TamperedError, VaultError, VaultLockedError

KEY_FILE_VERSION = 1
KDF_NAME = "argon2id"
KEY_SIZE = 32
SALT_SIZE = 16
NONCE_SIZE = 12
TAG_SIZE = 16
CHUNK_SIZE = 1024 * 1024
BLOB_MAGIC = b"ONRBLOB1"
BLOB_SALT_SIZE = 32
HEADER_SIZE = len(BLOB_MAGIC) + BLOB_SALT_SIZE
_SEALED_CHUNK = CHUNK_SIZE + TAG_SIZE

_MSG_LOCKED = (
    "The passphrase does not unlock this vault. Nothing was changed. "
    "Check the passphrase (it is case-sensitive) or use the recovery key."
)
_MSG_RECOVERY_LOCKED = (
    "The recovery key does not unlock this vault. Nothing was changed. "
    "Check that you typed every group of the key exactly as it was shown."
)


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters for the passphrase slot."""

    memory_kib: int = 65536
    time_cost: int = 3
    parallelism: int = 2


@dataclass(frozen=True)
class KeySlot:
    """One wrapped copy of the master key: KDF salt, GCM nonce, ciphertext + tag."""

    salt: bytes
    nonce: bytes
    wrapped_key: bytes


@dataclass(frozen=True)
class KeyFile:
    """The contents of ``keys.json``."""

    params: KdfParams
    passphrase: KeySlot
    recovery: KeySlot | None = None
    version: int = KEY_FILE_VERSION
    kdf: str = KDF_NAME

    def to_json(self) -> bytes:
        def slot(s: KeySlot | None) -> dict[str, str] | None:
            return None if s is None else {k: _b64(v) for k, v in asdict(s).items()}

        doc = {
            "format": "onrecord-keys",
            "version": self.version,
            "kdf": self.kdf,
            "kdf_params": asdict(self.params),
            "slots": {"passphrase": slot(self.passphrase), "recovery": slot(self.recovery)},
        }
        return json.dumps(doc, indent=2).encode("utf-8") + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> KeyFile:
        try:
            return _parse_key_file(data)
        except (ValueError, LookupError, TypeError, AttributeError, RecursionError) as exc:
            detail = f"the field {exc} is missing" if isinstance(exc, KeyError) else str(exc)
            raise VaultError(
                f"The key file (keys.json) is damaged or is not an onrecord key file: {detail}. "
                "Without it the vault cannot be opened; restore keys.json from a backup."
            ) from exc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: object, name: str, size: int) -> bytes:
    try:
        if not isinstance(value, str):
            raise ValueError(name)
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{name} is missing or not valid base64") from None
    if len(raw) != size:
        raise ValueError(f"{name} is {len(raw)} bytes, expected {size}")
    return raw


_PARAM_LIMITS = {"memory_kib": (8, 4 * 1024 * 1024), "time_cost": (1, 100), "parallelism": (1, 64)}
_SLOT_SIZES = {"salt": SALT_SIZE, "nonce": NONCE_SIZE, "wrapped_key": KEY_SIZE + TAG_SIZE}


def _parse_key_file(data: bytes) -> KeyFile:
    doc = json.loads(data)
    if not isinstance(doc, dict) or doc.get("format") != "onrecord-keys":
        raise ValueError("it does not say format 'onrecord-keys'")
    if doc.get("version") != KEY_FILE_VERSION:
        raise ValueError(
            f"format version {doc.get('version')!r} is not one this onrecord understands "
            f"(it reads version {KEY_FILE_VERSION}; a newer onrecord may be needed)"
        )
    if doc.get("kdf") != KDF_NAME:
        raise ValueError(f"unknown key derivation {doc.get('kdf')!r}, expected {KDF_NAME!r}")
    kp = doc["kdf_params"]
    for name, (low, high) in _PARAM_LIMITS.items():
        if type(kp[name]) is not int or not low <= kp[name] <= high:
            raise ValueError(f"kdf_params.{name} must be an integer from {low} to {high}")
    params = KdfParams(kp["memory_kib"], kp["time_cost"], kp["parallelism"])
    if params.memory_kib < 8 * params.parallelism:
        raise ValueError("kdf_params.memory_kib must be at least 8 * parallelism")
    slots = doc["slots"]

    def slot(name: str) -> KeySlot:
        s = slots[name]
        if not isinstance(s, dict):
            raise ValueError(f"slot {name!r} is missing")
        return KeySlot(**{f: _unb64(s.get(f), f"{name}.{f}", n) for f, n in _SLOT_SIZES.items()})

    recovery = slot("recovery") if slots.get("recovery") is not None else None
    return KeyFile(params=params, passphrase=slot("passphrase"), recovery=recovery)


def _hkdf(key: bytes, salt: bytes | None, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=salt, info=info).derive(key)


def derive_kek(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    """Argon2id(secret, salt) -> 32-byte key-encryption key."""
    return hash_secret_raw(
        secret,
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_SIZE,
        type=Type.ID,
    )


def _passphrase_bytes(passphrase: str) -> bytes:
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _slot_aad(name: str) -> bytes:
    return f"onrecord keys v{KEY_FILE_VERSION} slot={name}".encode("ascii")


def _wrap(kek: bytes, salt: bytes, master_key: bytes, name: str) -> KeySlot:
    nonce = os.urandom(NONCE_SIZE)
    return KeySlot(salt, nonce, AESGCM(kek).encrypt(nonce, master_key, _slot_aad(name)))


def _unwrap(kek: bytes, slot: KeySlot, name: str, message: str) -> bytes:
    try:
        return AESGCM(kek).decrypt(slot.nonce, slot.wrapped_key, _slot_aad(name))
    except InvalidTag:
        raise VaultLockedError(message) from None


def _wrap_passphrase(master_key: bytes, passphrase: str, params: KdfParams) -> KeySlot:
    if not passphrase:
        raise VaultError("The passphrase is empty. Choose a passphrase to protect the vault.")
    salt = os.urandom(SALT_SIZE)
    return _wrap(
        derive_kek(_passphrase_bytes(passphrase), salt, params), salt, master_key, "passphrase"
    )


def _recovery_kek(recovery_secret: bytes, salt: bytes) -> bytes:
    return _hkdf(recovery_secret, salt, b"onrecord recovery kek v1")


def format_recovery_key(secret: bytes) -> str:
    """Render 32 bytes as base32 (no padding) in dash-separated groups of four."""
    text = base64.b32encode(secret).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(recovery_key: str) -> bytes:
    """Inverse of :func:`format_recovery_key`: any case, spaces and dashes ignored."""
    text = "".join(recovery_key.split()).replace("-", "").upper()
    text = text.translate(str.maketrans("018", "OIB"))  # digits base32 never uses
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_SIZE:
        raise VaultLockedError(
            "That is not a recovery key: it should be 52 letters and digits in groups of "
            "four, as shown when the vault was created. Nothing was changed."
        )
    return raw


def create_key_file(
    passphrase: str, params: KdfParams, with_recovery: bool
) -> tuple[KeyFile, bytes, str | None]:
    """New master key wrapped under the passphrase (and a fresh recovery key if asked).

    Returns (key file, master key, recovery key to show the person once, or None).
    """
    master_key = os.urandom(KEY_SIZE)
    slot = _wrap_passphrase(master_key, passphrase, params)
    recovery_slot: KeySlot | None = None
    recovery_key: str | None = None
    if with_recovery:
        secret, salt = os.urandom(KEY_SIZE), os.urandom(SALT_SIZE)
        recovery_slot = _wrap(_recovery_kek(secret, salt), salt, master_key, "recovery")
        recovery_key = format_recovery_key(secret)
    return KeyFile(params=params, passphrase=slot, recovery=recovery_slot), master_key, recovery_key


def unlock(key_file: KeyFile, passphrase: str) -> bytes:
    """Master key from the passphrase, or VaultLockedError."""
    slot = key_file.passphrase
    kek = derive_kek(_passphrase_bytes(passphrase), slot.salt, key_file.params)
    return _unwrap(kek, slot, "passphrase", _MSG_LOCKED)


def unlock_with_recovery(key_file: KeyFile, recovery_key: str) -> bytes:
    """Master key from the recovery key, or VaultLockedError."""
    slot = key_file.recovery
    if slot is None:
        raise VaultLockedError(
            "This vault was created without a recovery key, so only its passphrase can "
            "unlock it. Nothing was changed."
        )
    kek = _recovery_kek(parse_recovery_key(recovery_key), slot.salt)
    return _unwrap(kek, slot, "recovery", _MSG_RECOVERY_LOCKED)


def rewrap(key_file: KeyFile, master_key: bytes, new_passphrase: str, params: KdfParams) -> KeyFile:
    """Key file whose passphrase slot wraps ``master_key`` under a new passphrase.

    The recovery slot is kept as is; ``master_key`` must come from :func:`unlock`.
    """
    if len(master_key) != KEY_SIZE:
        raise ValueError("master key must be 32 bytes")
    slot = _wrap_passphrase(master_key, new_passphrase, params)
    return KeyFile(params=params, passphrase=slot, recovery=key_file.recovery)


def subkey(master_key: bytes, purpose: str) -> bytes:
    """Independent 32-byte key for one purpose ("database", "blob-names", ...)."""
    if not purpose:
        raise ValueError("subkey purpose must not be empty")
    return _hkdf(master_key, None, b"onrecord subkey v1:" + purpose.encode("utf-8"))


def blob_name(names_key: bytes, sha256_hex: str) -> str:
    """Stored file name for a blob: HMAC-SHA256(names_key, raw SHA-256 digest), hex."""
    digest = bytes.fromhex(sha256_hex)
    if len(digest) != hashlib.sha256().digest_size:
        raise ValueError("sha256_hex must be 64 hex digits")
    return hmac.new(names_key, digest, hashlib.sha256).hexdigest()


def encrypted_size(plain_size: int) -> int:
    """Size of the blob file for ``plain_size`` plaintext bytes."""
    if plain_size < 0:
        raise ValueError("plain_size must not be negative")
    chunks = max(1, -(-plain_size // CHUNK_SIZE))
    return HEADER_SIZE + plain_size + chunks * TAG_SIZE


def _nonce(index: int) -> bytes:
    return b"\x00\x00\x00\x00" + index.to_bytes(8, "big")


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def _blob_aead(master_key: bytes, header: bytes) -> AESGCM:
    return AESGCM(_hkdf(master_key, header[len(BLOB_MAGIC) :], b"onrecord blob v1"))


class BlobEncryptor:
    """Streaming encryptor: write ``header()``, then every ``update()``, then ``finalize()``.

    Pending plaintext sits in one preallocated chunk buffer, and chunks are sealed into one
    reused output buffer: fresh multi-MiB allocations per call cost more than AES-GCM.
    """

    def __init__(self, master_key: bytes) -> None:
        self._header = BLOB_MAGIC + os.urandom(BLOB_SALT_SIZE)
        self._aead = _blob_aead(master_key, self._header)
        self._buf = bytearray(CHUNK_SIZE)
        self._fill = 0
        self._out = bytearray()
        self._index = 0
        self._done = False

    def header(self) -> bytes:
        return self._header

    def _seal(self, chunk: bytes | bytearray | memoryview, final: bool, dest: memoryview) -> int:
        nonce, aad = _nonce(self._index), _aad(self._header, self._index, final)
        self._index += 1
        return self._aead.encrypt_into(nonce, chunk, aad, dest)

    def update(self, data: bytes | bytearray | memoryview) -> bytes:
        """Buffer ``data``; return the ciphertext of every chunk now known not to be last."""
        if self._done:
            raise ValueError("BlobEncryptor already finalized")
        view = memoryview(data).cast("B")
        count = max(0, (self._fill + len(view) - 1) // CHUNK_SIZE)  # chunks known not last
        if len(self._out) < count * _SEALED_CHUNK:
            self._out = bytearray(count * _SEALED_CHUNK)
        out = memoryview(self._out)
        pos = 0
        while view:
            if self._fill == CHUNK_SIZE:  # full, and more data follows
                pos += self._seal(self._buf, False, out[pos : pos + _SEALED_CHUNK])
                self._fill = 0
            if self._fill == 0 and len(view) > CHUNK_SIZE:
                pos += self._seal(view[:CHUNK_SIZE], False, out[pos : pos + _SEALED_CHUNK])
                view = view[CHUNK_SIZE:]
                continue
            take = min(CHUNK_SIZE - self._fill, len(view))
            self._buf[self._fill : self._fill + take] = view[:take]
            self._fill += take
            view = view[take:]
        return bytes(out[:pos])

    def finalize(self) -> bytes:
        """Ciphertext of the last chunk (final flag set); no update() after this."""
        if self._done:
            raise ValueError("BlobEncryptor already finalized")
        self._done = True
        out = bytearray(self._fill + TAG_SIZE)
        self._seal(memoryview(self._buf)[: self._fill], True, memoryview(out))
        self._buf = self._out = bytearray()
        return bytes(out)


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    """Read ``size`` bytes, fewer only at end of stream (streams may return short reads)."""
    parts = [stream.read(size)]
    got = len(parts[0])
    while 0 < got < size and (more := stream.read(size - got)):
        parts.append(more)
        got += len(more)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def iter_decrypt(master_key: bytes, stream: BinaryIO) -> Iterator[bytes]:
    """Yield the plaintext of each chunk, or raise TamperedError naming the problem."""
    header = _read_exact(stream, HEADER_SIZE)
    if len(header) != HEADER_SIZE or not header.startswith(BLOB_MAGIC):
        raise TamperedError("not an onrecord blob (bad header): the file was altered or replaced")
    aead = _blob_aead(master_key, header)

    def open_chunk(sealed: bytes, index: int, final: bool) -> bytes | None:
        try:
            return aead.decrypt(_nonce(index), sealed, _aad(header, index, final))
        except InvalidTag:
            return None

    index = 0
    block = _read_exact(stream, _SEALED_CHUNK)
    if not block:
        raise TamperedError(
            "the blob ends before its final chunk: it was truncated after the header"
        )
    while True:
        # Only a chunk at the very end of the file may carry the final flag.
        last = len(block) < _SEALED_CHUNK or not (nxt := _read_exact(stream, _SEALED_CHUNK))
        plain = open_chunk(block, index, final=last)
        if plain is None:
            if open_chunk(block, index, final=not last) is None:
                how = "altered, truncated or extended" if last else "altered"
                raise TamperedError(
                    f"chunk {index} failed authentication: the blob was {how}, "
                    "or chunks were reordered or swapped"
                )
            if last:
                raise TamperedError(
                    f"the blob ends before its final chunk: it was truncated after chunk {index}"
                )
            raise TamperedError(
                f"data after the final chunk: chunk {index} is the blob's last chunk "
                "but more bytes follow it"
            )
        yield plain
        if last:
            return
        block, index = nxt, index + 1
