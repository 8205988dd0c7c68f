"""The organisation server's job queue: procrastinate on the vault's own PostgreSQL database.

A job is enqueued **in the same transaction** as the evidence it processes: ``enqueue_*``
pass Django's own psycopg connection to procrastinate (``Task.configure(connection=...)``,
its documented way to defer inside a caller's transaction), so a rolled-back transaction
leaves neither the exhibit nor the job, and a committed one leaves both.

Every job of one case carries the lock ``case-<uid>``: procrastinate runs jobs sharing a
lock one at a time, in order, so two workers never write one case's custody log or
exhibit numbers at once; different cases run in parallel. Triage is the exception that
lets many workers share one large case: the ``triage`` job (locked, so it runs after the
imports queued before it) only cuts the unlabelled items into id ranges and queues one
``triage_part`` job per range, unlocked, in its own transaction; each part classifies
outside any lock and writes each batch in a short transaction under the custody log's own
lock (``cases.triage``).

Each task is idempotent, so a job retried after its worker was killed (``worker``
retries the jobs of workers whose heartbeat stopped) does nothing twice:

- **import**: the exhibit is already stored; each unit commits with its log entry, and a
  re-run finds the messages of committed units by their dedupe keys and skips them;
- **triage**: queues no part for items already in a part still queued or running;
- **triage_part**: labels only its range's items without a label from this model version,
  checked again under the log's lock as each batch is written;
- **ocr**: an image's messages already recorded (same dedupe key) are not added again;
- **capture**: a URL captured in this case since the job was queued is not captured again.

A database that goes away mid-job (PostgreSQL restarted) fails the job with an
``OperationalError``; the task is retried (up to ``MAX_ATTEMPTS``), from a fresh connection,
by the same worker once the server is back (``tests/server/test_restart.py``).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import procrastinate
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from procrastinate.types import JSONDict

from onrecord.cases.models import Capture, Case, Evidence
from onrecord.errors import ConfigError, InputError, StorageFullError, VaultError
from onrecord.vault.custody import iso_utc, utc_now
from onrecord.vault.home import Vault

if TYPE_CHECKING:
    from onrecord.analysis.classify import Classifier

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
_triage_threads: list[int] = []


def serve(vault: Vault, *, triage_threads: int = 1) -> None:
    """Give this process's tasks the open vault (``onrecord worker`` does, once).

    ``triage_threads``: threads the triage model's encoder runs on in this process.
    """
    _serving["vault"] = vault
    _triage_threads[:] = [triage_threads]


def _vault() -> Vault:
    try:
        return _serving["vault"]
    except KeyError:
        raise VaultError(
            "No vault is open for queued work; start it with `onrecord worker`."
        ) from None


def _classifier() -> Classifier:
    """The shipped classifier, loaded once per process with the worker's thread count."""
    from onrecord.analysis.classify import Classifier
    from onrecord.analysis.model import load_model

    return Classifier(load_model(threads=_triage_threads[0] if _triage_threads else None))


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
    first_item: int | None = None  # a triage part: the ids of the items it labels
    last_item: int | None = None
    parts: int = 0  # a triage job: the parts it queued, and how many ended
    parts_done: int = 0
    parts_failed: int = 0

    @property
    def state(self) -> str:
        """queued, running, done or failed; a triage job is done when all its parts are."""
        own = STATES.get(self.status, "queued")
        if own != "done":
            return own
        if self.parts_failed:
            return "failed"
        return "running" if self.parts_done < self.parts else "done"

    @property
    def detail(self) -> str:
        """What the job works on, in a few words."""
        if self.exhibit is not None:
            return f"exhibit {self.exhibit}"
        if self.first_item is not None:
            return f"items {self.first_item}-{self.last_item}"
        if self.parts:
            failed = f", {self.parts_failed} failed" if self.parts_failed else ""
            return f"{self.parts_done} of {self.parts} parts done{failed}"
        return ""


_SELECT = (
    "SELECT id, task_name, status::text, attempts, args->>'case', "
    "COALESCE(scheduled_at::text, ''), (args->>'exhibit')::int, (args->>'first')::bigint, "
    "(args->>'last')::bigint FROM procrastinate_jobs "
)


def _with_parts(found: list[QueuedJob]) -> list[QueuedJob]:
    """Each triage job with the count of its parts, done and failed."""
    parents = [str(j.id) for j in found if j.task == triage.name]
    if not parents:
        return found
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (args->>'parent')::bigint, count(*), "
            "count(*) FILTER (WHERE status = 'succeeded'), "
            "count(*) FILTER (WHERE status IN ('failed', 'cancelled', 'aborted')) "
            "FROM procrastinate_jobs "
            "WHERE task_name = %s AND args->>'parent' = ANY(%s) GROUP BY 1",
            [triage_part.name, parents],
        )
        counts = {row[0]: row[1:] for row in cursor.fetchall()}
    return [
        replace(j, parts=c[0], parts_done=c[1], parts_failed=c[2]) if (c := counts.get(j.id)) else j
        for j in found
    ]


def list_jobs(limit: int = 200) -> list[QueuedJob]:
    """The latest jobs, newest first."""
    require_server()
    with connection.cursor() as cursor:
        cursor.execute(_SELECT + "WHERE queue_name = %s ORDER BY id DESC LIMIT %s", [QUEUE, limit])
        return _with_parts([QueuedJob(*row) for row in cursor.fetchall()])


def find_job(job_id: int) -> QueuedJob | None:
    """One job of onrecord's queue by its id, or None (the caller checks the case's share)."""
    require_server()
    with connection.cursor() as cursor:
        cursor.execute(_SELECT + "WHERE queue_name = %s AND id = %s", [QUEUE, job_id])
        row = cursor.fetchone()
    return _with_parts([QueuedJob(*row)])[0] if row is not None else None


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


@app.task(name="onrecord.triage", queue=QUEUE, retry=_RETRY, pass_context=True)
def triage(
    context: procrastinate.JobContext, *, case: str, operator: str, queued_at: str
) -> dict[str, Any]:
    """Queue the case's unlabelled items as parts for any worker (one transaction)."""
    from onrecord.cases.triage import plan_parts

    close_old_connections()
    found = _case(case)
    version = _classifier().version
    with transaction.atomic():
        parts = plan_parts(found, version, skip=_queued_parts(case))
        shared: JSONDict = {
            "case": case,
            "operator": operator,
            "queued_at": queued_at,
            "parent": context.job.id,
        }
        if parts:
            connection.ensure_connection()
            triage_part.configure(queue=QUEUE, connection=connection.connection).batch_defer(
                *({"first": p.first, "last": p.last, "items": p.items} | shared for p in parts)
            )
    return {
        "model_version": version,
        "parts": len(parts),
        "items": sum(part.items for part in parts),
    }


def _queued_parts(case: str) -> list[tuple[int, int]]:
    """Id ranges of the case's triage parts still queued or running."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (args->>'first')::bigint, (args->>'last')::bigint FROM procrastinate_jobs "
            "WHERE task_name = %s AND status IN ('todo', 'doing') AND args->>'case' = %s",
            ["onrecord.triage_part", case],
        )
        return [(int(low), int(high)) for low, high in cursor.fetchall()]


@app.task(name="onrecord.triage_part", queue=QUEUE, retry=_RETRY)
def triage_part(
    *,
    case: str,
    first: int,
    last: int,
    items: int,
    operator: str,
    queued_at: str,
    parent: int,
) -> dict[str, Any]:
    """Label one id range of a case's items; no case lock, so workers share a large case."""
    from onrecord.cases.triage import triage_range

    close_old_connections()
    report = triage_range(_vault(), _case(case), operator, first, last, _classifier())
    return {
        "model_version": report.model_version,
        "labelled": report.labelled,
        "already": report.already,
    }


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


TASKS = (import_exhibit, triage, triage_part, ocr, capture)

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
