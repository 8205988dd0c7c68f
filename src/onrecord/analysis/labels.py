"""The labels triage gives every item, and what a finding looks like.

A finding is a score from 0 to 1 per label, the decision (score at or over the label's
threshold), and the spans of text that caused it, so a person can see why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LABELS: tuple[str, ...] = (
    "offensive",
    "targeted_insult",
    "identity_attack",
    "threat",
    "sexual_harassment",
    "extortion",
    "doxing",
    "self_harm_incitement",
    "defamation_risk",
)

DOXING_KINDS: tuple[str, ...] = (
    "home_address",
    "phone",
    "personal_email",
    "workplace",
    "school",
    "family",
    "vehicle_plate",
    "government_id",
    "coordinates",
)


@dataclass(frozen=True)
class Span:
    """A stretch of the text that supports a label: [start, end) in characters."""

    label: str
    start: int
    end: int
    text: str
    why: str = ""  # "threat phrase", "US phone number", "lives at + address"...
    kind: str = ""  # for doxing: one of DOXING_KINDS


@dataclass
class Finding:
    """Scores, decisions and evidence spans for one text."""

    scores: dict[str, float] = field(default_factory=lambda: dict.fromkeys(LABELS, 0.0))
    spans: list[Span] = field(default_factory=list)

    def raise_to(self, label: str, score: float) -> None:
        """Keep the highest score any source gives a label."""
        if score > self.scores[label]:
            self.scores[label] = min(1.0, score)
