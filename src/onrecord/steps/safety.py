"""The safety section of a plan: emergency numbers, hotlines and a safety plan.

Safety here means a safety plan, emergency numbers and hotlines; it never means anything
about weapons. Numbers are by the country of the case's jurisdiction ("US-CA" is "US") and
come from the checked reference data (``reference/data/hotlines.csv``), each with the page it
was confirmed on, because a wrong number read to a frightened person is worse than none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from onrecord.reference.lookup import Hotline, hotlines, hotlines_for

EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
NO_LINES_NOTE = (
    "No hotline for this country in onrecord's reference data: ask local victim support."
)
SAFETY_PLAN = (
    "Make a safety plan: who you will call, where you can go, what you will take, and how "
    "you will get there; agree a code word with someone you trust.",
    "Tell people you trust (family, work, school) what is happening, so they can help and "
    "do not give out where you are.",
    "Vary your routes and routines while the threat lasts; check your accounts' location "
    "sharing and who can see your posts.",
    "If you are in danger now, call the emergency number; do not wait for a reply from a platform.",
)


@dataclass(frozen=True)
class Safety:
    """What to do first when someone may be in danger."""

    why: list[str]
    emergency_number: str
    hotlines: list[str]
    plan: list[str] = field(default_factory=lambda: list(SAFETY_PLAN))
    sources: list[str] = field(default_factory=list)
    note: str = (
        "Numbers come from onrecord's reference data, each checked on a public page on the date "
        "shown in `onrecord reference`; services change, so check the number if a call fails."
    )


def country_of(jurisdiction: str) -> str:
    """The country code of a jurisdiction ("US-CA" → "US"); EU members map to "EU" if unlisted."""
    country = jurisdiction.split("-")[0].upper()
    if country == "UK":
        country = "GB"
    if any(h.country == country for h in hotlines()):
        return country
    return "EU" if country in EU_COUNTRIES else country


def is_eu(jurisdiction: str) -> bool:
    """Whether the jurisdiction is the EU or one of its member states."""
    country = jurisdiction.split("-")[0].upper()
    return country == "EU" or country in EU_COUNTRIES


def _emergency_numbers() -> dict[str, str]:
    numbers: dict[str, str] = {}
    for hotline in hotlines():
        if hotline.is_emergency:
            numbers.setdefault(hotline.country, hotline.number)
    return numbers


def _support_lines() -> dict[str, tuple[str, ...]]:
    lines: dict[str, list[str]] = {}
    for hotline in hotlines():
        if not hotline.is_emergency:
            lines.setdefault(hotline.country, []).append(_line(hotline))
    return {country: tuple(found) for country, found in lines.items()}


def _line(hotline: Hotline) -> str:
    where = f" ({hotline.url})" if hotline.url else ""
    return f"{hotline.name}: {hotline.number}{where} - {hotline.purpose}"


def safety(jurisdiction: str, why: list[str]) -> Safety:
    """The safety section for a case in ``jurisdiction``."""
    country = country_of(jurisdiction)
    found = hotlines_for(country)
    emergency = [h for h in found if h.is_emergency]
    support = [h for h in found if not h.is_emergency]
    number = emergency[0].number if emergency else "your local emergency number"
    lines = [_line(h) for h in support] or [NO_LINES_NOTE]
    sources = sorted({url for h in found for url in h.source.urls})
    return Safety(why=why, emergency_number=number, hotlines=lines, sources=sources)


# Country code -> emergency number and -> support lines, read from the reference data (the web
# safety page lists these; the plan uses ``safety()``).
EMERGENCY: dict[str, str] = _emergency_numbers()
HOTLINES: dict[str, tuple[str, ...]] = _support_lines()
