"""The case and what it holds.

Evidence points at a vault blob by its SHA-256; items (messages, posts, comments, emails,
SMS) point back to the evidence they came from and where inside it. Every change here is
mirrored by an entry in the case's custody log (``onrecord.cases.records``).
"""

from __future__ import annotations

import re
import uuid
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models

from onrecord.vault.models import Blob

JURISDICTION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


def validate_jurisdiction(value: str) -> None:
    if not JURISDICTION.match(value):
        raise ValidationError(
            f"{value!r} is not a jurisdiction code: use a country code with an optional region, "
            "such as US-CA, GB or AU-NSW."
        )


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"{value!r} is not a time zone name: use one such as America/Los_Angeles, "
            "Europe/London or UTC."
        ) from None


class Case(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=16, validators=[validate_jurisdiction])
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"case {self.pk}: {self.title}"

    @property
    def log_name(self) -> str:
        """The name of this case's custody log."""
        return f"case-{self.uid.hex}"


class Party(models.Model):
    class Role(models.TextChoices):
        VICTIM = "victim"
        SUSPECT = "suspect"
        WITNESS = "witness"
        HELPER = "helper"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=16, choices=Role.choices)
    name = models.CharField(max_length=200)
    note = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"{self.role} {self.name}"


class Account(models.Model):
    """An account on a platform; a stable platform id, when known, identifies it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="accounts")
    platform = models.CharField(max_length=64)
    handle = models.CharField(max_length=300, blank=True, default="")
    platform_id = models.CharField(max_length=200, null=True, blank=True)
    display_name = models.CharField(max_length=300, blank=True, default="")
    url = models.TextField(blank=True, default="")
    party = models.ForeignKey(
        Party, on_delete=models.SET_NULL, null=True, blank=True, related_name="accounts"
    )
    names_seen = models.JSONField(default=list, blank=True)  # earlier handles and names

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "platform", "platform_id"],
                condition=models.Q(platform_id__isnull=False),
                name="account_platform_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.handle or self.platform_id}"


class Evidence(models.Model):
    """One exhibit: bytes acquired into a case, with how, when and by whom.

    The fields describe the first acquisition; acquiring the same bytes again adds an
    ``Acquisition``. The blob is shared across cases; the exhibit is the case's own.
    """

    class Kind(models.TextChoices):
        SCREENSHOT = "screenshot"
        IMAGE = "image"
        VIDEO = "video"
        AUDIO = "audio"
        PDF = "pdf"
        DOCUMENT = "document"
        EMAIL = "email"
        EXPORT = "export"
        WEB_CAPTURE = "web-capture"
        OTHER = "other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    exhibit = models.PositiveIntegerField()
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="evidence")
    size = models.BigIntegerField()
    media_type = models.CharField(max_length=200)
    original_name = models.TextField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    source_url = models.TextField(blank=True, default="")
    acquired_at = models.DateTimeField()
    acquired_by = models.CharField(max_length=200)
    method = models.CharField(max_length=32)
    tool = models.CharField(max_length=100)
    tool_version = models.CharField(max_length=50)
    note = models.TextField(blank=True, default="")
    log_index = models.BigIntegerField()
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "exhibit"], name="evidence_exhibit"),
            models.UniqueConstraint(fields=["case", "blob"], name="evidence_blob_once"),
        ]
        ordering = ["case", "exhibit"]
        verbose_name = "exhibit record"

    def __str__(self) -> str:
        return f"exhibit {self.exhibit}: {self.original_name}"

    @property
    def sha256(self) -> str:
        return str(self.blob_id)


class Acquisition(models.Model):
    """A later acquisition of bytes the case already holds (stored once, recorded again)."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="acquisitions")
    original_name = models.TextField()
    source_url = models.TextField(blank=True, default="")
    acquired_at = models.DateTimeField()
    acquired_by = models.CharField(max_length=200)
    method = models.CharField(max_length=32)
    tool = models.CharField(max_length=100)
    tool_version = models.CharField(max_length=50)
    note = models.TextField(blank=True, default="")
    log_index = models.BigIntegerField()

    def __str__(self) -> str:
        return f"acquisition of exhibit {self.evidence_id} at {self.acquired_at}"


class ImportRun(models.Model):
    """One ``onrecord import``: what was read, with what, and what came of it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="imports")
    evidence = models.ForeignKey(
        "Evidence", on_delete=models.SET_NULL, null=True, blank=True, related_name="imports"
    )
    source_name = models.TextField()
    format = models.CharField(max_length=32)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    operator = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64)
    items_added = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    edits = models.PositiveIntegerField(default=0)
    gone_from_source = models.PositiveIntegerField(default=0)
    attachments = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"import {self.pk} ({self.format}) into case {self.case_id}"


class Item(models.Model):
    """A message, post, comment, email or SMS, and where in the evidence it was found.

    Rows are never edited: a message edited at the source is a new row whose
    ``previous_version`` is the old one. Only later imports mark a row "gone from the
    source" (``gone_*``), in their own custody-log entry.
    """

    class Kind(models.TextChoices):
        MESSAGE = "message"
        POST = "post"
        COMMENT = "comment"
        EMAIL = "email"
        SMS = "sms"
        SYSTEM = "system"
        OTHER = "other"

    # case, reply_to, previous_version and import_run carry no index of their own: the
    # composite indexes below start with case, and the others are never searched by;
    # every index costs on each of the millions of rows an import writes.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="items", db_index=False)
    platform = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    author = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    recipients = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_at_original = models.CharField(max_length=200, blank=True, default="")
    time_zone_assumed = models.BooleanField(default=False)
    url = models.TextField(blank=True, default="")
    platform_id = models.CharField(max_length=200, null=True, blank=True)
    reply_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        db_index=False,
    )
    evidence = models.ForeignKey(
        Evidence, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    position = models.CharField(max_length=500, blank=True, default="")
    log_index = models.BigIntegerField()
    conversation = models.CharField(max_length=300, blank=True, default="")
    in_reply_to = models.CharField(max_length=300, blank=True, default="")
    dedupe_key = models.CharField(max_length=64, blank=True, default="")
    content_hash = models.CharField(max_length=64, blank=True, default="")
    previous_version = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="later_versions",
        db_index=False,
    )
    deleted_at_source = models.BooleanField(default=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    import_run = models.ForeignKey(
        ImportRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        db_index=False,
    )
    raw = models.JSONField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    gone_from_source_at = models.DateTimeField(null=True, blank=True)
    gone_log_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["case", "sent_at"], name="item_case_time"),
            models.Index(fields=["case", "platform", "conversation"], name="item_conversation"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} on {self.platform}"


class ItemAttachment(models.Model):
    """A file an item carries: the exhibit holding it, or why it is not in the export."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="attachments")
    name = models.TextField()
    evidence = models.ForeignKey(
        Evidence, on_delete=models.SET_NULL, null=True, blank=True, related_name="attached_to"
    )
    missing = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"{self.name} on item {self.item_id}"


class JournalEntry(models.Model):
    """What happened on a day, what it did to the person, and what it cost (damages)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="journal")
    date = models.DateField()
    what_happened = models.TextField()
    impact = models.TextField(blank=True, default="")
    cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    log_index = models.BigIntegerField()

    class Meta:
        ordering = ["case", "date", "id"]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"{self.date}: {self.what_happened[:40]}"


class Triage(models.Model):
    """What triage found in an item, by one model version: scores, decisions, evidence."""

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="triage")
    model_version = models.CharField(max_length=64)
    scores = models.JSONField(default=dict)
    model_labels = models.JSONField(default=list)  # what the model and rules decided
    labels = models.JSONField(default=list)  # after people's reviews: what counts
    severity = models.FloatField(default=0.0)  # of ``labels``
    level = models.CharField(max_length=16, default="none")
    spans = models.JSONField(default=list)
    log_index = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["severity"], name="triage_severity")]

    def __str__(self) -> str:
        return f"triage of item {self.item_id}: {self.level}"


class Label(models.Model):
    """A person's review of an item: it always beats the model, and is logged."""

    class Decision(models.TextChoices):
        CONFIRMED = "confirmed"  # the item is this
        REJECTED = "rejected"  # the item is not this
        DISMISSED = "dismissed"  # nothing harmful here (label is empty)

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reviews")
    label = models.CharField(max_length=32, blank=True, default="")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    by = models.CharField(max_length=200)
    at = models.DateTimeField()
    note = models.TextField(blank=True, default="")
    log_index = models.BigIntegerField()

    class Meta:
        ordering = ["item", "at", "id"]

    def __str__(self) -> str:
        return f"{self.decision} {self.label} on item {self.item_id}"


class Capture(models.Model):
    """One capture of a web page: what the browser saw, the exhibits it made, and its verdict.

    ``status`` says whether the content itself was captured: a login wall, an error page or a
    "this post was deleted" page is kept (it shows what the page was at that moment) but is
    never counted as evidence of the content.
    """

    class Status(models.TextChoices):
        CAPTURED = "captured"
        NOT_CAPTURED = "content not captured"
        FAILED = "failed"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="captures")
    requested_url = models.TextField()
    final_url = models.TextField(blank=True, default="")
    status = models.CharField(max_length=24, choices=Status.choices)
    reason = models.TextField(blank=True, default="")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    operator = models.CharField(max_length=200)
    profile = models.CharField(max_length=100, blank=True, default="")
    metadata = models.JSONField(default=dict)
    artefacts = models.JSONField(default=dict)  # role -> exhibit number
    text_sha256 = models.CharField(max_length=64, blank=True, default="")
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="recaptures"
    )
    changes = models.JSONField(default=dict, blank=True)  # against ``previous``
    log_index = models.BigIntegerField()

    class Meta:
        ordering = ["case", "started_at", "id"]
        indexes = [models.Index(fields=["case", "requested_url"], name="capture_url")]

    def __str__(self) -> str:
        return f"capture of {self.requested_url} ({self.status})"


class BrowserProfile(models.Model):
    """A logged-in browser profile for captures, kept encrypted in the vault (no passwords)."""

    name = models.CharField(max_length=100, unique=True)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="profiles")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    created_by = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"browser profile {self.name}"
