"""Who may see which case: a staff account's share of a case, with its role; login security
(per account and per client address); the staff sessions every web process shares;
one-time invite links.

Staff accounts are Django's own ``auth.User`` (email as user name, Argon2id hashes,
``is_active`` False for a disabled account). A case is shared with a person explicitly;
nobody, not even a superuser, sees a case without a share (``permissions``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
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


class StaffSecurity(models.Model):
    """What login needs beyond Django's user row: the session generation and the TOTP key.

    ``session_generation`` goes up on every password change; a session remembers the
    generation it logged in with, and the web app ends it when they differ (logout
    everywhere). ``totp_secret`` is sealed with a key derived from the vault's master key,
    so a copy of the database alone does not hold anyone's second factor.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_security"
    )
    session_generation = models.PositiveIntegerField(default=0)
    totp_secret = models.BinaryField(null=True, editable=False)
    totp_last_step = models.BigIntegerField(default=0)  # a code works once (no replay)

    def __str__(self) -> str:
        return f"security of user {self.user_id}"


class LoginFailure(models.Model):
    """One failed password or code for an account: five in fifteen minutes lock it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_failures"
    )
    at = models.DateTimeField(db_index=True)
    step = models.CharField(max_length=16)  # "password" or "code"

    def __str__(self) -> str:
        return f"{self.step} failure of user {self.user_id}"


class StaffSession(AbstractBaseSession):
    """A staff login, in the database every web process shares (``web.sessions``).

    Django's own session row, plus the account it belongs to, so the database can say who
    is logged in and a deleted account takes its sessions with it. A password change or a
    disabled account ends sessions through the checks of ``web.staff`` on the next request
    (which tell the person why), not by deleting rows here.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        related_name="staff_sessions",
    )


class Invite(models.Model):
    """A one-time link that lets one person into one case in one role, until it expires.

    Only the SHA-256 of the link's token is kept: a copy of the database (or a backup)
    holds no working link. ``used_at`` is set once, in the transaction that creates the
    share, so a link works exactly once.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices)
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True)  # withdrawn before use: the link is dead
    revoked_by = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"invite {self.pk} to case {self.case_id} as {self.role}"


class AddressFailure(models.Model):
    """One failed login, code or invite from a client address (``server.ratelimit``).

    The per-account lockout cannot see one address trying many accounts; these rows can.
    Only failures are kept, so a busy office behind one address is never slowed by its
    own successful logins. Rows older than the window are deleted as new ones arrive.
    """

    address = models.GenericIPAddressField()
    at = models.DateTimeField(db_index=True)
    step = models.CharField(max_length=16)  # "password", "code" or "invite"

    class Meta:
        indexes = [models.Index(fields=["address", "at"], name="address_failure_recent")]

    def __str__(self) -> str:
        return f"{self.step} failure from {self.address}"
