"""Organisation-server benchmark: a synthetic campaign imported and triaged through the queue.

The campaign (issue 8: 1,000,000 messages by default) is split into export files
(DiscordChatExporter JSON, one channel each), queued with ``onrecord queue import`` and
``queue triage`` on a PostgreSQL vault, then run by ``onrecord worker`` processes. Layouts
(``--layouts``, default ``one-1,one-2``):

- ``one-1``: one case, 1 worker: the baseline;
- ``one-2``: one case, 2 workers: a case's imports hold the lock ``case-<uid>`` (one writer
  per custody log) and run one at a time; its triage is cut into parts that any worker runs;
- ``two-2``: two cases (the campaign split between them), 2 workers: imports in parallel too.

Per phase, messages/s = messages / (first job of the phase started .. last one succeeded),
from procrastinate's own event times; triage counts its parts. Queuing (storing each export
as an encrypted exhibit) is timed apart. Peak RSS and CPU seconds are each worker's own
(``/proc``), read before it stops. "Parts at once" is the seconds triage parts ran, summed,
over the triage phase's span: how many workers labelled at the same time, on average.

Prints figures; asserts nothing. Run:
``python bench/bench_server.py --database-url postgresql://postgres@127.0.0.1:5432/test
[--messages N] [--files F] [--layouts one-1,one-2,two-2]`` (each layout gets a schema of
its own, dropped afterwards).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg

from bench_import import WORDS

LIMIT_S = 7200


def write_channel(path: Path, channel: int, first: int, count: int) -> None:
    """One DiscordChatExporter channel export; ids and text differ between channels."""
    rng = random.Random(channel)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=channel)
    authors = [
        {"id": str(900000000000000000 + i), "name": f"acct{i}", "discriminator": "0000",
         "nickname": f"Account {i}", "isBot": False}
        for i in range(300)
    ]  # fmt: skip
    with path.open("w", encoding="utf-8") as out:
        out.write(
            f'{{"guild":{{"id":"7","name":"Campaign"}},"channel":{{"id":"{100 + channel}",'
            f'"type":"GuildTextChat","name":"channel-{channel}"}},"dateRange":{{"after":null,'
            '"before":null},"exportedAt":"2026-11-01T00:00:00+00:00","messages":['
        )
        for i in range(count):
            message = {
                "id": str(1200000000000000000 + first + i),
                "type": "Default",
                "timestamp": (start + dt.timedelta(seconds=i * 3)).isoformat(
                    timespec="milliseconds"
                ),
                "timestampEdited": None,
                "isPinned": False,
                "content": " ".join(rng.choices(WORDS, k=rng.randint(3, 14))),
                "author": authors[rng.randrange(len(authors))],
                "attachments": [],
                "embeds": [],
                "stickers": [],
                "reactions": [],
                "mentions": [],
            }
            out.write(("," if i else "") + json.dumps(message))
        out.write(f'],"messageCount":{count}}}')


def onrecord(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "onrecord", *args], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"onrecord {' '.join(args[:3])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def job_states(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT status::text FROM procrastinate_jobs").fetchall()
    return [r[0] for r in rows]


def spans(url: str) -> dict[str, float]:
    """Seconds from the first start to the last success: import, triage (with its parts), all;
    and ``parts_busy``, the seconds triage parts ran, summed over the workers."""
    query = (
        "SELECT CASE WHEN j.task_name LIKE 'onrecord.triage%' THEN 'triage' "
        "ELSE 'import' END AS phase, min(e.at) FILTER (WHERE e.type = 'started'), "
        "max(e.at) FILTER (WHERE e.type = 'succeeded') FROM procrastinate_events e "
        "JOIN procrastinate_jobs j ON j.id = e.job_id GROUP BY ROLLUP (phase)"
    )
    busy = (
        "SELECT sum(done - began) FROM (SELECT e.job_id, max(e.at) FILTER (WHERE e.type = "
        "'succeeded') AS done, max(e.at) FILTER (WHERE e.type = 'started') AS began "
        "FROM procrastinate_events e JOIN procrastinate_jobs j ON j.id = e.job_id "
        "WHERE j.task_name = 'onrecord.triage_part' GROUP BY e.job_id) AS parts"
    )
    with psycopg.connect(url) as conn:
        rows = conn.execute(query).fetchall()
        row = conn.execute(busy).fetchone()
    found = {str(phase or "all"): (end - start).total_seconds() for phase, start, end in rows}
    found["parts_busy"] = row[0].total_seconds() if row and row[0] else 0.0
    return found


def process_figures(pid: int) -> tuple[int, float]:
    """Peak RSS (KiB, VmHWM) and CPU seconds (user + system) of a live process."""
    status = Path(f"/proc/{pid}/status").read_text()
    peak = int(status.split("VmHWM:")[1].split()[0])
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return peak, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_layout(
    base_url: str, root: Path, files: list[tuple[Path, int]], cases: int, workers: int
) -> dict[str, float]:
    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in base_url else "?"
    url = base_url + separator + urlencode({"options": f"-c search_path={schema}"}, quote_via=quote)
    home = root / schema
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONRECORD_")}
    env.update(
        ONRECORD_HOME=str(home),
        ONRECORD_DATABASE_URL=url,
        ONRECORD_PASSPHRASE="bench",
        ONRECORD_CONFIG=str(root / "none.toml"),
        ONRECORD_PROGRESS="never",
        ONRECORD_OPERATOR="bench",
    )
    started: list[subprocess.Popen[bytes]] = []
    try:
        onrecord(env, "init")
        for number in range(cases):
            onrecord(env, "case", "new", f"Campaign part {number + 1}", "--jurisdiction", "GB")
        queued_at = time.perf_counter()
        for index, (path, _count) in enumerate(files):
            onrecord(env, "queue", "import", str(1 + index % cases), str(path))
        for number in range(cases):
            onrecord(env, "queue", "triage", str(number + 1))
        queue_s = time.perf_counter() - queued_at
        log = (root / f"{schema}-workers.log").open("wb")
        for _ in range(workers):
            started.append(
                subprocess.Popen(
                    [sys.executable, "-m", "onrecord", "worker", "--stalled-after", "120"],
                    env=env,
                    stdout=log,
                    stderr=log,
                )
            )
        deadline = time.monotonic() + LIMIT_S
        while True:
            states = job_states(url)
            if all(s in {"succeeded", "failed", "cancelled", "aborted"} for s in states):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"gave up after {LIMIT_S} s: {states}")
            time.sleep(0.5)
        if set(states) != {"succeeded"}:
            raise SystemExit(f"jobs did not all succeed: {states}; see {log.name}")
        result = spans(url)
        result["queue"] = queue_s
        figures = [process_figures(p.pid) for p in started]
        result["peak_mib"] = max(peak for peak, _cpu in figures) / 1024
        result["cpu_s"] = sum(cpu for _peak, cpu in figures)
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE EXISTS "
                "(SELECT 1 FROM cases_triage t WHERE t.item_id = i.id)) FROM cases_item i"
            ).fetchone()
        assert row is not None
        result["items"], result["triaged"] = float(row[0]), float(row[1])
        return result
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


LAYOUTS = {
    "one-1": ("one case, 1 worker", 1, 1),
    "one-2": ("one case, 2 workers", 1, 2),
    "two-2": ("two cases, 2 workers", 2, 2),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=10, help="export files (channels)")
    parser.add_argument(
        "--layouts", default="one-1,one-2", help=f"comma-separated, of {', '.join(LAYOUTS)}"
    )
    args = parser.parse_args()
    chosen = [LAYOUTS[name] for name in args.layouts.split(",")]
    per_file = args.messages // args.files
    with tempfile.TemporaryDirectory(prefix="onrecord-bench-server-") as tmp:
        root = Path(tmp)
        files = []
        for channel in range(args.files):
            path = root / f"channel-{channel}.json"
            write_channel(path, channel, channel * per_file, per_file)
            files.append((path, per_file))
        total = per_file * args.files
        results = []
        for label, cases, workers in chosen:
            print(f"running: {label} ...", file=sys.stderr, flush=True)
            results.append((label, run_layout(args.database_url, root, files, cases, workers)))
    print(
        f"onrecord server benchmark: {total:,} messages in {args.files} DiscordChatExporter "
        f"files, PostgreSQL on loopback, {os.cpu_count()} cores"
    )
    print(
        f"{'layout':<22}{'import':>12}{'triage':>12}{'overall':>12}{'vs first':>10}"
        f"{'queuing':>9}{'worker CPU':>12}{'peak RSS':>10}{'parts at once':>15}"
    )
    base = results[0][1]["all"]
    for label, r in results:
        if r["items"] != total or r["triaged"] != total:
            print(f"  (!) {label}: {r['items']:.0f} items, {r['triaged']:.0f} triaged")
        print(
            f"{label:<22}{total / r['import']:>8,.0f} /s{total / r['triage']:>8,.0f} /s"
            f"{total / r['all']:>8,.0f} /s{base / r['all']:>9.2f}x{r['queue']:>8.1f}s"
            f"{r['cpu_s']:>11.0f}s{r['peak_mib']:>7.0f} MiB{r['parts_busy'] / r['triage']:>15.2f}"
        )


if __name__ == "__main__":
    main()
