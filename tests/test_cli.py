"""The ``onrecord`` command, run as a real process, as a person or a script would."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_onrecord


def init_with_case(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    result = run_onrecord(home, "init", check=True)
    assert "Created an encrypted vault" in result.stdout
    assert "recovery key" in result.stdout
    run_onrecord(
        home,
        "case",
        "new",
        "Work forum",
        "--jurisdiction",
        "us-ny",
        "--time-zone",
        "America/New_York",
        check=True,
    )
    return home


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = run_onrecord(tmp_path, "--help", check=True)
    for command in [
        "init",
        "case",
        "add",
        "journal",
        "log",
        "verify",
        "config",
        "purge",
        "passphrase",
        "demo",
    ]:
        assert f"  {command}" in result.stdout
    version = run_onrecord(tmp_path, "--version", check=True)
    assert "onrecord, version 0.1.0" in version.stdout


def test_no_vault_and_no_passphrase_are_explained(tmp_path: Path) -> None:
    result = run_onrecord(tmp_path / "nowhere", "case", "list")
    assert result.returncode == 1
    assert "There is no vault at" in result.stderr and "onrecord init" in result.stderr
    home = init_with_case(tmp_path)
    result = run_onrecord(home, "case", "list", ONRECORD_PASSPHRASE="")
    assert result.returncode == 1 and "ONRECORD_PASSPHRASE" in result.stderr
    result = run_onrecord(home, "case", "list", ONRECORD_PASSPHRASE="nope")
    assert result.returncode == 1 and "does not unlock this vault" in result.stderr
    assert "Traceback" not in result.stderr


def test_case_add_show_log_verify_round_trip(tmp_path: Path) -> None:
    home = init_with_case(tmp_path)
    listed = json.loads(run_onrecord(home, "case", "list", "--json", check=True).stdout)
    assert listed[0]["title"] == "Work forum" and listed[0]["jurisdiction"] == "US-NY"
    shot = tmp_path / "shot.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    added = run_onrecord(
        home,
        "add",
        "1",
        str(shot),
        str(tmp_path / "missing.png"),
        "--source-url",
        "https://forum.example/t/1",
        "--note",
        "from my phone",
    )
    assert added.returncode == 1  # one file failed
    assert "exhibit 1" in added.stdout and "missing.png" in added.stderr
    assert "1 of 2 file(s) added" in added.stdout
    shown = json.loads(run_onrecord(home, "case", "show", "1", "--json", check=True).stdout)
    [exhibit] = shown["exhibits"]
    assert exhibit["media_type"] == "image/png" and exhibit["note"] == "from my phone"
    assert exhibit["source_url"] == "https://forum.example/t/1"
    assert exhibit["acquired_by"] == "test-operator"
    run_onrecord(
        home,
        "journal",
        "add",
        "1",
        "--what",
        "Posts about me at work",
        "--date",
        "2026-11-01",
        "--cost",
        "40",
        "--currency",
        "usd",
        check=True,
    )
    bad_date = run_onrecord(home, "journal", "add", "1", "--what", "x", "--date", "yesterday")
    assert bad_date.returncode == 1 and "YYYY-MM-DD" in bad_date.stderr
    log_text = run_onrecord(home, "log", "1", check=True).stdout
    assert "opened the case 'Work forum'" in log_text
    assert "added exhibit 1: 'shot.png'" in log_text and "Last signed head: 3 entries" in log_text
    log_json = json.loads(
        run_onrecord(home, "log", "1", "--json", "--proof", "1", check=True).stdout
    )
    assert log_json["inclusion_proof"]["tree_size"] == 3
    assert [e["action"] for e in log_json["entries"]] == [
        "case.create",
        "evidence.add",
        "journal.add",
    ]
    verified = run_onrecord(home, "verify")
    assert verified.returncode == 0 and "Everything verified" in verified.stdout
    as_json = json.loads(run_onrecord(home, "verify", "--json", check=True).stdout)
    assert as_json["ok"] is True and {c["state"] for c in as_json["checks"]} == {"ok"}


def test_verify_exits_non_zero_and_names_the_altered_exhibit(tmp_path: Path) -> None:
    home = init_with_case(tmp_path)
    evidence = tmp_path / "a.txt"
    evidence.write_text("threat text")
    run_onrecord(home, "add", "1", str(evidence), check=True)
    [blob] = [p for p in (home / "blobs").rglob("*") if p.is_file()]
    data = bytearray(blob.read_bytes())
    data[-3] ^= 1
    blob.write_bytes(bytes(data))
    result = run_onrecord(home, "verify")
    assert result.returncode == 1
    assert "altered          case 1, exhibit 1 (a.txt)" in result.stdout
    assert "NOT everything verified" in result.stdout


def test_config_shows_values_and_origins(tmp_path: Path) -> None:
    result = run_onrecord(tmp_path, "--operator", "helper-amy", "config", "--json", check=True)
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["operator"] == {**rows["operator"], "value": "helper-amy", "origin": "flag"}
    assert rows["home"]["origin"] == "environment"
    assert rows["passphrase"]["value"] == "(set, hidden)"
    assert rows["database_url"]["origin"] == "default"
    table = run_onrecord(tmp_path, "config", check=True).stdout
    assert "ONRECORD_KDF_MEMORY_KIB" in table and "environment" in table


def test_passphrase_change_and_purge(tmp_path: Path) -> None:
    home = init_with_case(tmp_path)
    new = tmp_path / "new-pass"
    new.write_text("a much better passphrase\n")
    run_onrecord(home, "passphrase", "change", "--new-passphrase-file", str(new), check=True)
    assert run_onrecord(home, "case", "list").returncode == 1
    listed = run_onrecord(
        home, "--passphrase-file", str(new), "case", "list", ONRECORD_PASSPHRASE=""
    )
    assert listed.returncode == 0 and "Work forum" in listed.stdout
    env = {"ONRECORD_PASSPHRASE": "a much better passphrase"}
    refused = run_onrecord(home, "purge", "1", **env)
    assert refused.returncode != 0 and "Stopped" in refused.stderr + refused.stdout
    purged = run_onrecord(home, "purge", "1", "--yes", **env)
    assert purged.returncode == 0 and "Purged case 1" in purged.stdout
    vault_log = run_onrecord(home, "log", "vault", **env).stdout
    assert "changed the vault passphrase" in vault_log and "purged case 1" in vault_log
    assert run_onrecord(home, "verify", **env).returncode == 0


def test_init_without_encryption_warns(tmp_path: Path) -> None:
    result = run_onrecord(tmp_path / "plain", "init", "--no-encryption", ONRECORD_PASSPHRASE="")
    assert result.returncode == 0
    assert "will NOT be encrypted" in result.stderr
    assert run_onrecord(tmp_path / "plain", "case", "list", ONRECORD_PASSPHRASE="").returncode == 0


def test_init_again_upgrades_in_place(tmp_path: Path) -> None:
    home = init_with_case(tmp_path)
    again = run_onrecord(home, "init", check=True)
    assert "ready and up to date" in again.stdout
    assert "Work forum" in run_onrecord(home, "case", "list", check=True).stdout


def test_demo_builds_and_verifies_a_synthetic_case(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = run_onrecord(home, "demo", check=True)
    assert "Built the demo case" in first.stdout
    assert "4 exhibit(s)" in first.stdout and "8 item(s)" in first.stdout
    assert "Verify: 8 of 8 checks ok" in first.stdout
    assert "Birchwood" not in first.stdout  # no abusive content shown unasked
    second = run_onrecord(home, "demo", check=True)
    assert "already in this vault" in second.stdout
    shown = json.loads(run_onrecord(home, "case", "show", "1", "--json", check=True).stdout)
    assert shown["items"] == 8 and len(shown["journal"]) == 2
    assert {p["role"] for p in shown["parties"]} == {"victim", "suspect"}
