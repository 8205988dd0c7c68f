"""Faults: kill -9 in the middle of ``add``, a full disk, a 5 GB sparse file, odd names."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FAST_KDF, PASSPHRASE, cli_env, run_measured, run_onrecord
from onrecord.cases.models import Case, Evidence
from onrecord.cases.records import create_case
from onrecord.cases.verify import verify
from onrecord.vault import crypto
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry

KILLS = 50


def make_files(folder: Path, count: int, seed: int) -> set[str]:
    """Files of mixed sizes; returns their SHA-256 hashes."""
    folder.mkdir()
    rng = random.Random(seed)
    hashes = set()
    for i in range(count):
        data = rng.randbytes(rng.choice([0, 10, 1000, 70_000, 1_100_000, 2_500_000]))
        (folder / f"f{i:03}.bin").write_bytes(data)
        hashes.add(hashlib.sha256(data).hexdigest())
    return hashes


def add_command(case: Case, folder: Path) -> list[str]:
    files = sorted(str(p) for p in folder.iterdir())
    return [sys.executable, "-m", "onrecord", "add", str(case.pk), *files]


@pytest.mark.slow
def test_kill_9_during_add_never_leaves_half_a_file(tmp_path: Path, db_url: str) -> None:
    home = tmp_path / "home"
    vault, _ = Vault.create(home, passphrase=PASSPHRASE, kdf=FAST_KDF, database_url=db_url)
    case = create_case(vault, title="Kill", jurisdiction="GB", time_zone="UTC", operator="t")
    vault.close()
    env = cli_env(home, ONRECORD_DATABASE_URL=db_url)
    hashes = make_files(tmp_path / "first", 30, seed=0)
    started = time.monotonic()
    subprocess.run(add_command(case, tmp_path / "first"), env=env, check=True, capture_output=True)
    aim = time.monotonic() - started  # how long a whole run takes, adjusted as runs go
    rng = random.Random(9)
    killed_mid_way = 0
    for attempt in range(KILLS):
        folder = tmp_path / f"in{attempt}"
        hashes |= make_files(folder, 30, seed=attempt + 1)
        child = subprocess.Popen(
            add_command(case, folder), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.1, 1.0) * aim)
        # On a busy machine one run's time says little about the next: a run that finished
        # before its kill moves the kills earlier, one that was cut short a little later.
        aim *= 0.8 if child.poll() is not None else 1.03
        child.send_signal(signal.SIGKILL)
        if child.wait() == -signal.SIGKILL:
            killed_mid_way += 1
        vault = Vault.open(home, passphrase=PASSPHRASE, database_url=db_url)
        vault.recover()
        checks = verify(vault)
        assert all(c.is_ok for c in checks), (attempt, [c for c in checks if not c.is_ok])
        assert list(vault.blobs.tmp.iterdir()) == []
        # every recorded exhibit is whole and logged
        for ev in Evidence.objects.filter(case__pk=case.pk):
            assert ev.blob_id in hashes
            assert LogEntry.objects.filter(log=case.log_name, index=ev.log_index).exists()
        # a blob file no record refers to (killed between rename and commit) is whole too
        recorded = {
            vault.blobs.path_for(sha).name
            for sha in Evidence.objects.values_list("blob_id", flat=True)
        }
        for stray in vault.blobs.stored_names():
            if stray.name not in recorded:
                assert vault.master_key is not None
                with stray.open("rb") as stream:
                    data = b"".join(crypto.iter_decrypt(vault.master_key, stream))
                assert hashlib.sha256(data).hexdigest() in hashes
        vault.close()
    assert killed_mid_way >= KILLS * 3 // 4  # the runs really were cut short
    # afterwards, complete runs add whatever is missing, and everything verifies
    every_file = sorted(str(p) for p in tmp_path.glob("in*/*.bin"))
    subprocess.run(
        [*add_command(case, tmp_path / "first"), *every_file],
        env=env,
        check=True,
        capture_output=True,
    )
    vault = Vault.open(home, passphrase=PASSPHRASE, database_url=db_url)
    assert {e.blob_id for e in Evidence.objects.all()} == set(hashes)
    assert all(c.is_ok for c in verify(vault))
    vault.close()


@pytest.fixture
def small_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount_point)],
        capture_output=True,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {result.stderr.decode().strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_disk_full_is_a_clear_error_and_the_vault_still_verifies(
    small_disk: Path, tmp_path: Path
) -> None:
    home = small_disk / "home"
    run_onrecord(home, "init", check=True)
    run_onrecord(home, "case", "new", "Full", "--jurisdiction", "GB", check=True)
    small, big, after = tmp_path / "small.bin", tmp_path / "big.bin", tmp_path / "after.bin"
    small.write_bytes(os.urandom(200_000))
    big.write_bytes(os.urandom(8 * 1024 * 1024))
    after.write_bytes(os.urandom(1000))
    result = run_onrecord(home, "add", "1", str(small), str(big), str(after))
    assert result.returncode == 1
    assert "is full" in result.stderr
    assert "Free some space" in result.stderr
    assert "Traceback" not in result.stderr
    assert f"exhibit 1   {small}" in result.stdout
    verified = run_onrecord(home, "verify")
    assert verified.returncode == 0, verified.stdout
    assert list((home / "blobs" / "tmp").iterdir()) == []


@pytest.mark.slow
def test_5_gb_sparse_file_streams_with_flat_memory(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_onrecord(home, "init", check=True)
    run_onrecord(home, "case", "new", "Big", "--jurisdiction", "GB", check=True)
    sparse = tmp_path / "sparse video.mp4"
    with sparse.open("wb") as f:
        f.truncate(5 * 1024**3)
    note = tmp_path / "note.txt"
    note.write_text("a small file in the same command")
    result, peak_kib = run_measured(home, "add", "1", str(sparse), str(note), "--json")
    assert result.returncode == 0, result.stderr
    assert peak_kib < 150 * 1024, f"peak RSS {peak_kib} KiB"
    assert '"status": "added"' in result.stdout and result.stdout.count('"added"') == 2
    zeros = hashlib.sha256()
    block = bytes(1024 * 1024)
    for _ in range(5 * 1024):
        zeros.update(block)
    assert zeros.hexdigest() in result.stdout


def test_names_with_odd_characters(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_onrecord(home, "init", check=True)
    run_onrecord(home, "case", "new", "Names", "--jurisdiction", "GB", check=True)
    folder = tmp_path / "in"
    folder.mkdir()
    names = [
        b"line\nbreak.png",
        b"\xff\xfe not utf8.jpg",
        "‮gpj.exe".encode(),
        b"-starts-with-dash.txt",
        "emoji 😀 名前.txt".encode(),
    ]
    paths = []
    for raw in names:
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), raw)))
        path.write_bytes(raw * 3)
        paths.append(str(path))
    result = run_onrecord(home, "add", "1", "--", *paths)
    assert result.returncode == 0, result.stderr
    vault = Vault.open(home, passphrase=PASSPHRASE)
    stored = sorted(Evidence.objects.values_list("original_name", flat=True))
    assert "\\xff\\xfe not utf8.jpg" in stored and "line\nbreak.png" in stored
    assert len(stored) == 5 and Case.objects.count() == 1
    assert all(c.is_ok for c in verify(vault))
    vault.close()
