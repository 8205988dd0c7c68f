"""Plain words for onrecord's labels, levels and statuses (a reading age of about 12)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LABEL_WORDS: dict[str, Promise] = {
    "offensive": _("rude or offensive"),
    "targeted_insult": _("insult aimed at you"),
    "identity_attack": _("attack on who you are"),
    "threat": _("threat"),
    "sexual_harassment": _("sexual harassment"),
    "extortion": _("blackmail (extortion)"),
    "doxing": _("your private details shared"),
    "self_harm_incitement": _("urging self-harm"),
    "defamation_risk": _("false claims about you"),
}
LEVEL_WORDS: dict[str, Promise] = {
    "critical": _("most serious"),
    "high": _("serious"),
    "medium": _("harmful"),
    "low": _("mild"),
    "none": _("nothing found"),
}
STEP_WORDS: dict[str, Promise] = {
    "police": _("Report to the police"),
    "platform": _("Report to the platform"),
    "public-reply": _("Answer in public (or not)"),
    "ask-poster": _("Ask the poster to take it down"),
    "lawyer": _("Talk to a lawyer"),
}
STATUS_WORDS: dict[str, Promise] = {
    "drafted": _("written, not sent yet"),
    "sent": _("sent"),
    "acknowledged": _("they answered"),
    "resolved": _("done: it worked"),
    "refused": _("they said no"),
    "escalated": _("taken further"),
}
DECISION_WORDS: dict[str, Promise] = {
    "confirmed": _("confirmed"),
    "rejected": _("not this"),
    "dismissed": _("nothing harmful"),
}


def word(table: dict[str, Promise], key: str) -> str:
    found = table.get(key)
    return str(found) if found is not None else key.replace("_", " ")
