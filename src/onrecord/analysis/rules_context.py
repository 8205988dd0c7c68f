"""Shared machinery for the rules: text preparation, fast gated scanning, and context.

* ``prepare`` straightens curly quotes (one character for one) and drops zero-width
  characters used to dodge filters, keeping a map back to the original offsets.
* ``TextIndex`` and ``scan``: one pass records where the rules' gate words occur; each rule
  then runs its regex only in windows around its own gate words, which keeps a megabyte of
  text to a fraction of a second. ``compile_phrase`` moves a leading ``\\b`` out of a regex
  so Python's engine can skip ahead; ``scan`` checks the boundary instead.
* ``adjust`` gives the factor context applies to a match: quoted or reported speech, news,
  games and banter, laughter, fiction, negation, protective statements ("if anyone hurts
  you"), helpline text, a victim retelling what was said, educational or policy text,
  hedged opinion, questions, and warnings about extortion.

Known blind spots: sentences are split on . ! ? and newlines, so abbreviations ("Dr.") cut a
sentence short; single quotes are recognised only at word edges; cue lists are English; a
real threat followed by "lol" is only partly discounted, and a joke without markers is not.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

_F = re.IGNORECASE

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_ZERO_WIDTH_RE = re.compile("[" + _ZERO_WIDTH + "]")
_STRAIGHTEN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "\uff07": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\uff02": '"',
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)

_CURLY = re.compile("[" + "".join(chr(c) for c in _STRAIGHTEN) + "]")


@dataclass(frozen=True)
class Prepared:
    """Text the patterns run on, and how to map its offsets back to the original."""

    text: str
    original: str
    # For each removed character (in order), its original index minus how many were removed
    # before it: non-decreasing, so bisect maps a prepared index back to the original.
    removed: tuple[int, ...] = ()

    def _original(self, index: int) -> int:
        return min(len(self.original), index + bisect.bisect_right(self.removed, index))

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) range in ``text`` to the same characters in ``original``."""
        if not self.removed:
            return start, end
        if start >= end:
            pos = self._original(start)
            return pos, pos
        return self._original(start), self._original(end - 1) + 1


def prepare(text: str) -> Prepared:
    """Straighten quotes (one character for one) and drop zero-width characters."""
    straight = text
    if _CURLY.search(text):
        for old, new in _STRAIGHTEN.items():
            straight = straight.replace(chr(old), str(new))
    gone = [m.start() for m in _ZERO_WIDTH_RE.finditer(straight)]
    if not gone:
        return Prepared(straight, text)
    removed = tuple(pos - n for n, pos in enumerate(gone))
    return Prepared(_ZERO_WIDTH_RE.sub("", straight), text, removed)


_TOKEN = re.compile(r"[^\W\d_]+|[$£€@]")
REACH = 180  # characters scanned either side of a gate word; every match is shorter than this


def gate(words: str) -> frozenset[str]:
    """Gate keys for a rule: words one of which every match of the rule contains."""
    return frozenset(w[:5] for w in words.lower().split())


class TextIndex:
    """Where each gate word occurs, so a rule scans only the text near its own gate words.

    Running seventy regular expressions over a megabyte costs seconds; one pass that
    tokenises the text and records the positions of the few words rules care about costs
    a fraction of that, and each rule then looks only at short windows.
    """

    def __init__(self, text: str, keys: frozenset[str]) -> None:
        low = text.replace("\u0130", "I").lower()  # the one character whose lower case is two
        self.length = len(text)
        self.positions: dict[str, list[int]] = {}
        for m in _TOKEN.finditer(low):
            key = m.group()[:5]
            if key in keys:
                self.positions.setdefault(key, []).append(m.start())

    def windows(self, keys: frozenset[str]) -> list[tuple[int, int]]:
        """Merged [start, end) windows around every occurrence of any of ``keys``."""
        found = sorted(p for k in keys for p in self.positions.get(k, ()))
        merged: list[tuple[int, int]] = []
        for p in found:
            lo, hi = max(0, p - REACH), min(self.length, p + REACH)
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        return merged


def compile_phrase(pattern: str, flags: int = _F) -> re.Pattern[str]:
    """Compile, moving a leading word boundary out of the regex and into ``scan``.

    A leading ``\\b`` stops Python's regex engine from skipping straight to the characters
    a match can start with, which makes a scan several times slower.
    """
    branches = _branches(pattern)
    if all(b.startswith(r"\b") for b in branches):
        pattern = "|".join(b[2:] for b in branches)
    return re.compile(pattern, flags)


def _branches(pattern: str) -> list[str]:
    """Split a regular expression at its top-level ``|``."""
    out: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 1
        elif c == "[":
            i += 2 if pattern[i + 1 : i + 2] == "]" or pattern[i + 1 : i + 3] == "^]" else 1
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*out, pattern[start:]]


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def scan(
    pattern: re.Pattern[str],
    text: str,
    limit: int,
    windows: list[tuple[int, int]] | None = None,
) -> Iterator[re.Match[str]]:
    """Matches that start at a word boundary, within ``windows`` (default: all), up to ``limit``."""
    n = 0
    for lo, hi in windows if windows is not None else [(0, len(text))]:
        for m in pattern.finditer(text, lo, hi):
            s = m.start()
            if 0 < s < len(text) and _is_word(text[s]) and _is_word(text[s - 1]):
                continue
            yield m
            n += 1
            if n >= limit:
                return


class Rule(NamedTuple):
    """One phrase pattern: what it matches, how strongly, why, and the words that gate it."""

    pattern: re.Pattern[str]
    weight: float
    why: str
    gate: frozenset[str]


class Hit(NamedTuple):
    """One piece of evidence a rule family found, in prepared-text offsets."""

    label: str
    start: int
    end: int
    score: float
    why: str
    key: str  # which rule; agreeing rules raise a label a little
    kind: str = ""


def explain(base: str, notes: list[str]) -> str:
    """A span's reason: what matched, after any context notes ("quoted: a threat to kill")."""
    return f"{'; '.join(notes)}: {base}" if notes else base


def make_rules(items: list[tuple[str, float, str, str]]) -> tuple[Rule, ...]:
    """Compile ``(pattern, weight, why, gate words)`` tuples into rules."""
    return tuple(Rule(compile_phrase(p), w, why, gate(g)) for p, w, why, g in items)


def sentence_bounds(text: str, start: int, end: int, limit: int = 300) -> tuple[int, int]:
    """The sentence around [start, end): back to . ! ? or newline, forward past the next one."""
    lo = max(0, start - limit)
    a = max(text.rfind(c, lo, start) for c in ".!?\n") + 1
    a = max(a, lo)
    hi = min(len(text), end + limit)
    ends = [i for i in (text.find(c, end, hi) for c in ".!?\n") if i >= 0]
    return a, (min(ends) + 1 if ends else hi)


def clause_start(text: str, start: int, sentence_start: int) -> int:
    """Where the clause holding ``start`` begins (after , ; : within the sentence)."""
    lo = max(sentence_start, start - 60)
    return max(lo, max(text.rfind(c, lo, start) for c in ",;:") + 1)


_OPEN_SINGLE = re.compile(r"(?:^|(?<=[\s:(\[]))'(?=\S)")
_CLOSE_SINGLE = re.compile(r"(?<=\S)'(?=[\s.,!?;:)\]]|$)")


def is_quoted(text: str, start: int, end: int) -> bool:
    """True when [start, end) sits inside a quotation on its line."""
    lo = max(0, start - 300)
    ls = text.rfind("\n", lo, start) + 1 if start > 0 else 0
    ls = max(ls, lo)
    hi = min(len(text), end + 300)
    le = text.find("\n", end, hi)
    le = hi if le < 0 else le
    before, after = text[ls:start], text[end:le]
    if before.count('"') % 2 == 1 and '"' in after:
        return True
    opens = [m.start() for m in _OPEN_SINGLE.finditer(before)]
    if not opens:
        return False
    if _CLOSE_SINGLE.search(before, opens[-1] + 1):
        return False
    return _CLOSE_SINGLE.search(text[max(start, end - 1) : le]) is not None


# --- context that lowers a phrase's weight ----------------------------------------------------

NEWS = re.compile(
    r"\b(?:police|prosecutors?|detectives?|officials?)\s+(?:said|say|says|allege|are)|"
    r"\b(?:was|were|been|being)\s+(?:arrested|charged|jailed|sentenced|convicted|indicted)|"
    r"\baccording\s+to\b|\breportedly\b|\bcourt\s+(?:heard|records?|documents?)\b|"
    r"\bheadline\b|\bnews\b|\bin\s+a\s+statement\b|\btestified\b|\bthe\s+jury\b|"
    r"\b(?:received|receiving|got|getting|faced|facing)\s+(?:death\s+)?threats\b|"
    r"\bthreat(?:s|ened|ening)?\s+(?:made\s+)?(?:against|to)\b|\binvestigat\w+\b",
    _F,
)
REPORTED = re.compile(
    r"\b(?:he|she|they|someone|somebody|people|the\s+(?:guy|man|woman|villain|character|"
    r"hero)|my\s+\w+|[a-z]+)\s+(?:said|says|told\s+(?:me|her|him|them|us|police)|wrote|"
    r"texted|posted|tweeted|yelled|screamed|shouted|messaged|commented|replied|keeps?\s+"
    r"saying)\b[^.!?\n]{0,12}$",
    _F,
)
GAME = re.compile(
    r"\b(?:game|games|gaming|mario\s*kart|chess|fifa|fortnite|call\s+of\s+duty|cod|halo|"
    r"minecraft|smash\s+bros|scrabble|monopoly|poker|cards|uno|tennis|ping\s*pong|bowling|"
    r"darts|trivia|quiz|pictionary|match|rematch|tournament|ranked|round|level|1v1|race|"
    r"the\s+court|on\s+xbox|on\s+ps\d|board\s+game|video\s+game|pickleball|golf)\b"
    r"|\bif\s+you\s+(?:eat|spoil|touch|finish|drink|forget|are\s+late|'?re\s+late|tell|"
    r"take|use|steal|borrow)\b|\bfor\s+(?:spoiling|eating|forgetting|being\s+late)\b",
    _F,
)
LAUGH = re.compile(
    r"\b(?:lol|lmao|lmfao|rofl|haha\w*|hehe\w*|jk|j/k|just\s+kidding|kidding|joking)\b"
    r"|[\U0001F602\U0001F923\U0001F606\U0001F61C\U0001F61D\U0001F61B\U0001F605]",
    _F,
)
FICTION = re.compile(
    r"\b(?:villain|movie|film|character|scene|episode|novel|chapter|lyrics?|song|the\s+line|"
    r"in\s+the\s+(?:book|show|play|series)|actor|actress|played\s+by|plot)\b",
    _F,
)
NEGATION = re.compile(
    r"\b(?:never|not|no\s+one|nobody|no-one|would\s*n'?t|wouldn'?t|won'?t|don'?t|do\s+not|"
    r"didn'?t|isn'?t|aren'?t|can'?t|cannot|couldn'?t|nothing)\b[^.!?\n]{0,25}$",
    _F,
)
NOT_REALLY_NEGATION = re.compile(
    r"\bnot\s+(?:saying|gonna\s+lie|kidding|joking)|\bno\s+joke\b|\bi'?m\s+not\s+playing\b", _F
)
PROTECTIVE = re.compile(
    r"\bif\s+(?:anyone|anybody|someone|somebody|he|she|they)\s+(?:ever\s+)?(?:hurts?|touch(?:es)?|"
    r"lays?\s+a\s+finger\s+on|messes\s+with|harms?)\s+(?:you|u|her|him)\b",
    _F,
)
OPINION = re.compile(
    r"\b(?:i\s+think|i\s+believe|i\s+feel|i\s+guess|i\s+suspect|i\s+wonder|wonder\s+if|"
    r"in\s+my\s+(?:opinion|view)|imo|imho|seems?\s+(?:like|to)|probably|maybe|might|"
    r"could\s+be|looks\s+like|sounds\s+like|rumou?rs?|apparently|allegedly|i\s+heard|"
    r"supposedly|i\s+bet|is\s+it\s+true|for\s+all\s+i\s+know|basically|literally)\b",
    _F,
)
HELPLINE = re.compile(
    r"\b(?:988|911|999|samaritans|helpline|hotline|crisis\s+(?:line|text|cent(?:er|re))|"
    r"lifeline|suicide\s+prevention|prevention|you(?:'re|\s+are)\s+not\s+alone|reach\s+out|"
    r"talk\s+to\s+someone|support\s+(?:is\s+)?available|get\s+help|therapist|counsell?or|"
    r"if\s+you(?:'re|\s+are)?\s+(?:feeling|thinking|having|considering|struggling)|"
    r"block\s+and\s+report|report\s+(?:them|it|him|her)|if\s+someone\s+tells\s+you|"
    r"i'?m\s+here\s+(?:for\s+you|if)|please\s+(?:don'?t|do\s+not)|volunteers?)\b",
    _F,
)
TOLD_TO = re.compile(
    r"\b(?:told|tells|telling|tell|asked|asks|asking|said|says|wants|wanted|keeps?\s+"
    r"(?:asking|telling|saying))\s+(?:me|her|him|them|us|people|my\s+\w+)\b"
    r"|\breported\s+(?:him|her|them)\b|\b(?:he|she|they)\s+(?:kept|keeps)\s+\w+ing\b",
    _F,
)
EDUCATIONAL = re.compile(
    r"\b(?:policy|policies|training|workshop|education|educational|consent|awareness|hr|"
    r"survivors?|prevention|screening|anatomy|museum|gallery|rated|study|studies|research|"
    r"course|class|lecture|diagram|therapist|clinic)\b",
    _F,
)

ADVICE = re.compile(
    r"\b(?:scam|alert|warning|beware|if\s+someone|if\s+anyone|never\s+(?:send|pay)|"
    r"(?<!you\s)(?<!\bu\s)(?:do\s+not|don'?t)\s+(?:send|pay)|report\s+it|tips?|what\s+do\s+i\s+do|prosecutors?|"
    r"blackmail(?:er|ed|ing)?|extortion|sextortion|guilty)\b",
    _F,
)

# Each cue: (label set, regex, where it is looked for, factor, note).
_SENTENCE, _WIDE = "sentence", "wide"
_CUES: tuple[tuple[frozenset[str], re.Pattern[str], str, float, str], ...] = (
    (
        frozenset({"threat", "extortion", "defamation_risk"}),
        NEWS,
        _SENTENCE,
        0.45,
        "news or report",
    ),
    (frozenset({"threat"}), GAME, _SENTENCE, 0.3, "game or banter"),
    (frozenset({"threat", "defamation_risk"}), LAUGH, _SENTENCE, 0.6, "joking tone"),
    (
        frozenset({"threat", "self_harm_incitement", "sexual_harassment", "defamation_risk"}),
        FICTION,
        _SENTENCE,
        0.4,
        "fiction or media",
    ),
    (frozenset({"threat"}), PROTECTIVE, _SENTENCE, 0.35, "protective, not aimed at the reader"),
    (frozenset({"self_harm_incitement"}), HELPLINE, _WIDE, 0.15, "support or helpline context"),
    (
        frozenset({"self_harm_incitement", "sexual_harassment", "extortion"}),
        TOLD_TO,
        _SENTENCE,
        0.35,
        "reported by the person it was said to",
    ),
    (frozenset({"sexual_harassment"}), EDUCATIONAL, _SENTENCE, 0.3, "educational or policy text"),
    (frozenset({"defamation_risk"}), OPINION, _SENTENCE, 0.5, "hedged as opinion"),
    (frozenset({"extortion"}), ADVICE, _WIDE, 0.25, "warning or advice about extortion"),
)


def adjust(label: str, text: str, start: int, end: int) -> tuple[float, list[str]]:
    """The factor context applies to a match of ``label`` at [start, end), and why."""
    a, b = sentence_bounds(text, start, end)
    sentence = text[a:b]
    wide = text[max(0, start - 250) : end + 250]
    factor = 1.0
    notes: list[str] = []
    if is_quoted(text, start, end) or REPORTED.search(text[max(a, start - 60) : start]):
        factor *= 0.6 if label == "defamation_risk" else 0.4
        notes.append("quoted")
    c = clause_start(text, start, a)
    # Extortion's own forms are negative ("if you don't pay"), so negation is not a discount.
    negated = label != "extortion" and NEGATION.search(text[c:start])
    if negated and not NOT_REALLY_NEGATION.search(sentence):
        factor *= 0.2 if label == "self_harm_incitement" else 0.3
        notes.append("negated")
    for labels, cue, where, cut, note in _CUES:
        if label in labels and cue.search(sentence if where == _SENTENCE else wide):
            factor *= cut
            notes.append(note)
    if label == "defamation_risk" and sentence.rstrip().endswith("?"):
        factor *= 0.5
        notes.append("asked as a question")
    return factor, notes
