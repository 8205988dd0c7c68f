"""Every migration runs forward and back on SQLite, SQLCipher and PostgreSQL, with data."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conftest import FAST_KDF, PASSPHRASE
from onrecord.errors import VaultError
from onrecord.vault.home import Vault

ONRECORD_APPS = ["vault", "cases", "steps", "server"]


def migrations_of(app: str) -> list[str]:
    executor = MigrationExecutor(connection)
    return sorted(name for (label, name) in executor.loader.disk_migrations if label == app)


def apps_with_migrations() -> list[str]:
    return [app for app in ONRECORD_APPS if migrations_of(app)]


def test_models_and_migrations_agree(vault: Vault) -> None:
    out = io.StringIO()
    call_command("makemigrations", *ONRECORD_APPS, check=True, dry_run=True, stdout=out)
    assert "No changes detected" in out.getvalue()


def test_each_migration_forward_and_back(vault: Vault) -> None:
    executor = MigrationExecutor(connection)
    apps = apps_with_migrations()
    assert apps[:2] == ["vault", "cases"]
    for app in reversed(apps):
        call_command("migrate", app, "zero", verbosity=0)
    for app in apps:
        names = migrations_of(app)
        for name in names:
            call_command("migrate", app, name, verbosity=0)
            executor.loader.build_graph()
            assert (app, name) in executor.loader.applied_migrations
    assert vault.pending_migrations() == []


def test_open_refuses_an_older_schema_and_init_upgrades_it(tmp_path: Path, db_url: str) -> None:
    from onrecord.cases.models import Case

    home = tmp_path / "home"
    vault, _ = Vault.create(home, passphrase=PASSPHRASE, kdf=FAST_KDF, database_url=db_url)
    latest = migrations_of("cases")[-1]
    previous = migrations_of("cases")[-2] if len(migrations_of("cases")) > 1 else "zero"
    call_command("migrate", "cases", previous, verbosity=0)  # as an older onrecord left it
    vault.close()
    with pytest.raises(VaultError, match=r"older onrecord\. Run `onrecord init`"):
        Vault.open(home, passphrase=PASSPHRASE, database_url=db_url)
    upgraded = Vault.open(home, passphrase=PASSPHRASE, database_url=db_url, upgrade=True)
    assert ("cases", latest) in MigrationExecutor(connection).loader.applied_migrations
    assert Case.objects.count() == 0
    upgraded.close()


def test_init_twice_is_harmless(tmp_path: Path, db_url: str) -> None:
    home = tmp_path / "home"
    vault, _ = Vault.create(home, passphrase=PASSPHRASE, kdf=FAST_KDF, database_url=db_url)
    vault.close()
    for _ in range(2):
        again = Vault.open(home, passphrase=PASSPHRASE, database_url=db_url, upgrade=True)
        assert again.pending_migrations() == []
        again.close()


def test_0002_keeps_items_recorded_by_0001_verifiable(vault: Vault) -> None:
    """Old-shape data: an item written before 0002 (digest v1) still verifies after it."""
    import datetime as dt

    from django.db import transaction

    from onrecord.cases.items import item_fields, sha256_of
    from onrecord.cases.models import Item
    from onrecord.cases.records import create_case, seal
    from onrecord.cases.verify import verify

    case = create_case(vault, title="Old", jurisdiction="GB", time_zone="UTC", operator="t")
    call_command("migrate", "cases", "0001", verbosity=0)
    executor = MigrationExecutor(connection)
    old_apps = executor.loader.project_state(("cases", "0001_initial")).apps
    OldItem = old_apps.get_model("cases", "Item")  # noqa: N806
    OldAccount = old_apps.get_model("cases", "Account")  # noqa: N806
    log = vault.log(case.log_name)
    with transaction.atomic():
        author = OldAccount.objects.create(case_id=case.pk, platform="sms", handle="+15550100")
        old = OldItem.objects.create(
            case_id=case.pk,
            platform="sms",
            kind="sms",
            author=author,
            text="old shape",
            sent_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
            log_index=log.next_index(),
        )
        log.append(
            "item.add",
            "t",
            {
                "case": case.uid.hex,
                "item": old.pk,
                "exhibit": None,
                "source": "0001",
                "digest": sha256_of(item_fields(old, 1)),
            },
        )
    seal(vault, case)
    call_command("migrate", verbosity=0)  # every app, the ones depending on cases too
    item = Item.objects.get(pk=old.pk)
    assert (item.dedupe_key, item.conversation, item.extra, item.raw) == ("", "", {}, None)
    assert item.deleted_at_source is False and item.previous_version is None
    assert all(c.is_ok for c in verify(vault)), [c for c in verify(vault) if not c.is_ok]
