"""Where browser sessions live, and the key that signs them.

A laptop keeps sessions in this process's memory (the local-memory cache) with a random
``SECRET_KEY`` per run: locking the vault or quitting ends them, and nothing of a session
reaches the disk.

The organisation server runs several web processes, on several machines, restarted at
will; a staff member must stay logged in across all of them. So in server mode sessions
are rows in the vault's PostgreSQL database (``server.models.StaffSession``, this
module's ``SessionStore`` is the ``SESSION_ENGINE``), and ``SECRET_KEY`` is derived from
the vault's master key (HKDF, purpose ``web-session``): every process that opened the
vault computes the same key, none writes it anywhere, and a copy of the database alone
cannot forge a session. Each row names its account.
The model lives in ``server`` (an app with migrations); the store lives here, so the
server package needs nothing from the web.

The expiry rules (session generation, idle time, absolute limit) stay in ``web.staff``,
checked on every request whatever the storage.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import global_settings, settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.base_session import AbstractBaseSession

from onrecord.vault import crypto
from onrecord.vault.home import Vault

LAPTOP_ENGINE = "django.contrib.sessions.backends.cache"
SERVER_ENGINE = "onrecord.web.sessions"
_PURPOSE = "web-session"


class SessionStore(DatabaseStore):
    """Django's database sessions, in ``StaffSession`` rows that name their account."""

    @classmethod
    def get_model_class(cls) -> type[AbstractBaseSession]:
        from onrecord.server.models import StaffSession

        return StaffSession

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        from onrecord.server.models import StaffSession

        row = super().create_model_instance(data)
        assert isinstance(row, StaffSession)
        try:
            row.user_id = int(data.get("_auth_user_id", ""))
        except (TypeError, ValueError):
            row.user_id = None
        return row


def session_secret(vault: Vault) -> str:
    """The ``SECRET_KEY`` every web process of this vault shares (never stored).

    An unencrypted vault has no master key; its Ed25519 signing key, the one secret it
    holds, seeds the derivation instead.
    """
    seed = vault.master_key if vault.master_key is not None else vault.signer.private_bytes()
    return crypto.subkey(seed, _PURPOSE).hex()


def use_laptop_sessions() -> None:
    """Sessions in memory, signed with a key that dies with the process."""
    settings.SESSION_ENGINE = LAPTOP_ENGINE
    settings.SESSION_COOKIE_AGE = global_settings.SESSION_COOKIE_AGE
    settings.SECRET_KEY = secrets.token_urlsafe(50)


def use_server_sessions(vault: Vault | None, idle_s: int) -> None:
    """Sessions in the database, signed with the vault's derived key.

    Before the vault is open nothing can be shown anyway (``web.staff.unavailable``), so
    the key stays a random one until ``WebState.adopt`` calls this again with the vault.
    A row lives ``idle_s`` past its last request, like the idle check itself.
    """
    settings.SESSION_ENGINE = SERVER_ENGINE
    settings.SESSION_COOKIE_AGE = idle_s
    settings.SECRET_KEY = session_secret(vault) if vault is not None else secrets.token_urlsafe(50)


__all__ = [
    "SessionStore",
    "session_secret",
    "use_laptop_sessions",
    "use_server_sessions",
]
