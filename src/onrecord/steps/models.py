"""What was done about a case (actions) and what is due when (deadlines).

Every row here is written with the custody-log entry recording it
(``onrecord.steps.tracking``); ``onrecord.steps.verify`` checks rows against those entries.
"""

from __future__ import annotations

from django.db import models

from onrecord.cases.models import Case


class Action(models.Model):
    """One thing done (or drafted) in one of the five steps: a report, a notice, a letter."""

    class Step(models.TextChoices):
        POLICE = "police"
        PLATFORM = "platform"
        PUBLIC_REPLY = "public-reply"
        ASK_POSTER = "ask-poster"
        LAWYER = "lawyer"

    class Status(models.TextChoices):
        DRAFTED = "drafted"
        SENT = "sent"
        ACKNOWLEDGED = "acknowledged"
        RESOLVED = "resolved"
        REFUSED = "refused"
        ESCALATED = "escalated"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    step = models.CharField(max_length=16, choices=Step.choices)
    kind = models.CharField(max_length=100)  # "police report", "TAKE IT DOWN notice", ...
    target = models.CharField(max_length=200)  # the platform or agency
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFTED)
    reference = models.CharField(max_length=200, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, default="")
    document_sha256 = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()
    log_index = models.BigIntegerField()  # the entry recording its current state

    class Meta:
        ordering = ["case", "created_at", "id"]

    def __str__(self) -> str:
        return f"action {self.pk}: {self.kind} to {self.target} ({self.status})"


class Deadline(models.Model):
    """A date something is due by, the rule it comes from, and where that rule is stated."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="deadlines")
    due_at = models.DateTimeField()
    rule = models.CharField(max_length=300)
    source_url = models.TextField(blank=True, default="")  # empty: onrecord's own practice
    checked_on = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    log_index = models.BigIntegerField()  # the entry recording its current state

    class Meta:
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"deadline {self.pk}: {self.rule} by {self.due_at:%Y-%m-%d %H:%M}"
