"""Step 1, police and IC3: the police report packet and the IC3 worksheet.

The packet is what an officer reads first: a one-page summary, a timeline of the worst
items, those items quoted exactly with their exhibits' SHA-256, every identifier of the
suspect accounts, and the exhibit list. The worksheet follows the sections of the IC3
complaint form, each field ready to paste. IC3 keeps no evidence: both say so.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from onrecord.cases.models import Account, Evidence, Item
from onrecord.documents import plain
from onrecord.documents.facts import (
    Request,
    base,
    categories,
    custody,
    exhibits,
    fill,
    journal,
    parties,
    suspects,
    visible,
    when,
)
from onrecord.errors import IntegrityError
from onrecord.reference.lookup import notice_elements

IC3_NOTE = (
    "IC3 keeps no evidence: keep the originals. This packet's exhibits are in the onrecord "
    "vault, stored untouched with their SHA-256; agencies may ask for them later."
)
HEADER_LIMIT = 64 * 1024
MESSAGING = {"whatsapp", "telegram", "signal", "sms", "discord", "slack", "messenger"}


def summary(request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts for the one-page summary: how many, from whom, where, when, how bad."""
    rows = Item.objects.filter(case=request.case, later_versions__isnull=True)
    timed = rows.exclude(sent_at=None).order_by("sent_at")
    first, last = timed.first(), timed.last()
    levels = Counter(level or "not rated" for level in rows.values_list("triage__level", flat=True))
    labels = Counter(label for item in items for label in item["labels"])
    return {
        "items": rows.count(),
        "accounts": Account.objects.filter(case=request.case).count(),
        "platforms": sorted({visible(p) for p in rows.values_list("platform", flat=True)}),
        "first": when(first.sent_at if first else None, request.zone),
        "last": when(last.sent_at if last else None, request.zone),
        "levels": [
            {"level": name, "count": levels[name]}
            for name in ("critical", "high", "medium", "low", "none")
            if levels[name]
        ],
        "not_triaged": levels["not rated"],
        "labels": [{"label": k, "count": v} for k, v in labels.most_common()],
    }


def summary_sentence(data: dict[str, Any]) -> str:
    """The summary in one plain paragraph."""
    s = data["summary"]
    levels = ", ".join(f"{row['count']} {row['level']}" for row in s["levels"]) or "none rated"
    labels = ", ".join(row["label"] for row in s["labels"]) or "none"
    return (
        f"Between {s['first']} and {s['last']}, {s['items']} messages, posts or emails from "
        f"{s['accounts']} accounts on {', '.join(s['platforms']) or 'no platform'} were recorded "
        f"in this case. Offline triage rated them: {levels}; {s['not_triaged']} not rated. "
        f"The worst items quoted below show: {labels}."
    )


def police_packet(request: Request) -> dict[str, Any]:
    """The police report packet's data."""
    data, chosen = base(request, "police-packet", "Police report packet")
    data["summary"] = summary(request, data["items"])
    data["summary_text"] = summary_sentence(data)
    data["suspects"] = suspects(request.case, chosen)
    data["suspect_parties"] = parties(request.case, "suspect")
    data["exhibits"] = exhibits(request.case)
    data["custody"] = custody(request.vault, request.case)
    data["categories"] = categories(request.case, data["items"])
    data["journal"] = journal(request.case)
    data["ic3_note"] = IC3_NOTE
    return data


def police_text(data: dict[str, Any]) -> str:
    """The packet as plain text."""
    head = data["custody"]
    timeline = "\n".join(
        f"{item['sent']}  item {item['id']}  {item['author']}  {item['level']}"
        f"  {', '.join(item['labels'])}".rstrip()
        for item in data["timeline"]
    )
    journal_text = "\n".join(
        f"{e['date']}: {e['what']} Impact: {e['impact'] or '-'} Cost: {e['cost'] or '-'}"
        for e in data["journal"]
    )
    parts = [
        plain.header(data),
        plain.heading("Summary", "-"),
        data["summary_text"],
        data["ic3_note"],
        plain.heading("Timeline of the worst items", "-"),
        timeline or "No items.",
        plain.heading("The worst items, quoted exactly", "-"),
        plain.quotes(data["items"]),
        plain.heading("Suspect identifiers", "-"),
        "\n".join(f"Named as suspect: {name}" for name in data["suspect_parties"]),
        plain.suspect_lines(data["suspects"]),
        plain.heading("Exhibit list", "-"),
        plain.exhibit_lines(data["exhibits"]),
        f"Custody log {head['log']}: signed head over {head['tree_size']} entries, root "
        f"{head['root_hash']}, signed {head['signed_at']}, key {head['key_id']}. "
        "`onrecord verify` re-checks every exhibit; `onrecord log CASE --proof N` proves one.",
        plain.heading("Impact and costs", "-"),
        journal_text or "No journal entries.",
        plain.heading("Legal categories the facts may fit", "-"),
        plain.category_lines(data["categories"]),
        plain.heading("What this is not", "-"),
        plain.footer(data),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def email_headers(request: Request) -> list[dict[str, str]]:
    """The full headers of every email exhibit, read from the vault (IC3 asks for them)."""
    found = []
    query = Evidence.objects.filter(case=request.case, kind=Evidence.Kind.EMAIL, purged_at=None)
    for evidence in query.order_by("exhibit"):
        raw = bytearray()
        try:
            for chunk in request.vault.blobs.open_chunks(evidence.sha256):
                raw += chunk
                if len(raw) >= HEADER_LIMIT:
                    break
        except (OSError, IntegrityError) as exc:
            text = f"could not read this exhibit: {exc}"
        else:
            text = _header_block(bytes(raw[:HEADER_LIMIT]))
        found.append(
            {
                "exhibit": f"Exhibit {evidence.exhibit} ({visible(evidence.original_name)})",
                "headers": visible(text),
            }
        )
    return found


def _header_block(raw: bytes) -> str:
    """The header lines of a raw email, exactly as stored (up to the first empty line)."""
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    return text.split("\n\n", 1)[0]


def ic3_worksheet(request: Request) -> dict[str, Any]:
    """The IC3 worksheet's data, section by section as the complaint form asks."""
    data, chosen = base(request, "ic3-worksheet", "IC3 complaint worksheet")
    data["summary"] = summary(request, data["items"])
    data["summary_text"] = summary_sentence(data)
    data["journal"] = journal(request.case)
    data["suspects"] = suspects(request.case, chosen)
    data["exhibits"] = exhibits(request.case)
    data["email_headers"] = email_headers(request)
    data["ic3_note"] = IC3_NOTE
    costs = [e for e in data["journal"] if e["cost"]]
    extortion = [i for i in data["items"] if "extortion" in i["labels"]]
    used = _used(data["items"])
    notice = notice_elements("ic3")
    data["source"] = {
        "urls": list(notice.source.urls),
        "checked_on": notice.source.checked_on.isoformat(),
    }
    data["sections"] = [
        _section(
            "1. Victim Information",
            [
                ("Name", data["victim"]),
                ("Address", fill("your address")),
                ("Telephone", fill("your phone number")),
                ("Email", fill("your email address")),
            ],
        ),
        _section(
            "2. Financial Transaction(s)",
            [
                *((f"Cost on {e['date']}", f"{e['cost']}: {e['what']}") for e in costs),
                *((f"Demand in item {i['id']}", i["text"]) for i in extortion),
                (
                    "Payments made (method, date, amount, recipient)",
                    fill("any payment you made, or none"),
                ),
            ],
            "Do not pay. If you paid, list each payment: how, when, how much, to whom.",
        ),
        _section(
            "3. Description of Incident",
            [
                ("What happened", data["summary_text"]),
                *((f"{i['sent']}, {i['author']}", i["text"]) for i in data["timeline"]),
            ],
            "Paste the quoted items as they are; each names its exhibit below.",
        ),
        _section("4. Which of the following were used", [("Used", ", ".join(used) or "none")]),
        _section(
            "5. Information About The Subject(s)",
            [
                *(_subject(s) for s in data["suspects"]),
                (
                    "IP address",
                    fill("if a platform or the email headers (section 6) show one; else unknown"),
                ),
            ],
        ),
        _section(
            "6. Other Information",
            [
                *((h["exhibit"] + " email headers", h["headers"]) for h in data["email_headers"]),
                *(
                    (f"Exhibit {e['number']}", f"{e['name']}, SHA-256 {e['sha256']}")
                    for e in data["exhibits"]
                ),
                ("Evidence", IC3_NOTE),
            ],
        ),
        _section("7. Who Filed the Complaint", [("Filed by", fill("you, or the person helping"))]),
    ]
    return data


def _used(items: list[dict[str, Any]]) -> list[str]:
    """What the form's "which were used" question gets ticked: email, social media, texts."""
    platforms = {i["platform"].lower() for i in items}
    kinds = {i["kind"] for i in items}
    used = []
    if "email" in platforms or "email" in kinds:
        used.append("Email")
    if platforms & MESSAGING or "sms" in kinds:
        used.append("Text message / messaging app")
    if platforms - MESSAGING - {"email"}:
        used.append("Social media / website")
    return used


def _section(title: str, fields: list[tuple[str, Any]], note: str = "") -> dict[str, Any]:
    return {"title": title, "note": note, "fields": [{"label": k, "value": v} for k, v in fields]}


def _subject(s: dict[str, Any]) -> tuple[str, str]:
    parts = [s["handle"], s["platform_id"] and f"id {s['platform_id']}", s["display_name"]]
    text = ", ".join(p for p in parts if p)
    urls = "; ".join(s["urls"])
    return (f"Account on {s['platform']}", f"{text}{'; ' + urls if urls else ''}")


def ic3_text(data: dict[str, Any]) -> str:
    """The worksheet as plain text: one block per form section, each field ready to paste."""
    parts = [
        plain.header(data),
        "Follows the sections of the IC3 complaint form (https://www.ic3.gov). Copy each field "
        "into the form. " + data["ic3_note"],
    ]
    for section in data["sections"]:
        lines = [plain.heading(section["title"], "-")]
        if section["note"]:
            lines.append(section["note"])
        for entry in section["fields"]:
            lines.append(f"{entry['label']}:\n{plain.value(entry['value'])}")
        parts.append("\n\n".join(lines))
    parts.append(plain.heading("The worst items, quoted exactly", "-"))
    parts.append(plain.quotes(data["items"]))
    sources = "; ".join(data["source"]["urls"])
    parts.append(f"Form fields as read at {sources} (checked {data['source']['checked_on']}).")
    parts.append(plain.heading("What this is not", "-"))
    parts.append(plain.footer(data))
    return "\n\n".join(parts) + "\n"
