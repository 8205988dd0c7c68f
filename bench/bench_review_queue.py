"""Review-queue benchmark: server time per page of the web app's queue on a case of
100,000 items (synthetic), through Django's test client against a real encrypted vault.

Prints the median and 95th percentile beside the goal (p95 <= 300 ms on 2 cores); asserts
nothing. Two figures: pages while the queue's order is kept (``web.queue``: paging through,
showing, reviewing by htmx), and "cold" pages, the first after any change to the case, which
sort the whole case again. Run: ``python bench/bench_review_queue.py [--items N]
[--requests N]``. Items are written with ``cases.bulk.ItemWriter`` and given synthetic
triage rows (severity spread over every level) so ordering, joins and paging do real work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from onrecord.django_setup import setup_django

setup_django()

from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402

from onrecord.analysis.severity import level  # noqa: E402
from onrecord.cases.bulk import COLUMNS, ItemWriter  # noqa: E402
from onrecord.cases.items import find_or_create_account  # noqa: E402
from onrecord.cases.models import Triage  # noqa: E402
from onrecord.cases.records import create_case, seal  # noqa: E402
from onrecord.vault.crypto import KdfParams  # noqa: E402
from onrecord.vault.home import Vault  # noqa: E402
from onrecord.web.app import make_app  # noqa: E402
from onrecord.web.state import WebSettings, WebState  # noqa: E402

PASSPHRASE = "bench passphrase"
GOAL_P95_MS = 300.0
LABEL_BY_LEVEL = {"critical": ["threat"], "high": ["doxing"], "medium": ["targeted_insult"]}


def build(home: Path, count: int) -> int:
    """A case of ``count`` items with triage rows; returns its number."""
    vault, _recovery = Vault.create(home, passphrase=PASSPHRASE, kdf=KdfParams(8192, 1, 1))
    case = create_case(
        vault, title="Bench", jurisdiction="US-CA", time_zone="UTC", operator="bench"
    )
    authors = [
        find_or_create_account(case, platform="social.example", handle=f"account_{n}")
        for n in range(200)
    ]
    log = vault.log(case.log_name)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rng = random.Random(7)
    with transaction.atomic():
        index = log.next_index()
        log.append("bench.items", "bench", {"case": case.uid.hex, "items": count})
        writer = ItemWriter()
        rows, triage = [], []
        for n in range(count):
            values = {name: None for name in COLUMNS} | {
                "id": writer.next_id(),
                "case": case.pk,
                "platform": "social.example",
                "kind": "post",
                "author": authors[n % len(authors)].pk,
                "recipients": "[]",
                "text": f"synthetic post {n}",
                "sent_at": writer.moment(start + dt.timedelta(minutes=3 * n)),
                "sent_at_original": "",
                "time_zone_assumed": False,
                "url": f"https://social.example/status/{n}",
                "position": f"line {n}",
                "log_index": index,
                "conversation": "",
                "in_reply_to": "",
                "dedupe_key": "",
                "content_hash": "",
                "deleted_at_source": False,
                "extra": "{}",
            }
            rows.append(tuple(values[name] for name in COLUMNS))
            severity = round(rng.random() ** 3, 4)  # most items mild, a few critical
            named = level(severity)
            triage.append(
                Triage(
                    item_id=values["id"],
                    model_version="bench",
                    scores={},
                    model_labels=LABEL_BY_LEVEL.get(named, []),
                    labels=LABEL_BY_LEVEL.get(named, []),
                    severity=severity,
                    level=named,
                    spans=[],
                    log_index=index,
                )
            )
            if len(rows) >= 5000:
                writer.write(rows)
                Triage.objects.bulk_create(triage, batch_size=2000)
                rows, triage = [], []
        writer.write(rows)
        Triage.objects.bulk_create(triage, batch_size=2000)
    seal(vault, case)
    case_id = int(case.pk)
    vault.close()
    return case_id


def timed(client: Client, case_id: int, level_name: str, number: int) -> float:
    started = time.perf_counter()
    response = client.get(f"/cases/{case_id}/review?level={level_name}&page={number}")
    took = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"page {number} answered {response.status_code}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        began = time.perf_counter()
        case_id = build(home, args.items)
        print(f"built: {args.items:,} items in {time.perf_counter() - began:.1f} s")
        state = WebState(WebSettings(home=home, operator="bench", idle_lock_s=0))
        make_app(state)
        client = Client()
        client.post("/unlock", {"passphrase": PASSPHRASE, "role": "person"})
        pages = max(1, args.items // 25)
        rng = random.Random(11)
        wanted = [("none", 1), ("none", 2), ("critical", 1), ("high", 3)]
        wanted += [("none", rng.randint(1, pages)) for _ in range(args.requests - len(wanted))]
        client.get(f"/cases/{case_id}/review")  # warm: templates compiled, connection made
        times = [timed(client, case_id, lv, n) for lv, n in wanted[: args.requests]]
        cold = []
        for number in range(1, 11):
            state.queue.clear()
            cold.append(timed(client, case_id, "none", number * 97))
        state.lock()
    times.sort()
    cold.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    result = {
        "items": args.items,
        "requests": len(times),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(times[-1], 1),
        "goal_p95_ms": GOAL_P95_MS,
        "meets_goal": p95 <= GOAL_P95_MS,
        "cold_median_ms": round(statistics.median(cold), 1),
        "cold_max_ms": round(cold[-1], 1),
    }
    print(
        f"review queue, {args.items:,} items, {len(times)} pages: median "
        f"{result['median_ms']} ms, p95 {result['p95_ms']} ms (goal <= {GOAL_P95_MS:.0f} ms: "
        f"{'met' if result['meets_goal'] else 'NOT met'})"
    )
    print(
        f"cold (first page after a change, {len(cold)} times): median "
        f"{result['cold_median_ms']} ms, max {result['cold_max_ms']} ms"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
