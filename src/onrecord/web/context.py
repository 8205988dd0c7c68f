"""What every template may use: the quick-exit address, the idle lock, helper mode, and on
the organisation server the staff account that is logged in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from onrecord.web.state import current


def common(request: HttpRequest) -> dict[str, Any]:
    state = current()
    if state.server_mode:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        return {
            "exit_url": state.settings.exit_url,
            "idle_lock_s": state.settings.staff_idle_s,
            "unlocked": signed_in,
            "server_mode": True,
            "staff_email": user.get_username() if signed_in and user is not None else "",
            "role": "staff",
            "helper_mode": False,
            "summaries_only": False,
        }
    unlocked = state.is_unlocked_for(request.session.get("generation"))
    role = request.session.get("role", "person")
    return {
        "exit_url": state.settings.exit_url,
        "idle_lock_s": state.settings.idle_lock_s,
        "server_mode": False,
        "unlocked": unlocked,
        "role": role,
        "helper_mode": state.helper_mode,
        "summaries_only": state.helper_mode and role != "helper",
    }
