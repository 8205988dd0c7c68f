"""Two staff adding files to one case at the same moment (two web processes) each get an
exhibit number of their own: numbering waits for the case log's lock, so the second
writer does not compute the same number and fail on commit (found by bench_staff.py)."""

from __future__ import annotations

import io
import threading
import time

import pytest
from django.db import connection, transaction

from onrecord.cases.evidence import Acquired, AddOutcome, NamedStream, add_files
from onrecord.cases.models import Evidence
from onrecord.cases.records import create_case
from onrecord.vault.home import Vault

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("db_url", ["postgresql"], indirect=True),
]


def stream(name: str) -> NamedStream:
    data = f"synthetic upload {name}\n".encode()
    return NamedStream(name, lambda: io.BytesIO(data))


def test_simultaneous_uploads_to_one_case_get_different_exhibits(vault: Vault) -> None:
    case = create_case(vault, title="Synthetic", jurisdiction="GB", time_zone="UTC", operator="a")
    first_added, commit_first = threading.Event(), threading.Event()
    outcomes: dict[str, list[AddOutcome]] = {}
    failures: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():  # a slow request: added, not yet committed
                outcomes["first"] = add_files(vault, case, [stream("a.txt")], Acquired("a"))
                first_added.set()
                commit_first.wait(30)
        except BaseException as exc:
            failures.append(exc)
        finally:
            first_added.set()
            connection.close()

    def second() -> None:
        try:
            outcomes["second"] = add_files(vault, case, [stream("b.txt")], Acquired("b"))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert first_added.wait(30)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.5)  # let the second writer reach the database before the first commits
    commit_first.set()
    one.join(60)
    two.join(60)
    assert not failures, failures
    numbers = {outcomes[k][0].exhibit for k in ("first", "second")}
    assert numbers == {1, 2}
    assert {e.original_name: e.exhibit for e in Evidence.objects.filter(case=case)} == {
        "a.txt": 1,
        "b.txt": 2,
    }
