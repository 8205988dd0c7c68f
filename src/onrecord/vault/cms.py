"""The little DER and CMS that trusted time needs and ``rfc3161-client`` does not offer.

Two things: writing a ``TimeStampReq`` from a digest (the library builds requests only
from the data, and evidence is hashed long before, while it streams into the vault), and
checking a token's CMS signature with the certificate inside it when the authority sent
no root to chain to (the library's verifier needs one). Everything else about tokens
goes through ``rfc3161-client``. Readers here are strict about what they look for and
answer None ("cannot tell") for any shape or algorithm they do not know.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

_SHA256_ALGORITHM = bytes.fromhex("300d06096086480165030402010500")  # AlgorithmIdentifier
_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
}
_SIGNATURE_DIGESTS: dict[str, type[hashes.HashAlgorithm] | None] = {
    "1.2.840.113549.1.1.1": None,  # rsaEncryption: the SignerInfo's digest algorithm
    "1.2.840.113549.1.1.11": hashes.SHA256,
    "1.2.840.113549.1.1.12": hashes.SHA384,
    "1.2.840.113549.1.1.13": hashes.SHA512,
    "1.2.840.10045.4.3.2": hashes.SHA256,
    "1.2.840.10045.4.3.3": hashes.SHA384,
    "1.2.840.10045.4.3.4": hashes.SHA512,
    "1.3.101.112": None,  # Ed25519
}


# -- writing --------------------------------------------------------------------------


def timestamp_request(digest: bytes, nonce: int) -> bytes:
    """DER ``TimeStampReq`` (RFC 3161 2.4.1): v1, SHA-256 imprint, nonce, certReq true."""
    imprint = _der(0x30, _SHA256_ALGORITHM + _der(0x04, digest))
    return _der(0x30, _der_int(1) + imprint + _der_int(nonce) + b"\x01\x01\xff")


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _der_int(value: int) -> bytes:
    """A non-negative INTEGER: big-endian, with a leading zero when the top bit is set."""
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


# -- reading --------------------------------------------------------------------------


class _ShapeError(Exception):
    """The bytes are not the structure looked for."""


def _children(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[int, int, int]]:
    """(tag, content start, content end) of each element between ``start`` and ``end``."""
    end = len(data) if end is None else end
    found = []
    pos = start
    while pos < end:
        if pos + 2 > end:
            raise _ShapeError
        tag, size = data[pos], data[pos + 1]
        pos += 2
        if size & 0x80:
            count = size & 0x7F
            if count == 0 or count > 4 or pos + count > end:
                raise _ShapeError
            size = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        if pos + size > end:
            raise _ShapeError
        found.append((tag, pos, pos + size))
        pos += size
    return found


def _only(data: bytes, start: int, end: int, tag: int) -> tuple[int, int]:
    items = _children(data, start, end)
    if len(items) != 1 or items[0][0] != tag:
        raise _ShapeError
    return items[0][1], items[0][2]


def _oid(content: bytes) -> str:
    values, value = [], 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            values.append(value)
            value = 0
    if not values:
        raise _ShapeError
    first = min(values[0] // 40, 2)
    return ".".join(map(str, [first, values[0] - 40 * first, *values[1:]]))


def _algorithm(data: bytes, start: int, end: int) -> str:
    parts = _children(data, start, end)
    if not parts or parts[0][0] != 0x06:
        raise _ShapeError
    return _oid(data[parts[0][1] : parts[0][2]])


def signature_verifies(token: bytes, signer: x509.Certificate) -> bool | None:
    """Does the token's one SignerInfo verify with ``signer``'s key over its content?

    ``token`` is the CMS ContentInfo (``TimeStampResponse.time_stamp_token()``). True or
    False; None when the token's shape or algorithms are ones this reader does not know.
    """
    try:
        return _signature_verifies(token, signer)
    except (_ShapeError, IndexError, ValueError):
        return None


def _signature_verifies(token: bytes, signer: x509.Certificate) -> bool | None:
    start, end = _only(token, 0, len(token), 0x30)
    content_info = _children(token, start, end)
    signed_start, signed_end = _only(token, content_info[1][1], content_info[1][2], 0x30)
    signed = _children(token, signed_start, signed_end)
    encap = _children(token, signed[2][1], signed[2][2])
    wrapped = _only(token, encap[1][1], encap[1][2], 0x04)
    content = token[wrapped[0] : wrapped[1]]
    if signed[-1][0] != 0x31:
        raise _ShapeError
    infos = _children(token, signed[-1][1], signed[-1][2])
    if len(infos) != 1:
        return None
    info = _children(token, infos[0][1], infos[0][2])
    digest_type = _DIGESTS.get(_algorithm(token, info[2][1], info[2][2]))
    if digest_type is None or info[3][0] != 0xA0:
        return None  # an unknown digest, or no signed attributes (RFC 3161 requires them)
    attrs_start, attrs_end = info[3][1], info[3][2]
    hasher = hashes.Hash(digest_type())
    hasher.update(content)
    wanted = hasher.finalize()
    if _message_digest(token, attrs_start, attrs_end) != wanted:
        return False
    signature_oid = _algorithm(token, info[4][1], info[4][2])
    if signature_oid not in _SIGNATURE_DIGESTS:
        return None
    hash_type = _SIGNATURE_DIGESTS[signature_oid] or digest_type
    signed_bytes = _der(0x31, token[attrs_start:attrs_end])  # signed as a SET (RFC 5652 5.4)
    signature = token[info[5][1] : info[5][2]]
    key = signer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed_bytes, padding.PKCS1v15(), hash_type())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed_bytes, ec.ECDSA(hash_type()))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, signed_bytes)
        else:
            return None
    except InvalidSignature:
        return False
    return True


def _message_digest(token: bytes, start: int, end: int) -> bytes | None:
    for _tag, a_start, a_end in _children(token, start, end):
        parts = _children(token, a_start, a_end)
        if parts[0][0] == 0x06 and _oid(token[parts[0][1] : parts[0][2]]) == _MESSAGE_DIGEST:
            value_start, value_end = _only(token, parts[1][1], parts[1][2], 0x04)
            return token[value_start:value_end]
    return None
