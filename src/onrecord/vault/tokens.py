"""Reading and checking stored RFC 3161 timestamp tokens (``timestamp`` gets them).

A check has three outcomes: ok, altered, or could not check. The signature must chain to
a self-signed certificate stored with the token, valid at the token's time; that root is
named as the authority that vouched, with its fingerprint, for a person to compare with
what the authority publishes. onrecord keeps no list of trusted authorities: the person
chose the TSA, and the token says which one it was. When the TSA sent no root, the
signature is checked against its own certificate (``cms``) and its issuer is named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID
from rfc3161_client import (
    PKIStatus,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from onrecord.vault import cms

SHA256_OID = "2.16.840.1.101.3.4.2.1"
TokenState = Literal["ok", "altered", "could not check"]


@dataclass(frozen=True)
class TokenCheck:
    """What a stored token says, and whether it still proves it."""

    state: TokenState
    detail: str
    gen_time: datetime | None = None
    tsa_name: str = ""
    serial: int | None = None
    policy: str = ""
    authority: str = ""  # the root certificate the signature chains to

    @property
    def is_ok(self) -> bool:
        return self.state == "ok"


def verify_token(token: bytes, digest: bytes, roots: Sequence[bytes] | None) -> TokenCheck:
    """Check a stored reply against the digest it should cover.

    ``roots`` are the certificates stored with the token when it was stamped (DER); None
    takes those inside the token. The signature must chain to a self-signed certificate
    among them, valid at the token's time; that certificate is the authority that vouched.
    """
    try:
        response = decode_timestamp_response(token)
    except ValueError as exc:
        return TokenCheck("altered", f"the token cannot be read ({str(exc)[:120]})")
    info = response.tst_info
    embedded = set(response.signed_data.certificates)
    signer = signer_certificate(response, embedded)
    when = info.gen_time.astimezone(UTC)
    read = TokenCheck(
        "could not check",
        "",
        gen_time=when,
        tsa_name=_tsa_name(response, signer),
        serial=info.serial_number,
        policy=info.policy.dotted_string,
    )
    if response.status != PKIStatus.GRANTED:
        return replace(read, state="altered", detail="the token no longer says 'granted'")
    if (
        info.message_imprint.hash_algorithm.dotted_string != SHA256_OID
        or info.message_imprint.message != digest
    ):
        return replace(read, state="altered", detail="it timestamps another hash than recorded")
    known = embedded if roots is None else set(roots)
    if roots is not None and known != embedded:
        return replace(
            read,
            state="altered",
            detail="the certificates inside the token are not the ones it carried when stamped",
        )
    certificates = [x509.load_der_x509_certificate(der) for der in sorted(known)]
    anchors = [c for c in certificates if _is_self_signed(c)]
    if not anchors:
        return _check_without_root(response, signer, read)
    others = [c for c in certificates if c not in anchors]
    try:
        VerifierBuilder(roots=anchors, intermediates=others).build().verify(response, digest)
    except VerificationError as exc:
        return replace(
            read, state="altered", detail=f"its signature does not verify ({str(exc)[:160]})"
        )
    root = next(
        (a for a in anchors if signer is not None and _chains_to(signer, a, others)), anchors[0]
    )
    authority = (
        f"{_display(root.subject)} (certificate SHA-256 "
        f"{root.fingerprint(hashes.SHA256()).hex()[:16]}…)"
    )
    return replace(
        read,
        state="ok",
        detail=f"timestamped {when:%Y-%m-%d %H:%M:%S} UTC by {read.tsa_name}, "
        f"certified by {authority}",
        authority=authority,
    )


def _check_without_root(
    response: TimeStampResponse, signer: x509.Certificate | None, read: TokenCheck
) -> TokenCheck:
    """The signature against the TSA's own certificate, when no root came with it.

    Proves the token is intact and made with that certificate's key; who certified the
    key is only named (its issuer), as the chain cannot be followed without the network.
    """
    if signer is None:
        return replace(read, detail="the token carries no certificate to check it with")
    problem = _signer_problem(signer, read.gen_time)
    if problem:
        return replace(read, state="altered", detail=problem)
    verified = cms.signature_verifies(response.time_stamp_token(), signer)
    if verified is None:
        return replace(read, detail="its signature uses a form onrecord cannot check")
    if not verified:
        return replace(read, state="altered", detail="its signature does not verify")
    authority = (
        f"{_display(signer.issuer)} (not sent with the token; the TSA's certificate "
        f"SHA-256 {signer.fingerprint(hashes.SHA256()).hex()[:16]}…)"
    )
    return replace(
        read,
        state="ok",
        detail=f"timestamped {read.gen_time:%Y-%m-%d %H:%M:%S} UTC by {read.tsa_name}, "
        f"issued by {authority}",
        authority=authority,
    )


def _signer_problem(signer: x509.Certificate, when: datetime | None) -> str:
    """What makes a certificate unfit to sign a timestamp at ``when`` (RFC 3161 2.3)."""
    try:
        usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return "its certificate is not one for time-stamping"
    if not usage.critical or ExtendedKeyUsageOID.TIME_STAMPING not in usage.value:
        return "its certificate is not one for time-stamping"
    if when is None or not signer.not_valid_before_utc <= when <= signer.not_valid_after_utc:
        return "its certificate was not valid at the time it names"
    return ""


def signer_certificate(
    response: TimeStampResponse, embedded: set[bytes]
) -> x509.Certificate | None:
    infos = list(response.signed_data.signer_infos)
    if len(infos) != 1:
        return None
    for der in embedded:
        cert = x509.load_der_x509_certificate(der)
        if cert.issuer == infos[0].issuer and cert.serial_number == infos[0].serial_number:
            return cert
    return None


def _tsa_name(response: TimeStampResponse, signer: x509.Certificate | None) -> str:
    try:
        name = response.tst_info.name
    except (ValueError, AttributeError):
        name = None
    if isinstance(name, x509.DirectoryName):
        return _display(name.value)
    if name is not None:
        return str(name.value)
    return _display(signer.subject) if signer is not None else "an unnamed authority"


def _display(name: x509.Name) -> str:
    common = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(common[0].value) if common else name.rfc4514_string()


def _is_self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject and _issued_by(cert, cert)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _chains_to(
    cert: x509.Certificate, root: x509.Certificate, others: list[x509.Certificate]
) -> bool:
    for _step in range(len(others) + 1):
        if _issued_by(cert, root):
            return True
        parent = next((o for o in others if o != cert and _issued_by(cert, o)), None)
        if parent is None:
            return False
        cert = parent
    return False
