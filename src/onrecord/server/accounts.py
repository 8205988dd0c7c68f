"""Staff accounts and case shares, for scripted set-up (``onrecord user``, ``case share``).

Accounts are Django's ``auth.User``: the email is the user name, passwords are hashed with
Argon2id (``PASSWORD_HASHERS``), a disabled account keeps its history but can do nothing.
Granting, changing and removing a share is written in the case's custody log
(``access.share``, ``access.unshare``), so who could see a case, and since when, is on
record. A case that has an owner always keeps one: the last owner can be neither demoted
nor removed (the owner shares are locked while this is checked, so two owners demoting each
other at once cannot both succeed), because only an owner can share the case.

Login security lives beside the account (``StaffSecurity``): a password change bumps the
account's session generation, which ends its sessions everywhere (the sessions live in
the shared database, so "everywhere" means every web process); the TOTP key is sealed
with a subkey of the vault's master key (AES-256-GCM bound to the account), so the database
alone does not give it away; five failures in fifteen minutes lock the account for the rest
of that window, whatever the sixth attempt says.
"""

from __future__ import annotations

import datetime as dt
import os

import pyotp
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from onrecord.cases.models import Case
from onrecord.cases.records import seal
from onrecord.errors import InputError, VaultLockedError
from onrecord.server.models import CaseShare, LoginFailure, Role, StaffSecurity
from onrecord.vault import crypto
from onrecord.vault.custody import utc_now
from onrecord.vault.home import Vault

MIN_PASSWORD_LENGTH = 12


def email_address(raw: str) -> str:
    """``raw`` as an account name: trimmed, lower case, checked to be an address."""
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
        return User.objects.get(username=email_address(email))
    except User.DoesNotExist:
        raise InputError(
            f"There is no staff account for {email}. Make one with `onrecord user add {email}`."
        ) from None


def add_user(email: str, password: str | None) -> User:
    """A new active account; with no password it cannot log in until one is set."""
    address = email_address(email)
    if User.objects.filter(username=address).exists():
        raise InputError(f"{address} already has a staff account.")
    user = User(username=address, email=address)
    if password is None:
        user.set_unusable_password()
    else:
        check_new_password(password, user)
        user.set_password(password)
    user.save()
    return user


def check_new_password(password: str, user: User) -> None:
    """Refuse a password too short or too common, saying how to choose a better one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters "
            "(a few unrelated words make a good one)."
        )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InputError(" ".join(exc.messages)) from None


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
        if role != Role.OWNER:
            _keep_an_owner(case, user, "give another role to")
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


def unshare_case(vault: Vault, case: Case, email: str, *, operator: str) -> None:
    """Take ``email``'s share of ``case`` away, logged as ``access.unshare``."""
    user = find_user(email)
    with transaction.atomic():
        _keep_an_owner(case, user, "remove")
        share = CaseShare.objects.select_for_update().filter(case=case, user=user).first()
        if share is None:
            raise InputError(f"{user.username} has no share of case {case.pk}.")
        share.delete()
        vault.log(case.log_name).append(
            "access.unshare",
            operator,
            {"case": case.uid.hex, "user": user.username, "role": share.role},
        )
    seal(vault, case)


def case_people(case: Case) -> list[CaseShare]:
    """Who holds which role on ``case``, owners first, then by email."""
    order = {role: rank for rank, role in enumerate(Role.values)}
    shares = CaseShare.objects.filter(case=case).select_related("user")
    return sorted(shares, key=lambda share: (order.get(share.role, 99), share.user.username))


def _keep_an_owner(case: Case, user: User, doing: str) -> None:
    """Refuse to take ``user``'s owner role if they are the case's only owner (in a
    transaction: the owner rows stay locked until it ends)."""
    owners = list(
        CaseShare.objects.select_for_update()
        .filter(case=case, role=Role.OWNER)
        .values_list("user_id", flat=True)
    )
    if owners == [user.pk]:
        raise InputError(
            f"{user.username} is the only owner of case {case.pk}, so you cannot {doing} "
            "them: a case needs an owner to share it. Make someone else an owner first."
        )


# -- login security ---------------------------------------------------------------------

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = dt.timedelta(minutes=15)
TOTP_ISSUER = "onrecord"
_TOTP_AAD = b"onrecord totp v1:"


def security_of(user: User) -> StaffSecurity:
    """The account's login-security row, made on first use."""
    found, _created = StaffSecurity.objects.get_or_create(user=user)
    return found


def session_generation(user: User) -> int:
    """The generation a session must carry to stay logged in (see ``change_password``)."""
    row = StaffSecurity.objects.filter(user=user).only("session_generation").first()
    return row.session_generation if row is not None else 0


def change_password(email: str, password: str) -> User:
    """Set a new password and end every session of the account (logout everywhere)."""
    user = find_user(email)
    check_new_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        row = security_of(user)
        row.session_generation += 1
        row.save(update_fields=["session_generation"])
    return user


def _totp_key(vault: Vault) -> bytes | None:
    return crypto.subkey(vault.master_key, "staff-totp") if vault.master_key else None


def _seal_secret(vault: Vault, user: User, secret: str) -> bytes:
    key = _totp_key(vault)
    if key is None:  # an unencrypted vault keeps nothing sealed; say so in the bytes
        return b"plain:" + secret.encode("ascii")
    nonce = os.urandom(12)
    aad = _TOTP_AAD + str(user.pk).encode("ascii")
    return b"gcm1:" + nonce + AESGCM(key).encrypt(nonce, secret.encode("ascii"), aad)


def _open_secret(vault: Vault, user: User, sealed: bytes) -> str:
    if sealed.startswith(b"plain:"):
        return sealed[len(b"plain:") :].decode("ascii")
    key = _totp_key(vault)
    if key is None or not sealed.startswith(b"gcm1:"):
        raise VaultLockedError(
            f"The second-factor key of {user.username} cannot be read with this vault's key. "
            f"Enrol it again with `onrecord user totp {user.username} --replace`."
        )
    body = sealed[len(b"gcm1:") :]
    aad = _TOTP_AAD + str(user.pk).encode("ascii")
    return AESGCM(key).decrypt(body[:12], body[12:], aad).decode("ascii")


def enrol_totp(vault: Vault, email: str, *, replace: bool = False) -> str:
    """Give the account a new TOTP key; returns the ``otpauth://`` URI for the app.

    From now on the web login asks for a code. An account that has one keeps it unless
    ``replace`` says otherwise, so a typo cannot lock a colleague out.
    """
    user = find_user(email)
    row = security_of(user)
    if row.totp_secret is not None and not replace:
        raise InputError(
            f"{user.username} already has a second factor. Give --replace to enrol a new "
            "one (the old authenticator entry then stops working)."
        )
    secret = pyotp.random_base32()
    row.totp_secret = _seal_secret(vault, user, secret)
    row.totp_last_step = 0
    row.save(update_fields=["totp_secret", "totp_last_step"])
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def totp_uri(vault: Vault, user: User) -> str | None:
    """The ``otpauth://`` URI of the account's key, to show it again while it is enrolled
    (the web enrolment page, to its own logged-in owner only); None without a key."""
    row = security_of(user)
    if row.totp_secret is None:
        return None
    secret = _open_secret(vault, user, bytes(row.totp_secret))
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def has_totp(user: User) -> bool:
    return StaffSecurity.objects.filter(user=user, totp_secret__isnull=False).exists()


def check_totp(vault: Vault, user: User, code: str, at: dt.datetime | None = None) -> bool:
    """Whether ``code`` is the account's current code (one step of clock drift either way);
    a code that already logged someone in is refused (no replay)."""
    code = "".join(code.split())
    row = security_of(user)
    if row.totp_secret is None or len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(_open_secret(vault, user, bytes(row.totp_secret)))
    moment = at or dt.datetime.now(dt.UTC)
    step = totp.timecode(moment)
    for candidate in (step, step - 1, step + 1):
        if candidate > row.totp_last_step and totp.generate_otp(candidate) == code:
            with transaction.atomic():
                updated = StaffSecurity.objects.filter(
                    pk=row.pk, totp_last_step__lt=candidate
                ).update(totp_last_step=candidate)
            return updated == 1
    return False


def is_locked_out(user: User, now: dt.datetime | None = None) -> bool:
    """Five failures within the last fifteen minutes."""
    since = (now or utc_now()) - LOCKOUT_WINDOW
    return LoginFailure.objects.filter(user=user, at__gte=since).count() >= LOCKOUT_FAILURES


def record_failure(user: User, step: str) -> bool:
    """Count a failed password or code; True when this one locks the account."""
    LoginFailure.objects.create(user=user, at=utc_now(), step=step)
    return is_locked_out(user)


def clear_failures(user: User) -> None:
    LoginFailure.objects.filter(user=user).delete()


__all__ = [
    "LOCKOUT_FAILURES",
    "LOCKOUT_WINDOW",
    "MIN_PASSWORD_LENGTH",
    "add_user",
    "case_people",
    "change_password",
    "check_new_password",
    "check_totp",
    "clear_failures",
    "disable_user",
    "email_address",
    "enrol_totp",
    "find_user",
    "has_totp",
    "is_locked_out",
    "record_failure",
    "security_of",
    "session_generation",
    "share_case",
    "totp_uri",
    "unshare_case",
]
