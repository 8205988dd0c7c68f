"""The safety section of a plan: emergency numbers, hotlines and a safety plan.

Safety here means a safety plan, emergency numbers and hotlines; it never means anything
about weapons. Numbers are by the country of the case's jurisdiction ("US-CA" is "US").
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
EMERGENCY = {
    "US": "911",
    "GB": "999 (or 112)",
    "AU": "000 (112 from a mobile)",
    "CA": "911",
    "DE": "112 (ambulance, fire) or 110 (police)",
    "IN": "112",
    "EU": "112",
}
# Support lines known to onrecord (not from the checked reference data: confirm before relying).
HOTLINES: dict[str, tuple[str, ...]] = {
    "US": (
        "National Domestic Violence Hotline: 1-800-799-7233 (thehotline.org)",
        "Cyber Civil Rights Initiative crisis helpline: 844-878-2274 (intimate images)",
        "988 Suicide & Crisis Lifeline: call or text 988",
    ),
    "GB": (
        "Revenge Porn Helpline: 0345 6000 459 (revengepornhelpline.org.uk)",
        "Samaritans: 116 123",
    ),
    "AU": (
        "1800RESPECT: 1800 737 732",
        "Lifeline: 13 11 14",
        "eSafety Commissioner: esafety.gov.au/report",
    ),
    "CA": ("Talk Suicide Canada: call or text 988",),
    "DE": ("Hilfetelefon Gewalt gegen Frauen: 116 016",),
    "IN": ("National Cyber Crime Helpline: 1930 (cybercrime.gov.in)", "Women Helpline: 181"),
    "EU": ("Victim support helpline: 116 006 (in the countries that run it)",),
}
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
    note: str = (
        "Hotline numbers are onrecord's own list, not the checked reference data: confirm them "
        "before relying on them."
    )


def country_of(jurisdiction: str) -> str:
    """The country code of a jurisdiction ("US-CA" → "US"); EU members map to "EU" if unlisted."""
    country = jurisdiction.split("-")[0].upper()
    if country in EMERGENCY:
        return country
    return "EU" if country in EU_COUNTRIES else country


def is_eu(jurisdiction: str) -> bool:
    """Whether the jurisdiction is the EU or one of its member states."""
    country = jurisdiction.split("-")[0].upper()
    return country == "EU" or country in EU_COUNTRIES


def safety(jurisdiction: str, why: list[str]) -> Safety:
    """The safety section for a case in ``jurisdiction``."""
    country = country_of(jurisdiction)
    number = EMERGENCY.get(country, "your local emergency number")
    lines = list(HOTLINES.get(country, ()))
    if not lines:
        lines = ["No hotline for this country in onrecord's list: ask local victim support."]
    return Safety(why=why, emergency_number=number, hotlines=lines)
