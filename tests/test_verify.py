"""``verify`` names exactly what was altered, missing or could not be checked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connection

from conftest import FAST_KDF, PASSPHRASE
from onrecord.cases.evidence import Acquired, add_files
from onrecord.cases.models import Case, Evidence
from onrecord.cases.records import create_case
from onrecord.cases.verify import verify
from onrecord.errors import DatabaseAlteredError
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry, TreeHead
from onrecord.vault.verify import Check


def populated(vault: Vault, tmp_path: Path, n: int = 3, size: int = 3 * 1024 * 1024) -> Case:
    case = create_case(vault, title="Tamper", jurisdiction="GB", time_zone="UTC", operator="t")
    files = []
    for i in range(n):
        path = tmp_path / f"file{i}.bin"
        path.write_bytes(os.urandom(size if i == 0 else 1000))
        files.append(path)
    add_files(vault, case, files, Acquired(operator="t"))
    assert all(c.is_ok for c in verify(vault))
    return case


def not_ok(checks: list[Check]) -> list[Check]:
    return [c for c in checks if not c.is_ok]


def flip_byte(path: Path, offset: int) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0x01]))


@pytest.mark.parametrize("where", ["header", "first chunk", "last chunk"])
def test_flipped_byte_in_an_encrypted_blob_names_the_exhibit(
    vault: Vault, tmp_path: Path, where: str
) -> None:
    case = populated(vault, tmp_path)
    ev = Evidence.objects.get(case=case, exhibit=1)
    path = vault.blobs.path_for(ev.blob_id)
    offset = {"header": 10, "first chunk": 100, "last chunk": path.stat().st_size - 5}[where]
    flip_byte(path, offset)
    bad = not_ok(verify(vault))
    assert len(bad) == 1
    assert bad[0].state == "altered"
    assert bad[0].subject == f"case {case.pk}, exhibit 1 (file0.bin)"


def test_truncated_and_reordered_blobs_are_refused(local_vault: Vault, tmp_path: Path) -> None:
    case = populated(local_vault, tmp_path)
    path = local_vault.blobs.path_for(Evidence.objects.get(case=case, exhibit=1).blob_id)
    data = path.read_bytes()
    chunk = 1024 * 1024 + 16
    header = 40
    path.write_bytes(data[: header + chunk])  # the final chunk dropped
    [bad] = not_ok(verify(local_vault))
    assert bad.state == "altered" and "truncated" in bad.detail
    chunks = [data[header + i * chunk : header + (i + 1) * chunk] for i in range(4)]
    path.write_bytes(data[:header] + chunks[1] + chunks[0] + chunks[2] + chunks[3])
    [bad] = not_ok(verify(local_vault))
    assert bad.state == "altered" and "chunk 0 failed authentication" in bad.detail


def test_flipped_byte_in_a_plain_blob_is_a_hash_mismatch(tmp_path: Path) -> None:
    vault, _ = Vault.create(tmp_path / "plain", passphrase=None, kdf=FAST_KDF)
    case = populated(vault, tmp_path)
    ev = Evidence.objects.get(case=case, exhibit=2)
    flip_byte(vault.blobs.path_for(ev.blob_id), 7)
    [bad] = not_ok(verify(vault))
    assert bad.state == "altered" and "exhibit 2" in bad.subject and "hash to" in bad.detail
    vault.close()


def test_missing_blob_and_unreadable_blob(vault: Vault, tmp_path: Path) -> None:
    case = populated(vault, tmp_path)
    one, two = (Evidence.objects.get(case=case, exhibit=n) for n in (2, 3))
    vault.blobs.path_for(one.blob_id).unlink()
    path = vault.blobs.path_for(two.blob_id)
    path.unlink()
    path.mkdir()  # something there that cannot be read as a file
    states = {c.subject: c.state for c in not_ok(verify(vault))}
    assert states == {
        f"case {case.pk}, exhibit 2 (file1.bin)": "missing",
        f"case {case.pk}, exhibit 3 (file2.bin)": "could not check",
    }


def test_flipped_byte_in_the_encrypted_database_names_the_page_and_table(
    local_vault: Vault, tmp_path: Path
) -> None:
    populated(local_vault, tmp_path)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rootpage FROM sqlite_master WHERE name = 'vault_logentry'")
        page = cursor.fetchone()[0]
    home = local_vault.home
    local_vault.close()
    flip_byte(home / "onrecord.db", (page - 1) * 4096 + 200)
    vault = Vault.open(home, passphrase=PASSPHRASE)
    checks = verify(vault)
    database = checks[0]
    assert database.subject == "database file" and database.state == "altered"
    assert f"page {page} failed authentication" in database.detail
    assert "custody-log entries" in database.detail
    assert any(c.state == "could not check" for c in checks)
    vault.close()


def test_flipped_first_page_of_the_database_is_refused_at_open(local_vault: Vault) -> None:
    home = local_vault.home
    local_vault.close()
    flip_byte(home / "onrecord.db", 500)
    with pytest.raises(DatabaseAlteredError, match="altered or damaged outside onrecord"):
        Vault.open(home, passphrase=PASSPHRASE)


def test_changed_log_entry_is_named(vault: Vault, tmp_path: Path) -> None:
    case = populated(vault, tmp_path)
    entry = LogEntry.objects.get(log=case.log_name, index=2)
    LogEntry.objects.filter(pk=entry.pk).update(data=entry.data.replace("file1.bin", "fileX.bin"))
    subjects = {c.subject: c for c in not_ok(verify(vault))}
    assert subjects[f"custody log of case {case.pk}, entry 2"].state == "altered"
    heads = subjects[f"custody log of case {case.pk}, signed heads"]
    assert "no longer hash to its signed root" in heads.detail
    # the exhibit's record and the (now altered) entry disagree as well
    assert subjects[f"case {case.pk}, exhibit 2 record"].state == "altered"


def test_changed_record_is_named_with_both_values(vault: Vault, tmp_path: Path) -> None:
    case = populated(vault, tmp_path)
    Evidence.objects.filter(case=case, exhibit=3).update(original_name="innocent.txt")
    [bad] = not_ok(verify(vault))
    assert bad.subject == f"case {case.pk}, exhibit 3 record"
    assert "'innocent.txt' in the database but 'file2.bin' in the custody log" in bad.detail


def test_removed_log_entry_and_forged_head(vault: Vault, tmp_path: Path) -> None:
    case = populated(vault, tmp_path)
    LogEntry.objects.filter(log=case.log_name, index=2).delete()
    subjects = {c.subject: c for c in not_ok(verify(vault))}
    assert subjects[f"custody log of case {case.pk}, entry 2"].state == "missing"
    assert subjects[f"case {case.pk}, exhibit 2 record"].detail == "no custody-log entry records it"
    assert "entries were removed" in subjects[f"custody log of case {case.pk}, signed heads"].detail
    head = TreeHead.objects.filter(log=case.log_name).last()
    assert head is not None
    TreeHead.objects.filter(pk=head.pk).update(root_hash="00" * 32)
    details = " ".join(c.detail for c in not_ok(verify(vault)))
    assert "signature does not verify" in details


def test_deleted_record_is_missing(vault: Vault, tmp_path: Path) -> None:
    case = populated(vault, tmp_path)
    Evidence.objects.filter(case=case, exhibit=2).delete()
    [bad] = not_ok(verify(vault))
    assert bad.state == "missing" and bad.subject == f"case {case.pk}, exhibit 2"


def test_a_blob_no_exhibit_holds_is_checked_by_the_store_check(
    vault: Vault, tmp_path: Path
) -> None:
    """A saved browser profile's blob is named by no exhibit; the store check misses it."""
    import io

    from onrecord.vault.custody import utc_now
    from onrecord.vault.models import Blob

    populated(vault, tmp_path, n=1, size=1000)
    stored = vault.blobs.put_stream(io.BytesIO(b"synthetic packed browser profile"))
    vault.blobs.sync()
    Blob.objects.create(
        sha256=stored.sha256,
        size=stored.size,
        stored_name=stored.stored_name,
        encrypted=True,
        stored_at=utc_now(),
    )
    assert all(c.is_ok for c in verify(vault))
    vault.blobs.path_for(stored.sha256).unlink()
    [bad] = [c for c in verify(vault) if not c.is_ok]
    assert bad.subject.startswith("blob store") and bad.state == "missing"
    assert "1 recorded blob(s) gone" in bad.detail
