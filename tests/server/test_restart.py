"""PostgreSQL restarted while a worker imports: the job is retried and nothing is lost or doubled.

The shared PostgreSQL on 127.0.0.1:5432 serves other test runs, so this test starts a private
server of its own (``initdb`` and ``pg_ctl`` of the installed PostgreSQL, run as the
``postgres`` user when the test runs as root) in a temporary folder outside pytest's, which
that user cannot enter, on a free port, with its socket in the same folder. It is skipped,
saying why, where those programs are missing.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from conftest import FAST_KDF, PASSPHRASE, cli_env, run_onrecord
from onrecord.cases.records import create_case
from onrecord.server import jobs
from onrecord.vault import database
from onrecord.vault.home import Vault
from server.exports import slack_zip

WAIT_LIMIT_S = 180


class PrivatePostgres:
    """A PostgreSQL server of this test's own, which it may stop and restart."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir, self.root = bindir, root
        self.data = root / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", *args,
                 "-o", options)  # fmt: skip


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        pytest.skip("PostgreSQL's server programs (/usr/lib/postgresql/*/bin) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: PostgreSQL will not start as root")
    root = Path(tempfile.mkdtemp(prefix="onrecord-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    server = PrivatePostgres(Path(found[-1]).parent, root)
    try:
        server.run("initdb", "-D", str(server.data), "-U", "postgres", "--auth=trust", "--no-sync")
        server.pg_ctl("start")
        yield server
    finally:
        database.deactivate()
        if (server.data / "postmaster.pid").exists():
            server.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(root, ignore_errors=True)


def job_rows(url: str) -> list[tuple[int, str, str, int]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT id, task_name, status::text, attempts FROM procrastinate_jobs ORDER BY id"
        ).fetchall()
    return list(rows)


def items(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT dedupe_key FROM cases_item").fetchall()]


def wait_for(condition: Callable[[], bool], what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(every)


def test_postgresql_restarted_mid_import_the_job_is_retried_with_nothing_twice(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    url = private_postgres.url
    vault, _ = Vault.create(
        tmp_path / "home", passphrase=PASSPHRASE, kdf=FAST_KDF, database_url=url
    )
    case = create_case(vault, title="Restart", jurisdiction="GB", time_zone="UTC", operator="t")
    export = tmp_path / "campaign.zip"
    expected = slack_zip(export, days=120, per_day=250)
    _evidence, job_id = jobs.store_and_enqueue_import(vault, case, export, operator="lead")
    vault.close()
    database.deactivate()  # this process holds no connection across the restart

    log = tmp_path / "worker.log"
    with log.open("wb") as sink:
        worker = subprocess.Popen(
            [sys.executable, "-m", "onrecord", "worker", "--stalled-after", "3"],
            env=cli_env(vault.home, ONRECORD_DATABASE_URL=url),
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    try:
        wait_for(lambda: len(items(url)) > 0, "the first unit to commit", 0.01)
        private_postgres.pg_ctl("restart", "-m", "fast")
        assert len(items(url)) < expected, "PostgreSQL restarted mid-import"
        wait_for(
            lambda: worker.poll() is not None or job_rows(url)[0][2] == "succeeded",
            "the job to be retried",
            0.2,
        )
        assert worker.poll() is None, "the worker reconnects and keeps serving"
        [(found_id, _task, _status, attempts)] = job_rows(url)
        assert found_id == job_id and attempts == 2, "the interrupted attempt, then the retry"
        keys = items(url)
        assert len(keys) == len(set(keys)) == expected

        later = tmp_path / "later.zip"
        slack_zip(later, days=2, per_day=5, seed="later")
        run_onrecord(vault.home, "queue", "import", "1", str(later), ONRECORD_DATABASE_URL=url,
                     check=True)  # fmt: skip
        wait_for(lambda: [r[2] for r in job_rows(url)] == ["succeeded"] * 2, "the next job", 0.2)
        assert worker.poll() is None and len(items(url)) == expected + 10
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
    assert worker.returncode == 0, log.read_text()[-5000:]
    verified = run_onrecord(vault.home, "verify", "--json", ONRECORD_DATABASE_URL=url)
    assert json.loads(verified.stdout)["ok"] is True
