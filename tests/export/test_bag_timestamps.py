"""Trusted-time tokens travel in the bag: the exported head's and the exhibits', checkable
with OpenSSL; the stand-alone verifier checks what each one covers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import bagit
import pytest

from onrecord.cases.evidence import Acquired, add_files
from onrecord.cases.records import create_case
from onrecord.export import export_bag
from onrecord.vault.home import Vault
from onrecord.vault.timestamp import stamp


def run_verifier(bag: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(bag / "data" / "verify_bag.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bag_carries_tokens_that_openssl_verifies(
    vault: Vault, tmp_path: Path, local_tsa: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONRECORD_TSA_URL", local_tsa.url)
    monkeypatch.setenv("ONRECORD_CONFIG", str(tmp_path / "none.toml"))
    case = create_case(
        vault, title="stamped", jurisdiction="US-CA", time_zone="UTC", operator="tester"
    )
    shot = tmp_path / "synthetic-screenshot.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n synthetic bytes for a timestamp test")
    [added] = add_files(vault, case, [shot], Acquired(operator="tester"))
    assert added.sha256
    assert stamp("evidence", added.sha256, added.sha256) is not None

    bag = tmp_path / "bag"
    export_bag(vault, case, bag, "tester")
    bagit.Bag(str(bag)).validate()
    index = json.loads((bag / "data" / "timestamps" / "index.json").read_text())
    kinds = sorted(row["covers"] for row in index["tokens"])
    assert kinds == ["evidence", "head"]
    result = run_verifier(bag)
    assert result.returncode == 0, result.stdout
    assert "holds the hash of the head" in result.stdout
    assert "holds the hash of the evidence" in result.stdout

    for row in index["tokens"]:
        tsr = bag / "data" / "timestamps" / row["file"]
        checked = subprocess.run(
            [
                "openssl",
                "ts",
                "-verify",
                "-in",
                str(tsr),
                "-digest",
                row["digest"],
                "-CAfile",
                str(tsr.with_suffix(".pem")),
            ],
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0 and "OK" in checked.stdout, checked.stderr

    token = bag / "data" / "timestamps" / index["tokens"][0]["file"]
    data = bytearray(token.read_bytes())
    where = data.find(bytes.fromhex(index["tokens"][0]["digest"]))
    data[where] ^= 0x01
    token.write_bytes(bytes(data))
    broken = run_verifier(bag)
    assert broken.returncode == 1
    assert "does not hold the hash" in broken.stdout
