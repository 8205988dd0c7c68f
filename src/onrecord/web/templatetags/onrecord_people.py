"""``may_share``: whether the case's navigation offers its People page to this account."""

from __future__ import annotations

from django import template
from django.contrib.auth.models import User

from onrecord.cases.models import Case
from onrecord.server.permissions import allowed
from onrecord.web.state import current

register = template.Library()


@register.filter
def may_share(user: object, case: Case) -> bool:
    """True on the organisation server for an account allowed to share ``case``."""
    return current().server_mode and isinstance(user, User) and allowed(user, case, "share")
