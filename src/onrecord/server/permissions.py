"""The one gate: ``allowed(user, case, action)``, and the logged ways to read and export.

Every view, download, thumbnail, export, search result and API call of the organisation
server asks ``allowed`` (or ``case_for``, which also hides whether a case exists). The
rules are one table, ``MATRIX``; there is no other source of permission: no superuser
bypass, no default role. A person with no share on a case, a disabled account and an
anonymous visitor are refused everything.

Looking at evidence and exporting it are themselves evidence of who handled it: through
``open_evidence`` and ``record_export`` each is an entry in the case's custody log
(``evidence.view``, ``export.made``) naming the staff account.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal, get_args

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from onrecord.cases.models import Case, Evidence
from onrecord.cases.records import record_export as _record_export
from onrecord.cases.records import seal
from onrecord.errors import CaseNotFoundError, OnrecordError
from onrecord.server.models import CaseShare, Role
from onrecord.vault.home import Vault

Action = Literal["view", "view_evidence", "edit", "label", "export", "share"]
ACTIONS: tuple[Action, ...] = get_args(Action)

MATRIX: Mapping[str, frozenset[Action]] = {
    Role.OWNER: frozenset(ACTIONS),
    Role.ADVOCATE: frozenset({"view", "view_evidence", "edit", "label", "export"}),
    Role.LAWYER: frozenset({"view", "view_evidence", "export"}),
    Role.VIEWER: frozenset({"view", "view_evidence"}),
}

Person = AbstractBaseUser | AnonymousUser | None


class PermissionDeniedError(OnrecordError):
    """The account may not do this on this case (or the case is not theirs to know of)."""


def role_of(user: Person, case: Case | int) -> str | None:
    """The role ``user`` holds on ``case``, or None (no share, disabled, anonymous)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    case_id = case if isinstance(case, int) else case.pk
    share = CaseShare.objects.filter(case_id=case_id, user_id=user.pk).only("role").first()
    return share.role if share is not None else None


def allowed(user: Person, case: Case | int, action: Action) -> bool:
    """May ``user`` do ``action`` on ``case``? The only answer to that question."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    role = role_of(user, case)
    return role is not None and action in MATRIX[role]


def check(user: Person, case: Case | int, action: Action) -> None:
    """``allowed`` or ``PermissionDeniedError`` saying what was refused."""
    if not allowed(user, case, action):
        raise PermissionDeniedError(
            f"This account may not {action.replace('_', ' ')} on this case. Ask the case's "
            "owner to share it with you in the role you need."
        )


def case_for(user: Person, case_id: int, action: Action) -> Case:
    """The case, if ``user`` may do ``action`` on it; a case that exists but is not shared
    is refused with the same message as one that does not exist (ids can be guessed)."""
    found = Case.objects.filter(pk=case_id).first() if isinstance(case_id, int) else None
    if found is None or not allowed(user, found, action):
        raise CaseNotFoundError(f"No case {case_id} is shared with this account.")
    return found


def visible_cases(user: Person) -> list[Case]:
    """The cases ``user`` may view, for listings and search scopes."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return list(Case.objects.filter(shares__user_id=user.pk).order_by("pk"))


def _who(user: Person) -> str:
    assert user is not None and user.is_authenticated  # checked by ``check`` before
    return str(user.get_username())


def open_evidence(vault: Vault, user: Person, case: Case, exhibit: int) -> Iterator[bytes]:
    """The exhibit's bytes for ``user``, after writing ``evidence.view`` in the case log."""
    check(user, case, "view_evidence")
    found = Evidence.objects.filter(case=case, exhibit=exhibit).first()
    if found is None:
        raise CaseNotFoundError(f"Case {case.pk} has no exhibit {exhibit}.")
    with transaction.atomic():
        vault.log(case.log_name).append(
            "evidence.view",
            _who(user),
            {"case": case.uid.hex, "exhibit": exhibit, "sha256": found.blob_id},
        )
    seal(vault, case)
    return vault.blobs.open_chunks(found.blob_id)


def record_item_view(vault: Vault, user: Person, case: Case, item_id: int) -> None:
    """Check ``view_evidence`` and log that ``user`` read one item's words (``item.view``)."""
    check(user, case, "view_evidence")
    with transaction.atomic():
        vault.log(case.log_name).append(
            "item.view", _who(user), {"case": case.uid.hex, "item": item_id}
        )
    seal(vault, case)


def record_export(vault: Vault, user: Person, case: Case, details: Mapping[str, Any]) -> None:
    """Check ``export`` and log that something left the vault (``export.made``)."""
    check(user, case, "export")
    _record_export(vault, case, _who(user), details)


__all__ = [
    "ACTIONS",
    "MATRIX",
    "Action",
    "PermissionDeniedError",
    "allowed",
    "case_for",
    "check",
    "open_evidence",
    "record_export",
    "record_item_view",
    "role_of",
    "visible_cases",
]
