"""The five steps: the plan, actions with their deadlines, what is due, checks, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from conftest import cli_env, run_onrecord
from onrecord.cases.items import add_items
from onrecord.cases.models import Case, Item
from onrecord.cases.records import create_case
from onrecord.cases.triage import triage_case
from onrecord.demo import build_demo_case
from onrecord.reference.lookup import law
from onrecord.steps.deadlines import esafety_statutes
from onrecord.steps.models import Action, Deadline
from onrecord.steps.plan import plan
from onrecord.steps.tracking import (
    ESAFETY_IMAGE_RULE,
    ESAFETY_NOTICE_RULE,
    ESAFETY_RULE,
    FOLLOW_UP_RULE,
    TAKE_IT_DOWN_RULE,
    due,
    record_action,
    update_action,
)
from onrecord.steps.verify import check_actions
from onrecord.vault.custody import entry_body
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
WEAPON_WORDS = ("weapon", "gun", "knife", "firearm", "pepper spray", "taser")


def _entries(case: Case) -> dict[int, dict[str, object]]:
    return {e.index: entry_body(e) for e in LogEntry.objects.filter(log=case.log_name)}


def _check(case: Case) -> list[str]:
    claimed: set[int] = set()
    return [
        f"{c.subject}: {c.state}: {c.detail}" for c in check_actions(case, _entries(case), claimed)
    ]


def _case(vault: Vault, jurisdiction: str = "US-CA") -> Case:
    return create_case(
        vault, title="Forum", jurisdiction=jurisdiction, time_zone="UTC", operator="tester"
    )


def test_plan_for_the_demo_case_puts_safety_and_the_police_first(vault: Vault) -> None:
    case = build_demo_case(vault, "tester")
    triage_case(vault, case, "tester")
    made = plan(case, now=T0)
    assert made.safety is not None
    assert made.safety.emergency_number == "911"
    assert any("threat" in why for why in made.safety.why)
    assert any("safety plan" in line.casefold() for line in made.safety.plan)
    keys = [s.key for s in made.steps]
    assert keys[0] == "police"
    assert sorted(keys) == sorted(["police", "platform", "public-reply", "ask-poster", "lawyer"])
    police = made.steps[0]
    assert any("Do not pay" in line for line in police.todo)
    assert "police-packet" in police.documents and "ic3-worksheet" in police.documents
    assert any(c.target == "FBI IC3" for c in police.channels)
    platform = next(s for s in made.steps if s.key == "platform")
    whatsapp = [c for c in platform.channels if c.target == "WhatsApp"]
    assert whatsapp and all(c.sources and c.checked_on for c in whatsapp)
    assert any(c.target == "Google Search" for c in platform.channels)  # doxing
    assert any("social.example" in line for line in platform.todo)  # not in the data
    reply = next(s for s in made.steps if s.key == "public-reply")
    assert any("pile-on" in w for w in reply.warnings)
    assert any("not to reply" in line for line in reply.todo)
    assert "takedown-request" in next(s for s in made.steps if s.key == "ask-poster").documents
    lawyer = next(s for s in made.steps if s.key == "lawyer")
    assert any("may fit" in line and "A lawyer decides" in line for line in lawyer.todo)
    text = json.dumps(made.as_json(), default=str).casefold()
    assert "illegal" not in text
    assert not [w for w in WEAPON_WORDS if w in text]
    assert "ncmec" not in text
    minor = json.dumps(plan(case, now=T0, minor=True).as_json(), default=str)
    assert "NCMEC Take It Down" in minor and "never stores sexual images of minors" in minor


def test_sextortion_brings_take_it_down_stopncii_and_the_police(vault: Vault) -> None:
    case = _case(vault)
    text = "Pay me $500 by Friday or I send your nudes to all your followers and your boss"
    item = Item(platform="instagram", kind="message", text=text, sent_at=T0)
    add_items(vault, case, [item], "tester", source="typed")
    triage_case(vault, case, "tester")
    made = plan(case, now=T0)
    assert made.steps[0].key == "police"
    platform = next(s for s in made.steps if s.key == "platform")
    assert any("TAKE IT DOWN notice" in line and "48 hours" in line for line in platform.todo)
    assert {"Instagram", "StopNCII.org"} <= {c.target for c in platform.channels}
    assert any(c.kind == "Intimate images" for c in platform.channels)
    lawyer = next(s for s in made.steps if s.key == "lawyer")
    assert any("intimate images" in why for why in lawyer.why)
    assert "illegal" not in json.dumps(made.as_json(), default=str).casefold()


def test_plan_for_an_eu_case_names_the_dsa_and_112(vault: Vault) -> None:
    case = _case(vault, "DE")
    made = plan(case, now=T0)
    assert made.safety is None  # nothing dangerous recorded yet
    platform = next(s for s in made.steps if s.key == "platform")
    assert any("DSA notice" in line for line in platform.todo)
    from onrecord.steps.safety import safety

    assert safety("DE", []).emergency_number.startswith("112")
    assert safety("FR", []).emergency_number == "112"


def test_actions_are_logged_and_start_and_close_deadlines(vault: Vault) -> None:
    case = _case(vault)
    action = record_action(
        vault,
        case,
        step="platform",
        kind="TAKE IT DOWN notice",
        target="X",
        status="sent",
        reference="TKT-1",
        operator="tester",
        at=T0,
    )
    body = entry_body(LogEntry.objects.get(log=case.log_name, index=action.log_index))
    assert body["action"] == "action.record" and body["action_id"] == action.pk
    assert len(body["deadlines"]) == 2
    deadlines = {d.rule: d for d in Deadline.objects.filter(action=action)}
    take_down = deadlines[TAKE_IT_DOWN_RULE]
    assert take_down.due_at == T0 + dt.timedelta(hours=48)
    assert "223a" in take_down.source_url and take_down.checked_on is not None
    follow_up = deadlines[FOLLOW_UP_RULE]
    assert follow_up.due_at == T0 + dt.timedelta(days=14)
    assert follow_up.source_url == "" and "own practice" in follow_up.rule

    found = due(T0 + dt.timedelta(hours=49), case)
    assert [d.rule for d in found.overdue] == [TAKE_IT_DOWN_RULE]
    assert [d.rule for d in found.upcoming] == [FOLLOW_UP_RULE]
    assert not due(T0 + dt.timedelta(hours=1), case).overdue

    answered = T0 + dt.timedelta(days=3)
    update_action(vault, action, status="acknowledged", operator="tester", at=answered)
    body = entry_body(LogEntry.objects.get(log=case.log_name, index=action.log_index))
    assert body["action"] == "action.update"
    assert action.answered_at == answered
    assert Deadline.objects.get(pk=follow_up.pk).done
    assert not Deadline.objects.get(pk=take_down.pk).done
    assert [d.rule for d in due(answered, case).overdue] == [TAKE_IT_DOWN_RULE]
    update_action(vault, action, status="resolved", operator="tester", at=answered)
    assert due(answered, case) == due(answered + dt.timedelta(days=30), case)
    assert not due(answered, case).overdue and not due(answered, case).upcoming
    assert _check(case) == []
    step = next(s for s in plan(case, now=answered).steps if s.key == "platform")
    assert step.actions[0]["status"] == "resolved" and not step.pending


def test_a_drafted_action_waits_and_australia_adds_esafety(vault: Vault) -> None:
    case = _case(vault, "AU-NSW")
    action = record_action(
        vault,
        case,
        step="platform",
        kind="platform report",
        target="Instagram",
        operator="tester",
        at=T0,
    )
    assert action.sent_at is None and not Deadline.objects.filter(action=action).exists()
    update_action(vault, action, status="sent", operator="tester", at=T0)
    rules = set(Deadline.objects.filter(action=action).values_list("rule", flat=True))
    assert rules == {ESAFETY_RULE, FOLLOW_UP_RULE}
    esafety = Deadline.objects.get(action=action, rule=ESAFETY_RULE)
    assert esafety.due_at == T0 + dt.timedelta(hours=48)
    assert "s88.html" in esafety.source_url and "48 hours" in esafety.rule
    police = record_action(
        vault,
        case,
        step="police",
        kind="police report",
        target="NSW Police",
        status="sent",
        operator="tester",
        at=T0,
    )
    assert not Deadline.objects.filter(action=police).exists()
    later = due(T0 + dt.timedelta(days=20))
    assert len(later.overdue) == 2 and not later.upcoming
    assert _check(case) == []


def _sent(vault: Vault, case: Case, kind: str, target: str, at: dt.datetime = T0) -> Action:
    return record_action(
        vault,
        case,
        step="platform",
        kind=kind,
        target=target,
        status="sent",
        operator="tester",
        at=at,
    )


def _rules(action: Action) -> dict[str, Deadline]:
    return {d.rule: d for d in Deadline.objects.filter(action=action)}


def test_australian_image_based_abuse_goes_to_esafety_at_once(vault: Vault) -> None:
    case = _case(vault, "AU-VIC")
    report = _sent(vault, case, "intimate image report", "Instagram")
    rules = _rules(report)
    assert set(rules) == {ESAFETY_IMAGE_RULE, FOLLOW_UP_RULE}  # no 48-hour wait
    now = rules[ESAFETY_IMAGE_RULE]
    assert now.due_at == T0 and "s.32" in now.rule
    assert any("s77" in u or "s78" in u for u in now.source_url.split(" ; "))
    assert [d.rule for d in due(T0 + dt.timedelta(minutes=1), case).overdue] == [ESAFETY_IMAGE_RULE]
    # The complaint to eSafety closes the reminder, logged with the complaint's entry.
    complaint = _sent(vault, case, "image-based abuse complaint", "eSafety Commissioner")
    assert not Deadline.objects.filter(action=complaint, rule=ESAFETY_IMAGE_RULE).exists()
    assert Deadline.objects.get(pk=now.pk).done
    body = entry_body(LogEntry.objects.get(log=case.log_name, index=complaint.log_index))
    assert now.pk in {d["deadline"] for d in body["deadlines"]}
    assert _check(case) == []


def test_an_esafety_removal_notice_gives_24_hours(vault: Vault) -> None:
    case = _case(vault, "AU")
    notice = _sent(vault, case, "eSafety removal notice", "Instagram")
    rules = _rules(notice)
    assert set(rules) == {ESAFETY_NOTICE_RULE}
    deadline = rules[ESAFETY_NOTICE_RULE]
    assert deadline.due_at == T0 + dt.timedelta(hours=24)
    for section in ("s77", "s78", "s88", "s89"):
        assert section in deadline.source_url.replace(".html", "").replace("/", " ")
    assert _check(case) == []


def test_other_reports_start_no_esafety_wait(vault: Vault) -> None:
    australian = _case(vault, "AU")
    assert set(_rules(_sent(vault, australian, "DMCA notice", "X"))) == {FOLLOW_UP_RULE}
    assert set(_rules(_sent(vault, australian, "complaint", "eSafety"))) == {FOLLOW_UP_RULE}
    british = _case(vault, "GB")
    for kind in ("harassment report", "intimate image report", "eSafety removal notice"):
        assert set(_rules(_sent(vault, british, kind, "X"))) <= {FOLLOW_UP_RULE}


def test_esafety_rules_cite_the_reference_rows_that_state_them() -> None:
    """Each rule's sections and hours are in the summary of the rows it takes its source from."""
    au = {s.citation: s for s in law("AU").statutes}
    adult = next(s for c, s in au.items() if "Adult cyber abuse" in c)
    images = next(s for c, s in au.items() if "Image-based abuse" in c)
    bullying = next(s for c, s in au.items() if "Cyberbullying" in c)
    assert "48 hours" in adult.summary and "48 hours" in bullying.summary
    assert "s.88" in adult.summary and "s.89" in adult.summary
    assert "48 hours" not in images.summary and "no need to wait" in images.summary
    assert "s.32" in images.summary and "s.77" in images.summary and "s.78" in images.summary
    assert "24 hours" in adult.summary and "24 hours" in images.summary
    assert esafety_statutes("48 hours", "Adult cyber", "Cyberbullying") == (bullying, adult)
    for rule in (ESAFETY_RULE, ESAFETY_IMAGE_RULE, ESAFETY_NOTICE_RULE):
        assert "Online Safety Act 2021" in rule and len(rule) <= 300


def test_check_actions_finds_altered_and_missing_rows(vault: Vault) -> None:
    case = _case(vault)
    action = record_action(
        vault,
        case,
        step="platform",
        kind="platform report",
        target="X",
        status="sent",
        operator="tester",
        at=T0,
    )
    assert _check(case) == []
    Action.objects.filter(pk=action.pk).update(status="resolved")
    problems = _check(case)
    assert len(problems) == 1 and f"action {action.pk}" in problems[0] and "altered" in problems[0]
    Action.objects.filter(pk=action.pk).update(status="sent")
    assert _check(case) == []
    Deadline.objects.filter(action=action).update(due_at=T0 + dt.timedelta(days=90))
    assert any("deadline" in p and "altered" in p for p in _check(case))
    Deadline.objects.filter(action=action).delete()
    assert any("deadline" in p and "missing" in p for p in _check(case))
    Action.objects.filter(pk=action.pk).delete()
    assert any(f"action {action.pk}: missing" in p for p in _check(case))
    claimed: set[int] = set()
    check_actions(case, _entries(case), claimed)
    assert claimed  # the action entries are claimed, so check_records need not know them


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command; registers the step commands first if the CLI does not yet."""
    from onrecord.cli import cli

    if "plan" in cli.commands:
        return run_onrecord(home, *args, check=True)
    script = (
        "import sys\n"
        "from onrecord.cli import cli, main\n"
        "from onrecord.cli.step_commands import COMMANDS\n"
        "for command in COMMANDS:\n"
        "    cli.add_command(command)\n"
        "main(sys.argv[1:])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=cli_env(home),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def test_the_cli_plans_records_updates_lists_and_says_what_is_next(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_onrecord(home, "init", check=True)
    run_onrecord(home, "demo", check=True)
    made = json.loads(_cli(home, "plan", "1", "--json").stdout)
    assert made["safety"]["emergency_number"] == "911"
    assert made["steps"][0]["key"] == "police"
    text = _cli(home, "plan", "1").stdout
    assert text.startswith("SAFETY FIRST") and "illegal" not in text.casefold()
    added = json.loads(
        _cli(
            home,
            "action",
            "add",
            "1",
            "--step",
            "platform",
            "--kind",
            "TAKE IT DOWN notice",
            "--target",
            "WhatsApp",
            "--status",
            "sent",
            "--reference",
            "R-1",
            "--json",
        ).stdout
    )
    assert added["status"] == "sent" and added["reference"] == "R-1"
    assert {d["rule"] for d in added["deadlines"]} == {TAKE_IT_DOWN_RULE, FOLLOW_UP_RULE}
    updated = json.loads(
        _cli(
            home,
            "action",
            "update",
            "1",
            str(added["id"]),
            "--status",
            "acknowledged",
            "--note",
            "auto-reply",
            "--json",
        ).stdout
    )
    assert updated["answered_at"] and updated["note"] == "auto-reply"
    assert [d["done"] for d in updated["deadlines"] if d["rule"] == FOLLOW_UP_RULE] == [True]
    listed = json.loads(_cli(home, "action", "list", "1", "--json").stdout)
    assert [a["id"] for a in listed] == [added["id"]]
    assert "TAKE IT DOWN notice" in _cli(home, "action", "list", "1").stdout
    upcoming = json.loads(_cli(home, "next", "--json").stdout)
    assert not upcoming["overdue"]
    assert [d["rule"] for d in upcoming["upcoming"]] == [TAKE_IT_DOWN_RULE]
    assert "TAKE IT DOWN" in _cli(home, "next").stdout
    run_onrecord(home, "verify", check=True)
