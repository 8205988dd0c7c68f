"""The plan's Australian eSafety advice: image-based abuse at once, cyber abuse after 48 hours."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from onrecord.cases.items import add_items
from onrecord.cases.models import Case, Item
from onrecord.cases.records import create_case
from onrecord.cases.triage import triage_case
from onrecord.steps import plan as plan_module
from onrecord.steps.deadlines import esafety_statutes
from onrecord.steps.plan import Step, plan
from onrecord.vault.home import Vault

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
SEXTORTION = "Pay me $500 by Friday or I send your nudes to all your followers and your boss"
INSULT = "You are pathetic and everyone at the forum laughs at you"


def _case(vault: Vault, jurisdiction: str, text: str) -> Case:
    case = create_case(
        vault, title="Forum", jurisdiction=jurisdiction, time_zone="UTC", operator="tester"
    )
    item = Item(platform="instagram", kind="message", text=text, sent_at=T0)
    add_items(vault, case, [item], "tester", source="typed")
    triage_case(vault, case, "tester")
    return case


def _platform_step(case: Case, *, minor: bool = False) -> Step:
    return next(s for s in plan(case, now=T0, minor=minor).steps if s.key == "platform")


def test_australian_intimate_images_go_to_esafety_now(vault: Vault) -> None:
    case = _case(vault, "AU-NSW", SEXTORTION)
    step = _platform_step(case)
    first = step.todo[0]
    assert first.startswith("Complain to eSafety now")
    assert "do not need to wait" in first and "s.32" in first
    (images,) = esafety_statutes("no need to wait", "Image-based")
    assert images.source.urls[0] in first and str(images.source.checked_on) in first
    assert step.urgency >= 95
    esafety = [c for c in step.channels if c.target == "eSafety Commissioner"]
    assert {c.kind for c in esafety} == {"Intimate images", "Harassment"}
    assert all(c.sources and c.checked_on for c in esafety)
    # The cyber-abuse rule is there too, and it is the one that waits for the platform.
    later = [line for line in step.todo if "48 hours" in line]
    assert len(later) == 1 and later[0].startswith("Report to the platform first")
    assert "illegal" not in json.dumps(plan(case, now=T0).as_json(), default=str).casefold()


def test_australian_cyber_abuse_waits_48_hours_for_the_platform(vault: Vault) -> None:
    case = _case(vault, "AU", INSULT)
    step = _platform_step(case)
    assert not any("eSafety now" in line for line in step.todo)
    (line,) = [line for line in step.todo if "48 hours" in line]
    assert "adult cyber abuse scheme" in line and "ss.88-89" in line
    (adult,) = esafety_statutes("48 hours", "Adult cyber")
    assert adult.source.urls[0] in line
    assert [c.kind for c in step.channels if c.target == "eSafety Commissioner"] == ["Harassment"]


def test_a_minor_is_sent_to_the_cyberbullying_scheme(vault: Vault) -> None:
    case = _case(vault, "AU-VIC", INSULT)
    (line,) = [line for line in _platform_step(case, minor=True).todo if "48 hours" in line]
    assert "cyberbullying scheme for under-18s" in line
    (bullying,) = esafety_statutes("48 hours", "Cyberbullying")
    assert bullying.source.urls[0] in line


@pytest.mark.parametrize("jurisdiction", ["US-CA", "GB", "AT"])
def test_esafety_is_only_for_australia(vault: Vault, jurisdiction: str) -> None:
    """ "AT" (Austria) must not pass for Australia."""
    case = _case(vault, jurisdiction, SEXTORTION)
    step = _platform_step(case)
    text = json.dumps([step.todo, [c.target for c in step.channels]])
    assert "eSafety" not in text


def test_without_its_source_rows_the_esafety_advice_is_left_out(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan never states an eSafety rule that no reference row backs."""
    case = _case(vault, "AU", SEXTORTION)
    monkeypatch.setattr(plan_module, "esafety_statutes", lambda *_: ())
    step = _platform_step(case)
    assert not any("eSafety" in line for line in step.todo)
    assert not [c for c in step.channels if c.target == "eSafety Commissioner"]
