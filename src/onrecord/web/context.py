"""What every template may use: the quick-exit address, the idle lock, helper mode."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from onrecord.web.state import current


def common(request: HttpRequest) -> dict[str, Any]:
    state = current()
    unlocked = state.is_unlocked_for(request.session.get("generation"))
    role = request.session.get("role", "person")
    return {
        "exit_url": state.settings.exit_url,
        "idle_lock_s": state.settings.idle_lock_s,
        "unlocked": unlocked,
        "role": role,
        "helper_mode": state.helper_mode,
        "summaries_only": state.helper_mode and role != "helper",
    }
