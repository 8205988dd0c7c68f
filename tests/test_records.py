"""Adding evidence, journal entries and purging, with the custody log kept in step."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from decimal import Decimal
from pathlib import Path

import pytest

from onrecord.cases.evidence import Acquired, add_files
from onrecord.cases.models import Acquisition, Case, Evidence, JournalEntry
from onrecord.cases.records import (
    add_journal_entry,
    create_case,
    find_case,
    purge_case,
    purge_exhibits,
)
from onrecord.cases.verify import verify
from onrecord.errors import CaseNotFoundError, InputError
from onrecord.vault.custody import entry_body
from onrecord.vault.home import Vault
from onrecord.vault.models import Blob, LogEntry

HOW = Acquired(operator="tester")


def new_case(vault: Vault, title: str = "Case A") -> Case:
    return create_case(
        vault, title=title, jurisdiction="US-CA", time_zone="America/Los_Angeles", operator="tester"
    )


def test_case_validation_explains_what_to_type(vault: Vault) -> None:
    with pytest.raises(InputError, match="jurisdiction code"):
        create_case(vault, title="x", jurisdiction="California", time_zone="UTC", operator="t")
    with pytest.raises(InputError, match="time zone name"):
        create_case(vault, title="x", jurisdiction="GB", time_zone="Mars/Olympus", operator="t")
    assert Case.objects.count() == 0
    assert LogEntry.objects.count() == 0


def test_find_case_by_number_title_or_id(vault: Vault) -> None:
    a, b = new_case(vault, "First"), new_case(vault, "Second")
    assert find_case(str(b.pk)) == b
    assert find_case("First") == a
    assert find_case(a.uid.hex[:8]) == a
    with pytest.raises(CaseNotFoundError, match="case list"):
        find_case("nope")


def test_add_files_hashes_stores_and_logs_each(vault: Vault, tmp_path: Path) -> None:
    case = new_case(vault)
    files = []
    for i, name in enumerate(
        ["photo.png", "notes.txt", "ünïcödé name ✓.pdf", "spaces  and'quotes\".bin"]
    ):
        path = tmp_path / name
        path.write_bytes(b"%PDF-1.7 " * (i + 1) if name.endswith(".pdf") else os.urandom(1000 + i))
        files.append(path)
    outcomes = add_files(vault, case, files, HOW)
    assert [o.status for o in outcomes] == ["added"] * 4
    assert [o.exhibit for o in outcomes] == [1, 2, 3, 4]
    for path, outcome in zip(files, outcomes, strict=True):
        ev = Evidence.objects.get(case=case, exhibit=outcome.exhibit)
        assert ev.blob_id == hashlib.sha256(path.read_bytes()).hexdigest()
        assert ev.original_name == path.name
        assert b"".join(vault.blobs.open_chunks(ev.blob_id)) == path.read_bytes()
        body = entry_body(LogEntry.objects.get(log=case.log_name, index=ev.log_index))
        assert body["action"] == "evidence.add" and body["sha256"] == ev.blob_id
        assert body["by"] == "tester"
        # the stored file name does not reveal the plaintext hash
        assert ev.blob_id not in {p.name for p in vault.blobs.stored_names()}
    assert Evidence.objects.get(exhibit=3).media_type == "application/pdf"
    assert all(c.is_ok for c in verify(vault, case))


def test_bad_files_fail_alone_and_the_rest_are_added(vault: Vault, tmp_path: Path) -> None:
    good1, good2 = tmp_path / "good1.jpg", tmp_path / "good2.txt"
    good1.write_bytes(b"\xff\xd8\xff" + os.urandom(50))
    good2.write_text("hello")
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    folder = tmp_path / "a folder"
    folder.mkdir()
    unreadable = tmp_path / "locked.png"
    unreadable.write_bytes(b"x")
    unreadable.chmod(0)
    missing = tmp_path / "gone.png"
    case = new_case(vault)
    outcomes = add_files(vault, case, [good1, folder, unreadable, missing, empty, good2], HOW)
    by_name = {Path(o.path).name: o for o in outcomes}
    assert by_name["good1.jpg"].status == "added"
    assert by_name["good2.txt"].status == "added"
    assert by_name["empty.bin"].status == "added"  # a 0-byte file is still evidence
    assert by_name["empty.bin"].sha256 == hashlib.sha256(b"").hexdigest()
    assert by_name["a folder"].status == "failed"
    assert "is a folder" in by_name["a folder"].message
    assert by_name["gone.png"].status == "failed"
    assert "does not exist" in by_name["gone.png"].message
    if os.geteuid() != 0:  # root reads any file
        assert by_name["locked.png"].status == "failed"
        assert "permission denied" in by_name["locked.png"].message
    assert Evidence.objects.filter(case=case).count() == sum(o.status == "added" for o in outcomes)
    assert all(c.is_ok for c in verify(vault, case))


def test_same_bytes_stored_once_and_second_acquisition_recorded(
    vault: Vault, tmp_path: Path
) -> None:
    first, copy = tmp_path / "a.png", tmp_path / "copy of a.png"
    first.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 5000)
    copy.write_bytes(first.read_bytes())
    case, other = new_case(vault), new_case(vault, "Other")
    add_files(vault, case, [first], HOW)
    outcomes = add_files(vault, case, [copy], Acquired(operator="tester", note="again"))
    add_files(vault, other, [copy], HOW)
    assert outcomes[0].status == "already held" and outcomes[0].exhibit == 1
    assert Blob.objects.count() == 1
    assert len(list(vault.blobs.stored_names())) == 1
    assert Evidence.objects.count() == 2  # one exhibit in each case
    acquisition = Acquisition.objects.get()
    assert acquisition.original_name == "copy of a.png" and acquisition.note == "again"
    actions = [entry_body(e)["action"] for e in LogEntry.objects.filter(log=case.log_name)]
    assert actions == ["case.create", "evidence.add", "evidence.reacquire"]
    assert all(c.is_ok for c in verify(vault))


def test_journal_entry_is_logged(vault: Vault) -> None:
    case = new_case(vault)
    entry = add_journal_entry(
        vault,
        case,
        date=dt.date(2026, 10, 13),
        what_happened="Calls at 3am",
        impact="no sleep",
        cost=Decimal("80.50"),
        currency="usd",
        operator="tester",
    )
    assert JournalEntry.objects.get().currency == "USD"
    body = entry_body(LogEntry.objects.get(log=case.log_name, index=entry.log_index))
    assert body["action"] == "journal.add"
    with pytest.raises(InputError, match="what happened"):
        add_journal_entry(
            vault, case, date=dt.date(2026, 1, 1), what_happened=" ", operator="tester"
        )
    assert all(c.is_ok for c in verify(vault, case))


def test_purge_case_deletes_data_and_keeps_the_fact(vault: Vault, tmp_path: Path) -> None:
    shared, own = tmp_path / "shared.bin", tmp_path / "own.bin"
    shared.write_bytes(b"shared bytes")
    own.write_bytes(b"only in the purged case")
    doomed, kept = new_case(vault, "Doomed"), new_case(vault, "Kept")
    add_files(vault, doomed, [shared, own], HOW)
    add_files(vault, kept, [shared], HOW)
    own_sha = hashlib.sha256(own.read_bytes()).hexdigest()
    own_path = vault.blobs.path_for(own_sha)
    log_name = doomed.log_name
    report = purge_case(vault, doomed, "tester")
    assert report.exhibits == 2 and report.blobs_deleted == 1
    assert not own_path.exists()
    assert not Case.objects.filter(title="Doomed").exists()
    assert not LogEntry.objects.filter(log=log_name).exists()
    fact = entry_body(LogEntry.objects.filter(log="vault").last())  # type: ignore[arg-type]
    assert fact["action"] == "case.purge" and fact["exhibits"] == 2
    assert fact["last_head"]["tree_size"] == 3
    assert all(c.is_ok for c in verify(vault)), [c for c in verify(vault) if not c.is_ok]
    assert b"".join(vault.blobs.open_chunks(hashlib.sha256(b"shared bytes").hexdigest()))


def test_purge_exhibit_keeps_its_record(vault: Vault, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("first")
    b.write_text("second")
    case = new_case(vault)
    add_files(vault, case, [a, b], HOW)
    assert purge_exhibits(vault, case, [1], "tester") == [1]
    ev = Evidence.objects.get(case=case, exhibit=1)
    assert ev.purged_at is not None and not vault.blobs.has(ev.blob_id)
    with pytest.raises(InputError, match="no exhibit 1"):
        purge_exhibits(vault, case, [1], "tester")
    checks = verify(vault, case)
    assert all(c.is_ok for c in checks)
    assert any("purged" in c.detail for c in checks)
