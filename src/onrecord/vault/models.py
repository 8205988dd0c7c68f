"""What the vault keeps in its database: blobs, custody-log entries and signed tree heads.

The custody log of each case (and one for the vault itself) is a list of entries of
canonical JSON; their RFC 6962 leaf hashes form a Merkle tree whose heads are signed.
Entries are only ever inserted: nothing in onrecord updates or deletes one, except
``purge`` of a whole case, which leaves a record of the purge in the vault's own log.
"""

from __future__ import annotations

from django.db import models

VAULT_LOG = "vault"


class Blob(models.Model):
    """Stored bytes, content-addressed by the SHA-256 of the exact bytes acquired."""

    sha256 = models.CharField(primary_key=True, max_length=64)
    size = models.BigIntegerField()
    stored_name = models.CharField(max_length=64, unique=True)
    encrypted = models.BooleanField()
    stored_at = models.DateTimeField()
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "blob record"

    def __str__(self) -> str:
        return f"blob {self.sha256[:12]} ({self.size} bytes)"


class LogEntry(models.Model):
    """One entry of a custody log: canonical JSON and its RFC 6962 leaf hash."""

    log = models.CharField(max_length=64)
    index = models.BigIntegerField()
    data = models.TextField()
    leaf_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["log", "index"], name="log_entry_position"),
        ]
        ordering = ["log", "index"]
        verbose_name = "custody-log entry"
        verbose_name_plural = "custody-log entries"

    def __str__(self) -> str:
        return f"{self.log}#{self.index}"


class TreeHead(models.Model):
    """A signed tree head: the size and root of one custody log at a moment."""

    log = models.CharField(max_length=64)
    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    timestamp = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)
    # The roots of the tree's perfect subtrees (hex, space-separated), so the next head is
    # computed from the entries added since this one. Not signed: ``verify`` recomputes every
    # head from the entries, and ``seal`` checks it folds to ``root_hash`` before using it.
    frontier = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["log", "tree_size"], name="tree_head_size"),
        ]
        ordering = ["log", "tree_size"]
        verbose_name = "signed tree head"

    def __str__(self) -> str:
        return f"{self.log} head {self.tree_size}"


class TimestampToken(models.Model):
    """An RFC 3161 timestamp token: a time-stamping authority's signed word that a hash existed.

    ``subject_kind`` says what was hashed: a signed custody-log ``head`` (subject
    ``<log>:<tree size>``, digest the SHA-256 of its signed head message), or the bytes of
    ``evidence`` or a ``capture`` (subject and digest both the blob's SHA-256). ``token`` is
    the TSA's whole reply, DER, exactly as received; ``chain`` the certificates it carried
    (PEM, signer first), kept so ``verify`` can say which authority vouched. A token is not
    evidence: it may be missing (the TSA was down) without anything being lost.
    """

    KINDS = ("head", "evidence", "capture")

    subject_kind = models.CharField(max_length=16, choices=[(k, k) for k in KINDS])
    subject = models.CharField(max_length=200)
    digest = models.CharField(max_length=64)
    token = models.BinaryField()
    chain = models.TextField(blank=True)
    tsa_url = models.CharField(max_length=500)
    gen_time = models.DateTimeField()
    created = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["subject_kind", "subject"], name="timestamp_subject")]
        ordering = ["subject_kind", "subject", "gen_time"]
        verbose_name = "timestamp token"

    def __str__(self) -> str:
        return f"timestamp of {self.subject_kind} {self.subject[:24]}"
