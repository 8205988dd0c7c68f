"""Changing who may see a case, below the web: the last owner stays, removals and revoked
invites are logged and final, and migration 0005 goes forward and back on both backends."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection

from conftest import run_onrecord
from onrecord.cases.models import Case
from onrecord.cases.records import create_case
from onrecord.errors import InputError
from onrecord.server.accounts import add_user, case_people, share_case, unshare_case
from onrecord.server.invites import (
    InviteRefusedError,
    accept_invite,
    create_invite,
    find_invite,
    invite_link,
    pending_invites,
    revoke_invite,
)
from onrecord.server.models import CaseShare, Invite
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry

PASSWORD = "willow compass ember harbour"
LEAD, SECOND, HELPER = "lead@clinic.example", "second@clinic.example", "helper@clinic.example"


def owned_case(vault: Vault) -> Case:
    case = create_case(
        vault, title="Synthetic shared case", jurisdiction="GB", time_zone="UTC", operator="lead"
    )
    for email in (LEAD, SECOND, HELPER):
        add_user(email, PASSWORD)
    share_case(vault, case, LEAD, "owner", operator="admin")
    share_case(vault, case, HELPER, "advocate", operator="admin")
    return case


def log_of(case: Case) -> list[dict[str, object]]:
    rows = LogEntry.objects.filter(log=case.log_name).values_list("data", flat=True)
    return [json.loads(row) for row in rows]


def roles(case: Case) -> dict[str, str]:
    return {share.user.username: share.role for share in case_people(case)}


def test_the_last_owner_can_be_neither_demoted_nor_removed(vault: Vault) -> None:
    case = owned_case(vault)
    with pytest.raises(InputError, match="only owner"):
        share_case(vault, case, LEAD, "viewer", operator="lead")
    with pytest.raises(InputError, match="only owner"):
        unshare_case(vault, case, LEAD, operator="lead")
    assert roles(case) == {LEAD: "owner", HELPER: "advocate"}

    share_case(vault, case, SECOND, "owner", operator="lead")  # with two, either may go
    share_case(vault, case, LEAD, "lawyer", operator="second")
    with pytest.raises(InputError, match="only owner"):
        unshare_case(vault, case, SECOND, operator="second")
    unshare_case(vault, case, LEAD, operator="second")
    assert roles(case) == {SECOND: "owner", HELPER: "advocate"}  # owners first

    changes = [
        (e["action"], e["user"], e["role"], e["by"])
        for e in log_of(case)
        if str(e["action"]).startswith("access.")
    ]
    assert changes[-2:] == [
        ("access.share", LEAD, "lawyer", "second"),
        ("access.unshare", LEAD, "lawyer", "second"),
    ]
    with pytest.raises(InputError, match="has no share"):
        unshare_case(vault, case, LEAD, operator="second")


def test_removing_a_member_who_is_not_an_owner_needs_no_second_owner(vault: Vault) -> None:
    case = owned_case(vault)
    unshare_case(vault, case, HELPER, operator="lead")
    assert not CaseShare.objects.filter(case=case, user__username=HELPER).exists()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_a_revoked_invite_stops_working_and_leaves_the_list(vault: Vault) -> None:
    case = owned_case(vault)
    now = dt.datetime(2030, 3, 1, 9, tzinfo=dt.UTC)
    first = create_invite(vault, case, "a@clinic.example", "viewer", operator="lead", now=now)
    second = create_invite(
        vault, case, "b@clinic.example", "lawyer", operator="lead", hours=1, now=now
    )
    assert [i.pk for i in pending_invites(case, now)] == [second.invite.pk, first.invite.pk]
    assert pending_invites(case, now + dt.timedelta(hours=2)) == [first.invite]  # expired

    revoke_invite(vault, case, first.invite.pk, operator="lead", now=now)
    assert pending_invites(case, now) == [second.invite]
    with pytest.raises(InviteRefusedError) as refused:
        accept_invite(vault, first.token, PASSWORD, now=now)
    assert refused.value.reason == "revoked"
    with pytest.raises(InputError, match="already revoked"):
        revoke_invite(vault, case, first.invite.pk, operator="lead", now=now)

    accept_invite(vault, second.token, PASSWORD, now=now)
    with pytest.raises(InputError, match="already used"):
        revoke_invite(vault, case, second.invite.pk, operator="lead", now=now)
    with pytest.raises(InviteRefusedError) as used:
        find_invite(second.token, now)
    assert used.value.reason == "used"

    other = create_case(vault, title="Other", jurisdiction="GB", time_zone="UTC", operator="x")
    with pytest.raises(InputError, match="no invite"):  # ids of another case's invites
        revoke_invite(vault, other, second.invite.pk, operator="lead", now=now)

    revoked = Invite.objects.get(pk=first.invite.pk)
    assert (revoked.revoked_at, revoked.revoked_by) == (now, "lead")
    [entry] = [e for e in log_of(case) if e["action"] == "access.revoke"]
    assert (entry["user"], entry["role"], entry["by"]) == ("a@clinic.example", "viewer", "lead")
    assert first.token not in json.dumps(log_of(case))


def test_invite_links_start_with_the_public_address_or_are_only_a_path() -> None:
    assert invite_link("https://onrecord.clinic.example", "tok") == (
        "https://onrecord.clinic.example/invite/tok"
    )
    assert invite_link("", "tok") == "/invite/tok"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_the_command_builds_links_from_the_public_address(vault: Vault, db_url: str) -> None:
    case = owned_case(vault)
    args = ("case", "invite", str(case.pk), "d@clinic.example", "--role", "viewer")
    public = "https://onrecord.clinic.example"
    whole = run_onrecord(
        vault.home, *args, ONRECORD_DATABASE_URL=db_url, ONRECORD_PUBLIC_URL=public
    )
    assert whole.returncode == 0, whole.stderr
    assert any(line.startswith(f"{public}/invite/") for line in whole.stdout.splitlines())

    path_only = run_onrecord(vault.home, *args, ONRECORD_DATABASE_URL=db_url)
    assert path_only.returncode == 0, path_only.stderr
    assert any(line.startswith("/invite/") for line in path_only.stdout.splitlines())
    assert "ONRECORD_PUBLIC_URL" in path_only.stderr and "only the link's path" in path_only.stderr

    plain = run_onrecord(vault.home, *args, "--url", "http://onrecord.clinic.example")
    assert plain.returncode != 0 and "must use https" in plain.stderr
    wrong = run_onrecord(
        vault.home, *args, ONRECORD_DATABASE_URL=db_url, ONRECORD_PUBLIC_URL="http://192.0.2.1"
    )
    assert wrong.returncode != 0 and "ONRECORD_PUBLIC_URL" not in wrong.stdout
    assert "must use https" in wrong.stderr
    assert Invite.objects.count() == 2


def test_migration_0005_forward_and_back(vault: Vault) -> None:
    """Back to 0004 and forward again; an invite made before 0005 (PostgreSQL holds
    invites) comes out unrevoked and still usable."""
    from django.core.management import call_command

    case = owned_case(vault)
    made = None
    if connection.vendor == "postgresql":
        made = create_invite(vault, case, "c@clinic.example", "viewer", operator="lead")

    def columns() -> set[str]:
        with connection.cursor() as cursor:
            described = connection.introspection.get_table_description(cursor, "server_invite")
        return {column.name for column in described}

    assert {"revoked_at", "revoked_by"} <= columns()
    assert "server_addressfailure" in connection.introspection.table_names()
    call_command("migrate", "server", "0004", verbosity=0)
    assert not {"revoked_at", "revoked_by"} & columns()
    assert "server_addressfailure" not in connection.introspection.table_names()
    call_command("migrate", "server", verbosity=0)
    assert {"revoked_at", "revoked_by"} <= columns()
    assert vault.pending_migrations() == []
    if made is not None:
        kept = find_invite(made.token)
        assert (kept.revoked_at, kept.revoked_by, kept.email) == (None, "", "c@clinic.example")
