"""A page captured but not stored: the others are still stored, and the failure is on record."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError

from onrecord.capture import capture_urls
from onrecord.capture import store as capture_store
from onrecord.cases.models import Capture, Case
from onrecord.cases.records import create_case
from onrecord.cases.verify import verify
from onrecord.errors import StorageFullError
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry

from .conftest import capture_config
from .site import Site


def new_case(vault: Vault) -> Case:
    return create_case(
        vault, title="store failures", jurisdiction="GB", time_zone="UTC", operator="test-operator"
    )


def test_a_database_error_on_one_page_still_stores_the_others_then_is_raised(
    vault: Vault, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = new_case(vault)
    urls = [site.url("/deleted"), site.url("/missing"), site.url("/broken")]
    real_store = capture_store._store
    calls: list[str] = []

    def store_failing_first(*args: object, **kwargs: object) -> object:
        page = args[2]
        calls.append(page.requested_url)  # type: ignore[attr-defined]
        if len(calls) == 1:
            raise DatabaseError("synthetic: the server went away")
        return real_store(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(capture_store, "_store", store_failing_first)
    reported: list[str] = []
    with pytest.raises(DatabaseError, match="went away"):
        capture_urls(
            vault,
            case,
            urls,
            config=capture_config(),
            ocr=False,
            report=lambda o: reported.append(f"{o.url} {o.status} {o.message}"),
        )
    assert calls == urls
    stored = set(Capture.objects.filter(case=case).values_list("requested_url", flat=True))
    assert stored == set(urls[1:])
    assert reported[0].startswith(f"{urls[0]} failed the capture was taken but the database")
    assert "capture it again" in reported[0]
    assert all(c.is_ok for c in verify(vault, case)), verify(vault, case)


def test_a_page_whose_files_cannot_be_stored_is_logged_as_not_stored(
    vault: Vault, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = new_case(vault)
    url = site.url("/deleted")

    def disk_full(*args: object, **kwargs: object) -> object:
        raise StorageFullError("synthetic: the disk holding the vault is full")

    monkeypatch.setattr(capture_store, "add_files", disk_full)
    [outcome] = capture_urls(vault, case, [url], config=capture_config(), ocr=False)
    assert outcome.status == "failed"
    assert "could not be stored" in outcome.message and "disk" in outcome.message
    assert not Capture.objects.filter(case=case).exists()
    [entry] = [
        json.loads(e.data)
        for e in LogEntry.objects.filter(log=case.log_name)
        if json.loads(e.data)["action"] == "capture.not_stored"
    ]
    assert entry["requested_url"] == url and "disk" in entry["reason"]
    assert all(c.is_ok for c in verify(vault, case)), verify(vault, case)
