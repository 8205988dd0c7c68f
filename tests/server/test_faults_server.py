"""Server faults on the real PostgreSQL (127.0.0.1:5432): lost connections, a full blob store.

PostgreSQL is shared with other engineers' test runs, so it is never restarted here: the
worker's own backends are ended with ``pg_terminate_backend`` (found by an
``application_name`` given to this worker only), which is what a restart looks like from
the worker's side. The full blob store is a small tmpfs holding ONRECORD_HOME.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from django.db import connection

from conftest import FAST_KDF, PASSPHRASE, PG_URL, cli_env, run_onrecord
from onrecord.cases.models import Case, Evidence, Item, ItemAttachment
from onrecord.cases.records import create_case
from onrecord.server import jobs
from onrecord.vault.home import Vault
from server.exports import slack_zip

WAIT_LIMIT_S = 180
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("db_url", ["postgresql"], indirect=True),
]


def job_rows() -> list[tuple[int, str, str, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, task_name, status::text, attempts FROM procrastinate_jobs")
        return list(cursor.fetchall())


def wait_for(condition: Callable[[], bool], what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}; jobs: {job_rows()}")
        time.sleep(every)


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[str]]]:
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


def start_worker(home: Path, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "onrecord", "worker", "--stalled-after", "3"],
        env=cli_env(home, ONRECORD_DATABASE_URL=url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def terminate_backends(application_name: str) -> int:
    """End every PostgreSQL backend of one worker, as a server restart would."""
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            [application_name],
        ).fetchall()
    return sum(1 for (ended,) in rows if ended)


def verified(home: Path, db_url: str) -> dict[str, object]:
    result = run_onrecord(home, "verify", "--json", ONRECORD_DATABASE_URL=db_url)
    report: dict[str, object] = json.loads(result.stdout)
    return report


def test_connections_killed_mid_import_the_job_is_retried_with_nothing_twice(
    vault: Vault, tmp_path: Path, db_url: str, workers: list[subprocess.Popen[str]]
) -> None:
    case = create_case(vault, title="Killed", jurisdiction="GB", time_zone="UTC", operator="t")
    export = tmp_path / "campaign.zip"
    expected = slack_zip(export, days=120, per_day=250)
    _evidence, job_id = jobs.store_and_enqueue_import(vault, case, export, operator="lead")
    name = f"onrecord-fault-{secrets.token_hex(4)}"
    worker_url = f"{db_url}&{urlencode({'application_name': name})}"
    workers.append(start_worker(vault.home, worker_url))
    wait_for(lambda: Item.objects.filter(case=case).exists(), "the first unit to commit", 0.01)
    ended = terminate_backends(name)
    assert ended >= 1
    partial = Item.objects.filter(case=case).count()
    assert partial < expected, "the connections were ended mid-import"

    def done_or_worker_gone() -> bool:
        return job_rows()[0][2] == "succeeded" or workers[-1].poll() is not None

    while job_rows()[0][2] != "succeeded":
        wait_for(done_or_worker_gone, "the job to be retried")
        if workers[-1].poll() is not None:  # the worker gave up: another takes the job over
            workers.append(start_worker(vault.home, worker_url))
            wait_for(lambda: workers[-1].poll() is not None or job_rows()[0][2] == "succeeded",
                     "the next worker to finish the job", 0.2)  # fmt: skip
    [(found_id, _task, _status, attempts)] = job_rows()
    assert found_id == job_id and attempts >= 2, "the interrupted attempt, then the retry"
    keys = list(Item.objects.filter(case=case).values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys)) == expected
    assert Evidence.objects.filter(case=case).count() == 1
    assert verified(vault.home, db_url)["ok"] is True


@pytest.fixture
def small_home(tmp_path: Path) -> Iterator[Path]:
    """ONRECORD_HOME on its own 8 MiB tmpfs: the shared blob volume, nearly full."""
    mount_point = tmp_path / "blobvolume"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount_point)], capture_output=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {result.stderr.decode().strip()}")
    yield mount_point / "home"
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def whatsapp_zip(path: Path, photos: int, photo_bytes: int) -> None:
    """A WhatsApp export whose messages carry photos (stored as exhibits by the import)."""
    lines = [f"01/02/2025, 08:{n:02d} - Troll Account: you will regret it {n}" for n in range(20)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for n in range(photos):
            name = f"IMG-2025020{n}-WA000{n}.jpg"
            lines.append(f"01/02/2025, 09:{n:02d} - Troll Account: {name} (file attached)")
            archive.writestr(name, b"\xff\xd8\xff\xe0" + os.urandom(photo_bytes))
        archive.writestr("WhatsApp Chat with Troll Account.txt", "\n".join(lines) + "\n")


def fill(volume: Path, leave: int) -> Path:
    """Fill the filesystem holding ``volume`` until ``leave`` bytes are free."""
    stat = os.statvfs(volume)
    free = stat.f_bavail * stat.f_frsize
    filler = volume / "filler.bin"
    filler.write_bytes(bytes(max(free - leave, 0)))
    return filler


def test_queue_import_onto_a_full_blob_store_is_a_clear_error_and_nothing_is_queued(
    small_home: Path, tmp_path: Path, db_url: str
) -> None:
    def onrecord(*args: str) -> subprocess.CompletedProcess[str]:
        return run_onrecord(small_home, *args, ONRECORD_DATABASE_URL=db_url)

    assert onrecord("init").returncode == 0
    assert onrecord("case", "new", "Full", "--jurisdiction", "GB").returncode == 0
    export = tmp_path / "photos.zip"
    whatsapp_zip(export, photos=3, photo_bytes=400_000)
    filler = fill(small_home.parent, leave=300_000)
    result = onrecord("queue", "import", "1", str(export))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "nothing was queued" in result.stderr and "is full" in result.stderr
    assert "Free some space" in result.stderr
    vault = Vault.open(small_home, passphrase=PASSPHRASE, database_url=db_url)
    assert job_rows() == [] and Evidence.objects.count() == 0
    assert list((small_home / "blobs" / "tmp").iterdir()) == []  # nothing half-stored
    vault.close()

    filler.unlink()  # space freed: the same command now stores and queues it
    assert onrecord("queue", "import", "1", str(export)).returncode == 0
    assert onrecord("worker", "--once").returncode == 0
    assert verified(small_home, db_url)["ok"] is True


def test_an_import_job_that_fills_the_blob_store_is_retried_later_and_loses_nothing(
    small_home: Path, tmp_path: Path, db_url: str, workers: list[subprocess.Popen[str]]
) -> None:
    vault, _ = Vault.create(small_home, passphrase=PASSPHRASE, kdf=FAST_KDF, database_url=db_url)
    case: Case = create_case(vault, title="Fill", jurisdiction="GB", time_zone="UTC", operator="t")
    export = tmp_path / "photos.zip"
    whatsapp_zip(export, photos=6, photo_bytes=600_000)  # 3.6 MB stored, then 3.6 MB again
    filler = fill(small_home.parent, leave=5_000_000)
    jobs.store_and_enqueue_import(vault, case, export, operator="lead")
    assert Evidence.objects.filter(case=case).count() == 1  # the original fitted
    workers.append(start_worker(small_home, db_url))

    def first_attempt_over() -> bool:
        _id, _task, status, attempts = job_rows()[0]
        return status in {"succeeded", "failed"} or (status == "todo" and attempts >= 1)

    wait_for(first_attempt_over, "the first attempt to end", 0.2)
    assert list((small_home / "blobs" / "tmp").iterdir()) == []  # nothing half-stored
    assert job_rows()[0][2] != "succeeded", "a job short of attachments must not succeed"

    filler.unlink()
    wait_for(lambda: job_rows()[0][2] == "succeeded", "the retried job to succeed", 0.5)
    attached = ItemAttachment.objects.filter(item__case=case)
    assert attached.count() == 6 and not attached.exclude(missing="").exists()
    assert verified(small_home, db_url)["ok"] is True
    vault.close()
