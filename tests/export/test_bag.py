"""BagIt export of the demo case: standard tools accept it, the stand-alone verifier checks
it, tampering is caught and named, and a bag of chosen items reveals nothing else.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import bagit
import pytest
from click.testing import CliRunner

from conftest import run_onrecord
from onrecord.cases.models import Case, Evidence, Item
from onrecord.cases.records import create_case
from onrecord.cases.triage import triage_case
from onrecord.cli.export_commands import export
from onrecord.cli.session import Session
from onrecord.demo import build_demo_case
from onrecord.errors import InputError
from onrecord.export import BagReport, export_bag
from onrecord.export import bag as bag_module
from onrecord.export.contents import audit_path, safe_name, tree_levels
from onrecord.vault import merkle
from onrecord.vault.custody import entry_body
from onrecord.vault.home import Vault


@pytest.fixture
def case(vault: Vault) -> Case:
    made = build_demo_case(vault, "tester")
    triage_case(vault, made, "tester")
    return made


def run_verifier(bag: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(bag / "data" / "verify_bag.py")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=bag.parent,
    )


def read_json(bag: Path, name: str) -> Any:
    return json.loads((bag / name).read_text("utf-8"))


def entries(bag: Path) -> list[dict[str, Any]]:
    text = (bag / "data" / "custody" / "entries.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines()]


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def every_file_bytes(bag: Path) -> dict[str, bytes]:
    return {p.relative_to(bag).as_posix(): p.read_bytes() for p in bag.rglob("*") if p.is_file()}


def test_whole_case_bag_is_valid_and_verifies(vault: Vault, case: Case, tmp_path: Path) -> None:
    target = tmp_path / "bag"
    report = export_bag(vault, case, target, "tester")
    bagit.Bag(str(target)).validate()
    exhibits = list(Evidence.objects.filter(case=case).order_by("exhibit"))
    items = list(Item.objects.filter(case=case).order_by("pk"))
    assert report.exhibits == [e.exhibit for e in exhibits]
    assert report.items == [i.pk for i in items]
    assert report.case_file == "included"
    assert (target / "data" / "case-file.pdf").read_bytes().startswith(b"%PDF")
    for evidence, record in zip(
        exhibits, read_json(target, "data/metadata/exhibits.json"), strict=True
    ):
        original = (
            target / "data" / "originals" / safe_name(evidence.exhibit, evidence.original_name)
        )
        assert hashlib.sha256(original.read_bytes()).hexdigest() == evidence.sha256
        assert record["original_name"] == evidence.original_name
        assert record["sha256"] == evidence.sha256 and record["size"] == evidence.size
    assert [r["text"] for r in read_json(target, "data/metadata/items.json")] == [
        i.text for i in items
    ]
    head = read_json(target, "data/custody/tree-head.json")
    leaf_hashes = vault.log(case.log_name).leaf_hashes(head["tree_size"])
    for line in entries(target):
        assert merkle.leaf_hash(line["data"].encode()).hex() == line["leaf_hash"]
        proof = [bytes.fromhex(h) for h in line["inclusion_proof"]]
        assert proof == merkle.inclusion_proof(leaf_hashes, line["index"])
    info = (target / "bag-info.txt").read_text("utf-8")
    for tag in ("Source-Organization: onrecord ", "Bagging-Date:", "Payload-Oxum:"):
        assert tag in info
    assert "not legal advice" in info

    checked = run_verifier(target)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "FAILED  " not in checked.stdout
    [signature] = [x for x in checked.stdout.splitlines() if "Ed25519 signature" in x]
    assert signature.startswith("could not check")
    command = shlex.split(signature.partition("check it with: ")[2])
    assert command[0] == "python"
    signed = subprocess.run(
        [sys.executable, *command[1:]], capture_output=True, text=True, timeout=60
    )
    assert signed.stdout.strip() == "signature ok", signed.stderr
    assert vault.verifier.is_valid(
        head["signed_message"].encode(), bytes.fromhex(head["signature"])
    )


def test_an_altered_original_is_caught_and_named(vault: Vault, case: Case, tmp_path: Path) -> None:
    target = tmp_path / "bag"
    export_bag(vault, case, target, "tester")
    original = sorted((target / "data" / "originals").iterdir())[0]
    flip_byte(original, original.stat().st_size // 2)
    with pytest.raises(bagit.BagValidationError) as caught:
        bagit.Bag(str(target)).validate()
    assert original.name in str(caught.value)
    checked = run_verifier(target)
    assert checked.returncode == 1
    failed = [x for x in checked.stdout.splitlines() if x.startswith("FAILED")]
    assert failed and all(original.name in x for x in failed)


def test_an_altered_custody_entry_is_caught(vault: Vault, case: Case, tmp_path: Path) -> None:
    target = tmp_path / "bag"
    export_bag(vault, case, target, "tester")
    path = target / "data" / "custody" / "entries.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    second = json.loads(lines[1])
    at = lines[1].index(b'\\"by\\":\\"') + len(b'\\"by\\":\\"')
    altered = bytearray(lines[1])
    altered[at] ^= 0x01
    lines[1] = bytes(altered)
    path.write_bytes(b"".join(lines))
    checked = run_verifier(target)
    assert checked.returncode == 1
    failed = [x for x in checked.stdout.splitlines() if x.startswith("FAILED")]
    assert any(f"entry {second['index']}:" in x and "leaf hash" in x for x in failed), failed


def test_chosen_items_reveal_nothing_else(vault: Vault, case: Case, tmp_path: Path) -> None:
    chosen = Item.objects.filter(case=case).order_by("pk").first()
    assert chosen is not None and chosen.evidence is not None
    mine = chosen.evidence
    target = tmp_path / "bag"
    report = export_bag(vault, case, target, "tester", [chosen.pk])
    bagit.Bag(str(target)).validate()
    assert report.exhibits == [mine.exhibit] and report.items == [chosen.pk]
    assert "left out" in report.case_file
    assert not (target / "data" / "case-file.pdf").exists()
    assert "Case-File: left out" in (target / "bag-info.txt").read_text("utf-8")
    assert [e["exhibit"] for e in read_json(target, "data/metadata/exhibits.json")] == [
        mine.exhibit
    ]
    [item] = read_json(target, "data/metadata/items.json")
    assert item["text"] == chosen.text and item["item"] == chosen.pk
    assert {e["index"] for e in entries(target)} == {mine.log_index, chosen.log_index}
    bodies = [entry_body_of(line) for line in entries(target)]
    assert {b["action"] for b in bodies} == {"evidence.add", "item.add"}

    others = Evidence.objects.filter(case=case).exclude(pk=mine.pk)
    secrets = [e.original_name for e in others] + [
        i.text for i in Item.objects.filter(case=case).exclude(evidence=mine)
    ]
    secrets += [e.sha256 for e in others]
    assert len(secrets) > 3
    for name, data in every_file_bytes(target).items():
        for secret in secrets:
            assert secret.encode() not in data, (name, secret)
    checked = run_verifier(target)
    assert checked.returncode == 0, checked.stdout


def entry_body_of(line: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(line["data"])
    return body


def test_the_export_is_logged(vault: Vault, case: Case, tmp_path: Path) -> None:
    chosen = [i.pk for i in Item.objects.filter(case=case).order_by("pk")[:2]]
    report: BagReport = export_bag(vault, case, tmp_path / "bag", "tester", chosen)
    log = vault.log(case.log_name)
    last = entry_body(log.entries()[-1])
    assert last["action"] == "export.made" and last["by"] == "tester"
    assert last["document"] == "bagit-export" and last["format"] == "bag"
    assert last["items"] == sorted(chosen)
    tagmanifest = (tmp_path / "bag" / "tagmanifest-sha256.txt").read_bytes()
    assert last["sha256"] == hashlib.sha256(tagmanifest).hexdigest() == report.tagmanifest_sha256
    head = log.latest_head()
    assert head is not None and head.tree_size == log.size()  # the export entry is signed too


def test_no_half_bag_and_no_overwrite(
    vault: Vault, case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any) -> list[dict[str, Any]]:
        raise OSError("disk gone")

    monkeypatch.setattr(bag_module, "custody_lines", broken)
    with pytest.raises(OSError):
        export_bag(vault, case, tmp_path / "bag", "tester")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]
    monkeypatch.undo()

    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        export_bag(vault, case, full, "tester")
    assert sorted(p.name for p in full.iterdir()) == ["keep.txt"]
    with pytest.raises(InputError, match="no item 999999"):
        export_bag(vault, case, tmp_path / "other", "tester", [999999])
    empty = tmp_path / "empty"
    empty.mkdir()
    export_bag(vault, case, empty, "tester")
    bagit.Bag(str(empty)).validate()


def test_an_empty_case_exports(vault: Vault, tmp_path: Path) -> None:
    empty = create_case(
        vault, title="Nothing yet", jurisdiction="GB", time_zone="UTC", operator="t"
    )
    report = export_bag(vault, empty, tmp_path / "bag", "tester")
    assert report.exhibits == [] and report.items == [] and report.entries == 0
    bagit.Bag(str(tmp_path / "bag")).validate()
    assert read_json(tmp_path / "bag", "data/metadata/items.json") == []
    checked = run_verifier(tmp_path / "bag")
    assert checked.returncode == 0, checked.stdout


def test_the_command_in_process(vault: Vault, case: Case, tmp_path: Path) -> None:
    session = Session({"operator": "tester"})
    session.vault = vault
    result = CliRunner().invoke(
        export, [str(case.pk), "-o", str(tmp_path / "bag"), "--json"], obj=session
    )
    assert result.exit_code == 0, result.output
    made = json.loads(result.output)
    assert made["exhibits"] and made["case_file"] == "included"
    bagit.Bag(str(tmp_path / "bag")).validate()


def test_the_command(local_vault: Vault, tmp_path: Path) -> None:
    made = build_demo_case(local_vault, "tester")
    home = local_vault.home
    target = tmp_path / "out"
    done = run_onrecord(home, "export", str(made.pk), "-o", str(target), check=True)
    assert "verify_bag.py" in done.stdout
    bagit.Bag(str(target)).validate()
    assert run_verifier(target).returncode == 0
    again = run_onrecord(home, "export", str(made.pk), "-o", str(target))
    assert again.returncode != 0
    assert "already exists and is not empty" in again.stdout + again.stderr


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13, 16, 33])
def test_audit_paths_match_rfc6962(size: int) -> None:
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(size)]
    levels = tree_levels(leaves)
    root = merkle.root_from_leaf_hashes(leaves)
    for index in range(size):
        path = audit_path(levels, index)
        assert path == merkle.inclusion_proof(leaves, index)
        merkle.verify_inclusion(leaves[index], index, size, path, root)


def test_safe_names() -> None:
    assert safe_name(3, "../../etc/passwd") == "3-passwd"
    assert safe_name(4, "C:\\Users\\x\\My photo (1).png") == "4-My_photo_1_.png"
    assert safe_name(5, "...") == "5-file"
    long = safe_name(6, "a" * 300 + ".jpeg")
    assert long.endswith(".jpeg") and len(long) <= 130
