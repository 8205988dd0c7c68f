"""The demo case: synthetic evidence shipped in the package, built like a real case.

Every person, account and message in ``data/`` is invented. The case goes through the
same code as a person's own: files are added as exhibits, messages recorded as items
pointing back into those files, and the journal written, each step in the custody log.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from django.db import transaction

from onrecord.cases.evidence import Acquired, add_files
from onrecord.cases.items import add_items, find_or_create_account
from onrecord.cases.models import Case, Evidence, Item, Party
from onrecord.cases.records import add_journal_entry, create_case
from onrecord.vault.home import Vault

DEMO_TITLE = "Demo: synthetic harassment case"


def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_data_dir().joinpath("demo.json").read_text("utf-8"))
    return data


def _data_dir() -> Path:
    return Path(str(resources.files("onrecord.demo").joinpath("data")))


def existing_demo_case() -> Case | None:
    return Case.objects.filter(title=DEMO_TITLE).order_by("pk").first()


def build_demo_case(vault: Vault, operator: str) -> Case:
    """Create the demo case from the shipped synthetic data."""
    data = demo_data()
    spec = data["case"]
    case = create_case(
        vault,
        title=spec["title"],
        jurisdiction=spec["jurisdiction"],
        time_zone=spec["time_zone"],
        operator=operator,
    )
    with transaction.atomic():
        for party in data["parties"]:
            Party.objects.create(case=case, role=party["role"], name=party["name"])
    folder = _data_dir()
    for entry in data["files"]:
        how = Acquired(
            operator=operator, source_url=entry["source_url"], note=entry["note"], method="demo"
        )
        add_files(vault, case, [folder / entry["name"]], how)
    exhibits = {e.original_name: e for e in Evidence.objects.filter(case=case)}
    accounts = {
        a["key"]: find_or_create_account(
            case,
            platform=a["platform"],
            handle=a["handle"],
            platform_id=a.get("platform_id"),
            display_name=a.get("display_name", ""),
        )
        for a in data["accounts"]
    }
    zone = zoneinfo.ZoneInfo(case.time_zone)
    items = [
        _item(raw, exhibits[raw["file"]], accounts[raw["author"]].pk, zone) for raw in data["items"]
    ]
    add_items(vault, case, items, operator, source="demo data")
    for entry in data["journal"]:
        add_journal_entry(
            vault,
            case,
            date=dt.date.fromisoformat(entry["date"]),
            what_happened=entry["what_happened"],
            impact=entry["impact"],
            cost=Decimal(entry["cost"]),
            currency=entry["currency"],
            operator=operator,
        )
    return case


def _item(raw: dict[str, Any], evidence: Evidence, author_id: int, zone: dt.tzinfo) -> Item:
    sent = dt.datetime.fromisoformat(raw["sent_at"])
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=zone)
    return Item(
        platform=raw["platform"],
        kind=raw["kind"],
        author_id=author_id,
        text=raw["text"],
        sent_at=sent.astimezone(dt.UTC),
        sent_at_original=raw["sent_at_original"],
        time_zone_assumed=raw["assumed"],
        url=raw.get("url", ""),
        platform_id=raw.get("platform_id"),
        evidence=evidence,
        position=raw["position"],
    )
