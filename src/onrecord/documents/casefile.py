"""The lawyer's case file: summary, a timeline chart, actors, the exhibit index with custody
inclusion proofs, the legal categories the facts may fit, limitation dates and the journal.

The chart is drawn by matplotlib as SVG from dates and counts only (never a harasser's
words) and travels to Typst inside the JSON data, placed with ``image(bytes(...))``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any

from onrecord.cases.models import Item
from onrecord.documents import plain
from onrecord.documents.facts import (
    CATEGORIES_BY_LABEL,
    Request,
    base,
    categories,
    custody,
    exhibits,
    journal,
    latest_only,
    suspects,
)
from onrecord.reference.lookup import ReferenceNotFoundError, law
from onrecord.vault import merkle

LIMITATION_NOTE = (
    "Dates are counted from the first item and are only a guide: when a period starts, and "
    "whether it can be paused or extended, is for a lawyer to confirm."
)


def timeline_svg(days: dict[dt.date, int], zone_name: str) -> str:
    """A bar chart of items per day, as SVG text (glyphs drawn as paths, no fonts needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    matplotlib.rcParams["svg.hashsalt"] = "onrecord"
    figure, axes = pyplot.subplots(figsize=(7, 2.4))
    try:
        if days:
            ordered = sorted(days)
            epoch = dt.date(1970, 1, 1)  # matplotlib's default date epoch: x is days since it
            x = [float((d - epoch).days) for d in ordered]
            axes.bar(x, [days[d] for d in ordered], color="#8a3b3b")
            axes.xaxis_date()
            figure.autofmt_xdate()
        else:
            axes.text(0.5, 0.5, "No dated items", ha="center", va="center")
        axes.set_ylabel("items per day")
        axes.set_title(f"Items per day ({zone_name})", fontsize=9)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
        return out.getvalue()
    finally:
        pyplot.close(figure)


class _Tree:
    """RFC 6962 inclusion proofs for many leaves of one tree, each subtree hashed once
    (``merkle.inclusion_proof`` rehashes its siblings per call: O(n) each)."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.roots: dict[tuple[int, int], bytes] = {}

    def root(self, lo: int, hi: int) -> bytes:
        found = self.roots.get((lo, hi))
        if found is None:
            if hi - lo == 1:
                found = self.leaves[lo]
            else:
                k = 1 << ((hi - lo - 1).bit_length() - 1)  # largest power of 2 below hi - lo
                found = merkle.node_hash(self.root(lo, lo + k), self.root(lo + k, hi))
            self.roots[(lo, hi)] = found
        return found

    def proof(self, index: int) -> list[bytes]:
        """PATH(index, D[n]), leaf to root, as ``merkle.inclusion_proof`` gives it."""
        lo, hi = 0, len(self.leaves)
        siblings: list[bytes] = []
        while hi - lo > 1:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if index < lo + k:
                siblings.append(self.root(lo + k, hi))
                hi = lo + k
            else:
                siblings.append(self.root(lo, lo + k))
                lo += k
        siblings.reverse()
        return siblings


def _proofs(request: Request, numbers: list[dict[str, Any]]) -> dict[str, Any]:
    """Each exhibit's inclusion proof against the latest signed head of the case log."""
    log = request.vault.log(request.case.log_name)
    head = log.latest_head()
    if head is None:
        return {}
    tree = _Tree(log.leaf_hashes(head.tree_size))
    return {
        str(e["number"]): [h.hex() for h in tree.proof(e["log_index"])]
        for e in numbers
        if e["log_index"] < head.tree_size
    }


def _support(request: Request, items: list[dict[str, Any]]) -> dict[str, list[str]]:
    """For each legal category (by name), the exhibits of the items whose labels fit it."""
    try:
        names = {c.key: c.name for c in law(request.case.jurisdiction).categories}
    except ReferenceNotFoundError:
        return {}
    found: dict[str, list[str]] = {}
    for item in items:
        for label in item["labels"]:
            for key in CATEGORIES_BY_LABEL.get(label.replace(" ", "_"), ()):
                ref = item["exhibit"]
                what = (
                    f"Exhibit {ref['number']} (item {item['id']})" if ref else f"item {item['id']}"
                )
                rows = found.setdefault(names.get(key, key), [])
                if what not in rows:
                    rows.append(what)
    return found


def _limitations(request: Request, first: dt.datetime | None) -> list[dict[str, Any]]:
    try:
        info = law(request.case.jurisdiction)
    except ReferenceNotFoundError:
        return []
    rows = []
    if info.state is not None and info.state.defamation is not None:
        limit = info.state.defamation
        deadline = ""
        if limit.years is not None and first is not None:
            start = first.astimezone(request.zone).date()
            try:
                deadline = start.replace(year=start.year + limit.years).isoformat()
            except ValueError:  # 29 February
                deadline = (start.replace(day=28, year=start.year + limit.years)).isoformat()
        rows.append(
            {
                "claim": f"Defamation ({info.state.name})",
                "period": f"{limit.years} year(s)" if limit.years is not None else "not in data",
                "statute": limit.statute,
                "from_first_item": deadline or "unknown",
                "sources": list(limit.source.urls),
                "checked_on": limit.source.checked_on.isoformat(),
            }
        )
    return rows


def lawyer_case_file(request: Request) -> dict[str, Any]:
    """The case file's data."""
    data, chosen = base(request, "lawyer-case-file", "Case file for a lawyer")
    zone = request.zone
    superseded = latest_only(request.case)
    every = Item.objects.filter(case=request.case).select_related("triage")
    days: Counter[dt.date] = Counter()
    levels: Counter[str] = Counter()
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    for item in every.iterator(chunk_size=2000):
        if item.pk in superseded:
            continue
        triage = getattr(item, "triage", None)
        levels[triage.level if triage is not None else "not triaged"] += 1
        if item.sent_at is not None:
            days[item.sent_at.astimezone(zone).date()] += 1
            first = item.sent_at if first is None else min(first, item.sent_at)
            last = item.sent_at if last is None else max(last, item.sent_at)
    listed = exhibits(request.case)
    proofs = _proofs(request, listed)
    for e in listed:
        e["proof"] = proofs.get(str(e["number"]), [])
    span = (
        f"{first.astimezone(zone):%Y-%m-%d} to {last.astimezone(zone):%Y-%m-%d}"
        if first and last
        else "no dated items"
    )
    counts = ", ".join(f"{n} {level}" for level, n in sorted(levels.items()))
    actors = suspects(request.case, chosen)
    data["summary"] = [
        f"Items recorded: {sum(levels.values())} ({counts}).",
        f"Dates: {span}.",
        f"Exhibits: {len(listed)}; accounts involved: {len(actors)}.",
    ]
    data["chart"] = timeline_svg(dict(days), request.case.time_zone)
    data["actors"] = actors
    data["exhibits"] = listed
    data["custody"] = custody(request.vault, request.case)
    support = _support(request, data["items"])
    data["categories"] = categories(request.case, data["items"])
    for row in data["categories"]:
        row["exhibits"] = support.get(row["name"], [])
    data["limitations"] = _limitations(request, first)
    data["limitation_note"] = LIMITATION_NOTE
    data["journal"] = journal(request.case)
    return data


def case_file_text(data: dict[str, Any]) -> str:
    """The case file as plain text (the chart is left out)."""
    exhibit_blocks = []
    for e in data["exhibits"]:
        block = plain.exhibit_lines([e])
        block += f"\n  Custody log entry {e['log_index']}; inclusion proof: "
        block += " ".join(e["proof"]) if e["proof"] else "(not yet in a signed head)"
        exhibit_blocks.append(block)
    cats = []
    for c in data["categories"]:
        line = plain.category_lines([c])
        line += "\n    supporting: " + (", ".join(c["exhibits"]) or "see the quoted items")
        cats.append(line)
    limits = [
        f"- {r['claim']}: {r['period']} ({r['statute']}); from the first item: "
        f"{r['from_first_item']}. Source: {'; '.join(r['sources'])} (checked {r['checked_on']})"
        for r in data["limitations"]
    ]
    entries = [
        f"- {j['date']}: {j['what']}"
        + (f" Impact: {j['impact']}" if j["impact"] else "")
        + (f" Cost: {j['cost']}" if j["cost"] else "")
        for j in data["journal"]
    ]
    c = data["custody"]
    parts = [
        plain.header(data),
        plain.heading("Summary", "-"),
        "\n".join(data["summary"]),
        plain.heading("Actors", "-"),
        plain.suspect_lines(data["actors"]),
        plain.heading("The worst items, quoted exactly", "-"),
        plain.quotes(data["items"]),
        plain.heading("Exhibit index", "-"),
        f"Custody log {c['log']}: signed head of size {c['tree_size']}, root {c['root_hash']}, "
        f"signed {c['signed_at']} by key {c['key_id']}.",
        "\n".join(exhibit_blocks) or "No exhibits.",
        plain.heading("Legal categories the facts may fit", "-"),
        "\n".join(cats) or "No categories suggested by the quoted items.",
        plain.heading("Limitation periods", "-"),
        "\n".join(limits) or "No limitation data for this jurisdiction.",
        data["limitation_note"],
        plain.heading("Impact and cost journal", "-"),
        "\n".join(entries) or "No journal entries.",
        plain.heading("What this is not", "-"),
        plain.footer(data),
    ]
    return "\n\n".join(parts) + "\n"
