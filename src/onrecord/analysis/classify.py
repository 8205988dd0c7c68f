"""Triage of texts: the shipped model and the rules together, one result per text.

This is the stable public interface behind ``onrecord classify`` (JSON lines in, JSON lines
out; see README) and behind ``onrecord triage``. The model scores ``offensive``,
``targeted_insult`` and ``identity_attack``; the rules score ``threat``, ``extortion``,
``doxing``, ``self_harm_incitement``, ``sexual_harassment`` and ``defamation_risk`` and may
raise the model's labels too. A label is decided when its score reaches its threshold.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from onrecord.analysis.labels import LABELS, Span
from onrecord.analysis.model import TriageModel, load_model
from onrecord.analysis.rules import apply_rules
from onrecord.analysis.severity import level, severity

RULE_THRESHOLD = 0.5
RULES_VERSION = "1"


@dataclass
class Result:
    """Scores, decided labels, severity and the spans that caused each decision."""

    scores: dict[str, float]
    labels: list[str]
    severity: float
    level: str
    spans: list[Span] = field(default_factory=list)

    @property
    def doxing_kinds(self) -> list[str]:
        return sorted({s.kind for s in self.spans if s.label == "doxing" and s.kind})

    def as_json(self, item_id: Any) -> dict[str, Any]:
        """The stable ``classify`` output line."""
        return {
            "id": item_id,
            "scores": {label: round(self.scores[label], 4) for label in LABELS},
            "labels": self.labels,
            "severity": self.severity,
            "spans": [
                {"label": s.label, "start": s.start, "end": s.end, "text": s.text}
                | ({"kind": s.kind} if s.kind else {})
                | ({"why": s.why} if s.why else {})
                for s in self.spans
                if s.label in self.labels
            ],
        }


class Classifier:
    """Loads the model once; classifies batches of texts."""

    def __init__(self, model: TriageModel | None = None) -> None:
        self.model = model if model is not None else load_model()
        files = json.dumps(self.model.manifest.get("sha256", {}), sort_keys=True).encode()
        self.version = (
            f"model-{hashlib.sha256(files).hexdigest()[:12]}-{self.model.mode}"
            f"+rules-{RULES_VERSION}"
        )

    def classify(self, texts: Sequence[str]) -> list[Result]:
        model_scores = self.model.score(list(texts))
        results = []
        for text, from_model in zip(texts, model_scores, strict=True):
            finding = apply_rules(text if isinstance(text, str) else str(text))
            scores = dict(finding.scores)
            decided: set[str] = set()
            for label, value in from_model.items():
                if value >= self.model.thresholds[label]:
                    decided.add(label)
                scores[label] = max(scores[label], value)
            for label, value in finding.scores.items():
                if value >= RULE_THRESHOLD:
                    decided.add(label)
            labels = [label for label in LABELS if label in decided]
            kinds = {s.kind for s in finding.spans if s.label == "doxing" and s.kind}
            value = severity(labels, scores, kinds)
            results.append(Result(scores, labels, value, level(value), list(finding.spans)))
        return results
