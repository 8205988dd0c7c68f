"""Reading a stored capture's artefacts back from the vault (decrypted, whole)."""

from __future__ import annotations

from onrecord.cases.models import Capture, Evidence
from onrecord.vault.home import Vault

MAX_READ = 64 * 1024 * 1024


def artefact_bytes(vault: Vault, capture: Capture, role: str) -> bytes | None:
    """The bytes of one artefact (``text``, ``screenshot``, ...), or None if it has none."""
    exhibit = capture.artefacts.get(role)
    if exhibit is None:
        return None
    evidence = (
        Evidence.objects.filter(case_id=capture.case_id, exhibit=exhibit)
        .select_related("blob")
        .first()
    )
    if evidence is None or evidence.purged_at is not None:
        return None
    parts: list[bytes] = []
    size = 0
    for chunk in vault.blobs.open_chunks(evidence.blob.sha256):
        parts.append(chunk)
        size += len(chunk)
        if size > MAX_READ:
            break
    return b"".join(parts)


def latest_captures(case_id: int) -> dict[str, Capture]:
    """The newest capture of each requested URL in a case."""
    latest: dict[str, Capture] = {}
    for capture in Capture.objects.filter(case_id=case_id).order_by("started_at", "id"):
        latest[capture.requested_url] = capture
    return latest
