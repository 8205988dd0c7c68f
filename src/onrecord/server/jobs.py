"""The organisation server's job queue: procrastinate on the vault's own PostgreSQL database.

A job is enqueued **in the same transaction** as the evidence it processes: ``enqueue_*``
pass Django's own psycopg connection to procrastinate (``Task.configure(connection=...)``,
its documented way to defer inside a caller's transaction), so a rolled-back transaction
leaves neither the exhibit nor the job, and a committed one leaves both.

Every job of one case carries the lock ``case-<uid>``: procrastinate runs jobs sharing a
lock one at a time, in order, so two workers never write one case's custody log or
exhibit numbers at once; different cases run in parallel.

Each task is idempotent, so a job retried after its worker was killed (``worker``
retries the jobs of workers whose heartbeat stopped) does nothing twice:

- **import**: the exhibit is already stored; each unit commits with its log entry, and a
  re-run finds the messages of committed units by their dedupe keys and skips them;
- **triage**: labels only items without a label from this model version;
- **ocr**: an image's messages already recorded (same dedupe key) are not added again;
- **capture**: a URL captured in this case since the job was queued is not captured again.

A database that goes away mid-job (PostgreSQL restarted) fails the job with an
``OperationalError``; the task is retried (up to ``MAX_ATTEMPTS``), from a fresh connection.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import procrastinate
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)

from onrecord.cases.models import Capture, Case, Evidence
from onrecord.errors import ConfigError, InputError, StorageFullError, VaultError
from onrecord.vault.custody import iso_utc, utc_now
from onrecord.vault.home import Vault

QUEUE = "onrecord"
MAX_ATTEMPTS = 5
_RETRY = procrastinate.RetryStrategy(
    max_attempts=MAX_ATTEMPTS,
    exponential_wait=2,
    retry_exceptions={OperationalError, InterfaceError, StorageFullError},
)

# The enqueueing side never opens this connector: every defer goes through Django's
# connection. ``worker`` runs the same tasks with a connector of its own.
app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())

_serving: dict[str, Vault] = {}


def serve(vault: Vault) -> None:
    """Give this process's tasks the open vault (``onrecord worker`` does, once)."""
    _serving["vault"] = vault


def _vault() -> Vault:
    try:
        return _serving["vault"]
    except KeyError:
        raise VaultError(
            "No vault is open for queued work; start it with `onrecord worker`."
        ) from None


def require_server() -> None:
    """Refuse queue work unless the active database is the organisation's PostgreSQL."""
    if connection.vendor != "postgresql":
        raise ConfigError(
            "Queued work needs the organisation server: set ONRECORD_DATABASE_URL to its "
            "PostgreSQL database. On a laptop the same work runs at once (onrecord import, "
            "triage, ocr, capture)."
        )


def _defer(task: procrastinate.tasks.Task[Any, Any, Any], case: Case, **kwargs: Any) -> int:
    require_server()
    connection.ensure_connection()
    job_id: int = task.configure(
        lock=f"case-{case.uid.hex}", queue=QUEUE, connection=connection.connection
    ).defer(case=case.uid.hex, queued_at=iso_utc(utc_now()), **kwargs)
    return job_id


# -- enqueueing (inside the caller's transaction) ------------------------------------------


def enqueue_import(
    case: Case,
    evidence: Evidence,
    *,
    operator: str,
    format_key: str | None = None,
    time_zone: str | None = None,
) -> int:
    """Queue the import of an exhibit already stored (a zip, JSON, CSV, mailbox...)."""
    return _defer(
        import_exhibit,
        case,
        exhibit=evidence.exhibit,
        operator=operator,
        format_key=format_key,
        time_zone=time_zone,
    )


def enqueue_triage(case: Case, *, operator: str) -> int:
    """Queue the triage of every item of ``case`` not yet labelled by the current model."""
    return _defer(triage, case, operator=operator)


def enqueue_ocr(case: Case, evidence: Evidence, *, operator: str) -> int:
    """Queue reading an image exhibit's messages into items."""
    return _defer(ocr, case, exhibit=evidence.exhibit, operator=operator)


def enqueue_capture(case: Case, urls: Sequence[str], *, operator: str, note: str = "") -> int:
    """Queue capturing web pages into ``case`` (the person asked for these URLs)."""
    if not urls:
        raise InputError("No web address to capture was given.")
    return _defer(capture, case, urls=list(urls), operator=operator, note=note)


def store_and_enqueue_import(
    vault: Vault,
    case: Case,
    path: Path,
    *,
    operator: str,
    format_key: str | None = None,
) -> tuple[Evidence, int]:
    """Store ``path`` as an exhibit and queue its import, in one transaction."""
    from onrecord.cases.evidence import Acquired, add_files

    require_server()
    how = Acquired(operator=operator, method="import", note=f"original of an import: {path.name}")
    with transaction.atomic():
        [outcome] = add_files(vault, case, [path], how)
        if outcome.status == "failed" or outcome.exhibit is None:
            raise InputError(
                f"{path} could not be stored, so nothing was queued: {outcome.message}"
            )
        evidence = Evidence.objects.get(case=case, exhibit=outcome.exhibit)
        return evidence, enqueue_import(case, evidence, operator=operator, format_key=format_key)


# procrastinate's job statuses, as a person reads them on the job's page.
STATES = {
    "todo": "queued",
    "doing": "running",
    "aborting": "running",
    "succeeded": "done",
    "failed": "failed",
    "cancelled": "failed",
    "aborted": "failed",
}


@dataclass(frozen=True)
class QueuedJob:
    """One job as ``onrecord queue list`` and the web app's job page show it."""

    id: int
    task: str
    status: str  # procrastinate's own word
    attempts: int
    case: str  # the case's uid, hex
    scheduled_at: str
    exhibit: int | None = None  # the exhibit an import or OCR job reads

    @property
    def state(self) -> str:
        """queued, running, done or failed."""
        return STATES.get(self.status, "queued")


_SELECT = (
    "SELECT id, task_name, status::text, attempts, args->>'case', "
    "COALESCE(scheduled_at::text, ''), (args->>'exhibit')::int FROM procrastinate_jobs "
)


def list_jobs(limit: int = 200) -> list[QueuedJob]:
    """The latest jobs, newest first."""
    require_server()
    with connection.cursor() as cursor:
        cursor.execute(_SELECT + "WHERE queue_name = %s ORDER BY id DESC LIMIT %s", [QUEUE, limit])
        return [QueuedJob(*row) for row in cursor.fetchall()]


def find_job(job_id: int) -> QueuedJob | None:
    """One job of onrecord's queue by its id, or None (the caller checks the case's share)."""
    require_server()
    with connection.cursor() as cursor:
        cursor.execute(_SELECT + "WHERE queue_name = %s AND id = %s", [QUEUE, job_id])
        row = cursor.fetchone()
    return QueuedJob(*row) if row is not None else None


# -- the tasks (run by ``onrecord worker``) -------------------------------------------------


def _case(uid: str) -> Case:
    try:
        return Case.objects.get(uid=uid)
    except Case.DoesNotExist:
        raise InputError(
            f"Case {uid} is no longer in the vault; the job has nothing to do."
        ) from None


def _exhibit(case: Case, number: int) -> Evidence:
    try:
        return Evidence.objects.get(case=case, exhibit=number)
    except Evidence.DoesNotExist:
        raise InputError(f"Case {case.pk} has no exhibit {number}; nothing was done.") from None


@app.task(name="onrecord.import", queue=QUEUE, retry=_RETRY)
def import_exhibit(
    *,
    case: str,
    exhibit: int,
    operator: str,
    queued_at: str,
    format_key: str | None = None,
    time_zone: str | None = None,
) -> dict[str, Any]:
    """Import a stored exhibit: its bytes are checked and decrypted to a private folder."""
    from onrecord.cases.imports import import_path

    close_old_connections()
    vault = _vault()
    found = _case(case)
    evidence = _exhibit(found, exhibit)
    folder = Path(tempfile.mkdtemp(prefix="onrecord-job-"))  # 0700: this user only
    try:
        target = folder / (Path(evidence.original_name).name or "export")
        with target.open("wb") as out:
            for chunk in vault.blobs.open_chunks(evidence.blob_id):
                out.write(chunk)
        report = import_path(
            vault,
            found,
            target,
            operator=operator,
            format_key=format_key,
            time_zone=time_zone,
            original=evidence,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return report.as_json()


@app.task(name="onrecord.triage", queue=QUEUE, retry=_RETRY)
def triage(*, case: str, operator: str, queued_at: str) -> dict[str, Any]:
    """Label the case's unlabelled items (idempotent by model version)."""
    from onrecord.cases.triage import triage_case

    close_old_connections()
    report = triage_case(_vault(), _case(case), operator)
    return {"model_version": report.model_version, "labelled": report.labelled}


@app.task(name="onrecord.ocr", queue=QUEUE, retry=_RETRY)
def ocr(*, case: str, exhibit: int, operator: str, queued_at: str) -> dict[str, Any]:
    """Read an image exhibit into items (messages already recorded are not added again)."""
    from onrecord.cases.screenshots import read_screenshot

    close_old_connections()
    found = _case(case)
    reading = read_screenshot(_vault(), found, _exhibit(found, exhibit), operator=operator)
    return {"added": len(reading.items), "already": reading.already_recorded}


@app.task(name="onrecord.capture", queue=QUEUE, retry=_RETRY)
def capture(
    *, case: str, urls: list[str], operator: str, queued_at: str, note: str = ""
) -> dict[str, Any]:
    """Capture the URLs not yet captured in this case since the job was queued."""
    from onrecord.capture.store import capture_urls
    from onrecord.config import load_config

    close_old_connections()
    found = _case(case)
    done = set(
        Capture.objects.filter(case=found, started_at__gte=dt.datetime.fromisoformat(queued_at))
        .exclude(status=Capture.Status.FAILED)
        .values_list("requested_url", flat=True)
    )
    todo = [u for u in urls if u not in done]
    if not todo:
        return {"captured": 0, "already": len(urls)}
    config = load_config({"operator": operator})
    outcomes = capture_urls(_vault(), found, todo, config=config, note=note)
    return {"captured": len(outcomes), "already": len(urls) - len(todo)}


TASKS = (import_exhibit, triage, ocr, capture)

__all__ = [
    "MAX_ATTEMPTS",
    "QUEUE",
    "STATES",
    "TASKS",
    "QueuedJob",
    "app",
    "enqueue_capture",
    "enqueue_import",
    "enqueue_ocr",
    "enqueue_triage",
    "find_job",
    "list_jobs",
    "require_server",
    "serve",
    "store_and_enqueue_import",
]
