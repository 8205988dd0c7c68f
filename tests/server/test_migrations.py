"""The server app's migrations: the queue's schema on PostgreSQL only, shares on both."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.db import connection

from onrecord.vault.home import Vault


def procrastinate_tables() -> set[str]:
    return {t for t in connection.introspection.table_names() if t.startswith("procrastinate")}


def test_server_migrations_forward_and_back(vault: Vault) -> None:
    on_postgres = connection.vendor == "postgresql"
    assert ("procrastinate_jobs" in procrastinate_tables()) is on_postgres
    assert "server_caseshare" in connection.introspection.table_names()

    call_command("migrate", "server", "0001", verbosity=0)
    assert "server_caseshare" not in connection.introspection.table_names()
    call_command("migrate", "server", "zero", verbosity=0)
    assert procrastinate_tables() == set()
    call_command("migrate", "server", verbosity=0)
    assert ("procrastinate_jobs" in procrastinate_tables()) is on_postgres
    assert vault.pending_migrations() == []


def test_every_app_round_trips_with_the_server_app(vault: Vault) -> None:
    """What tests/test_migrations.py checks, with ``server`` in its list of apps."""
    apps = ["vault", "cases", "steps", "server"]
    out = io.StringIO()
    call_command("makemigrations", *apps, check=True, dry_run=True, stdout=out)
    assert "No changes detected" in out.getvalue()
    for app in reversed(apps):
        call_command("migrate", app, "zero", verbosity=0)
    for app in apps:
        call_command("migrate", app, verbosity=0)
    assert vault.pending_migrations() == []
