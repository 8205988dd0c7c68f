"""Plain-text building blocks shared by the documents' text renderers.

Plain text is what a person pastes into a web form (IC3, a platform's report form): no
markup, no hard wrapping inside paragraphs, placeholders as ``[FILL IN: ...]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def value(item: Any) -> str:
    """A value as text; a placeholder becomes ``[FILL IN: what]``."""
    if isinstance(item, Mapping) and "fill" in item:
        return f"[FILL IN: {item['fill']}]"
    return str(item)


def header(data: Mapping[str, Any]) -> str:
    """The title, the case and the person, as every document starts."""
    case = data["case"]
    return (
        f"{heading(data['title'])}\n\nCase: {case['title']} (case {case['number']}, jurisdiction "
        f"{case['jurisdiction']}; times in {case['time_zone']})\n"
        f"Person harassed: {value(data['victim'])}"
    )


def heading(title: str, underline: str = "=") -> str:
    return f"{title}\n{underline * len(title)}"


def quote_block(item: Mapping[str, Any]) -> str:
    """One quoted item: where, when, who, how bad, its exhibit, then the exact words."""
    lines = [f"Item {item['id']}: {item['sent']}, {item['author']} ({item['kind']})"]
    if item["time_zone_assumed"]:
        lines.append(f"  Time as shown in the source: {item['sent_original']} (time zone assumed)")
    if item["labels"]:
        lines.append(f"  Triage: {item['level']} ({', '.join(item['labels'])})")
    if item["url"]:
        lines.append(f"  URL: {item['url']}")
    lines.append(f"  {exhibit_ref(item['exhibit'])}")
    if item["deleted_at_source"]:
        lines.append("  Since deleted at the source; kept in the vault.")
    lines.append("  Exact text:")
    lines += [f"  > {line}" for line in item["text"].split("\n")]
    return "\n".join(lines)


def exhibit_ref(ref: Mapping[str, Any] | None) -> str:
    if ref is None:
        return "No exhibit: typed in by hand."
    where = f", {ref['position']}" if ref["position"] else ""
    return f"Exhibit {ref['number']} ({ref['name']}{where}), SHA-256 {ref['sha256']}"


def quotes(items: Iterable[Mapping[str, Any]]) -> str:
    return "\n\n".join(quote_block(item) for item in items) or "No items were chosen."


def exhibit_lines(exhibits: Iterable[Mapping[str, Any]]) -> str:
    """The exhibit list: number, file, SHA-256, acquired when, by whom, how."""
    blocks = []
    for e in exhibits:
        lines = [
            f"Exhibit {e['number']}: {e['name']}",
            f"  SHA-256: {e['sha256']}",
            f"  Acquired {e['acquired_at']} by {e['acquired_by']}, method {e['method']}",
        ]
        if e["source_url"]:
            lines.append(f"  Source: {e['source_url']}")
        if e["purged"]:
            lines.append(f"  Purged from the vault {e['purged']}; the record of it is kept.")
        blocks.append("\n".join(lines))
    return "\n".join(blocks) or "No exhibits."


def suspect_lines(suspects: Iterable[Mapping[str, Any]]) -> str:
    """Every identifier of every suspect account, one account per block."""
    blocks = []
    for s in suspects:
        lines = [f"Account on {s['platform']}"]
        for label, key in (
            ("Handle", "handle"),
            ("Platform id", "platform_id"),
            ("Display name", "display_name"),
            ("Linked to", "party"),
        ):
            if s[key]:
                lines.append(f"  {label}: {s[key]}")
        if s["names_seen"]:
            lines.append(f"  Earlier names: {', '.join(s['names_seen'])}")
        lines += [f"  URL: {url}" for url in s["urls"]]
        lines.append(f"  Items in this case: {s['items']}")
        blocks.append("\n".join(lines))
    return "\n".join(blocks) or "No accounts identified."


def category_lines(categories: Iterable[Mapping[str, Any]]) -> str:
    blocks = []
    for c in categories:
        lines = [f"- {c['name']}: {c['basis']}"]
        lines += [f"    element: {element}" for element in c["elements"]]
        lines.append(f"    source: {'; '.join(c['sources'])} (checked {c['checked_on']})")
        blocks.append("\n".join(lines))
    return "\n".join(blocks) or "No categories suggested by the quoted items."


def footer(data: Mapping[str, Any]) -> str:
    """What the document is not, how quotes are shown, and how it was made."""
    made = data["made"]
    return "\n".join(
        [
            data["not_legal_advice"],
            data["may_fit"],
            data["control_note"],
            f"Made by {made['tool']} on {made['at']} for {made['by']}, case {data['case']['uid']}; "
            f"items chosen {made['items_chosen']}.",
        ]
    )
