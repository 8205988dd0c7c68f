"""Trusted time: RFC 3161 timestamp tokens from the time-stamping authority the person chose.

The vault's own signature on a custody-log head proves the vault signed it, not when: a
person holding the key could sign a backdated head. A time-stamping authority (TSA) is a
third party that signs "this hash existed at this time". When ``ONRECORD_TSA_URL`` is set,
each new signed head (and each capture, through ``stamp``) gets such a token.

Only the configured address is contacted, once per seal (not per entry), with the hash
alone: nothing of the evidence leaves the machine. Redirects are refused, so the request
never goes anywhere else. A TSA that is down never costs a head or an exhibit: heads are
committed first and stamped after (``stamp_head_after_commit``), and a failure is a warning.

Replies are parsed and verified with ``rfc3161-client``; ``cms`` writes the request (the
library builds one only from the data, and evidence is hashed long before) and checks a
signature when the authority sent no root to chain to; ``tokens`` checks stored tokens.
The reply is stored whole, as received, with the certificates it carried, so ``verify``
can check the signature and say who vouched.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import urllib.error
import urllib.request
from datetime import UTC, datetime
from email.message import Message
from typing import IO
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.db import transaction
from rfc3161_client import (
    PKIStatus,
    TimeStampResponse,
    decode_timestamp_response,
)

from onrecord.config import load_config
from onrecord.errors import TimestampError
from onrecord.vault import cms
from onrecord.vault.models import TimestampToken
from onrecord.vault.tokens import SHA256_OID, TokenCheck, signer_certificate, verify_token

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15
MAX_REPLY_BYTES = 1024 * 1024


def configured_tsa_url() -> str:
    """``ONRECORD_TSA_URL`` (or the config file's ``tsa_url``); empty when none is set."""
    return load_config().get("tsa_url").strip()


def head_subject(log: str, tree_size: int) -> str:
    return f"{log}:{tree_size}"


# -- asking ---------------------------------------------------------------------------


def request_token(tsa_url: str, digest: bytes) -> bytes:
    """Ask the TSA at ``tsa_url`` to timestamp a SHA-256 digest; the reply, checked, as DER.

    Checked: the status is granted, the token covers this digest with SHA-256, and it
    echoes this request's random nonce (so it is not a replayed older answer).
    """
    if len(digest) != 32:
        raise ValueError("a SHA-256 digest is 32 bytes")
    nonce = secrets.randbits(64)
    reply = _post(tsa_url, cms.timestamp_request(digest, nonce))
    response = _decode(reply, tsa_url)
    if response.status != PKIStatus.GRANTED:
        status = _status_name(response.status)
        said = "; ".join(response.status_string)
        raise TimestampError(
            f"The time-stamping authority at {tsa_url} refused to timestamp ({status}"
            + (f": {said}" if said else "")
            + "). Check ONRECORD_TSA_URL, or ask the authority why."
        )
    info = response.tst_info
    if (
        info.message_imprint.hash_algorithm.dotted_string != SHA256_OID
        or info.message_imprint.message != digest
    ):
        raise TimestampError(
            f"The time-stamping authority at {tsa_url} answered with a token for another "
            "hash than the one sent. The token was not kept; check ONRECORD_TSA_URL."
        )
    if info.nonce != nonce:
        raise TimestampError(
            f"The time-stamping authority at {tsa_url} answered with a token for another "
            "request (its nonce differs): an old or replayed answer. The token was not kept."
        )
    return reply


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Only the configured address is ever contacted: a redirect is an error, not a hop."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


def _post(tsa_url: str, body: bytes) -> bytes:
    parts = urlsplit(tsa_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TimestampError(
            f"ONRECORD_TSA_URL must be an http:// or https:// address, not {tsa_url!r}."
        )
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        tsa_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/timestamp-query",
            "Accept": "application/timestamp-reply",
        },
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
            reply: bytes = answer.read(MAX_REPLY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        where = exc.headers.get("Location") if 300 <= exc.code < 400 else None
        raise TimestampError(
            f"The time-stamping authority at {tsa_url} answered HTTP {exc.code} {exc.reason}"
            + (
                f" (a redirect to {where}; onrecord contacts only the configured address: set "
                "ONRECORD_TSA_URL to it if you trust it)."
                if where
                else ". Check ONRECORD_TSA_URL, or try again later."
            )
        ) from None
    except urllib.error.URLError as exc:
        raise TimestampError(
            f"Could not reach the time-stamping authority at {tsa_url}: {exc.reason}. "
            "Check ONRECORD_TSA_URL and the network connection."
        ) from None
    except (TimeoutError, OSError) as exc:
        raise TimestampError(
            f"The time-stamping authority at {tsa_url} did not answer in time ({exc}). "
            "Try again later."
        ) from None
    if len(reply) > MAX_REPLY_BYTES:
        raise TimestampError(
            f"The time-stamping authority at {tsa_url} sent more than a timestamp reply "
            "(over 1 MiB). Check ONRECORD_TSA_URL."
        )
    return reply


def _decode(reply: bytes, tsa_url: str) -> TimeStampResponse:
    try:
        return decode_timestamp_response(reply)
    except ValueError as exc:
        raise TimestampError(
            f"The answer of {tsa_url} is not an RFC 3161 timestamp reply onrecord can read "
            f"({str(exc)[:200]}). Check ONRECORD_TSA_URL."
        ) from None


def _status_name(status: int) -> str:
    try:
        return PKIStatus(status).name.lower().replace("_", " ")
    except ValueError:
        return f"status {status}"


# -- keeping --------------------------------------------------------------------------


def stamp(subject_kind: str, subject: str, digest_hex: str) -> TimestampToken | None:
    """Get, check and store a token for a SHA-256; None when no TSA is configured.

    Raises TimestampError when the TSA cannot give a token that verifies; the caller
    decides what that means (for a head, a warning: ``stamp_head_after_commit``).
    """
    url = configured_tsa_url()
    if not url:
        return None
    if subject_kind not in TimestampToken.KINDS:
        raise ValueError(f"subject_kind must be one of {TimestampToken.KINDS}")
    digest = bytes.fromhex(digest_hex)
    if len(digest) != 32:
        raise ValueError("digest_hex must be a SHA-256 in hex (64 characters)")
    reply = request_token(url, digest)
    check = verify_token(reply, digest, None)
    if check.state == "altered" or check.gen_time is None:
        raise TimestampError(
            f"The time-stamping authority at {url} sent a token that does not verify: "
            f"{check.detail}. The token was not kept."
        )
    response = decode_timestamp_response(reply)
    return TimestampToken.objects.create(
        subject_kind=subject_kind,
        subject=subject,
        digest=digest.hex(),
        token=reply,
        chain=_pem_chain(response),
        tsa_url=url,
        gen_time=check.gen_time,
        created=datetime.now(UTC),
    )


def stamp_head_after_commit(log: str, tree_size: int, message: bytes) -> None:
    """Timestamp a signed head once its transaction has committed.

    After, so the TSA's round trip never holds the database's write lock and a TSA that
    fails can never roll back the head or what it covers: the failure is a warning on
    stderr (the logging module's last-resort handler when nothing else is configured).
    """
    if not configured_tsa_url():
        return
    subject = head_subject(log, tree_size)
    digest_hex = hashlib.sha256(message).hexdigest()

    def run() -> None:
        try:
            stamp("head", subject, digest_hex)
        except TimestampError as exc:
            logger.warning(
                "Warning: the new signed head of custody log %s (%s entries) is stored, but "
                "has no trusted time. %s `onrecord verify` lists it as not timestamped; the "
                "next change asks the authority again.",
                log,
                tree_size,
                exc,
            )

    transaction.on_commit(run)


def tokens_for(subject_kind: str, subject: str) -> list[TimestampToken]:
    return list(TimestampToken.objects.filter(subject_kind=subject_kind, subject=subject))


def chain_der(token: TimestampToken) -> list[bytes]:
    """The certificates stored with a token, DER, as ``verify_token`` takes them."""
    if not token.chain.strip():
        return []
    certs = x509.load_pem_x509_certificates(token.chain.encode())
    return [c.public_bytes(Encoding.DER) for c in certs]


def _pem_chain(response: TimeStampResponse) -> str:
    embedded = set(response.signed_data.certificates)
    signer = signer_certificate(response, embedded)
    certs = [x509.load_der_x509_certificate(der) for der in sorted(embedded)]
    certs.sort(key=lambda c: c != signer)  # the signer first, then the others
    return "".join(c.public_bytes(Encoding.PEM).decode() for c in certs)


__all__ = [
    "TokenCheck",
    "chain_der",
    "configured_tsa_url",
    "head_subject",
    "request_token",
    "stamp",
    "stamp_head_after_commit",
    "tokens_for",
    "verify_token",
]
