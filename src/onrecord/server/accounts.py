"""Staff accounts and case shares, for scripted set-up (``onrecord user``, ``case share``).

Accounts are Django's ``auth.User``: the email is the user name, passwords are hashed with
Argon2id (``PASSWORD_HASHERS``), a disabled account keeps its history but can do nothing.
Granting, changing and removing a share is written in the case's custody log
(``access.share``), so who could see a case, and since when, is on record.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from onrecord.cases.models import Case
from onrecord.cases.records import seal
from onrecord.errors import InputError
from onrecord.server.models import CaseShare, Role
from onrecord.vault.custody import utc_now
from onrecord.vault.home import Vault

MIN_PASSWORD_LENGTH = 12


def _email(raw: str) -> str:
    email = raw.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InputError(
            f"{raw!r} is not an email address; staff accounts are named by email."
        ) from None
    return email


def find_user(email: str) -> User:
    """The account for ``email``, or an error naming the command that makes one."""
    try:
        return User.objects.get(username=_email(email))
    except User.DoesNotExist:
        raise InputError(
            f"There is no staff account for {email}. Make one with `onrecord user add {email}`."
        ) from None


def add_user(email: str, password: str | None) -> User:
    """A new active account; with no password it cannot log in until one is set."""
    address = _email(email)
    if User.objects.filter(username=address).exists():
        raise InputError(f"{address} already has a staff account.")
    user = User(username=address, email=address)
    if password is None:
        user.set_unusable_password()
    else:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InputError(
                f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters "
                "(a few unrelated words make a good one)."
            )
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InputError(" ".join(exc.messages)) from None
        user.set_password(password)
    user.save()
    return user


def disable_user(email: str) -> User:
    """Stop an account from doing anything; its shares and history stay on record."""
    user = find_user(email)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


def share_case(vault: Vault, case: Case, email: str, role: str, *, operator: str) -> CaseShare:
    """Give ``email`` ``role`` on ``case`` (replacing an earlier role), logged in the case."""
    if role not in Role.values:
        raise InputError(f"{role!r} is not a role; use one of {', '.join(Role.values)}.")
    user = find_user(email)
    with transaction.atomic():
        share, _created = CaseShare.objects.update_or_create(
            case=case,
            user=user,
            defaults={"role": role, "granted_at": utc_now(), "granted_by": operator},
        )
        vault.log(case.log_name).append(
            "access.share",
            operator,
            {"case": case.uid.hex, "user": user.username, "role": role},
        )
    seal(vault, case)
    return share


__all__ = ["MIN_PASSWORD_LENGTH", "add_user", "disable_user", "find_user", "share_case"]
