"""Invite links: one person, one case, one role, one use, until they expire.

``onrecord case invite CASE EMAIL --role ROLE`` makes a link holding a random token
(256 bits). Only the token's SHA-256 is stored, so the database, its backups and the
logs hold no working link. Opening the link lets the person named set a password (or,
with an account that already has one, confirm it), and gives them the role on that case
and nothing else: the person harassed can be invited as ``owner`` of their own case and
sees no other.

A link is refused, with a page that says which, when it is unknown (mistyped, altered,
or made for another server), already used, revoked by an owner of the case, or expired.
Accepting is one transaction that marks the invite used only if it is still unused,
unrevoked and unexpired, so two tabs racing on one link give one share. Every step is in
the case's custody log: ``access.invite`` (who invited whom, in which role, until
when), ``access.accept`` and ``access.revoke``.

The link itself is the server's public address (the ``public_url`` setting) followed by
``/invite/<token>``. It is never built from the Host header of a request: whoever can send
a request with a forged Host would otherwise get links pointing at their own server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from django.contrib.auth.models import User
from django.db import connection, transaction

from onrecord.cases.models import Case
from onrecord.cases.records import seal
from onrecord.errors import ConfigError, InputError
from onrecord.server.accounts import (
    check_new_password,
    email_address,
    is_locked_out,
    record_failure,
)
from onrecord.server.models import CaseShare, Invite, Role
from onrecord.vault.custody import iso_utc, utc_now
from onrecord.vault.home import Vault

DEFAULT_HOURS = 72
MAX_HOURS = 30 * 24
Refusal = Literal["unknown", "used", "revoked", "expired"]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewInvite:
    """What ``create_invite`` returns: the row, and the token shown once and never again."""

    invite: Invite
    token: str


class InviteRefusedError(InputError):
    """The link cannot be used; ``reason`` says why (unknown, used, revoked or expired)."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason: Refusal = reason


class WrongPasswordError(InputError):
    """An invite to an existing account was given a password that is not the account's."""


def invite_link(public_url: str, token: str) -> str:
    """The link to send: ``public_url`` (already checked, see ``config.check_public_url``)
    and the token's path; only the path when no public address is set."""
    return f"{public_url.rstrip('/')}/invite/{token}"


def create_invite(
    vault: Vault,
    case: Case,
    email: str,
    role: str,
    *,
    operator: str,
    hours: float = DEFAULT_HOURS,
    now: dt.datetime | None = None,
) -> NewInvite:
    """A one-time invite to ``case`` as ``role`` for ``email``, logged as ``access.invite``."""
    if connection.vendor != "postgresql":
        raise ConfigError(
            "Invite links are for the organisation server, where staff log in: set "
            "ONRECORD_DATABASE_URL to its PostgreSQL database. On a laptop, the person at "
            "the computer unlocks the vault with its passphrase."
        )
    if role not in Role.values:
        raise InputError(f"{role!r} is not a role; use one of {', '.join(Role.values)}.")
    if not 0 < hours <= MAX_HOURS:
        raise InputError(
            f"An invite lasts between a few minutes and {MAX_HOURS} hours; {hours} was asked."
        )
    address = email_address(email)
    made = now or utc_now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invite = Invite.objects.create(
            case=case,
            email=address,
            role=role,
            token_sha256=token_hash(token),
            created_at=made,
            created_by=operator,
            expires_at=made + dt.timedelta(hours=hours),
        )
        vault.log(case.log_name).append(
            "access.invite",
            operator,
            {
                "case": case.uid.hex,
                "invite": invite.pk,
                "user": address,
                "role": role,
                "expires": iso_utc(invite.expires_at),
            },
        )
    seal(vault, case)
    return NewInvite(invite, token)


def find_invite(token: str, now: dt.datetime | None = None) -> Invite:
    """The usable invite for ``token``, or ``InviteRefusedError`` saying why not."""
    invite = Invite.objects.select_related("case").filter(token_sha256=token_hash(token)).first()
    if invite is None:
        raise InviteRefusedError(
            "unknown",
            "This invite link is not valid: it may have been copied incompletely or changed. "
            "Ask the person who invited you to send a new one.",
        )
    if invite.used_at is not None:
        raise InviteRefusedError(
            "used",
            "This invite link was already used; each link works once. If it was you, log in "
            "with your email and password. If it was not, tell the person who invited you.",
        )
    if invite.revoked_at is not None:
        raise InviteRefusedError(
            "revoked",
            "This invite link was withdrawn by the person who made it. Ask them for a new one "
            "if you still need access.",
        )
    if (now or utc_now()) >= invite.expires_at:
        raise InviteRefusedError(
            "expired",
            "This invite link has expired. Ask the person who invited you to send a new one.",
        )
    return invite


def needs_new_password(invite: Invite) -> bool:
    """True when the invited person sets a password (no account yet, or one without)."""
    user = User.objects.filter(username=invite.email).first()
    return user is None or not user.has_usable_password()


def accept_invite(
    vault: Vault, token: str, password: str, *, now: dt.datetime | None = None
) -> User:
    """Use the invite: make (or confirm) the account, grant the share, log ``access.accept``.

    ``password`` is the new password for a person without one, or the existing password
    of an account that has one (an invite never replaces someone's password).
    """
    moment = now or utc_now()
    invite = find_invite(token, moment)
    existing = User.objects.filter(username=invite.email).first()
    if existing is not None and existing.has_usable_password():
        _confirm_password(existing, password)
    with transaction.atomic():
        invite = Invite.objects.select_for_update().select_related("case").get(pk=invite.pk)
        if invite.used_at is not None or invite.revoked_at is not None:  # changed meanwhile
            find_invite(token, moment)
        user = User.objects.filter(username=invite.email).first()
        if user is None or not user.has_usable_password():
            user = user or User(username=invite.email, email=invite.email)
            check_new_password(password, user)
            user.set_password(password)
            user.save()
        CaseShare.objects.update_or_create(
            case=invite.case,
            user=user,
            defaults={"role": invite.role, "granted_at": moment, "granted_by": invite.created_by},
        )
        invite.used_at = moment
        invite.used_by = user
        invite.save(update_fields=["used_at", "used_by"])
        vault.log(invite.case.log_name).append(
            "access.accept",
            user.username,
            {
                "case": invite.case.uid.hex,
                "invite": invite.pk,
                "user": user.username,
                "role": invite.role,
                "invited_by": invite.created_by,
            },
        )
    seal(vault, invite.case)
    return user


def _confirm_password(user: User, password: str) -> None:
    """An invite to an existing account asks for its password, under the login's lockout."""
    if not user.is_active:
        raise InputError(
            "The staff account for this invite is disabled. Ask the server's administrator."
        )
    if is_locked_out(user):
        raise InputError(
            "This account is locked after repeated failed passwords. Wait 15 minutes and "
            "try the link again (it stays valid until it expires)."
        )
    if not user.check_password(password):
        record_failure(user, "password")
        raise WrongPasswordError(
            f"That is not the password of {user.username}. This invite adds a case to your "
            "existing account: give its password."
        )


def pending_invites(case: Case, now: dt.datetime | None = None) -> list[Invite]:
    """The case's invites that still work (unused, not revoked, not expired), soonest first."""
    return list(
        Invite.objects.filter(
            case=case,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now or utc_now(),
        ).order_by("expires_at", "pk")
    )


def revoke_invite(
    vault: Vault, case: Case, invite_id: int, *, operator: str, now: dt.datetime | None = None
) -> Invite:
    """Withdraw an unused invite of ``case`` so its link stops working; ``access.revoke``."""
    moment = now or utc_now()
    with transaction.atomic():
        invite = Invite.objects.select_for_update().filter(case=case, pk=invite_id).first()
        if invite is None:
            raise InputError(f"Case {case.pk} has no invite {invite_id}.")
        if invite.used_at is not None:
            raise InputError(
                f"The invite for {invite.email} was already used. To take the access away, "
                "remove that person from the case instead."
            )
        if invite.revoked_at is not None:
            raise InputError(f"The invite for {invite.email} was already revoked.")
        invite.revoked_at = moment
        invite.revoked_by = operator
        invite.save(update_fields=["revoked_at", "revoked_by"])
        vault.log(case.log_name).append(
            "access.revoke",
            operator,
            {"case": case.uid.hex, "invite": invite.pk, "user": invite.email, "role": invite.role},
        )
    seal(vault, case)
    return invite


__all__ = [
    "DEFAULT_HOURS",
    "MAX_HOURS",
    "InviteRefusedError",
    "NewInvite",
    "WrongPasswordError",
    "accept_invite",
    "create_invite",
    "find_invite",
    "invite_link",
    "needs_new_password",
    "pending_invites",
    "revoke_invite",
    "token_hash",
]
