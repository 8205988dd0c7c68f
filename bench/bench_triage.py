"""Triage benchmark: per-rule precision and recall on the hand-written set, and the
throughput of ``onrecord classify`` (model + rules, end to end, JSON lines) on 100,000
messages. Prints figures; asserts nothing. The model's own quality against
alt-profanity-check is ``bench/bench_triage_model.py``.

Run: ``python bench/bench_triage.py [--messages N]``. Goal (issue 4): >= 2,000 messages/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "data" / "triage" / "rules_eval.jsonl"

TEMPLATES = [
    "morning all, anyone up for a run at {n}?",
    "you are a pathetic {w} and everyone knows it",
    "nobody asked what you think, log off",
    "I know where you live. {n} Birchwood Lane. watch your back",
    "pay {n} in gift cards by friday or everyone sees the photos",
    "thanks for sharing, that was really helpful",
    "call me on 415-555-{n:04d} if you want to talk",
    "lol this game kills me every time",
    "she stole from the charity and everyone should know",
    "see you at the meeting tomorrow",
]
WORDS = ["clown", "loser", "joke", "fraud", "idiot"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    from onrecord.analysis.rules_eval import evaluate

    print("Per-rule precision and recall on tests/data/triage/rules_eval.jsonl (threshold 0.5)")
    print(f"{'label':<24}{'precision':>10}{'recall':>8}{'support':>9}")
    for label, figures in sorted(evaluate(EVAL).items()):
        if ":" in label:
            continue
        print(
            f"{label:<24}{figures['precision']:>10.2f}{figures['recall']:>8.2f}"
            f"{int(figures['support']):>9}"
        )
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="onrecord-bench-triage-") as tmp:
        data = Path(tmp) / "messages.jsonl"
        with data.open("w", encoding="utf-8") as out:
            for i in range(args.messages):
                text = rng.choice(TEMPLATES).format(n=rng.randrange(10000), w=rng.choice(WORDS))
                out.write(json.dumps({"id": i, "text": text}) + "\n")
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "onrecord", "classify", str(data)],
            capture_output=True,
            text=True,
            env=dict(os.environ),
        )
        seconds = time.perf_counter() - started
    lines = result.stdout.count("\n")
    print(
        f"\nonrecord classify, {args.messages:,} messages, {os.cpu_count()} cores: "
        f"{lines / seconds:,.0f} messages/s end to end ({seconds:.1f} s, start-up and model "
        f"load included; exit {result.returncode})"
    )


if __name__ == "__main__":
    main()
