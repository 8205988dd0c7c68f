"""One ordering for the review queue: the most dangerous items first.

Threats of violence and doxing of a location come first, then extortion, other private
information, sexual harassment, self-harm incitement, defamation risk, targeted insults
and identity attacks, and general offensiveness last. An item's severity is the tier of its
worst decided label plus a little of that label's score (so, within a tier, the surer
finding ranks higher); it lies in [0, 1]. A person's review always wins over the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

LOCATION_KINDS = frozenset({"home_address", "coordinates", "workplace", "school"})

TIERS: dict[str, float] = {
    "threat": 0.90,
    "doxing_location": 0.90,
    "extortion": 0.80,
    "doxing": 0.75,
    "sexual_harassment": 0.70,
    "self_harm_incitement": 0.65,
    "defamation_risk": 0.50,
    "targeted_insult": 0.40,
    "identity_attack": 0.40,
    "offensive": 0.20,
}
LEVELS: tuple[tuple[str, float], ...] = (
    ("critical", 0.90),
    ("high", 0.70),
    ("medium", 0.40),
    ("low", 0.01),
)
LEVEL_NAMES = ("critical", "high", "medium", "low", "none")


def severity(
    labels: Iterable[str], scores: Mapping[str, float], doxing_kinds: Iterable[str] = ()
) -> float:
    """The severity of an item with these decided labels."""
    best = 0.0
    kinds = set(doxing_kinds)
    for label in labels:
        tier_name = label
        if label == "doxing" and kinds & LOCATION_KINDS:
            tier_name = "doxing_location"
        tier = TIERS.get(tier_name)
        if tier is None:
            continue
        best = max(best, tier + 0.0999 * max(0.0, min(1.0, scores.get(label, 1.0))))
    return round(min(best, 1.0), 4)


def level(value: float) -> str:
    """critical, high, medium, low or none."""
    for name, floor in LEVELS:
        if value >= floor:
            return name
    return "none"


def level_floor(name: str) -> float:
    """The lowest severity of a level (for ``--min-severity``)."""
    for level_name, floor in LEVELS:
        if level_name == name:
            return floor
    if name == "none":
        return 0.0
    raise ValueError(f"{name!r} is not a level: use {', '.join(LEVEL_NAMES)}")
