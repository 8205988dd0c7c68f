"""Issue 8: the organisation server's web app under 50 staff at once, on loopback.

Sets everything up itself on the PostgreSQL at 127.0.0.1:5432, in a schema of its own that
is dropped afterwards: a vault, one case with ``--items`` messages imported from a synthetic
DiscordChatExporter file and triaged, ``--staff`` accounts (password and TOTP, codes from
pyotp) shared on the case as advocates. Then, for each server (the old one-process
``wsgiref`` server as the baseline, then ``onrecord serve``'s gunicorn processes), it starts
the web app and 2 ``onrecord worker`` processes, logs every staff account in through the
real login form, and runs the staff for ``--seconds``, each one a client of its own:

- review-queue reads (70%): ``GET /cases/1/review?page=N``;
- uploads (15%): half a small PNG through the evidence form (stored, hashed, encrypted,
  logged), half a small DiscordChatExporter file through the import form, which stores it
  and enqueues an import job for the workers (the web's image upload enqueues no job:
  OCR from the web is not built, ``onrecord queue ocr`` is the way);
- label writes (15%): an htmx ``POST .../decide`` (dismiss, or relabel) on a random item.

Each staff member waits ``--think`` seconds on average (uniform, 0.5x to 1.5x) between
requests, as a person reading a page does; ``--think 0`` is a closed loop that measures
what the server can take. Clients are plain Python (``http.client``, keep-alive where the
server offers it) in ``--client-processes`` processes so the GIL of one client process is
not the limit; each reports the CPU it used, printed beside the figures, to show the client
was not the bottleneck. Latency is per request, from sending it to reading the whole answer.

Prints request counts, p50/p95/p99 per kind and overall, errors with their reasons, for both
servers side by side. Asserts nothing. Run:
``python bench/bench_staff.py [--seconds 60] [--items 20000] [--staff 50]``.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import multiprocessing
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import psycopg

from bench_server import write_channel

PASSWORD = "bench staff password 8"
PASSPHRASE = "bench staff passphrase"
EMAIL = "staff{}@bench.example"
LABEL_CHOICES = ["threat", "targeted_insult", "doxing"]


# -- set-up -------------------------------------------------------------------------------


def onrecord(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "onrecord", *args], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"onrecord {' '.join(args[:3])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def make_staff(home: Path, url: str, count: int) -> dict[int, str]:
    """``count`` advocates on case 1, each with a TOTP key; returns number -> base32 secret."""
    import pyotp

    from onrecord.django_setup import setup_django

    setup_django()
    from onrecord.cases.models import Case
    from onrecord.server.accounts import add_user, enrol_totp, share_case
    from onrecord.vault.home import Vault

    vault = Vault.open(home, passphrase=PASSPHRASE, database_url=url)
    try:
        case = Case.objects.get(pk=1)
        secrets_by_number = {}
        for number in range(1, count + 1):
            add_user(EMAIL.format(number), PASSWORD)
            share_case(vault, case, EMAIL.format(number), "advocate", operator="bench")
            uri = enrol_totp(vault, EMAIL.format(number))
            secrets_by_number[number] = pyotp.parse_uri(uri).secret
        return secrets_by_number
    finally:
        vault.close()


def job_counts(url: str) -> Counter[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1")
        return Counter({str(status): int(count) for status, count in rows.fetchall()})


def drain(url: str, limit_s: float = 600) -> Counter[str]:
    """Wait until the workers have run every queued job (so the next server starts on an
    idle machine); the job counts then."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        counts = job_counts(url)
        if not counts["todo"] and not counts["doing"]:
            break
        time.sleep(1)
    return counts


def cpu_seconds(pid: int) -> float:
    """CPU time used by a process and its children now alive (gunicorn's workers)."""
    total = 0
    for proc in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = proc.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(proc.parent.name) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def item_ids(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT id FROM cases_item WHERE case_id = 1 ORDER BY id").fetchall()
    return [int(r[0]) for r in rows]


# -- the servers --------------------------------------------------------------------------


def serve_wsgiref() -> None:
    """The baseline, in a child process: ``serve`` as it was before gunicorn, one process
    with wsgiref's thread per request, on the port in argv."""
    from onrecord.cli.session import Session
    from onrecord.web.app import make_app
    from onrecord.web.server import start
    from onrecord.web.state import WebSettings, WebState

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    session = Session({})
    vault = session.open_vault()
    config = session.config
    settings = WebSettings(
        home=config.home,
        operator=config.operator,
        database_url=config.database_url,
        idle_lock_s=0,
        config=config,
    )
    state = WebState(settings)
    app = make_app(state)
    state.adopt(vault)
    running = start(app, state, "127.0.0.1", int(sys.argv[2]))
    print(f"onrecord is open at {running.url}/", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    state.lock()
    running.stop()


@dataclass
class Running:
    web: subprocess.Popen[str]
    workers: list[subprocess.Popen[bytes]]
    url: str

    def stop(self, processes: list[subprocess.Popen[Any]]) -> None:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                process.kill()


def start_servers(kind: str, env: dict[str, str], log: Path, args: argparse.Namespace) -> Running:
    err = log.open("ab")
    if kind == "wsgiref":
        command = [sys.executable, __file__, "--serve-wsgiref", "0"]
    else:
        command = [sys.executable, "-m", "onrecord", "serve", "--port", "0", "--no-browser"]
        command += ["--workers", str(args.web_workers), "--threads", str(args.threads)]
    web = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
    assert web.stdout is not None
    line = web.stdout.readline()
    if "open at " not in line:
        raise SystemExit(f"the {kind} server did not start; see {log}")
    url = line.split("open at ")[1].split()[0].rstrip("/")
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "onrecord", "worker", "--stalled-after", "120"],
            env=env,
            stdout=err,
            stderr=err,
        )
        for _ in range(2)
    ]
    return Running(web, workers, url)


# -- one staff member's client ------------------------------------------------------------


class Client:
    """One browser: cookies, one keep-alive connection (reopened when the server closes it)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body or None, headers=sent)
                answer = self.conn.getresponse()
                data = answer.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            for name, value in answer.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    cookie_value = rest.split(";", 1)[0]
                    if cookie_value in {"", '""'} or "max-age=0" in rest.lower():
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = cookie_value
            if answer.will_close:
                self.conn.close()
                self.conn = None
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, data
        raise AssertionError("unreachable")

    def form(self, path: str, fields: dict[str, str], htmx: bool = False) -> tuple[int, bytes]:
        fields = {**fields, "csrfmiddlewaretoken": self.cookies.get("onrecord_csrf", "")}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if htmx:
            headers["HX-Request"] = "true"
        status, _headers, data = self.request("POST", path, urlencode(fields).encode(), headers)
        return status, data

    def log_in(self, number: int, secret: str) -> None:
        import pyotp

        self.request("GET", "/login")
        status, _ = self.form("/login", {"email": EMAIL.format(number), "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"staff {number}: password step answered {status}")
        totp = pyotp.TOTP(secret)
        for _ in range(3):  # a code is accepted once: wait for the next one if it was used
            status, _ = self.form("/login/code", {"code": totp.now()})
            if status == 302:
                return
            time.sleep(max(0.5, 30 - time.time() % 30))
        raise RuntimeError(f"staff {number}: the TOTP code was refused")


def png(rng: random.Random) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (96, 64), tuple(rng.randrange(256) for _ in range(3)))
    image.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(96 * 64 // 8)])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def small_export(rng: random.Random) -> bytes:
    first = rng.randrange(10**12)
    messages = [
        {"id": str(1300000000000000000 + first + i), "type": "Default",
         "timestamp": f"2026-03-0{1 + i}T10:00:00.000+00:00", "timestampEdited": None,
         "isPinned": False, "content": f"synthetic follow-up message {first} {i}",
         "author": {"id": "900000000000000001", "name": "acct1", "discriminator": "0000",
                    "nickname": "Account 1", "isBot": False},
         "attachments": [], "embeds": [], "stickers": [], "reactions": [], "mentions": []}
        for i in range(5)
    ]  # fmt: skip
    return json.dumps(
        {"guild": {"id": "7", "name": "Campaign"},
         "channel": {"id": "555", "type": "GuildTextChat", "name": "follow-up"},
         "dateRange": {"after": None, "before": None},
         "exportedAt": "2026-11-01T00:00:00+00:00", "messages": messages, "messageCount": 5}
    ).encode()  # fmt: skip


def multipart(
    field_name: str, name: str, kind: str, data: bytes, extra: dict[str, str]
) -> tuple[bytes, str]:
    boundary = secrets.token_hex(12)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in extra.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
        f'filename="{name}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def step(client: Client, rng: random.Random, items: list[int]) -> tuple[str, int, int]:
    """One request, chosen like a staff member's next click; (kind, status, wanted status)."""
    choice = rng.random()
    if choice < 0.70:
        status, _h, _d = client.request("GET", f"/cases/1/review?page={rng.randint(1, 40)}")
        return "review", status, 200
    if choice < 0.85:
        token = {"csrfmiddlewaretoken": client.cookies.get("onrecord_csrf", "")}
        if rng.random() < 0.5:
            data = png(rng)
            body, boundary = multipart("files", f"shot-{secrets.token_hex(4)}.png",
                                       "image/png", data, token)  # fmt: skip
            path = "/cases/1/evidence/upload"
        else:
            token["format"] = "discord-exporter"
            body, boundary = multipart("export", f"followup-{secrets.token_hex(4)}.json",
                                       "application/json", small_export(rng), token)  # fmt: skip
            path = "/cases/1/evidence/import"
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        status, _h, _d = client.request("POST", path, body, headers)
        return "upload", status, 302
    item = rng.choice(items)
    if rng.random() < 0.5:
        fields = {"action": "dismiss", "page": "1"}
    else:
        fields = {"action": "relabel", "label": rng.choice(LABEL_CHOICES), "page": "1"}
    status, _d = client.form(f"/cases/1/items/{item}/decide", fields, htmx=True)
    return "label", status, 200


@dataclass
class Result:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    cpu_s: float = 0.0
    wall_s: float = 0.0
    jobs: Counter[str] = field(default_factory=Counter)
    jobs_left: int = 0
    server_cpu_s: float = 0.0


def client_process(
    base: str,
    staff: list[tuple[int, str]],
    items: list[int],
    ready: Any,
    seconds: float,
    think: float,
    out: Any,
) -> None:
    """Log in this process's staff, wait for the other processes, then run each staff
    member in a thread until the time is up."""
    import threading

    clients: list[tuple[int, Client]] = []
    for number, secret in staff:
        client = Client(base)
        client.log_in(number, secret)
        clients.append((number, client))
    ready.wait()
    start_at = time.time()
    result = Result()
    lock = threading.Lock()

    def run(number: int, client: Client) -> None:
        rng = random.Random(number)
        time.sleep(max(0.0, start_at - time.time()) + rng.random() * think)
        end = start_at + seconds
        while time.time() < end:
            started = time.perf_counter()
            try:
                kind, status, wanted = step(client, rng, items)
                error = "" if status == wanted else f"{kind}: HTTP {status}"
            except (OSError, http.client.HTTPException) as exc:
                kind, error = "error", f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - started
            with lock:
                result.latencies.setdefault(kind, []).append(elapsed)
                if error:
                    result.errors[error] += 1
            if think:
                time.sleep(think * (0.5 + rng.random()))

    cpu_before = time.process_time()
    threads = [threading.Thread(target=run, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.cpu_s = time.process_time() - cpu_before
    result.wall_s = seconds
    out.put(result)


def load(
    base: str,
    secrets_by_number: dict[int, str],
    items: list[int],
    args: argparse.Namespace,
    server_pid: int,
) -> Result:
    staff = sorted(secrets_by_number.items())
    groups = [staff[i :: args.client_processes] for i in range(args.client_processes)]
    context = multiprocessing.get_context("fork")
    queue: Any = context.Queue()
    groups = [group for group in groups if group]
    ready = context.Barrier(len(groups) + 1)  # every staff member logged in: start together
    processes = [
        context.Process(
            target=client_process,
            args=(base, group, items, ready, args.seconds, args.think, queue),
        )
        for group in groups
    ]
    for process in processes:
        process.start()
    ready.wait(timeout=600)
    cpu_before = cpu_seconds(server_pid)
    total = Result()
    for _ in processes:
        part: Result = queue.get(timeout=args.seconds + 600)
        for kind, values in part.latencies.items():
            total.latencies.setdefault(kind, []).extend(values)
        total.errors.update(part.errors)
        total.cpu_s += part.cpu_s
        total.wall_s = part.wall_s
    total.server_cpu_s = cpu_seconds(server_pid) - cpu_before
    for process in processes:
        process.join()
    return total


# -- the report ---------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def rows(result: Result) -> dict[str, str]:
    shown = {}
    everything = [v for values in result.latencies.values() for v in values]
    for kind in ("review", "upload", "label", "error", "all"):
        values = everything if kind == "all" else result.latencies.get(kind, [])
        if not values:
            continue
        shown[kind] = (
            f"{len(values):>6,} {percentile(values, 0.5):>6.0f} {percentile(values, 0.95):>6.0f}"
            f" {percentile(values, 0.99):>6.0f}"
        )
    return shown


def report(results: list[tuple[str, Result]], args: argparse.Namespace, items: int) -> None:
    print(
        f"onrecord staff load: {args.staff} staff, {args.seconds:.0f} s each server, think "
        f"{args.think} s, {items:,} items in the case, 2 onrecord workers, PostgreSQL on "
        f"loopback, {os.cpu_count()} cores"
    )
    header = f"{'':<8}" + "".join(f"{name:>30}" for name, _r in results)
    print(header)
    print(f"{'kind':<8}" + "".join(f"{'count  p50ms  p95ms  p99ms':>30}" for _ in results))
    shown = [rows(r) for _n, r in results]
    for kind in ("review", "upload", "label", "error", "all"):
        if any(kind in s for s in shown):
            print(f"{kind:<8}" + "".join(f"{s.get(kind, '-'):>30}" for s in shown))
    for name, result in results:
        count = sum(len(v) for v in result.latencies.values())
        print(
            f"{name}: {count / result.wall_s:,.1f} requests/s; errors {sum(result.errors.values())}"
            f"; client CPU {result.cpu_s:.1f} s over {result.wall_s:.0f} s in "
            f"{args.client_processes} processes ({result.cpu_s / result.wall_s:.2f} cores)"
        )
        print(
            f"    jobs enqueued {sum(result.jobs.values())}: {dict(result.jobs)}; still queued "
            f"when the load stopped: {result.jobs_left}"
        )
        print(
            f"    server CPU {result.server_cpu_s:.1f} s, "
            f"{result.server_cpu_s / max(count, 1) * 1000:.0f} ms a request (web processes only)"
        )
        for reason, times in result.errors.most_common(8):
            print(f"    {times:>5} x {reason}")


# -- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--staff", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between clicks")
    parser.add_argument("--web-workers", type=int, default=0, help="0: one per core")
    parser.add_argument("--threads", type=int, default=0, help="0: serve's default")
    parser.add_argument("--client-processes", type=int, default=5)
    parser.add_argument("--servers", default="wsgiref,gunicorn")
    parser.add_argument("--keep", action="store_true", help="keep schema, logs and vault")
    args = parser.parse_args()
    schema = f"bench_staff_{secrets.token_hex(4)}"
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in args.database_url else "?"
    options = urlencode({"options": f"-c search_path={schema}"}, quote_via=quote)
    url = args.database_url + separator + options
    root = Path(tempfile.mkdtemp(prefix="onrecord-bench-staff-"))
    try:
        home = root / "home"
        secret_file = root / "passphrase"
        secret_file.write_text(PASSPHRASE + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONRECORD_")}
        env.update(
            ONRECORD_HOME=str(home),
            ONRECORD_DATABASE_URL=url,
            ONRECORD_PASSPHRASE_FILE=str(secret_file),
            ONRECORD_CONFIG=str(root / "none.toml"),
            ONRECORD_PROGRESS="never",
            ONRECORD_OPERATOR="bench",
        )
        print(f"setting up {args.items:,} items, {args.staff} staff ...", file=sys.stderr)
        onrecord(env, "init", "--no-recovery-key")
        onrecord(env, "case", "new", "Synthetic campaign", "--jurisdiction", "GB")
        export = root / "campaign.json"
        write_channel(export, 0, 0, args.items)
        onrecord(env, "import", "1", str(export))
        onrecord(env, "triage", "1")
        secrets_by_number = make_staff(home, url, args.staff)
        items = item_ids(url)
        results = []
        for kind in args.servers.split(","):
            print(f"running: {kind} ...", file=sys.stderr, flush=True)
            before = job_counts(url)
            running = start_servers(kind, env, root / f"{kind}.log", args)
            try:
                result = load(running.url, secrets_by_number, items, args, running.web.pid)
                result.jobs_left = job_counts(url)["todo"]
                running.stop([running.web])
                after = drain(url)
                result.jobs = after - before
            finally:
                running.stop([running.web, *running.workers])
            results.append((kind, result))
        report(results, args, len(items))
    finally:
        if args.keep:
            print(f"kept: schema {schema}, folder {root} (logs, home)", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
            with psycopg.connect(args.database_url, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-wsgiref"]:
        serve_wsgiref()
    else:
        main()
