"""What to do next for a case: the five steps, in order of urgency.

``plan(case)`` reads the labels triage and people's reviews gave the case's items, the
platforms they came from, the case's jurisdiction and the actions already recorded, and
returns the five steps (police, platform, public reply, asking the poster, a lawyer), each
with why it applies, what to do (with the reference data's channels, sources and checked-on
dates), what was done, what is pending and what is overdue. Threats or a location made public
put a safety section first. An Australian case gets eSafety's two timings: intimate images
go to eSafety at once, other abuse after the platform has had 48 hours. It never says that
something is illegal: it names categories the facts may fit, and a lawyer where the person
lives decides.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from onrecord.cases.models import Case, Item
from onrecord.documents.kinds import KINDS
from onrecord.reference.lookup import (
    KIND_LABELS,
    NOT_LEGAL_ADVICE,
    Channel,
    ReferenceNotFoundError,
    Statute,
    law,
    notice_elements,
    platform,
)
from onrecord.steps.deadlines import esafety_statutes, is_australian
from onrecord.steps.models import Action
from onrecord.steps.safety import Safety, country_of, is_eu, safety
from onrecord.steps.tracking import FINAL, action_row, deadline_row
from onrecord.vault.custody import utc_now

LOCATION_KINDS = frozenset({"home_address", "coordinates", "workplace", "school", "vehicle_plate"})
INTIMATE_WORDS = ("intimate", "sextortion")
CATEGORY_KEYS = {
    "threat": ("true_threats", "stalking"),
    "extortion": ("extortion",),
    "doxing": ("doxing",),
    "defamation_risk": ("defamation", "false_light"),
    "intimate": ("intimate_images",),
    "sexual_harassment": ("iied",),
}
NAMES = {"location": "doxing of a location", "intimate": "intimate images"}
ESAFETY = "eSafety Commissioner"
ESAFETY_IMAGES_NOW = (
    "Complain to eSafety now: under the image-based abuse scheme you do not need to wait for "
    "the platform to act (Online Safety Act 2021 s.32); eSafety can order removal within 24 "
    "hours. Report to the platform too."
)
ESAFETY_CYBER_ABUSE = (
    "Report to the platform first. If the material is not removed within 48 hours of your "
    "report, complain to eSafety ({scheme}); keep the report's date and reference number."
)
ESAFETY_SCHEMES = {
    False: "adult cyber abuse scheme, Online Safety Act 2021 ss.88-89",
    True: "cyberbullying scheme for under-18s, Online Safety Act 2021",
}
CHANNEL_KINDS = {
    "threat": "threats",
    "doxing": "private_information",
    "intimate": "intimate_images",
}


@dataclass(frozen=True)
class ChannelRef:
    """Where and how to report, with the addresses it was read at and when."""

    target: str
    kind: str
    how: str
    url: str
    sources: list[str]
    checked_on: str | None


@dataclass
class Step:
    """One of the five steps, for this case."""

    key: str
    title: str
    urgency: int
    why: list[str] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    channels: list[ChannelRef] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Plan:
    """The safety section (when needed) and the five steps, most urgent first."""

    case: int
    jurisdiction: str
    safety: Safety | None
    steps: list[Step]
    note: str = NOT_LEGAL_ADVICE

    def as_json(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return dataclasses.asdict(self)


@dataclass
class Facts:
    """What the case's items show, by label (item ids)."""

    labels: dict[str, list[int]]
    platforms: list[str]

    def has(self, label: str) -> bool:
        return bool(self.labels.get(label))

    def why(self, *labels: str) -> list[str]:
        found = []
        for label in labels:
            if self.has(label):
                ids = ", ".join(map(str, self.labels[label][:20]))
                found.append(f"{NAMES.get(label, label.replace('_', ' '))}: items {ids}")
        return found

    def ids(self, *labels: str) -> list[int]:
        return sorted({i for label in labels for i in self.labels.get(label, [])})


def facts_of(case: Case) -> Facts:
    """Labels that count (after reviews) per item, plus location doxing and intimate images."""
    found: dict[str, list[int]] = {}
    platforms: list[str] = []
    rows = Item.objects.filter(case=case, later_versions__isnull=True).select_related("triage")
    for item in rows.order_by("pk").iterator(chunk_size=2000):
        if item.platform and item.platform not in platforms:
            platforms.append(item.platform)
        triage = getattr(item, "triage", None)
        if triage is None:
            continue
        for label in triage.labels:
            found.setdefault(label, []).append(item.pk)
        spans = [s for s in triage.spans if s.get("label") in triage.labels]
        if "doxing" in triage.labels and any(s.get("kind") in LOCATION_KINDS for s in spans):
            found.setdefault("location", []).append(item.pk)
        why = " ".join(str(s.get("why", "")).casefold() for s in spans)
        if any(word in why for word in INTIMATE_WORDS):
            found.setdefault("intimate", []).append(item.pk)
    return Facts(found, platforms)


def plan(case: Case, *, now: dt.datetime | None = None, minor: bool = False) -> Plan:
    """The plan for ``case``; ``minor``: a person under 18 is shown or targeted."""
    now = now or utc_now()
    facts = facts_of(case)
    danger = facts.has("threat") or facts.has("location")
    steps = [
        _police(case, facts, danger, minor),
        _platform(case, facts, minor),
        _public_reply(facts, danger),
        _ask_poster(facts, danger),
        _lawyer(case, facts),
    ]
    _add_actions(case, steps, now)
    steps.sort(key=lambda s: -(s.urgency + (15 if s.overdue else 0)))
    section = None
    if danger or facts.has("self_harm_incitement"):
        section = safety(case.jurisdiction, facts.why("threat", "location", "self_harm_incitement"))
    return Plan(case.pk, case.jurisdiction, section, steps)


def _documents(*keys: str) -> list[str]:
    known = {k.key for k in KINDS}
    return [k for k in keys if k in known]


def _ref(target: str, channel: Channel) -> ChannelRef:
    return ChannelRef(
        target,
        KIND_LABELS.get(channel.kind, channel.kind),
        channel.how,
        channel.url,
        list(channel.source.urls),
        channel.source.checked_on.isoformat(),
    )


def _channels(name: str, kinds: list[str] | None = None) -> list[ChannelRef]:
    try:
        found = platform(name)
    except ReferenceNotFoundError:
        return []
    chosen = [c for c in found.channels if kinds is None or c.kind in kinds]
    return [_ref(found.name, c) for c in chosen]


def _police(case: Case, facts: Facts, danger: bool, minor: bool) -> Step:
    urgent = danger or facts.has("extortion") or (minor and facts.has("intimate"))
    step = Step("police", "Report to the police", 100 if urgent else 40)
    step.why = facts.why("threat", "location", "extortion", "intimate")
    step.items = facts.ids("threat", "location", "extortion", "intimate")
    if urgent:
        step.todo.append("Report to the police now; take the police packet with you.")
    else:
        step.todo.append(
            "A police report is possible; it records what happened even if they do not act at once."
        )
    step.documents = _documents("police-packet")
    if facts.has("extortion"):
        step.todo += [
            "Do not pay and do not send anything more: paying rarely ends it.",
            "Stop contact: do not reply or negotiate; block only after saving the evidence.",
            "Keep the evidence: do not delete the conversation or your account.",
        ]
        if country_of(case.jurisdiction) == "US":
            step.todo.append(
                "File a complaint with the FBI's IC3 (the worksheet has its sections)."
            )
            step.channels += _channels("FBI IC3")
            step.documents += _documents("ic3-worksheet")
    if not step.why:
        step.why = ["Every case can be reported; the record helps if things get worse."]
    return step


def _platform(case: Case, facts: Facts, minor: bool) -> Step:
    step = Step("platform", "Report to the platform", 90)
    kinds = ["harassment"] + [k for key, k in CHANNEL_KINDS.items() if facts.has(key)]
    step.why = [f"items come from {', '.join(facts.platforms)}"] if facts.platforms else []
    step.why += facts.why("doxing", "intimate")
    for name in facts.platforms:
        found = _channels(name, kinds)
        step.channels += found
        if not found:
            step.todo.append(
                f"{name}: the reference data has no reporting channel for it; use its own "
                "report button or abuse address."
            )
    if facts.has("doxing"):
        step.todo.append(
            "Use each platform's private-information report, and ask search engines to remove "
            "results showing your personal details."
        )
    search_kinds = [k for key, k in CHANNEL_KINDS.items() if key != "threat" and facts.has(key)]
    for engine in ("Google Search", "Microsoft Bing") if search_kinds else ():
        step.channels += _channels(engine, search_kinds)
    if facts.has("intimate"):
        if country_of(case.jurisdiction) == "US":
            notice = notice_elements("take_it_down")
            step.todo.append(
                f"Send a TAKE IT DOWN notice ({notice.title}): the platform must remove within "
                f"48 hours of a valid request (source: {', '.join(notice.source.urls[:1])}, "
                f"checked {notice.source.checked_on})."
            )
        step.todo.append(
            "StopNCII.org makes hashes on your device so partner platforms can "
            "block the images without you sending them."
        )
        step.channels += _channels("StopNCII.org")
    if minor:
        step.todo.append(
            "A minor is involved: use NCMEC's Take It Down and CyberTipline. onrecord never "
            "stores sexual images of minors: record the URL and a description only."
        )
        step.channels += _channels("NCMEC Take It Down")
    if is_australian(case.jurisdiction):
        _esafety(step, facts, minor)
    if is_eu(case.jurisdiction):
        notice = notice_elements("dsa_art16")
        step.todo.append(
            f"Send a DSA notice ({notice.title}); sources: {', '.join(notice.source.urls[:1])}, "
            f"checked {notice.source.checked_on}."
        )
    step.todo.append("Note each report's reference number with `onrecord action add`.")
    return step


def _esafety(step: Step, facts: Facts, minor: bool) -> None:
    """Australia's eSafety Commissioner: at once for intimate images, after 48 hours otherwise.

    The two schemes differ on purpose: image-based abuse can go to eSafety straight away, while
    cyber abuse and cyberbullying must first be reported to the platform. The wording is only
    shown with the jurisdictions.csv rows that state it (the same rows the deadlines cite), so a
    lost row drops the advice rather than leaving it unsourced.
    """
    if facts.has("intimate"):
        rows = esafety_statutes("no need to wait", "Image-based")
        if rows:
            step.urgency = max(step.urgency, 95)
            step.todo.insert(0, f"{ESAFETY_IMAGES_NOW} {_cited(rows)}")
            step.channels += _channels(ESAFETY, ["intimate_images"])
    scheme = "Cyberbullying" if minor else "Adult cyber"
    rows = esafety_statutes("48 hours", scheme)
    if rows:
        text = ESAFETY_CYBER_ABUSE.format(scheme=ESAFETY_SCHEMES[minor])
        step.todo.append(f"{text} {_cited(rows)}")
        step.channels += _channels(ESAFETY, ["harassment"])


def _cited(rows: tuple[Statute, ...]) -> str:
    """The sources and the oldest checked-on date of the reference rows behind a sentence."""
    urls = list(dict.fromkeys(u for row in rows for u in row.source.urls))
    checked = min(row.source.checked_on for row in rows)
    return f"(source: {' ; '.join(urls[:2])}, checked {checked})."


def _public_reply(facts: Facts, danger: bool) -> Step:
    step = Step("public-reply", "Answer in public (or not)", 5 if danger else 30)
    step.why = ["An option, never a duty: not replying is a complete answer."]
    step.todo = [
        "You may choose not to reply at all.",
        "If you reply, keep it short and factual, and save the evidence first.",
    ]
    step.warnings = [
        "A public reply can bring a pile-on: more people, more messages, worse ones.",
    ]
    if danger or facts.has("extortion"):
        step.warnings.append("With threats or extortion, do not engage in public.")
    return step


def _ask_poster(facts: Facts, danger: bool) -> Step:
    risky = danger or facts.has("extortion")
    step = Step("ask-poster", "Ask the poster to take it down", 10 if risky else 50)
    step.why = ["A calm, factual request sometimes works and is itself a record."]
    step.todo = ["Send the request to take down; keep a copy and note when it went."]
    step.documents = _documents("takedown-request")
    if risky:
        step.warnings.append(
            "With threats or extortion, do not contact the poster yourself: let the police or "
            "a lawyer do it."
        )
    return step


def _lawyer(case: Case, facts: Facts) -> Step:
    serious = facts.has("defamation_risk") or facts.has("intimate") or facts.has("extortion")
    step = Step("lawyer", "Talk to a lawyer", 70 if serious else 20)
    step.why = facts.why("defamation_risk", "intimate", "extortion", "threat", "doxing") or [
        "A lawyer decides which laws apply and what can be claimed."
    ]
    step.items = facts.ids("defamation_risk", "intimate", "extortion")
    try:
        info = law(case.jurisdiction)
    except ReferenceNotFoundError:
        step.todo.append(f"The reference data has nothing for {case.jurisdiction}.")
        return step
    wanted = {k for label, keys in CATEGORY_KEYS.items() if facts.has(label) for k in keys}
    for category in info.categories:
        if category.key in wanted:
            step.todo.append(
                f"The facts may fit: {category.name} ({category.basis}); source "
                f"{', '.join(category.source.urls[:1])}, checked {category.source.checked_on}. "
                "A lawyer decides."
            )
    if facts.has("defamation_risk"):
        limitation = info.state.defamation if info.state else None
        if limitation is not None and limitation.years is not None:
            step.todo.append(
                f"Defamation claims have a time limit in {info.name}: {limitation.years} "
                f"year(s) ({limitation.statute}; source {', '.join(limitation.source.urls[:1])}, "
                f"checked {limitation.source.checked_on}). See a lawyer well before it runs out."
            )
        else:
            step.todo.append(
                f"The reference data has no defamation time limit for {info.name}; time limits "
                "can be short, so ask a lawyer soon."
            )
    step.todo.append(NOT_LEGAL_ADVICE)
    return step


def _add_actions(case: Case, steps: list[Step], now: dt.datetime) -> None:
    by_key = {s.key: s for s in steps}
    for action in Action.objects.filter(case=case).prefetch_related("deadlines"):
        step = by_key.get(action.step)
        if step is None:
            continue
        row = action_row(action)
        step.actions.append(row)
        if action.status not in FINAL:
            step.pending.append(row)
        for deadline in action.deadlines.all():
            if not deadline.done and deadline.due_at < now:
                step.overdue.append(deadline_row(deadline, now))
