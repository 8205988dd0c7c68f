"""Every role x every action on a real vault (SQLite and PostgreSQL), and the logged reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, User

from conftest import PASSPHRASE, run_onrecord
from onrecord.cases.evidence import Acquired, add_files
from onrecord.cases.models import Case
from onrecord.cases.records import create_case
from onrecord.errors import CaseNotFoundError, InputError
from onrecord.server.accounts import add_user, disable_user, share_case
from onrecord.server.permissions import (
    ACTIONS,
    PermissionDeniedError,
    allowed,
    case_for,
    open_evidence,
    record_export,
    visible_cases,
)
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry

PASSWORD = "plum anchor violet tractor"

# Written out, not derived from MATRIX: this is what each person may do on case A.
EXPECTED = {
    "owner": {"view", "view_evidence", "edit", "label", "export", "share"},
    "advocate": {"view", "view_evidence", "edit", "label", "export"},
    "lawyer": {"view", "view_evidence", "export"},
    "viewer": {"view", "view_evidence"},
    "other-case owner": set(),  # owns case B, no share on A
    "disabled advocate": set(),
    "no account": set(),
}


def new_case(vault: Vault, title: str) -> Case:
    return create_case(vault, title=title, jurisdiction="GB", time_zone="UTC", operator="lead")


@pytest.fixture
def people(vault: Vault, tmp_path: Path) -> tuple[Case, Case, dict[str, User | AnonymousUser]]:
    case_a, case_b = new_case(vault, "Case A"), new_case(vault, "Case B")
    shot = tmp_path / "threat.txt"
    shot.write_text("synthetic threat message kept as an exhibit\n")
    add_files(vault, case_a, [shot], Acquired(operator="lead"))
    add_files(vault, case_b, [shot], Acquired(operator="lead"))
    found: dict[str, User | AnonymousUser] = {"no account": AnonymousUser()}
    for name, role, case in [
        ("owner", "owner", case_a),
        ("advocate", "advocate", case_a),
        ("lawyer", "lawyer", case_a),
        ("viewer", "viewer", case_a),
        ("other-case owner", "owner", case_b),
        ("disabled advocate", "advocate", case_a),
    ]:
        email = name.replace(" ", ".").replace("-", ".") + "@helpline.example"
        add_user(email, PASSWORD)
        share_case(vault, case, email, role, operator="lead")
        found[name] = User.objects.get(username=email)
    disable_user("disabled.advocate@helpline.example")
    found["disabled advocate"] = User.objects.get(username="disabled.advocate@helpline.example")
    return case_a, case_b, found


def test_every_role_and_action_on_a_case(
    people: tuple[Case, Case, dict[str, User | AnonymousUser]],
) -> None:
    case_a, _case_b, users = people
    seen = {
        who: {action for action in ACTIONS if allowed(users[who], case_a, action)}
        for who in EXPECTED
    }
    assert seen == EXPECTED
    assert not any(allowed(None, case_a, action) for action in ACTIONS)
    with pytest.raises(ValueError, match="unknown action"):
        allowed(users["owner"], case_a, "delete")  # type: ignore[arg-type]


def test_guessed_ids_of_other_cases_are_refused_like_missing_ones(
    people: tuple[Case, Case, dict[str, User | AnonymousUser]],
) -> None:
    case_a, case_b, users = people
    for who, user in users.items():
        for case_id in (case_b.pk, case_b.pk + 100, case_a.pk):
            if who == "other-case owner" and case_id == case_b.pk:
                assert case_for(user, case_id, "view") == case_b
            elif case_id == case_a.pk and EXPECTED[who]:
                assert case_for(user, case_id, "view") == case_a
            else:
                with pytest.raises(CaseNotFoundError, match=f"No case {case_id} is shared"):
                    case_for(user, case_id, "view")
    assert visible_cases(users["lawyer"]) == [case_a]
    assert visible_cases(users["other-case owner"]) == [case_b]
    assert visible_cases(users["disabled advocate"]) == []
    assert visible_cases(users["no account"]) == []


def test_views_and_exports_are_logged_and_refusals_leave_no_trace(
    vault: Vault, db_url: str, people: tuple[Case, Case, dict[str, User | AnonymousUser]]
) -> None:
    case_a, _case_b, users = people
    log = vault.log(case_a.log_name)
    before = log.size()
    for refused in ("other-case owner", "disabled advocate", "no account"):
        with pytest.raises(PermissionDeniedError, match="may not view evidence"):
            open_evidence(vault, users[refused], case_a, 1)
    with pytest.raises(PermissionDeniedError, match="may not export"):
        record_export(vault, users["viewer"], case_a, {"what": "case file", "sha256": "0" * 64})
    assert log.size() == before

    data = b"".join(open_evidence(vault, users["lawyer"], case_a, 1))
    assert data == b"synthetic threat message kept as an exhibit\n"
    record_export(vault, users["lawyer"], case_a, {"what": "case file", "sha256": "1" * 64})
    entries = [json.loads(e.data) for e in LogEntry.objects.filter(log=case_a.log_name)]
    view, export = entries[-2:]
    assert (view["action"], view["by"], view["exhibit"]) == (
        "evidence.view",
        "lawyer@helpline.example",
        1,
    )
    assert (export["action"], export["by"]) == ("export.made", "lawyer@helpline.example")
    assert [e["action"] for e in entries].count("access.share") == 5
    vault.seal_all()
    verified = run_onrecord(vault.home, "verify", "--json", ONRECORD_DATABASE_URL=db_url)
    assert json.loads(verified.stdout)["ok"] is True, verified.stdout + verified.stderr


def test_passwords_are_argon2_and_weak_ones_are_refused(vault: Vault) -> None:
    made = add_user("River.Stone@Helpline.example", PASSWORD)
    assert made.username == "river.stone@helpline.example"
    assert made.password.startswith("argon2$argon2id$")
    stored = made.password
    assert made.check_password(PASSWORD)
    made.refresh_from_db()
    assert made.password == stored  # checked without being re-hashed to another scheme
    with pytest.raises(InputError, match="too short"):
        add_user("short@helpline.example", "abc")
    with pytest.raises(InputError, match="already has a staff account"):
        add_user("river.stone@helpline.example", PASSWORD)
    with pytest.raises(InputError, match="not an email address"):
        add_user("not an address", PASSWORD)
    with pytest.raises(InputError, match="not a role"):
        share_case(
            vault, new_case(vault, "C"), "river.stone@helpline.example", "admin", operator="x"
        )


def test_user_and_share_commands(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_onrecord(home, "init", check=True)
    run_onrecord(home, "case", "new", "Shared", "--jurisdiction", "GB", check=True)
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD + "\n")
    added = run_onrecord(home, "user", "add", "sam@clinic.example", "--password-file", str(secret))
    assert added.returncode == 0 and "sam@clinic.example made" in added.stdout
    shared = run_onrecord(home, "case", "share", "1", "sam@clinic.example", "--role", "lawyer")
    assert shared.returncode == 0 and "shared with sam@clinic.example as lawyer" in shared.stdout
    unknown = run_onrecord(home, "case", "share", "1", "nobody@clinic.example", "--role", "viewer")
    assert unknown.returncode == 1 and "onrecord user add nobody@clinic.example" in unknown.stderr
    run_onrecord(home, "user", "disable", "sam@clinic.example", check=True)

    vault = Vault.open(home, passphrase=PASSPHRASE)
    try:
        sam = User.objects.get(username="sam@clinic.example")
        case = Case.objects.get(pk=1)
        assert sam.check_password(PASSWORD) and not sam.is_active
        assert not allowed(sam, case, "view")
        sam.is_active = True
        assert allowed(sam, case, "export") and not allowed(sam, case, "edit")
    finally:
        vault.close()


def test_login_security_migration_forward_and_back(vault: Vault) -> None:
    from django.core.management import call_command
    from django.db import connection

    from onrecord.server.accounts import change_password, session_generation

    add_user("kai@helpline.example", PASSWORD)
    call_command("migrate", "server", "0002", verbosity=0)
    tables = connection.introspection.table_names()
    assert "server_staffsecurity" not in tables and "server_loginfailure" not in tables
    call_command("migrate", "server", verbosity=0)
    kai = User.objects.get(username="kai@helpline.example")
    assert session_generation(kai) == 0  # an account from before has generation 0
    change_password("kai@helpline.example", "another long passphrase")
    assert session_generation(kai) == 1
    assert vault.pending_migrations() == []


def test_totp_codes_work_once_and_the_key_is_sealed(vault: Vault) -> None:
    import datetime as dt
    from urllib.parse import parse_qs, urlsplit

    import pyotp

    from onrecord.server.accounts import check_totp, enrol_totp, has_totp, security_of

    made = add_user("ana@helpline.example", PASSWORD)
    assert not has_totp(made)
    uri = enrol_totp(vault, "ana@helpline.example")
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    sealed = bytes(security_of(made).totp_secret or b"")
    assert sealed.startswith(b"gcm1:") and secret.encode() not in sealed
    moment = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    code = pyotp.TOTP(secret).at(moment)
    assert not check_totp(vault, made, "000000" if code != "000000" else "111111", moment)
    assert check_totp(vault, made, code[:3] + " " + code[3:], moment)
    assert not check_totp(vault, made, code, moment)  # no replay
    later = moment + dt.timedelta(seconds=30)
    assert check_totp(vault, made, pyotp.TOTP(secret).at(later), later)
    with pytest.raises(InputError, match="--replace"):
        enrol_totp(vault, "ana@helpline.example")
    assert enrol_totp(vault, "ana@helpline.example", replace=True) != uri
