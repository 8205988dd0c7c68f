"""Actors, campaigns, escalation and the timeline, on synthetic message records."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from onrecord.analysis.patterns import (
    Message,
    actors,
    bursts,
    campaigns,
    escalation,
    near_duplicates,
    timeline,
)
from onrecord.analysis.severity import level, level_floor, severity

T0 = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def test_severity_orders_the_review_queue() -> None:
    threat = severity(["threat"], {"threat": 0.6})
    dox_home = severity(["doxing"], {"doxing": 0.6}, ["home_address"])
    dox_phone = severity(["doxing"], {"doxing": 0.6}, ["phone"])
    extortion = severity(["extortion"], {"extortion": 0.99})
    sexual = severity(["sexual_harassment"], {"sexual_harassment": 0.9})
    self_harm = severity(["self_harm_incitement"], {"self_harm_incitement": 0.9})
    insult = severity(["targeted_insult"], {"targeted_insult": 0.99})
    offensive = severity(["offensive"], {"offensive": 0.99})
    assert threat > extortion and dox_home > extortion > dox_phone > sexual > self_harm
    assert self_harm > insult > offensive > severity([], {})
    assert level(threat) == "critical" and level(extortion) == "high"
    assert level(insult) == "medium" and level(offensive) == "low" and level(0.0) == "none"
    assert level_floor("high") == 0.70


def test_actors_count_first_last_worst_and_trend() -> None:
    messages = [
        Message(i, "x:troll", at(i * 24), "you idiot", 0.45, ("targeted_insult",)) for i in range(3)
    ]
    messages += [
        Message(10 + i, "x:troll", at(100 + i), "I will hurt you", 0.95, ("threat",))
        for i in range(6)
    ]
    messages += [Message(30, "x:other", at(5), "meh", 0.0)]
    first, second = actors(messages)
    assert first.author == "x:troll" and first.count == 9 and first.worst_level == "critical"
    assert first.first_seen == at(0) and first.last_seen == at(105)
    assert first.trend == "rising" and first.escalating
    assert first.labels == {"threat": 6, "targeted_insult": 3}
    assert second.author == "x:other" and second.trend == "too few to say"


def test_bursts_need_enough_accounts_in_the_window() -> None:
    pile_on = [Message(i, f"x:acct{i}", at(12 + i * 0.1), "go away") for i in range(6)]
    spread = [Message(100 + i, f"x:slow{i}", at(i * 5), "hm") for i in range(6)]
    [burst] = bursts(pile_on + spread, dt.timedelta(hours=1), 5)
    assert len(burst.accounts) == 6 and burst.item_ids == list(range(6))
    assert bursts(spread, dt.timedelta(hours=1), 5) == []


def test_near_duplicates_across_accounts_not_within_one() -> None:
    copy = "everyone should know what a liar and a fraud Sam Rivera is, share this"
    messages = [Message(i, f"x:sock{i}", at(i), copy + ("!" * i)) for i in range(4)]
    messages += [Message(50, "x:sock1", at(9), "a completely different sentence about lunch")]
    messages += [
        Message(60, "x:solo", at(1), "repeated by one account only, again and again"),
        Message(61, "x:solo", at(2), "repeated by one account only, again and again"),
    ]
    [group] = near_duplicates(messages, 0.6)
    assert group.item_ids == [0, 1, 2, 3] and len(group.accounts) == 4
    assert campaigns(messages).duplicates[0].item_ids == [0, 1, 2, 3]


def test_escalation_sentences() -> None:
    messages = [
        Message(i, "x:t", at(i * 24 * 7), "loser", 0.45, ("targeted_insult",)) for i in range(2)
    ]
    messages += [
        Message(
            10 + i,
            "x:t",
            at(24 * 7 * 3 + i),
            "I know where you live",
            0.99,
            ("threat", "doxing"),
            ("home_address",),
        )
        for i in range(8)
    ]
    notes = escalation(messages)
    assert any("more frequent" in n for n in notes)
    assert any("from insults (first on 2026-10-01) to threats" in n for n in notes)
    assert any("offline places (home address)" in n for n in notes)
    assert escalation([]) == []


def test_timeline_by_day_in_the_case_time_zone() -> None:
    zone = zoneinfo.ZoneInfo("America/Los_Angeles")
    messages = [
        Message(1, "a", dt.datetime(2026, 10, 2, 3, 0, tzinfo=dt.UTC), "x", 0.95),
        Message(2, "a", dt.datetime(2026, 10, 2, 20, 0, tzinfo=dt.UTC), "y", 0.0),
        Message(3, "a", None, "z", 0.5),
    ]
    days = timeline(messages, zone)
    assert [d["date"] for d in days] == ["2026-10-01", "2026-10-02"]
    assert days[0]["critical"] == 1 and days[1]["none"] == 1
