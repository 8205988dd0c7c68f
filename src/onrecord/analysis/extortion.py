"""Extortion and sextortion: a demand together with a consequence if it is not met.

A demand (pay, send money, gift cards or crypto, send more photos, delete a post, drop a
complaint...) and a consequence (or I post, or everyone sees, or I send it to your boss)
within a few sentences of each other make extortion; a deadline ("by Friday", "you have 24
hours") raises it. When intimate images are involved the spans say "sextortion" and sexual
harassment is raised too. A demand alone is not extortion; a threat to share intimate images
without a demand is kept as weak evidence (0.3). Warnings and advice about extortion, news
reports and a victim retelling what was demanded are discounted.

Known blind spots: a demand and its threat sent in separate messages; demands phrased as
questions ("how much is your reputation worth?"); consequences that name no audience or
exposure ("you know what happens"); non-English text.
"""

from __future__ import annotations

import re

from onrecord.analysis.rules_context import (
    Hit,
    Rule,
    TextIndex,
    adjust,
    explain,
    make_rules,
    scan,
)

_F = re.IGNORECASE
_MAX = 50  # demand and consequence matches kept per rule
_PAIR_DISTANCE = 400  # characters between a demand and its consequence
_UNLESS_CLAUSE = "says what happens otherwise"

_EXPOSE = (
    r"(?:post|share|send|leak|release|publish|upload|expose|show|forward|tell|email|text|sell|"
    r"spread|put)"
)
_MEDIA = (
    r"(?:pics|pictures|photos|videos?|vids|nudes|screenshots|recordings?|messages|chats|emails|"
    r"files|images|selfies|dms|texts|records)"
)
DEMANDS = make_rules(
    [
        (
            r"\b(?:pay|send|give|transfer|wire|venmo|cash\s*app|paypal|zelle|deposit|buy)\s+(?:me\s+|"
            r"us\s+)?(?:up\b|[^.!?\n]{0,25}?(?:[$£€]\s?\d[\d,.]*k?|\b(?:money|cash|bitcoin|btc|crypto|"
            r"eth|usdt|monero|xmr|gift\s*cards?|itunes|steam|amazon\s+cards?|google\s+play|"
            r"codes?)\b|\d[\d,.]*(?:\s?k\b|\s+(?:dollars|euros|pounds|bucks|usd|eur|gbp|btc|eth|"
            r"grand)\b)?))|\bpay\s+(?:me|us|up)\b",
            1.0,
            "demands money",
            "pay send give transfer wire venmo cash paypal zelle deposit buy",
        ),
        (
            r"[$£€]\s?\d[\d,.]*k?\s+(?:in\s+)?(?:bitcoin|btc|crypto|gift\s*cards?|steam|itunes|by|"
            r"before|within)\b|\bgift\s*cards?\b[^.!?\n]{0,15}[$£€]\s?\d",
            1.0,
            "demands money",
            "$ £ € gift giftcard giftcards",
        ),
        (
            r"\b(?:send|post|give)\s+(?:me\s+)?(?:\d+\s+|some\s+|a\s+few\s+|another\s+|new\s+)?"
            r"(?:more\s+)?(?:pics|pictures|photos|videos?|vids|nudes|noods|selfies)\b"
            r"|\bkeep\s+sending\s+(?:me\s+)?(?:\w+\s+){0,3}?(?:pics|pictures|photos|videos?|nudes)"
            r"|\b(?:undress|strip|get\s+naked|get\s+on\s+(?:video|cam|camera|facetime))\b",
            1.0,
            "demands images or a video",
            "send post give keep undress strip naked video cam camera facetime",
        ),
        (
            r"\b(?:delete|remove|take\s+down)\s+(?:your|the|that|this)\s+(?:post|review|video|tweet|"
            r"comment|account|thread|story|article|report|complaint)"
            r"|\bdrop\s+(?:the|your)\s+(?:\w+\s+)?(?:charges|case|complaint|lawsuit|report|claim)"
            r"|\b(?:withdraw|retract)\s+(?:your|the)\s+\w+|\b(?:resign|quit\s+your\s+job|step\s+down"
            r"|leave\s+town)\b|\bunblock\s+me\b|\b(?:keep|stay)\s+(?:quiet|silent)\b"
            r"|\b(?:don'?t|do\s+not)\s+(?:tell|go\s+to)\s+(?:anyone|the\s+police|the\s+cops)",
            1.0,
            "demands an action",
            "delete remove down drop withdraw retract resign quit step leave unblock quiet silent "
            "tell police cops",
        ),
        (
            r"\bif\s+(?:you|u)\s+(?:don'?t|do\s+not|won'?t|refuse\s+to)\s+(?:pay|send|transfer|"
            r"delete|drop|withdraw)\b|\bunless\s+(?:you|u)\b|\bas\s+long\s+as\s+(?:the\s+money|"
            r"you\s+(?:keep\s+)?(?:pay|send))",
            0.9,
            "conditional demand",
            "pay send transfer delete drop withdraw unless long",
        ),
    ]
)
CONSEQUENCES = make_rules(
    [
        (
            r"\bor\s+(?:else\b|i(?:'?ll|\s+will|'?m\s+(?:going\s+to|gonna)|\s+am\s+going\s+to)?\s*"
            + _EXPOSE
            + r"\b|i'?m\s+(?:posting|sending|leaking|sharing|uploading|releasing|telling))",
            1.0,
            "threatens to expose them if not",
            "else post share send leak release publish upload expose show forward tell email text "
            "sell spread put posting sending leaking sharing uploading releasing telling",
        ),
        (
            r"\b(?:or|otherwise|else|after\s+that|if\s+not)\s*,?\s+(?:everyone|everybody|"
            r"the\s+whole\s+\w+|all\s+(?:of\s+)?your\s+\w+|your\s+(?:[\w']+\s+){0,2}?[\w']+|"
            r"the\s+(?:\w+\s+)?" + _MEDIA + r"|(?:these|those|they|it|this)\b)[^.!?\n]{0,50}?\b"
            r"(?:sees?|will\s+see|gets?|finds?\s+out|learns?|hears?|knows?|receives?|goes?|go|"
            r"going|will\s+go|(?:is|are)\s+going)\b",
            1.0,
            "says others will see it if not",
            "or otherwise else after not",
        ),
        (
            r"[,;]\s+(?:everyone|everybody|your\s+(?:[\w']+\s+){0,2}?[\w']+|(?:the|these|those)\s+"
            r"(?:\w+\s+)?" + _MEDIA + r")\s+(?:gets?|sees?|will\s+(?:see|get|know)|finds?\s+out|"
            r"goes?\s+(?:public|online|viral))\b",
            0.9,
            _UNLESS_CLAUSE,
            "gets get sees see will finds find goes go",
        ),
        (
            r"\bi(?:'?ll|\s+will|'?m\s+(?:going\s+to|gonna))\s+(?:post|share|send|leak|release|"
            r"publish|upload|forward|show|email|sell)\s+(?:these|the|your|them|it|this|those|"
            r"everything|all|what\s+i\s+have|the\s+ones|our)\b[^.!?\n]{0,60}?\b(?:to|on|with|online|"
            r"everywhere|public)\b|\bi(?:'?ll|\s+will)\s+show\s+(?:your|ur)\s+\w+",
            0.9,
            "threatens to send or post material",
            "post share send leak release publish upload forward show email sell",
        ),
        (
            r"\b(?:leak|expose|release|publish)\s+(?:your|ur|the|these|those|all\s+your)\s+\w+"
            r"|\bi(?:'?ll|\s+will)\s+(?:tell|inform|email|message|text|contact|call)\s+(?:your|"
            r"everyone|all)\b|\bwith\s+your\s+name\s+on\s+it\b|\b(?:goes|go|will\s+go)\s+"
            r"(?:public|viral)\b",
            0.9,
            "threatens exposure",
            "leak expose release publish tell inform email message text contact call name public "
            "viral",
        ),
        (
            r"\b(?:you|u)\s+want\s+(?:this|these|it|them)\s+to\s+stay\s+(?:private|secret|hidden|"
            r"between\s+us)|\bi'?ll\s+keep\s+(?:quiet|it\s+quiet|my\s+mouth\s+shut|it\s+between\s+us)",
            0.8,
            "implies exposure unless paid",
            "private secret hidden between quiet mouth",
        ),
    ]
)
DEADLINE = re.compile(
    r"\b(?:by|before)\s+(?:tonight|tomorrow|midnight|noon|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|the\s+end\s+of\s+\w+|end\s+of\s+(?:the\s+)?(?:day|week)|"
    r"\d{1,2}\s*(?:am|pm))\b|\bwithin\s+\d+\s+(?:hours?|hrs?|days?|minutes?)\b"
    r"|\byou\s+have\s+(?:\d+|twenty[- ]four|forty[- ]eight|one|two|three)\s+(?:hours?|hrs?|"
    r"days?|minutes?)\b|\btonight\b",
    _F,
)
INTIMATE = re.compile(
    r"\b(?:nudes?|noods|naked|explicit|intimate|sexual|sex\s+(?:tape|video)|webcam|on\s+cam|"
    r"porn\w*|underwear|lingerie|undress\w*|masturbat\w+|topless|nsfw|bikini|strip)\b",
    _F,
)


def _matches(
    rules: tuple[Rule, ...], text: str, index: TextIndex
) -> list[tuple[int, int, float, str]]:
    return [
        (m.start(), m.end(), rule.weight, rule.why)
        for rule in rules
        for m in scan(rule.pattern, text, _MAX, index.windows(rule.gate))
    ]


def find_extortion(text: str, index: TextIndex) -> list[Hit]:
    """Extortion evidence in ``text``: the best demand-and-consequence pair, or weak hints."""
    demands, threats = _matches(DEMANDS, text, index), _matches(CONSEQUENCES, text, index)
    best: tuple[float, tuple[int, int, float, str], tuple[int, int, float, str]] | None = None
    for d in demands:
        for c in threats:
            if (d[0] < c[1] and c[0] < d[1]) or abs(c[0] - d[0]) > _PAIR_DISTANCE:
                continue
            if c[3] == _UNLESS_CLAUSE and d[3] != "conditional demand":
                continue  # ", your boss sees it" is only a consequence after "unless you..."
            score = 0.8 * min(d[2], c[2]) + (0.05 if "money" in d[3] or "images" in d[3] else 0)
            if best is None or score > best[0]:
                best = (score, d, c)
    if best is None:
        why = "threat to share intimate images, no demand found"
        return [
            Hit("extortion", c[0], c[1], 0.3, why, "alone")
            for c in threats
            if INTIMATE.search(text, max(0, c[0] - 150), min(len(text), c[1] + 150))
        ]
    score, d, c = best
    lo, hi = min(d[0], c[0]), max(d[1], c[1])
    factor, notes = adjust("extortion", text, lo, hi)
    window = (max(0, lo - 150), min(len(text), hi + 150))
    hits: list[Hit] = []
    deadline = DEADLINE.search(text, *window)
    if deadline:
        score += 0.05
        hits.append(Hit("extortion", deadline.start(), deadline.end(), 0.0, "deadline", "deadline"))
    sextortion = INTIMATE.search(text, *window) is not None
    prefix = "sextortion: " if sextortion else ""
    hits.append(Hit("extortion", d[0], d[1], score * factor, prefix + explain(d[3], notes), "pair"))
    hits.append(Hit("extortion", c[0], c[1], score * factor, prefix + explain(c[3], notes), "pair"))
    if sextortion:
        why = explain("sextortion: demand tied to intimate images", notes)
        hits.append(Hit("sexual_harassment", lo, hi, 0.7 * factor, why, "sextortion"))
    return hits
