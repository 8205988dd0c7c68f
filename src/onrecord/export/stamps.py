"""The trusted-time tokens that go into a bag: the exported head's, and the exhibits'.

Each RFC 3161 token is written as the authority sent it (``.tsr``, DER) with the
certificates that came with it (``.pem``), and ``data/timestamps/index.json`` says what
each one covers. Anyone can check one with OpenSSL, without onrecord::

    openssl ts -verify -in head-42.tsr -digest <digest> -CAfile head-42.pem

A partial bag carries only the tokens of its own exhibits and of the head, so it reveals
nothing more of the case.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from onrecord.cases.models import Capture
from onrecord.export.contents import Selection
from onrecord.vault.custody import head_message, head_timestamp
from onrecord.vault.models import TimestampToken, TreeHead
from onrecord.vault.timestamp import head_subject

HOW_TO_CHECK = (
    "openssl ts -verify -in <file>.tsr -digest <digest> -CAfile <file>.pem "
    "(the .pem holds the certificates the authority sent; compare its root with the one "
    "the authority publishes)"
)


class Writer(Protocol):
    def write(self, name: str, data: bytes) -> str: ...

    def json(self, name: str, value: Any) -> None: ...


def write_timestamps(writer: Writer, selection: Selection, head: TreeHead) -> int:
    """Write every token this bag may carry; the number written."""
    wanted: list[tuple[str, TimestampToken]] = []
    subject = head_subject(head.log, head.tree_size)
    for token in TimestampToken.objects.filter(subject_kind="head", subject=subject):
        wanted.append((f"head-{head.tree_size}", token))
    hashes = {e.blob_id for e in selection.exhibits}
    for token in TimestampToken.objects.filter(subject_kind="evidence", subject__in=hashes):
        wanted.append((f"exhibit-{token.subject[:16]}", token))
    if selection.whole_case:
        digests = [
            str(c.metadata.get("capture_sha256", ""))
            for c in Capture.objects.filter(case=selection.case)
        ]
        for token in TimestampToken.objects.filter(subject_kind="capture", subject__in=digests):
            wanted.append((f"capture-{token.subject[:16]}", token))
    rows = []
    for name, token in wanted:
        writer.write(f"data/timestamps/{name}.tsr", bytes(token.token))
        if token.chain.strip():
            writer.write(f"data/timestamps/{name}.pem", token.chain.encode())
        rows.append(
            {
                "file": f"{name}.tsr",
                "certificates": f"{name}.pem" if token.chain.strip() else None,
                "covers": token.subject_kind,
                "subject": token.subject,
                "digest": token.digest,
                "time": token.gen_time.isoformat(),
                "authority": token.tsa_url,
            }
        )
    if rows:
        message = head_message(head.log, head.tree_size, head.root_hash, head_timestamp(head))
        writer.json(
            "data/timestamps/index.json",
            {
                "tokens": rows,
                "head_digest": hashlib.sha256(message).hexdigest(),
                "how_to_check": HOW_TO_CHECK,
            },
        )
    return len(rows)
