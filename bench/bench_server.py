"""Organisation-server benchmark: a synthetic campaign imported and triaged through the queue.

The campaign is split into export files (DiscordChatExporter JSON, one channel each), queued
with ``onrecord queue import`` and ``queue triage`` on a PostgreSQL vault, then run by 1 and
by 2 ``onrecord worker`` processes. Three layouts:

- one case, 1 worker: the baseline;
- one case, 2 workers: every job of a case holds the lock ``case-<uid>`` (one writer per
  custody log), so a second worker can only wait: this measures that limit;
- two cases (the campaign split between them), 2 workers: what a second worker gives when
  there is work it may do.

Messages/s = messages / (first job started .. last job finished), from procrastinate's own
event times. Queuing (storing each export as an encrypted exhibit) is timed apart.
``--staff URL`` (a DRAFT, not yet run: it needs the server-mode web login being built in
``web/``) instead drives a running ``onrecord serve`` with 50 staff threads on loopback, each
logged in as ``staff<N>@bench.example`` (password ``bench-password``, made beforehand with
``onrecord user add`` and shared on case 1), mixing review-queue reads, uploads and label
writes, and prints p95 latency and the error count (goal: p95 <= 300 ms, 0 errors).

Prints figures; asserts nothing. Run:
``python bench/bench_server.py --database-url postgresql://postgres@127.0.0.1:5432/test
[--messages N] [--files F]`` (each layout gets a schema of its own, dropped afterwards).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import http.cookiejar
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
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
    """Seconds from the first start to the last success, per task and overall."""
    query = (
        "SELECT j.task_name, min(e.at) FILTER (WHERE e.type = 'started'), "
        "max(e.at) FILTER (WHERE e.type = 'succeeded') FROM procrastinate_events e "
        "JOIN procrastinate_jobs j ON j.id = e.job_id GROUP BY ROLLUP (j.task_name)"
    )
    with psycopg.connect(url) as conn:
        rows = conn.execute(query).fetchall()
    return {str(task or "all"): (end - start).total_seconds() for task, start, end in rows}


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


def _staff_session(base: str, number: int) -> urllib.request.OpenerDirector:
    """Log one staff account in; Django's CSRF cookie goes back as the form field."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/login").read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    form = {"email": f"staff{number}@bench.example", "password": "bench-password"}
    body = urlencode({**form, "csrfmiddlewaretoken": token}).encode()
    opener.open(urllib.request.Request(f"{base}/login", body, {"Referer": base})).read()
    opener.addheaders = [("X-CSRFToken", token), ("Referer", base)]
    return opener


def _staff_step(opener: urllib.request.OpenerDirector, base: str, rng: random.Random) -> None:
    choice = rng.random()
    if choice < 0.7:  # read the review queue
        opener.open(f"{base}/cases/1/review").read()
    elif choice < 0.85:  # upload a small screenshot-sized file
        boundary = secrets.token_hex(8)
        payload = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="shot-{secrets.token_hex(4)}.png"\r\nContent-Type: image/png\r\n\r\n'
            ).encode()
            + b"\x89PNG\r\n\x1a\n"
            + secrets.token_bytes(20_000)
        )
        payload += f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        request = urllib.request.Request(f"{base}/cases/1/evidence/upload", payload, headers)
        opener.open(request).read()
    else:  # confirm a label on an item
        body = urlencode({"action": "confirm", "label": "threat"}).encode()
        item = rng.randint(1, 1000)
        opener.open(urllib.request.Request(f"{base}/cases/1/items/{item}/decide", body)).read()


def staff_load(base: str, staff: int = 50, seconds: float = 60.0) -> None:
    """DRAFT (not run yet): ``staff`` threads for ``seconds``; p95 latency and errors."""
    latencies: list[float] = []
    errors: list[str] = []

    def one(number: int) -> None:
        rng = random.Random(number)
        opener = _staff_session(base, number)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            started = time.perf_counter()
            try:
                _staff_step(opener, base, rng)
            except (urllib.error.URLError, OSError) as exc:
                errors.append(str(exc))
            latencies.append(time.perf_counter() - started)

    with concurrent.futures.ThreadPoolExecutor(staff) as pool:
        list(pool.map(one, range(1, staff + 1)))
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)] * 1000 if latencies else float("nan")
    print(f"{staff} staff, {len(latencies):,} requests: p95 {p95:.0f} ms, {len(errors)} errors")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=10, help="export files (channels)")
    parser.add_argument("--staff", metavar="URL", help="draft: load a running onrecord serve")
    args = parser.parse_args()
    if args.staff:
        staff_load(args.staff.rstrip("/"))
        return
    per_file = args.messages // args.files
    layouts = [("one case, 1 worker", 1, 1), ("one case, 2 workers", 1, 2)]
    layouts.append(("two cases, 2 workers", 2, 2))
    with tempfile.TemporaryDirectory(prefix="onrecord-bench-server-") as tmp:
        root = Path(tmp)
        files = []
        for channel in range(args.files):
            path = root / f"channel-{channel}.json"
            write_channel(path, channel, channel * per_file, per_file)
            files.append((path, per_file))
        total = per_file * args.files
        results = []
        for label, cases, workers in layouts:
            print(f"running: {label} ...", file=sys.stderr, flush=True)
            results.append((label, run_layout(args.database_url, root, files, cases, workers)))
    print(
        f"onrecord server benchmark: {total:,} messages in {args.files} DiscordChatExporter "
        f"files, PostgreSQL on loopback, {os.cpu_count()} cores"
    )
    print(
        f"{'layout':<24}{'import+triage':>15}{'import':>12}{'triage':>12}{'vs 1 worker':>13}"
        f"{'queuing':>10}"
    )
    base = results[0][1]["all"]
    for label, r in results:
        if r["items"] != total or r["triaged"] != total:
            print(f"  (!) {label}: {r['items']:.0f} items, {r['triaged']:.0f} triaged")
        print(
            f"{label:<24}{total / r['all']:>9,.0f} msg/s"
            f"{total / r['onrecord.import']:>8,.0f} /s{total / r['onrecord.triage']:>8,.0f} /s"
            f"{base / r['all']:>12.2f}x{r['queue']:>9.1f}s"
        )


if __name__ == "__main__":
    main()
