"""``onrecord worker``: run the queue's jobs, on as many machines as the organisation likes.

How a worker opens the vault: exactly as any command does, with the vault folder
(``ONRECORD_HOME``: ``vault.json``, ``keys.json``, ``signing.key`` and the blobs, on a
shared filesystem; or the blobs in an S3-compatible bucket, ``ONRECORD_BLOB_STORE``),
``ONRECORD_DATABASE_URL`` (PostgreSQL, required), and the vault passphrase, which unwraps
the master key that decrypts blobs and signs custody-log heads.
A service gives the passphrase as a file only it can read: ``ONRECORD_PASSPHRASE_FILE``
(systemd: ``LoadCredential=`` and point the variable at ``$CREDENTIALS_DIRECTORY``).

A worker killed mid-job (``kill -9``, a power cut) stops sending heartbeats. Every worker
retries, at start and then every ``stalled_after / 2`` seconds, the jobs left ``doing`` by
workers silent for ``stalled_after`` seconds (procrastinate's ``get_stalled_jobs`` and
``retry_job``); the tasks are idempotent (``jobs``), so the retry does nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import procrastinate
from procrastinate.manager import JobManager
from psycopg.conninfo import make_conninfo

from onrecord.config import Config
from onrecord.errors import ConfigError
from onrecord.server import jobs
from onrecord.vault import database
from onrecord.vault.home import Vault

logger = logging.getLogger("onrecord.worker")


@dataclass(frozen=True)
class WorkerOptions:
    """How one worker process runs."""

    concurrency: int = 1
    stalled_after: float = 60.0  # seconds without a heartbeat before a worker's jobs are retried
    once: bool = False  # run the jobs waiting now, then stop (scripts, benchmarks, tests)
    triage_threads: int = 1  # the triage encoder's threads (ONRECORD_WORKER_TRIAGE_THREADS)

    @property
    def heartbeat(self) -> float:
        return max(self.stalled_after / 4, 0.5)


def server_database_url(config: Config) -> str:
    """The organisation's PostgreSQL URL; a worker never guesses one."""
    url = config.database_url
    if not url:
        raise ConfigError(
            "onrecord worker runs only on the organisation server: set ONRECORD_DATABASE_URL "
            "to the PostgreSQL database the vault uses (postgresql://user@host:5432/name). "
            "A laptop vault runs its work at once and needs no worker."
        )
    return url


def conninfo(url: str) -> str:
    """A libpq connection string from the vault's URL, read the way Django reads it."""
    settings = database.postgres_settings(url)
    params = {
        "dbname": settings["NAME"],
        "user": settings["USER"] or None,
        "password": settings["PASSWORD"] or None,
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
        **settings["OPTIONS"],
    }
    return make_conninfo(**{k: v for k, v in params.items() if v is not None})


async def retry_stalled(manager: JobManager, stalled_after: float) -> list[int]:
    """Put back in the queue the jobs of workers silent for ``stalled_after`` seconds."""
    retried = []
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        await manager.retry_job(job)
        if job.id is not None:
            retried.append(job.id)
    if retried:
        logger.warning(
            "retried %d job(s) of stopped workers", len(retried), extra={"jobs": retried}
        )
    return retried


async def _watch(manager: JobManager, stalled_after: float) -> None:
    while True:
        await asyncio.sleep(stalled_after / 2)
        try:
            await retry_stalled(manager, stalled_after)
        except procrastinate.exceptions.ConnectorException as exc:
            logger.warning("could not look for stalled jobs: %s", exc)


async def _run(app: procrastinate.App, options: WorkerOptions) -> None:
    async with app.open_async():
        await retry_stalled(app.job_manager, options.stalled_after)
        watcher = asyncio.create_task(_watch(app.job_manager, options.stalled_after))
        try:
            await app.run_worker_async(
                queues=[jobs.QUEUE],
                concurrency=options.concurrency,
                wait=not options.once,
                update_heartbeat_interval=options.heartbeat,
                stalled_worker_timeout=options.stalled_after,
                delete_jobs="never",  # a finished job stays as the record of the work
            )
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


def run_worker(vault: Vault, database_url: str, options: WorkerOptions) -> None:
    """Run jobs until stopped (SIGTERM/SIGINT finish the running jobs first)."""
    if options.triage_threads < 1:
        raise ConfigError(
            f"ONRECORD_WORKER_TRIAGE_THREADS must be 1 or more, not {options.triage_threads}: "
            "it is how many threads each worker gives the triage model."
        )
    jobs.serve(vault, triage_threads=options.triage_threads)
    connector = procrastinate.PsycopgConnector(conninfo=conninfo(database_url))
    asyncio.run(_run(jobs.app.with_connector(connector), options))


__all__ = ["WorkerOptions", "conninfo", "retry_stalled", "run_worker", "server_database_url"]
