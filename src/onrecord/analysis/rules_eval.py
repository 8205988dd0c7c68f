"""Precision and recall of the triage rules on a hand-written JSON-lines set.

Each line is ``{"text": ..., "labels": [...], "doxing_kinds": [...]}``: ``labels`` lists every
rule label that applies (``RULE_LABELS``; an empty list is a look-alike that must not fire)
and ``doxing_kinds`` the kinds of private detail exposed. ``evaluate`` runs ``apply_rules`` on
each text and counts, per label, how many decisions (score at or over ``threshold``) were
right. It also reports each doxing kind as ``doxing:<kind>``: a kind is predicted when the
text is decided as doxing and a detail of that kind scores at or over the threshold (or is
the strongest detail, when only several details together crossed it).

The set in ``tests/data/triage/rules_eval.jsonl`` was written before the rules and kept apart
from the unit tests, so these numbers estimate how the rules do on phrasings they were not
tuned on; they are still one author's examples, not real messages, and are small (about 44
lines per label), so treat differences of a few points as noise.
"""

from __future__ import annotations

import json
from pathlib import Path

from onrecord.analysis.doxing import find_doxing
from onrecord.analysis.labels import DOXING_KINDS
from onrecord.analysis.rules import RULE_LABELS, apply_rules
from onrecord.analysis.rules_context import prepare


def _metrics(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": float(tp + fn),
        "predicted": float(tp + fp),
    }


def _doxing_kinds(text: str, threshold: float) -> set[str]:
    _, hits = find_doxing(prepare(text).text)
    strong = {h.kind for h in hits if h.score >= threshold}
    if strong or not hits:
        return strong
    return {max(hits, key=lambda h: h.score).kind}


def evaluate(path: Path, threshold: float = 0.5) -> dict[str, dict[str, float]]:
    """Per-label precision, recall, F1, support (gold positives) and predicted count.

    Precision is 0.0 when a label was never predicted. Keys are the rule labels, then
    ``doxing:<kind>`` for every doxing kind that occurs in the set or was predicted.
    """
    keys = [*RULE_LABELS, *(f"doxing:{kind}" for kind in DOXING_KINDS)]
    counts = {key: [0, 0, 0] for key in keys}  # true positives, false positives, misses
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        text = str(row["text"])
        finding = apply_rules(text)
        gold = {str(label) for label in row.get("labels", [])}
        predicted = {label for label in RULE_LABELS if finding.scores[label] >= threshold}
        gold_kinds = {f"doxing:{kind}" for kind in row.get("doxing_kinds", [])}
        predicted_kinds: set[str] = set()
        if "doxing" in predicted:
            predicted_kinds = {f"doxing:{k}" for k in _doxing_kinds(text, threshold)}
        for key in keys:
            truth = key in gold or key in gold_kinds
            guess = key in predicted or key in predicted_kinds
            if truth and guess:
                counts[key][0] += 1
            elif guess:
                counts[key][1] += 1
            elif truth:
                counts[key][2] += 1
    return {
        key: _metrics(*counts[key])
        for key in keys
        if key in RULE_LABELS or counts[key][0] + counts[key][1] + counts[key][2]
    }
