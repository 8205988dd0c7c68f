"""Triage on a case: worst first, people's reviews win and are logged, verify still holds."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_onrecord
from onrecord.cases.models import Item, Label, Triage
from onrecord.cases.triage import review, triage_case
from onrecord.cases.verify import verify
from onrecord.demo import build_demo_case
from onrecord.vault.custody import entry_body
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry


def test_triage_finds_the_worst_first_and_reviews_win(vault: Vault) -> None:
    case = build_demo_case(vault, "tester")
    report = triage_case(vault, case, "tester")
    assert report.labelled == 8 and report.already == 0
    again = triage_case(vault, case, "tester")
    assert again.labelled == 0 and again.already == 8
    ranked = list(Triage.objects.filter(item__case=case).order_by("-severity"))
    by_text = {t.item.text: t for t in ranked}
    address = by_text["Sam Rivera lives at 4417 Birchwood Lane, Fairview. go say hi"]
    extortion = by_text["Pay 500 in gift cards by Friday or everyone at your work sees the photos"]
    greeting = by_text["hey is this Sam from the Fairview run club?"]
    assert "doxing" in address.labels and address.level == "critical"
    assert "extortion" in extortion.labels
    assert greeting.labels == [] and greeting.level == "none"
    assert ranked[0].level == "critical" and ranked[-1].level == "none"
    assert any(s["label"] == "doxing" and "Birchwood" in s["text"] for s in address.spans)
    # a person's label beats the model, and is in the custody log
    made = review(
        vault,
        case,
        greeting.item_id,
        label="threat",
        decision="confirmed",
        operator="helper",
        note="context: stalking",
    )
    greeting.refresh_from_db()
    assert greeting.labels == ["threat"] and greeting.level == "critical"
    review(vault, case, address.item_id, label="", decision="dismissed", operator="helper")
    address.refresh_from_db()
    assert address.labels == [] and address.severity == 0.0
    body = entry_body(LogEntry.objects.get(log=case.log_name, index=made.log_index))
    assert body["action"] == "label.set" and body["by"] == "helper"
    assert all(c.is_ok for c in verify(vault)), [c for c in verify(vault) if not c.is_ok]
    Label.objects.filter(pk=made.pk).update(decision="rejected")
    assert any("review" in c.subject and c.state == "altered" for c in verify(vault))


def test_tampered_triage_is_found(vault: Vault) -> None:
    case = build_demo_case(vault, "tester")
    triage_case(vault, case, "tester")
    Triage.objects.filter(item__case=case).update(model_labels=[])
    assert any("triage" in c.subject and c.state == "altered" for c in verify(vault))


def test_triage_commands_end_to_end(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_onrecord(home, "demo", check=True)
    # the demo triaged its case already: a second run finds nothing new to label
    assert "0 item(s) labelled, 8 already" in run_onrecord(home, "triage", "1", check=True).stdout
    shown = run_onrecord(home, "items", "1", "--min-severity", "high", check=True).stdout
    assert "critical" in shown and "Birchwood" not in shown  # text hidden unless asked
    assert "Birchwood" in run_onrecord(home, "items", "1", "--show-text", check=True).stdout
    listed = json.loads(
        run_onrecord(home, "items", "1", "--json", "--limit", "0", check=True).stdout
    )
    assert len(listed) == 8
    assert [r["severity"] for r in listed] == sorted((r["severity"] for r in listed), reverse=True)
    threats = json.loads(
        run_onrecord(home, "items", "1", "--label", "threat", "--json", check=True).stdout
    )
    assert threats and all("threat" in r["labels"] for r in threats)
    mine = json.loads(
        run_onrecord(home, "items", "1", "--actor", "n1ght_watch_4417", "--json", check=True).stdout
    )
    assert {r["author"] for r in mine} == {"n1ght_watch_4417"}
    first_id = listed[-1]["id"]
    run_onrecord(home, "label", "1", str(first_id), "threat", "--note", "I know him", check=True)
    actors = json.loads(run_onrecord(home, "actors", "1", "--json", check=True).stdout)
    assert actors[0]["worst_level"] == "critical"
    assert json.loads(run_onrecord(home, "campaigns", "1", "--json", check=True).stdout).keys() == {
        "bursts",
        "near_duplicates",
        "escalation",
    }
    assert run_onrecord(home, "timeline", "1", check=True).stdout.startswith("2026-10-")
    assert run_onrecord(home, "verify").returncode == 0
    assert Item  # the model is importable in the test process too


def test_classify_is_a_stable_json_lines_interface(tmp_path: Path) -> None:
    lines = tmp_path / "in.jsonl"
    lines.write_text(
        "\n".join(
            [
                json.dumps({"id": 1, "text": "I know where you live. You won't be safe."}),
                json.dumps({"id": "b", "text": "lovely weather for a run today"}),
                json.dumps({"id": 3, "text": ""}),
                json.dumps({"id": 4, "text": "<script>alert(1)</script> \u202eevil 😀 " * 1000}),
                "not json at all",
            ]
        )
        + "\n"
    )
    result = run_onrecord(tmp_path, "classify", str(lines))
    assert result.returncode == 1  # one line could not be read
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    by_id = {r.get("id"): r for r in rows}
    assert set(by_id[1]) == {"id", "scores", "labels", "severity", "spans"}
    assert "threat" in by_id[1]["labels"] and by_id[1]["severity"] >= 0.9
    assert by_id[1]["spans"] and all(
        {"label", "start", "end", "text"} <= set(s) for s in by_id[1]["spans"]
    )
    assert by_id["b"]["labels"] == [] and by_id[3]["labels"] == []
    assert set(by_id[1]["scores"]) == {
        "offensive",
        "targeted_insult",
        "identity_attack",
        "threat",
        "sexual_harassment",
        "extortion",
        "doxing",
        "self_harm_incitement",
        "defamation_risk",
    }
    assert rows[-1] == {"line": 5, "error": rows[-1]["error"]}


def test_purging_an_exhibit_takes_its_items_and_reviews_and_still_verifies(vault: Vault) -> None:
    from onrecord.cases.models import Evidence
    from onrecord.cases.records import purge_exhibits

    case = build_demo_case(vault, "tester")
    triage_case(vault, case, "tester")
    chat = Evidence.objects.get(case=case, original_name="chat-export.txt")
    item = Item.objects.filter(evidence=chat).first()
    assert item is not None
    review(vault, case, item.pk, label="extortion", decision="confirmed", operator="helper")
    purge_exhibits(vault, case, [chat.exhibit], "helper")
    assert not Item.objects.filter(evidence=chat).exists()
    assert not Label.objects.filter(item_id=item.pk).exists()
    assert all(c.is_ok for c in verify(vault)), [c for c in verify(vault) if not c.is_ok]
