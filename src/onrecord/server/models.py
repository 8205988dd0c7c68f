"""Who may see which case: a staff account's share of a case, with its role.

Staff accounts are Django's own ``auth.User`` (email as user name, Argon2id hashes,
``is_active`` False for a disabled account). A case is shared with a person explicitly;
nobody, not even a superuser, sees a case without a share (``permissions``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from onrecord.cases.models import Case


class Role(models.TextChoices):
    OWNER = "owner"  # the case lead, or the person harassed: everything, and sharing
    ADVOCATE = "advocate"  # reviews, labels, edits and exports for the person
    LAWYER = "lawyer"  # reads everything and exports it
    VIEWER = "viewer"  # reads, changes nothing, exports nothing


class CaseShare(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_shares"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    granted_at = models.DateTimeField()
    granted_by = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_share_once"),
        ]

    def __str__(self) -> str:
        return f"{self.role} of case {self.case_id}"
