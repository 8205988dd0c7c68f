"""Rules for the labels the statistical model has no training data for: ``apply_rules``.

``apply_rules(text)`` returns a ``Finding`` with a score in [0, 1] and evidence ``Span``s
(offsets into the original text) for threat, extortion, doxing, self-harm incitement,
sexual harassment and defamation risk; the model's labels stay at 0.

* threat and self-harm incitement: phrase lexicons in ``lexicons.py``; sexual harassment:
  ``sexual.py``. Matches are discounted for quotation, news, games, jokes, fiction, negation
  and helpline text (``rules_context.py``); a threat is raised by a stated time, place or
  weapon, and several agreeing phrases raise a label a little.
* extortion and sextortion: ``extortion.py`` (a demand together with a consequence).
* defamation risk: ``defamation.py`` (a factual-sounding accusation about a person).
* doxing: ``doxing.py`` (private details, and whether they are being exposed).

Speed: one pass indexes the words rules are gated on; each rule then scans only short
windows around its own gate words (``rules_context.TextIndex``), so a megabyte takes a
fraction of a second unless it is dense with gate words.

Known blind spots: English only; a message is judged alone, so a demand and its threat in
two separate messages are missed; sarcasm, coded language and new slang; defamation is a
legal question this only flags for a person to look at, and true statements are flagged too.
"""

from __future__ import annotations

import re

from onrecord.analysis.defamation import DEFAMATION_RULES, find_defamation
from onrecord.analysis.doxing import DOXING_GATE, find_doxing
from onrecord.analysis.extortion import CONSEQUENCES, DEMANDS, find_extortion
from onrecord.analysis.labels import Finding, Span
from onrecord.analysis.lexicons import (
    SELF_HARM_RULES,
    THREAT_ACTS,
    THREAT_FRAMES,
    THREAT_MEANS,
    THREAT_PLACE,
    THREAT_RULES,
    THREAT_TIME,
    THREAT_WEAPON_OWNED,
    YOUR_PLACES,
)
from onrecord.analysis.rules_context import (
    Hit,
    Prepared,
    Rule,
    TextIndex,
    adjust,
    explain,
    prepare,
    scan,
)
from onrecord.analysis.sexual import SEXUAL_RULES

RULE_LABELS: tuple[str, ...] = (
    "threat",
    "extortion",
    "doxing",
    "self_harm_incitement",
    "sexual_harassment",
    "defamation_risk",
)
MAX_MATCHES = 200  # per pattern; the score is a maximum, so later repeats add nothing
_MAX_SPANS_PER_RULE = 20
# A rule that has matched this often at full strength cannot score higher: stop scanning it.
_ENOUGH = 5
_SECOND_PERSON = re.compile(r"\b(?:you|u|ya|y'?all|your|ur)\b", re.IGNORECASE)
_ALL_RULES: tuple[Rule, ...] = (
    *THREAT_FRAMES,
    *THREAT_RULES,
    THREAT_WEAPON_OWNED,
    *SELF_HARM_RULES,
    *SEXUAL_RULES,
    *DEMANDS,
    *CONSEQUENCES,
    *DEFAMATION_RULES,
)
GATE_KEYS: frozenset[str] = frozenset().union(DOXING_GATE, *(r.gate for r in _ALL_RULES))


class _Collector:
    """Gathers spans (mapped to original offsets) and the best score per label and rule."""

    def __init__(self, prep: Prepared) -> None:
        self.prep = prep
        self.best: dict[str, dict[str, float]] = {}
        self.count: dict[tuple[str, str], int] = {}
        self.spans: list[Span] = []

    def add(self, hit: Hit) -> None:
        rules = self.best.setdefault(hit.label, {})
        rules[hit.key] = max(rules.get(hit.key, 0.0), hit.score)
        n = self.count.get((hit.label, hit.key), 0)
        if n >= _MAX_SPANS_PER_RULE:
            return
        self.count[(hit.label, hit.key)] = n + 1
        s, e = self.prep.to_original(hit.start, hit.end)
        text = self.prep.original[s:e]
        self.spans.append(Span(hit.label, s, e, text, hit.why, hit.kind))

    def finding(self) -> Finding:
        """Each label's score: its best rule, plus a little for up to two others that agree."""
        finding = Finding(spans=self.spans)
        for label, rules in self.best.items():
            scores = sorted(rules.values(), reverse=True)
            bonus = 0.05 * sum(1 for v in scores[1:3] if v >= 0.4) if scores[0] >= 0.4 else 0.0
            finding.raise_to(label, scores[0] + bonus)
        return finding


def _phrases(label: str, rules: tuple[Rule, ...], text: str, index: TextIndex) -> list[Hit]:
    hits = []
    for i, rule in enumerate(rules):
        found = 0
        for m in scan(rule.pattern, text, MAX_MATCHES, index.windows(rule.gate)):
            factor, notes = adjust(label, text, m.start(), m.end())
            why = explain(rule.why, notes)
            hits.append(Hit(label, m.start(), m.end(), rule.weight * factor, why, str(i)))
            found = found + 1 if factor >= 1.0 else found
            if found >= _ENOUGH:
                break
    return hits


_INTENSIFIERS = (
    (THREAT_TIME, "stated time"),
    (THREAT_PLACE, "names the person's home or work"),
    (THREAT_MEANS, "names a weapon"),
)


def _threat(text: str, start: int, end: int, weight: float, why: str, key: str) -> list[Hit]:
    """A threat hit after context, raised by a stated time, place or weapon near it."""
    factor, notes = adjust("threat", text, start, end)
    score = weight * factor
    hits: list[Hit] = []
    if weight >= 0.45 and factor >= 0.9:
        lo, hi = max(0, start - 200), min(len(text), end + 200)
        for cue, cue_why in _INTENSIFIERS:
            outside = (
                m for m in cue.finditer(text, lo, hi) if m.end() <= start or m.start() >= end
            )
            m = next(outside, None)
            if m and len(hits) < 2:
                hits.append(Hit("threat", m.start(), m.end(), 0.0, cue_why, "intensifier"))
        score += 0.07 * len(hits)
    hits.append(Hit("threat", start, end, score, explain(why, notes), key))
    return hits


def _threats(text: str, index: TextIndex) -> list[Hit]:
    hits: list[Hit] = []
    for fi, frame in enumerate(THREAT_FRAMES):
        found = 0
        for m in scan(frame.pattern, text, MAX_MATCHES, index.windows(frame.gate)):
            name = m.lastgroup or "kill"
            _, weight, why, _ = THREAT_ACTS[name]
            aimed = 1.0 if _SECOND_PERSON.search(m.group(name) or "") else 0.85
            weight *= frame.weight * aimed
            hits += _threat(
                text, m.start(), m.end(), weight, f"{why} ({frame.why})", f"f{fi}{name}"
            )
            found += hits[-1].score >= 0.9 * frame.weight
            if found >= _ENOUGH:
                break
            if name == "rape":
                factor, notes = adjust("sexual_harassment", text, m.start(), m.end())
                why = explain(why, notes)
                hits.append(Hit("sexual_harassment", m.start(), m.end(), 0.9 * factor, why, "rape"))
    for i, rule in enumerate(THREAT_RULES):
        found = 0
        for m in scan(rule.pattern, text, MAX_MATCHES, index.windows(rule.gate)):
            hits += _threat(text, m.start(), m.end(), rule.weight, rule.why, f"r{i}")
            found += hits[-1].score >= rule.weight
            if found >= _ENOUGH:
                break
    weapon = THREAT_WEAPON_OWNED
    for m in scan(weapon.pattern, text, MAX_MATCHES, index.windows(weapon.gate)):
        if YOUR_PLACES.search(text, max(0, m.start() - 150), min(len(text), m.end() + 150)):
            hits += _threat(text, m.start(), m.end(), weapon.weight, weapon.why, "weapon")
    return hits


def apply_rules(text: str) -> Finding:
    """Score ``text`` on the rule labels, with the spans that explain each score."""
    if not text:
        return Finding()
    prep = prepare(text)
    t = prep.text
    index = TextIndex(t, GATE_KEYS)
    col = _Collector(prep)
    hits = _threats(t, index)
    hits += _phrases("self_harm_incitement", SELF_HARM_RULES, t, index)
    hits += _phrases("sexual_harassment", SEXUAL_RULES, t, index)
    hits += find_extortion(t, index)
    hits += find_defamation(t, index)
    for hit in hits:
        col.add(hit)
    finding = col.finding()
    score, dox_hits = find_doxing(t, index)
    for h in dox_hits:
        s, e = prep.to_original(h.start, h.end)
        finding.spans.append(Span("doxing", s, e, text[s:e], h.why, h.kind))
    finding.raise_to("doxing", score)
    return finding
