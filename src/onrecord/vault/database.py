"""Point Django's ``default`` connection at a vault's database, and bring its schema up.

One process works on one vault at a time (the CLI, the web app, a worker); tests open
many in turn, so activation closes the previous connection and swaps the settings.
Local vaults use SQLCipher inside the vault folder (or plain SQLite for a vault made
with ``--no-encryption``); the organisation server names PostgreSQL explicitly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.db import connections

from onrecord.django_setup import setup_django
from onrecord.errors import ConfigError

_SQLITE_INIT = (
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000; "
    "PRAGMA cache_size = -65536"  # 64 MiB of pages: imports touch many index pages
)


def sqlite_settings(path: Path, key_hex: str | None) -> dict[str, Any]:
    """Settings for the vault's own database file; encrypted when a key is given."""
    options: dict[str, Any] = {"transaction_mode": "IMMEDIATE", "init_command": _SQLITE_INIT}
    engine = "django.db.backends.sqlite3"
    if key_hex is not None:
        engine = "onrecord.vault.sqlcipher"
        options["key"] = key_hex
    return {"ENGINE": engine, "NAME": str(path), "OPTIONS": options}


def postgres_settings(url: str) -> dict[str, Any]:
    """Settings from a ``postgresql://user:password@host:port/name?options`` URL."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgresql", "postgres"} or not parts.path.strip("/"):
        raise ConfigError(
            f"Not a PostgreSQL database URL: {parts.scheme}://...; expected "
            "postgresql://user@host:5432/database."
        )
    options: dict[str, Any] = dict(parse_qsl(parts.query))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "CONN_HEALTH_CHECKS": True,
    }


def activate(database: dict[str, Any]) -> None:
    """Make ``database`` Django's default connection for this process."""
    setup_django()
    connections["default"].close()
    connections.settings["default"] = database
    connections.configure_settings(connections.settings)
    del connections["default"]


def deactivate() -> None:
    """Close the vault's connection and leave the harmless placeholder in its place."""
    activate({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})


def migrate(verbosity: int = 0) -> None:
    """Create or upgrade the schema of the active database (idempotent)."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)
