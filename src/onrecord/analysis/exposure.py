"""Exposure context for doxing: whose private detail it is, and whether it is being exposed.

A detail found by ``doxing.py`` is scored from its base weight by what surrounds it:

* ownership: the sender's own ("my new number is", "we moved, our address is") is cut to a
  fifth; someone else's ("her", "his", "Dale's", "this guy's") adds 0.2;
* a call to act on it ("go say hi", "pay her a visit", "call him", "you know what to do",
  "dox", "spread this") adds 0.3;
* a routine next to a workplace or school ("every morning", "picks him up at 3:15") adds 0.1;
* a shop, venue or public office ("call us", "grand opening", "call your senator's office")
  cuts an address, phone, e-mail or coordinates to a quarter or less.

Known blind spots: the owner is taken from the nearest pronoun before the detail, so "I found
her address" works but "her? I have the address: ..." may not; intent phrased without these
cues ("someone should visit") is missed; a business cue anywhere near a private address in
the same message lowers it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from onrecord.analysis.rules_context import sentence_bounds

_F = re.IGNORECASE


class Detail(NamedTuple):
    """A private detail a detector found, before context."""

    start: int
    end: int
    kind: str
    base: float
    why: str


class DoxHit(NamedTuple):
    """One private detail found: where, which kind, how exposed it looks, and why."""

    start: int
    end: int
    kind: str
    score: float
    why: str


_ROUTINE = re.compile(
    r"\bevery\s+(?:morning|day|night|evening|weekday|week|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday)\b|\bshifts?\b|\bclocks?\s+(?:in|out)\b|\bgets?\s+off\s+at\b"
    r"|\bat\s+\d{1,2}(?::\d\d)\b|\bfront\s+desk\b|\bparks?\s+(?:it\s+)?(?:at|outside|behind)\b"
    r"|\bpicks?\s+(?:him|her|them)\s+up\b|\broom\s+\d+|\b\d(?:st|nd|rd|th)\s+period\b",
    _F,
)
_OWNER = re.compile(
    r"\b(?P<first>my|our|i|i'm|im|i've|we|we're|we've|me|us|mine)\b"
    r"|\b(?P<second>your|you|ur)\b"
    r"|\b(?P<third>her|his|their|she|he|they|him|them|hers|theirs)\b"
    r"|\b(?!(?:it|that|here|there|what|who|let|where|how|everyone|everybody|today|tonight)'s)"
    r"(?P<poss>\w+)'s\b",
    _F,
)
_INTENT = re.compile(
    r"\b(?:go\s+(?:say\s+hi|visit|see|get)|pay\s+(?:her|him|them|this\s+\w+)\s+a\s+visit|"
    r"(?:drop|swing|stop|pop)\s+by|show\s+up|say\s+hi|give\s+(?:her|him|them|\w+)\s+a\s+"
    r"(?:call|ring|visit)|(?:call|ring|text|email|message|dm|spam|flood|visit)\s+(?:her|him|"
    r"them|it|this\s+\w+)\b|blow\s+up\s+(?:her|his|their)\s+(?:phone|inbox)|(?:let|tell)\s+"
    r"(?:her|his|their)\s+(?:boss|employer|school|wife|husband|family|parents|mom|mum|dad|"
    r"church|landlord|neighbou?rs|work|job|coworkers)|let\s+them\s+know|tell\s+(?:her|him|"
    r"them)\s+what|you\s+know\s+what\s+to\s+do|do\s+your\s+thing|have\s+fun|make\s+(?:her|"
    r"his|their)\s+life|everyone\s+(?:should|needs\s+to)\s+know|(?:share|spread|rt|retweet|"
    r"boost)\s+(?:this|it|far)|dox+(?:ed|ing)?|dox\s+drop|swat+(?:ed|ing)?|found\s+(?:her|"
    r"him|them)\b|here(?:'s|\s+is)\s+(?:where|her|his|their)|posting\s+(?:her|his|their)|"
    r"bring\s+friends|ask\s+(?:her|him|them)\s+yourself|knock\s+on\s+(?:her|his|their)\s+door|"
    r"leaked|go\s+get\s+(?:her|him|them))\b",
    _F,
)
_BUSINESS = re.compile(
    r"\b(?:shop|store|restaurant|cafe|café|bakery|salon|clinic|office\s+hours|grand\s+opening|"
    r"open\s+(?:daily|mon\w*|tue\w*|weekdays|from|\d)|opening\s+hours|reservations?|bookings?|"
    r"order\s+(?:now|online)|call\s+us|visit\s+us|contact\s+us|our\s+(?:office|store|shop|"
    r"team|showroom)|customer\s+(?:service|support)|suite\s+\d+|conference|hotel|venue|"
    r"tickets|museum|library|menu|free\s+(?:quote|estimate)|we'?re\s+(?:open|located)|"
    r"located\s+at|%\s+off)\b",
    _F,
)
_OFFICIAL = re.compile(
    r"\b(?:call|contact|write\s+to|email|phone)\s+(?:your|the)\s+(?:local\s+)?(?:representatives?|"
    r"reps?|senators?|congress\w*|mps?|councill?ors?|council\w*|mayor|governor|legislators?|"
    r"delegates?|assembly\w*)|\b(?:senator|representative|congress\w*|mp|councill?or|mayor)"
    r"'?s?\s+(?:office|hotline|switchboard)|\bdistrict\s+office\b|\bcapitol\b|\btown\s+hall\b",
    _F,
)
_PUBLIC_KINDS = frozenset({"home_address", "phone", "personal_email", "coordinates"})


def score_detail(text: str, item: Detail) -> DoxHit:
    """Score one detail for exposure from the words around it."""
    a, b = sentence_bounds(text, item.start, item.end, 200)
    owner = ""
    for m in _OWNER.finditer(text, max(a, item.start - 80), item.start):
        owner = "third" if m.lastgroup == "poss" else (m.lastgroup or "")
    if not owner:
        after = _OWNER.search(text, item.end, min(b, item.end + 40))
        owner = "third" if after and after.lastgroup in ("third", "poss") else ""
    wide = text[max(0, item.start - 250) : item.end + 250]
    score, notes = item.base, [item.why]
    # "she lives at ... across from the bakery": a shop nearby is a landmark, not the address.
    lives_at = "lives" in item.why
    if owner == "first":
        score *= 0.2
        notes.append("the sender's own")
    elif owner == "third":
        score += 0.2
        notes.append("someone else's")
    elif owner == "second":
        score += 0.1
    if owner != "first" and _INTENT.search(wide):
        score += 0.3
        notes.append("with a call to act on it")
    if item.kind in ("workplace", "school") and _ROUTINE.search(text, a, b):
        score += 0.1
        notes.append("with their routine")
    if item.kind in _PUBLIC_KINDS and _OFFICIAL.search(wide):
        score *= 0.3
        notes.append("public office contact")
    elif item.kind in _PUBLIC_KINDS and not lives_at and _BUSINESS.search(wide):
        score *= 0.25
        notes.append("business or venue")
    return DoxHit(item.start, item.end, item.kind, min(1.0, score), ", ".join(notes))
