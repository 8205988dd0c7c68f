"""Beyond single messages: who (actors), together (campaigns), getting worse (escalation),
and when (timeline). Pure functions over ``Message`` records; the case layer loads them.

* Actors: per account — how many, first and last seen, worst level and labels, trend
  (the second half of its active period compared with the first: rising, falling, steady)
  and whether its worst severity grew.
* Campaigns: bursts (at least ``min_accounts`` distinct accounts within ``window``) and
  near-duplicate texts across accounts (MinHash over word 3-shingles, LSH banding, then
  the Jaccard estimate), the signs of a coordinated pile-on.
* Escalation: frequency rising week on week; the first threat after insults; mentions of
  the person's offline places (doxing of a location) over time.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from onrecord.analysis.severity import LEVEL_NAMES, LOCATION_KINDS, level


@dataclass(frozen=True)
class Message:
    id: int
    author: str  # account key: platform:handle
    sent_at: dt.datetime | None
    text: str
    severity: float = 0.0
    labels: tuple[str, ...] = ()
    doxing_kinds: tuple[str, ...] = ()


@dataclass
class Actor:
    author: str
    count: int
    first_seen: dt.datetime | None
    last_seen: dt.datetime | None
    worst_level: str
    worst_severity: float
    labels: dict[str, int]
    trend: str  # rising, falling, steady, or "too few" to say
    escalating: bool


def actors(messages: Iterable[Message]) -> list[Actor]:
    """Every author, the most dangerous first."""
    by_author: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        by_author[message.author].append(message)
    found = []
    for author, own in by_author.items():
        timed = sorted((m for m in own if m.sent_at), key=lambda m: m.sent_at or _EPOCH)
        labels = Counter(label for m in own for label in m.labels)
        worst = max(m.severity for m in own)
        trend, escalating = _trend(timed)
        found.append(
            Actor(
                author=author,
                count=len(own),
                first_seen=timed[0].sent_at if timed else None,
                last_seen=timed[-1].sent_at if timed else None,
                worst_level=level(worst),
                worst_severity=worst,
                labels=dict(labels.most_common()),
                trend=trend,
                escalating=escalating,
            )
        )
    found.sort(key=lambda a: (-a.worst_severity, -a.count, a.author))
    return found


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _trend(timed: Sequence[Message]) -> tuple[str, bool]:
    if len(timed) < 4:
        return "too few to say", False
    start, end = timed[0].sent_at or _EPOCH, timed[-1].sent_at or _EPOCH
    middle = start + (end - start) / 2
    first = [m for m in timed if (m.sent_at or _EPOCH) <= middle]
    second = [m for m in timed if (m.sent_at or _EPOCH) > middle]
    escalating = bool(second) and max(m.severity for m in second) > max(
        (m.severity for m in first), default=0.0
    )
    if len(second) >= 1.5 * max(len(first), 1):
        return "rising", escalating
    if len(first) >= 1.5 * max(len(second), 1):
        return "falling", escalating
    return "steady", escalating


@dataclass
class Burst:
    start: dt.datetime
    end: dt.datetime
    accounts: list[str]
    item_ids: list[int]


@dataclass
class DuplicateGroup:
    accounts: list[str]
    item_ids: list[int]
    similarity: float


@dataclass
class Campaigns:
    bursts: list[Burst] = field(default_factory=list)
    duplicates: list[DuplicateGroup] = field(default_factory=list)


def campaigns(
    messages: Sequence[Message],
    window: dt.timedelta = dt.timedelta(hours=1),
    min_accounts: int = 5,
    min_similarity: float = 0.6,
) -> Campaigns:
    return Campaigns(
        bursts(messages, window, min_accounts),
        near_duplicates(messages, min_similarity),
    )


def bursts(messages: Sequence[Message], window: dt.timedelta, min_accounts: int) -> list[Burst]:
    """Stretches where at least ``min_accounts`` accounts wrote within ``window``."""
    timed = sorted((m for m in messages if m.sent_at), key=lambda m: m.sent_at or _EPOCH)
    found: list[Burst] = []
    left = 0
    authors: Counter[str] = Counter()
    for right, message in enumerate(timed):
        authors[message.author] += 1
        while (message.sent_at or _EPOCH) - (timed[left].sent_at or _EPOCH) > window:
            authors[timed[left].author] -= 1
            if not authors[timed[left].author]:
                del authors[timed[left].author]
            left += 1
        if len(authors) >= min_accounts:
            members = timed[left : right + 1]
            start = members[0].sent_at or _EPOCH
            if found and start <= found[-1].end:
                last = found[-1]
                last.end = message.sent_at or _EPOCH
                known = set(last.item_ids)
                last.item_ids += [m.id for m in members if m.id not in known]
                last.accounts = sorted(set(last.accounts) | set(authors))
            else:
                found.append(
                    Burst(
                        start, message.sent_at or _EPOCH, sorted(authors), [m.id for m in members]
                    )
                )
    return found


_WORD = re.compile(r"\w+")
_PERMUTATIONS = 64
_BANDS = 16
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(4417)
_A = _rng.integers(1, _PRIME, _PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, _PERMUTATIONS, dtype=np.uint64)


def _shingles(text: str) -> set[int]:
    words = _WORD.findall(text.lower())
    if len(words) < 3:
        joined = " ".join(words)
        return {zlib.crc32(joined[i : i + 4].encode()) for i in range(max(1, len(joined) - 3))}
    return {zlib.crc32(" ".join(words[i : i + 3]).encode()) for i in range(len(words) - 2)}


def _signature(shingles: set[int]) -> np.ndarray:
    values = np.fromiter(shingles, dtype=np.uint64)
    # (a * x + b) mod p, in uint64 wrap-around arithmetic: a fixed family of hash functions
    hashed = (values[:, None] * _A[None, :] + _B[None, :]) % np.uint64(_PRIME)
    result: np.ndarray = hashed.min(axis=0)
    return result


def near_duplicates(messages: Sequence[Message], min_similarity: float) -> list[DuplicateGroup]:
    """Groups of near-identical texts written by more than one account."""
    candidates = [m for m in messages if len(m.text.strip()) >= 12]
    if len(candidates) < 2:
        return []
    signatures = [_signature(_shingles(m.text)) for m in candidates]
    rows = _PERMUTATIONS // _BANDS
    parent = list(range(len(candidates)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for band in range(_BANDS):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        for number, signature in enumerate(signatures):
            buckets[signature[band * rows : (band + 1) * rows].tobytes()].append(number)
        for members in buckets.values():
            for other in members[1:]:
                first = members[0]
                similar = float(np.mean(signatures[first] == signatures[other]))
                if similar >= min_similarity:
                    parent[find(other)] = find(first)
    groups: dict[int, list[int]] = defaultdict(list)
    for number in range(len(candidates)):
        groups[find(number)].append(number)
    found = []
    for members in groups.values():
        accounts = sorted({candidates[n].author for n in members})
        if len(members) < 2 or len(accounts) < 2:
            continue
        base = signatures[members[0]]
        similarity = min(float(np.mean(base == signatures[n])) for n in members[1:])
        found.append(
            DuplicateGroup(
                accounts, sorted(candidates[n].id for n in members), round(similarity, 3)
            )
        )
    found.sort(key=lambda g: (-len(g.accounts), -len(g.item_ids)))
    return found


def escalation(messages: Sequence[Message]) -> list[str]:
    """Plain sentences on how the harassment changes over time."""
    timed = sorted((m for m in messages if m.sent_at), key=lambda m: m.sent_at or _EPOCH)
    notes: list[str] = []
    weeks = Counter((m.sent_at or _EPOCH).isocalendar()[:2] for m in timed)
    if len(weeks) >= 3:
        ordered = [weeks[k] for k in sorted(weeks)]
        half = len(ordered) // 2
        before, after = sum(ordered[:half]) / half, sum(ordered[half:]) / (len(ordered) - half)
        if after >= 1.5 * before:
            notes.append(
                f"Messages are getting more frequent: {before:.1f} a week before, "
                f"{after:.1f} a week since."
            )
    insults = [
        m for m in timed if {"targeted_insult", "offensive", "identity_attack"} & set(m.labels)
    ]
    threats = [m for m in timed if "threat" in m.labels]
    if insults and threats and (insults[0].sent_at or _EPOCH) < (threats[0].sent_at or _EPOCH):
        notes.append(
            f"It moved from insults (first on {insults[0].sent_at:%Y-%m-%d}) to threats "
            f"(first on {threats[0].sent_at:%Y-%m-%d})."
        )
    places = [m for m in timed if LOCATION_KINDS & set(m.doxing_kinds)]
    if places:
        kinds = sorted({k for m in places for k in m.doxing_kinds if k in LOCATION_KINDS})
        notes.append(
            f"{len(places)} message(s) mention the person's offline places "
            f"({', '.join(k.replace('_', ' ') for k in kinds)}), first on "
            f"{places[0].sent_at:%Y-%m-%d}."
        )
    return notes


def timeline(messages: Iterable[Message], zone: dt.tzinfo) -> list[dict[str, object]]:
    """Per day (in the case's time zone): how many items of each level."""
    days: dict[dt.date, Counter[str]] = defaultdict(Counter)
    for message in messages:
        if message.sent_at is None:
            continue
        days[message.sent_at.astimezone(zone).date()][level(message.severity)] += 1
    return [
        {"date": day.isoformat(), **{name: days[day][name] for name in LEVEL_NAMES}}
        for day in sorted(days)
    ]
