"""Which deadlines an action starts, each with the rule's text and where that rule is stated.

The rules, and why each is narrow:

- A TAKE IT DOWN notice sent: the platform must remove within 48 hours (47 U.S.C. § 223a).
- Australia (Online Safety Act 2021), read from the reference data's AU rows:

  - a report of cyber abuse or cyberbullying to a platform: eSafety can act once the platform
    has not removed the material 48 hours after that report (adult cyber abuse, ss.88-89;
    the cyberbullying scheme for under-18s) - so the deadline falls 48 hours after sending;
  - a report of image-based abuse (intimate images): there is no wait; the person can
    complain to eSafety at once (s.32), so the reminder is due the moment the report is sent;
  - an eSafety removal notice (an action whose kind names one, dated when eSafety gave it):
    the provider or poster must remove within 24 hours of the notice (ss.77-78 image-based
    abuse, ss.88-89 adult cyber abuse), unless eSafety allowed longer;
  - a complaint to eSafety itself (the target names eSafety), or a report under another
    scheme (copyright, DMCA, TAKE IT DOWN), starts no eSafety wait.

- Any report to a platform: follow up when the platform is silent for 14 days (onrecord's own
  practice, no legal source claimed).

The words that decide which Australian scheme an action belongs to are in ``IMAGE_WORDS``,
``REMOVAL_NOTICE_WORDS`` and ``OTHER_SCHEME_WORDS``: an action's kind is free text, so the
match is on plain words; any other report to a platform counts as cyber abuse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from onrecord.reference.lookup import (
    URL_SEPARATOR,
    ReferenceNotFoundError,
    Statute,
    jurisdictions,
    notice_elements,
)
from onrecord.steps.models import Action

TAKE_IT_DOWN_RULE = "TAKE IT DOWN Act: removal within 48 hours of a valid request"
ESAFETY_RULE = (
    "eSafety (cyber abuse or cyberbullying): if the platform has not removed the material 48 "
    "hours after your report, you can complain to eSafety (Online Safety Act 2021, adult "
    "cyber abuse ss.88-89 and the under-18 cyberbullying scheme)"
)
ESAFETY_IMAGE_RULE = (
    "eSafety (image-based abuse): you can complain to eSafety now, without waiting for the "
    "platform (Online Safety Act 2021 s.32)"
)
ESAFETY_NOTICE_RULE = (
    "eSafety removal notice: the provider or poster must remove the material within 24 hours "
    "of the notice unless eSafety allowed longer (Online Safety Act 2021 ss.77-78 image-based "
    "abuse, ss.88-89 adult cyber abuse)"
)
FOLLOW_UP_RULE = (
    "Follow up when a platform is silent for 14 days (onrecord's own practice, not a legal "
    "deadline)"
)
ESAFETY_REMINDERS = (ESAFETY_RULE, ESAFETY_IMAGE_RULE)
FOLLOW_UP_DAYS = 14
IMAGE_WORDS = ("intimate", "image-based", "image based", "ncii", "nude", "sexual image")
REMOVAL_NOTICE_WORDS = ("removal notice",)
OTHER_SCHEME_WORDS = ("copyright", "dmca", "trademark", "take it down")


@dataclass(frozen=True)
class Rule:
    """A deadline an action starts: its text, how long after sending, and its source."""

    text: str
    after: dt.timedelta
    source_url: str
    checked_on: dt.date | None


def is_australian(jurisdiction: str) -> bool:
    """Whether a case's jurisdiction is Australia or one of its states ("AU", "AU-NSW")."""
    return jurisdiction.strip().upper().split("-")[0] == "AU"


def is_to_esafety(action: Action) -> bool:
    """Whether the action is a complaint to eSafety itself (its target names eSafety)."""
    return "esafety" in action.target.casefold().replace(" ", "")


def is_image_based(action: Action) -> bool:
    """Whether the action's kind says it is about intimate images (image-based abuse)."""
    kind = action.kind.casefold()
    return any(word in kind for word in IMAGE_WORDS)


def is_removal_notice(action: Action) -> bool:
    """Whether the action records an eSafety removal notice (dated when eSafety gave it)."""
    kind = action.kind.casefold()
    return any(word in kind for word in REMOVAL_NOTICE_WORDS)


def is_other_scheme(action: Action) -> bool:
    """Whether the action's kind names a scheme outside eSafety's (copyright, TAKE IT DOWN)."""
    kind = action.kind.casefold()
    return any(word in kind for word in OTHER_SCHEME_WORDS)


def rules_for(action: Action, jurisdiction: str) -> list[Rule]:
    """The deadlines an action starts once it is sent, in a case of ``jurisdiction``."""
    found: list[Rule] = []
    if "take it down" in action.kind.casefold():
        notice = notice_elements("take_it_down")
        source = URL_SEPARATOR.join(notice.source.urls)
        found.append(
            Rule(TAKE_IT_DOWN_RULE, dt.timedelta(hours=48), source, notice.source.checked_on)
        )
    australian = is_australian(jurisdiction)
    if australian and is_removal_notice(action):
        found.append(
            _sourced(
                ESAFETY_NOTICE_RULE,
                dt.timedelta(hours=24),
                "24 hours",
                "Image-based",
                "Adult cyber",
            )
        )
        return found
    if action.step != Action.Step.PLATFORM:
        return found
    if australian and not is_to_esafety(action):
        if is_image_based(action):
            found.append(
                _sourced(ESAFETY_IMAGE_RULE, dt.timedelta(0), "no need to wait", "Image-based")
            )
        elif not is_other_scheme(action):
            found.append(
                _sourced(
                    ESAFETY_RULE, dt.timedelta(hours=48), "48 hours", "Adult cyber", "Cyberbullying"
                )
            )
    found.append(Rule(FOLLOW_UP_RULE, dt.timedelta(days=FOLLOW_UP_DAYS), "", None))
    return found


def esafety_statutes(stated: str, *schemes: str) -> tuple[Statute, ...]:
    """The reference data's Australian rows for ``schemes`` whose summary states ``stated``."""
    if "AU" not in jurisdictions():
        return ()
    return tuple(
        statute
        for statute in jurisdictions()["AU"][2]
        if any(scheme.casefold() in statute.citation.casefold() for scheme in schemes)
        and stated in statute.summary
    )


def _sourced(text: str, after: dt.timedelta, stated: str, *schemes: str) -> Rule:
    """A rule whose source is the reference rows stating it; an error if the data lost them."""
    rows = esafety_statutes(stated, *schemes)
    if len(rows) != len(schemes):
        raise ReferenceNotFoundError(
            f"The reference data no longer states {stated!r} for {', '.join(schemes)} "
            "(jurisdictions.csv, AU rows); the eSafety deadline cannot cite its source. "
            "Restore those rows or change the rule in onrecord.steps.deadlines."
        )
    return Rule(text, after, _join_urls(rows), min(r.source.checked_on for r in rows))


def _join_urls(rows: Iterable[Statute]) -> str:
    urls: list[str] = []
    for row in rows:
        urls += [u for u in row.source.urls if u not in urls]
    return URL_SEPARATOR.join(urls)
