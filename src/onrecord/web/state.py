"""What the web app holds between requests: the one open vault, who unlocked it, and jobs.

One ``onrecord serve`` process serves one vault to the person at this computer, so the
state is one object (``WebState``) that ``onrecord.web.app.make_app`` installs for the views.
Unlocking opens the vault and starts a new *generation*; a browser session is unlocked only
while the generation it unlocked is the current one, so locking (by the button, by the idle
timer, or by quitting) ends every session at once and drops the master key from memory.

The clock is injectable so the idle lock can be tested without waiting. A laptop counts
with the monotonic clock; the organisation server with wall-clock time, because a staff
session's login and last-request times travel between processes and machines in the
shared session store, where one machine's monotonic clock means nothing to another.

Server mode (the vault's database is PostgreSQL, ``database_url`` set) is different: the
operator starts the app with the vault already open (passphrase file, as for the worker),
staff log in with their own accounts (``web.staff``), and nothing a staff member does
closes the vault for the others: there is no idle lock, and "Lock" logs that person out.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

from onrecord.config import Config
from onrecord.errors import VaultLockedError
from onrecord.vault.crypto import KdfParams
from onrecord.vault.home import Vault
from onrecord.web.queue import QueueOrder
from onrecord.web.sessions import use_server_sessions

Clock = Callable[[], float]
DEFAULT_IDLE_LOCK_S = 15 * 60
DEFAULT_EXIT_URL = "https://www.bbc.com/weather"
TICKET_TTL_S = 120.0
STAFF_IDLE_S = 30 * 60  # a staff session ends after this long without a request
STAFF_ABSOLUTE_S = 12 * 60 * 60  # and this long after its login, however busy


@dataclass(frozen=True)
class WebSettings:
    """How this run of the app was started (from the settings table and ``serve``'s flags)."""

    home: Path
    operator: str
    database_url: str = ""
    time_zone: str = "UTC"
    kdf: KdfParams = field(default_factory=KdfParams)
    idle_lock_s: int = DEFAULT_IDLE_LOCK_S
    exit_url: str = DEFAULT_EXIT_URL
    capture_profile: str | None = None
    config: Config | None = None  # the resolved settings table, for captures
    staff_idle_s: int = STAFF_IDLE_S
    staff_absolute_s: int = STAFF_ABSOLUTE_S

    @property
    def server_mode(self) -> bool:
        """Staff accounts instead of the passphrase: the organisation's PostgreSQL vault."""
        return bool(self.database_url)


@dataclass
class Job:
    """Work that takes long (an import, a capture), run in a thread and polled by the page.

    In server mode the page shows a job of the shared queue in the same shape
    (``views.work``), with ``state`` one of queued, running, done or failed.
    """

    id: str
    case_id: int
    title: str
    total: int = 0
    done: int = 0
    stage: str = ""
    finished: bool = False
    failed: bool = False
    lines: list[str] = field(default_factory=list)
    state: str = ""

    def advance(self, amount: int) -> None:
        self.done += amount

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        if self.total <= 0:
            return 0
        return min(99, int(100 * self.done / self.total))


class WebState:
    """The open vault (or none), the unlock generation, helper mode and running jobs."""

    def __init__(self, settings: WebSettings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or (time.time if settings.server_mode else time.monotonic)
        self.vault: Vault | None = None
        self.generation = ""
        self.helper_mode = False
        self.jobs: dict[str, Job] = {}
        self._tickets: dict[str, float] = {}
        self.queue = QueueOrder()
        self.last_activity = self.clock()
        self._lock = threading.RLock()

    # -- unlocking ----------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.vault is not None

    @property
    def server_mode(self) -> bool:
        return self.settings.server_mode

    def unlock(self, passphrase: str) -> str:
        """Open the vault with ``passphrase``; returns the new generation for the session.

        Raises ``VaultLockedError`` (wrong passphrase) or another ``VaultError``.
        """
        with self._lock:
            if self.vault is None:
                vault = Vault.open(
                    self.settings.home,
                    passphrase=passphrase if is_encrypted_vault(self.settings.home) else None,
                    database_url=self.settings.database_url,
                )
                vault.recover()
                self.vault = vault
                self.generation = secrets.token_hex(16)
            elif not self.check_passphrase(passphrase):
                raise VaultLockedError("That passphrase does not unlock this vault.")
            self.last_activity = self.clock()
            return self.generation

    def check_passphrase(self, passphrase: str) -> bool:
        """Whether ``passphrase`` unlocks the vault (for a second person or helper mode)."""
        from onrecord.vault import crypto

        if not is_encrypted_vault(self.settings.home):
            return True
        try:
            crypto.unlock(Vault._key_file(self.settings.home), passphrase)
        except VaultLockedError:
            return False
        return True

    def adopt(self, vault: Vault) -> str:
        """Use a vault opened elsewhere (``onrecord demo --serve``, a server started with the
        passphrase file): no second unlock. In server mode this is when staff sessions get
        the key derived from the vault (``web.sessions``)."""
        with self._lock:
            self.vault = vault
            if self.server_mode:
                use_server_sessions(vault, self.settings.staff_idle_s)
            self.generation = secrets.token_hex(16)
            self.last_activity = self.clock()
            return self.generation

    def mint_ticket(self) -> str:
        """A one-time address token that unlocks one browser session (for ``demo --serve``).

        It is only made for a vault this process already opened, works once, and expires.
        """
        ticket = secrets.token_urlsafe(24)
        self._tickets[ticket] = self.clock() + TICKET_TTL_S
        return ticket

    def redeem_ticket(self, ticket: str) -> str | None:
        """The generation for a valid, unused ticket; None otherwise."""
        with self._lock:
            expires = self._tickets.pop(ticket, None)
            if expires is None or self.clock() > expires or self.vault is None:
                return None
            self.last_activity = self.clock()
            return self.generation

    def lock(self) -> None:
        """Close the vault and forget the key; every session must unlock again."""
        with self._lock:
            if self.vault is not None:
                self.vault.close()
                self.vault = None
            self.generation = ""
            self.helper_mode = False
            self._tickets.clear()
            self.queue.clear()
            connection.close()

    def is_unlocked_for(self, generation: object) -> bool:
        return bool(self.generation) and generation == self.generation

    # -- the idle lock ------------------------------------------------------------------

    def touch(self) -> None:
        self.last_activity = self.clock()

    def is_busy(self) -> bool:
        return any(not job.finished for job in self.jobs.values())

    def lock_if_idle(self) -> bool:
        """Lock when nothing happened for ``idle_lock_s`` and no job runs; True if locked now."""
        with self._lock:
            if self.server_mode:  # staff sessions expire one by one (web.staff)
                return False
            if self.vault is None or self.settings.idle_lock_s <= 0 or self.is_busy():
                return False
            if self.clock() - self.last_activity < self.settings.idle_lock_s:
                return False
            self.lock()
            return True

    # -- jobs ---------------------------------------------------------------------------

    def start_job(self, case_id: int, title: str, work: Callable[[Job], None]) -> Job:
        """Run ``work(job)`` in a thread; its database connection is closed when it ends."""
        job = Job(id=secrets.token_hex(8), case_id=case_id, title=title)
        self.jobs[job.id] = job

        def run() -> None:
            try:
                work(job)
            except Exception as exc:  # shown to the person on the job's page
                job.failed = True
                job.lines.append(str(exc) or exc.__class__.__name__)
            finally:
                job.finished = True
                self.touch()
                connection.close()

        threading.Thread(target=run, name=f"onrecord-job-{job.id}", daemon=True).start()
        return job


def is_encrypted_vault(home: Path) -> bool:
    from onrecord.vault.home import VaultInfo

    return VaultInfo.read(home).encrypted


_current: WebState | None = None


def install(state: WebState) -> None:
    """Make ``state`` the one the views use (``make_app`` calls this)."""
    global _current
    _current = state


def current() -> WebState:
    if _current is None:
        raise RuntimeError("The web app was not made: call onrecord.web.app.make_app first.")
    return _current
