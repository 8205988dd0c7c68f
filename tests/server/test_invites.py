"""Invite links below the web: ``onrecord case invite`` through the real command, tokens kept
only as hashes, one use, expiry, lockout on an existing account, and laptops refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.contrib.auth.models import User
from django.db import connection

from conftest import run_onrecord
from onrecord.cases.models import Case
from onrecord.cases.records import create_case
from onrecord.errors import ConfigError, InputError
from onrecord.server.accounts import LOCKOUT_FAILURES, add_user, is_locked_out
from onrecord.server.invites import (
    InviteRefusedError,
    accept_invite,
    create_invite,
    find_invite,
)
from onrecord.server.models import CaseShare, Invite
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry

PASSWORD = "amber tunnel violet crane"
EMAIL = "sam.rivers@example.org"


def new_case(vault: Vault) -> Case:
    return create_case(
        vault, title="Invited case", jurisdiction="GB", time_zone="UTC", operator="lead"
    )


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_the_command_prints_a_link_whose_token_is_stored_only_as_a_hash(
    vault: Vault, db_url: str
) -> None:
    case = new_case(vault)
    made = run_onrecord(
        vault.home,
        "case",
        "invite",
        str(case.pk),
        EMAIL.upper(),
        "--role",
        "owner",
        "--hours",
        "2",
        "--url",
        "https://help.example/",
        ONRECORD_DATABASE_URL=db_url,
    )
    assert made.returncode == 0, made.stderr
    link = next(line for line in made.stdout.splitlines() if line.startswith("https://"))
    assert link.startswith("https://help.example/invite/")
    token = link.rsplit("/", 1)[1]
    invite = Invite.objects.get()
    assert invite.email == EMAIL and invite.role == "owner"
    assert invite.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert (
        dt.timedelta(hours=1, minutes=59)
        < invite.expires_at - invite.created_at
        <= dt.timedelta(hours=2)
    )
    with connection.cursor() as cursor:  # nowhere in the database, in any table
        cursor.execute("SELECT count(*) FROM server_invite WHERE token_sha256 = %s", [token])
        assert cursor.fetchone()[0] == 0
    logged = [json.loads(data) for data in LogEntry.objects.values_list("data", flat=True)]
    assert all(token not in json.dumps(entry) for entry in logged)
    [entry] = [e for e in logged if e["action"] == "access.invite"]
    assert (entry["user"], entry["role"], entry["by"]) == (EMAIL, "owner", "test-operator")

    refused = run_onrecord(
        vault.home, "case", "invite", "1", EMAIL, "--role", "boss", ONRECORD_DATABASE_URL=db_url
    )
    assert refused.returncode != 0 and "boss" in refused.stderr


def test_a_laptop_vault_has_no_invites(local_vault: Vault) -> None:
    case = new_case(local_vault)
    with pytest.raises(ConfigError, match="Invite links are for the organisation server"):
        create_invite(local_vault, case, EMAIL, "owner", operator="lead")


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_one_use_and_expiry(vault: Vault) -> None:
    case = new_case(vault)
    now = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)
    made = create_invite(vault, case, EMAIL, "advocate", operator="lead", hours=1, now=now)
    with pytest.raises(InviteRefusedError) as late:
        accept_invite(vault, made.token, PASSWORD, now=now + dt.timedelta(hours=1))
    assert late.value.reason == "expired"
    with pytest.raises(InviteRefusedError) as altered:
        find_invite(made.token + "x", now=now)
    assert altered.value.reason == "unknown"
    user = accept_invite(vault, made.token, PASSWORD, now=now + dt.timedelta(minutes=59))
    assert CaseShare.objects.get(user=user).role == "advocate"
    with pytest.raises(InviteRefusedError) as again:
        accept_invite(vault, made.token, "another password entirely", now=now)
    assert again.value.reason == "used"
    assert User.objects.get(username=EMAIL).check_password(PASSWORD)
    actions = list(LogEntry.objects.filter(log=case.log_name).values_list("data", flat=True))
    assert [json.loads(a)["action"] for a in actions].count("access.accept") == 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_wrong_passwords_for_an_existing_account_count_towards_its_lockout(vault: Vault) -> None:
    case = new_case(vault)
    existing = add_user(EMAIL, PASSWORD)
    made = create_invite(vault, case, EMAIL, "viewer", operator="lead")
    for _ in range(LOCKOUT_FAILURES):
        with pytest.raises(InputError, match="not the password"):
            accept_invite(vault, made.token, "a wrong guess of a password")
    assert is_locked_out(existing)
    with pytest.raises(InputError, match="locked"):
        accept_invite(vault, made.token, PASSWORD)  # right, but locked
    assert not CaseShare.objects.filter(user=existing).exists()
    assert Invite.objects.get().used_at is None  # still usable once the lock passes


def test_the_migration_adds_and_removes_sessions_and_invites(vault: Vault) -> None:
    """0004 on both backends: back to 0003 drops the two tables, forward brings them back."""
    from django.core.management import call_command

    def tables() -> set[str]:
        names = set(connection.introspection.table_names())
        return names & {"server_staffsession", "server_invite"}

    assert tables() == {"server_staffsession", "server_invite"}
    call_command("migrate", "server", "0003", verbosity=0)
    assert tables() == set()
    call_command("migrate", "server", verbosity=0)
    assert tables() == {"server_staffsession", "server_invite"}
    assert vault.pending_migrations() == []
