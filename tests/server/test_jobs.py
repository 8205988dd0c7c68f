"""The job queue on the real PostgreSQL: same-transaction enqueue, shared workers, kill -9,
one large case triaged by two workers at once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction

from conftest import cli_env, run_onrecord
from onrecord.cases.models import Case, Evidence, Item, Triage
from onrecord.cases.records import create_case
from onrecord.errors import ConfigError
from onrecord.server import jobs
from onrecord.server.worker import WorkerOptions, run_worker
from onrecord.vault.custody import entry_body
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry
from server.exports import slack_zip

WAIT_LIMIT_S = 180  # a hung worker fails the test instead of hanging the run


def new_case(vault: Vault, title: str = "Queued case") -> Case:
    return create_case(vault, title=title, jurisdiction="GB", time_zone="UTC", operator="lead")


def job_rows() -> list[tuple[int, str, str, int, int | None]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, task_name, status::text, attempts, worker_id "
            "FROM procrastinate_jobs ORDER BY id"
        )
        return list(cursor.fetchall())


def wait_for(condition: Callable[[], bool], what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}; jobs: {job_rows()}")
        time.sleep(every)


def start_worker(vault: Vault, db_url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "onrecord", "worker", *args],
        env=cli_env(vault.home, ONRECORD_DATABASE_URL=db_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[str]]]:
    """Worker processes started by a test; any still running are stopped afterwards."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_worker_refuses_to_start_without_a_postgresql_database(tmp_path: Path) -> None:
    run_onrecord(tmp_path / "home", "init", check=True)
    result = run_onrecord(tmp_path / "home", "worker")
    assert result.returncode == 1
    assert "onrecord worker runs only on the organisation server" in result.stderr
    assert "ONRECORD_DATABASE_URL" in result.stderr and "Traceback" not in result.stderr


def test_queue_refuses_a_laptop_vault(local_vault: Vault) -> None:
    case = new_case(local_vault)
    with pytest.raises(ConfigError, match="Queued work needs the organisation server"):
        jobs.enqueue_triage(case, operator="lead")


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_a_rolled_back_transaction_leaves_neither_exhibit_nor_job(
    vault: Vault, tmp_path: Path
) -> None:
    case = new_case(vault)
    export = tmp_path / "workspace.zip"
    slack_zip(export, days=2, per_day=3)

    class AbandonedError(Exception):
        pass

    with pytest.raises(AbandonedError), transaction.atomic():
        jobs.store_and_enqueue_import(vault, case, export, operator="lead")
        assert Evidence.objects.filter(case=case).count() == 1 and len(job_rows()) == 1
        raise AbandonedError
    assert Evidence.objects.filter(case=case).count() == 0
    assert job_rows() == []

    evidence, job_id = jobs.store_and_enqueue_import(vault, case, export, operator="lead")
    assert [(r[0], r[1], r[2]) for r in job_rows()] == [(job_id, "onrecord.import", "todo")]
    assert evidence.exhibit == 1 and evidence.original_name == "workspace.zip"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_two_worker_processes_share_the_queue(
    vault: Vault, tmp_path: Path, db_url: str, workers: list[subprocess.Popen[str]]
) -> None:
    workers += [start_worker(vault, db_url, "--stalled-after", "5") for _ in range(2)]

    def registered() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM procrastinate_workers")
            return int(cursor.fetchone()[0])

    wait_for(lambda: registered() == 2, "both workers to register")
    expected = 0
    cases = [new_case(vault, f"Case {n}") for n in range(6)]
    with transaction.atomic():  # all six jobs appear at once, to both workers
        for number, case in enumerate(cases):
            export = tmp_path / f"export-{number}.zip"
            expected += slack_zip(export, days=8, per_day=150, seed=str(number))
            jobs.store_and_enqueue_import(vault, case, export, operator="lead")
        jobs.enqueue_triage(cases[0], operator="lead")  # same lock: runs after its import
    wait_for(lambda: [r[2] for r in job_rows()] == ["succeeded"] * 8, "every job to succeed", 0.2)
    rows = job_rows()
    assert [r[1] for r in rows[6:]] == ["onrecord.triage", "onrecord.triage_part"]
    assert len({r[4] for r in rows}) == 2, "both workers ran jobs"
    assert {r[3] for r in rows} == {1}, "each job ran once"
    assert Item.objects.count() == expected
    assert Item.objects.filter(case=cases[0], triage__isnull=False).count() == 1200
    for case in cases:
        keys = list(Item.objects.filter(case=case).values_list("dedupe_key", flat=True))
        assert len(keys) == len(set(keys)) == 1200


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_a_worker_killed_mid_import_leaves_the_job_to_another_with_nothing_twice(
    vault: Vault, tmp_path: Path, db_url: str, workers: list[subprocess.Popen[str]]
) -> None:
    case = new_case(vault)
    export = tmp_path / "campaign.zip"
    expected = slack_zip(export, days=120, per_day=250)
    _evidence, job_id = jobs.store_and_enqueue_import(vault, case, export, operator="lead")

    first = start_worker(vault, db_url, "--stalled-after", "3")
    workers.append(first)
    wait_for(lambda: Item.objects.filter(case=case).exists(), "the first unit to commit", 0.01)
    first.kill()  # SIGKILL: no clean-up, no unregistering, the job stays "doing"
    first.wait()
    partial = Item.objects.filter(case=case).count()
    assert 0 < partial < expected, "killed mid-import"
    assert [(r[0], r[2], r[3]) for r in job_rows()] == [(job_id, "doing", 0)]

    second = start_worker(vault, db_url, "--stalled-after", "3")
    workers.append(second)
    wait_for(lambda: job_rows()[0][2] == "succeeded", "the retried job to succeed", 0.2)
    assert job_rows()[0][3] == 2  # two attempts: the killed one and the retry

    keys = list(Item.objects.filter(case=case).values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys)) == expected
    assert Evidence.objects.filter(case=case).count() == 1  # the original, stored once
    second.send_signal(signal.SIGTERM)
    second.wait(timeout=60)
    verified = run_onrecord(
        vault.home, "verify", "--json", ONRECORD_DATABASE_URL=db_url, check=True
    )
    assert json.loads(verified.stdout)["ok"] is True


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_init_queue_and_a_worker_through_the_real_commands(tmp_path: Path, db_url: str) -> None:
    home = tmp_path / "home"

    def onrecord(*args: str) -> subprocess.CompletedProcess[str]:
        return run_onrecord(home, *args, ONRECORD_DATABASE_URL=db_url, check=True)

    onrecord("init")  # server mode: the queue's schema comes with the vault's
    onrecord("case", "new", "Campaign", "--jurisdiction", "GB")
    export = tmp_path / "workspace.zip"
    slack_zip(export, days=3, per_day=4)
    queued = json.loads(onrecord("queue", "import", "1", str(export), "--json").stdout)
    onrecord("queue", "triage", "1")
    listed = json.loads(onrecord("queue", "list", "--json").stdout)
    assert [(j["task"], j["status"]) for j in listed] == [
        ("onrecord.triage", "todo"),
        ("onrecord.import", "todo"),
    ]
    assert listed[1]["id"] == queued["job"]
    onrecord("worker", "--once")
    listed = json.loads(onrecord("queue", "list", "--json").stdout)
    assert [(j["task"], j["state"]) for j in listed] == [
        ("onrecord.triage_part", "done"),
        ("onrecord.triage", "done"),
        ("onrecord.import", "done"),
    ]
    assert listed[0]["detail"] == f"items {listed[0]['first_item']}-{listed[0]['last_item']}"
    assert listed[1]["detail"] == "1 of 1 parts done"
    table = onrecord("queue", "list").stdout
    assert "1 of 1 parts done" in table and "exhibit 1" in table
    shown = json.loads(onrecord("case", "show", "1", "--json").stdout)
    assert json.loads(onrecord("verify", "--json").stdout)["ok"] is True
    assert shown["items"] == 12  # 3 days x 4 messages
    assert [e["acquisitions"] for e in shown["exhibits"]] == [1]  # stored once, not re-acquired


def batch_items(case: Case) -> int:
    """Items the case's custody log says triage labelled, over every ``triage.batch``."""
    bodies = (entry_body(e) for e in LogEntry.objects.filter(log=case.log_name))
    return sum(int(b["items"]) for b in bodies if b["action"] == "triage.batch")


def all_succeeded(count: int) -> Callable[[], bool]:
    return lambda: [r[2] for r in job_rows()] == ["succeeded"] * count


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_two_workers_triage_one_large_case_together_with_nothing_twice(
    vault: Vault, tmp_path: Path, db_url: str, workers: list[subprocess.Popen[str]]
) -> None:
    case = new_case(vault)
    export = tmp_path / "campaign.zip"
    expected = slack_zip(export, days=40, per_day=300)  # 12,000 messages: three parts
    with transaction.atomic():
        jobs.store_and_enqueue_import(vault, case, export, operator="lead")
        triage_job = jobs.enqueue_triage(case, operator="lead")
    workers += [start_worker(vault, db_url, "--stalled-after", "5") for _ in range(2)]
    wait_for(all_succeeded(5), "the import, the triage and its three parts", 0.2)
    rows = job_rows()
    parts = [r for r in rows if r[1] == "onrecord.triage_part"]
    assert len(parts) == 3 and {r[3] for r in rows} == {1}, "each job ran once"
    assert len({r[4] for r in parts}) == 2, "both workers labelled parts of the one case"
    assert Triage.objects.filter(item__case=case).count() == expected
    assert batch_items(case) == expected, "no item labelled twice"
    shown = jobs.find_job(triage_job)
    assert shown is not None and shown.state == "done" and shown.detail == "3 of 3 parts done"
    ranges = [jobs.find_job(r[0]) for r in parts]
    assert [(j.first_item, j.last_item) for j in ranges if j] == sorted(
        (j.first_item, j.last_item) for j in ranges if j
    )
    verified = run_onrecord(vault.home, "verify", "--json", ONRECORD_DATABASE_URL=db_url)
    assert json.loads(verified.stdout)["ok"] is True


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_a_worker_killed_mid_triage_part_leaves_the_rest_to_another_with_nothing_twice(
    vault: Vault, tmp_path: Path, db_url: str, workers: list[subprocess.Popen[str]]
) -> None:
    case = new_case(vault)
    export = tmp_path / "campaign.zip"
    expected = slack_zip(export, days=10, per_day=400)  # one part of 4,000 items
    jobs.store_and_enqueue_import(vault, case, export, operator="lead")
    jobs.enqueue_triage(case, operator="lead")
    first = start_worker(vault, db_url, "--stalled-after", "3")
    workers.append(first)
    labelled = Triage.objects.filter(item__case=case)
    wait_for(labelled.exists, "the part's first batch to commit", 0.01)
    first.kill()
    first.wait()
    assert 0 < labelled.count() < expected, "killed mid-part"
    assert [r[2] for r in job_rows()] == ["succeeded", "succeeded", "doing"]

    workers.append(start_worker(vault, db_url, "--stalled-after", "3"))
    wait_for(all_succeeded(3), "the retried part to succeed", 0.2)
    assert job_rows()[2][3] == 2  # the killed attempt and the retry
    assert labelled.count() == expected
    assert batch_items(case) == expected, "the retry labelled only what was left"
    verified = run_onrecord(vault.home, "verify", "--json", ONRECORD_DATABASE_URL=db_url)
    assert json.loads(verified.stdout)["ok"] is True


def test_a_worker_gives_the_triage_encoder_the_threads_it_is_told(
    local_vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "_serving", {})  # this process serves no queue after the test
    monkeypatch.setattr(jobs, "_triage_threads", [])
    with pytest.raises(ConfigError, match="ONRECORD_WORKER_TRIAGE_THREADS must be 1 or more"):
        run_worker(
            local_vault, "postgresql://nobody@127.0.0.1:1/none", WorkerOptions(triage_threads=0)
        )
    for threads in (1, 3):
        jobs.serve(local_vault, triage_threads=threads)
        encoder = jobs._classifier().model.encoder
        assert encoder is None or encoder.workers == threads  # None: no ONNX Runtime here
