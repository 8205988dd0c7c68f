"""The review queue: the worst items first, words hidden until revealed one at a time.

The queue page never holds a message's words: each item shows its level, what triage found,
who sent it and when, over a blurred placeholder. "Show" fetches that one item's words
(``reveal``), and the page hides any other shown item. A person's decision (confirm, "not
this", nothing harmful, or another label) is recorded through ``cases.triage.review`` and
always beats the model.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onrecord.analysis.labels import LABELS
from onrecord.analysis.severity import LEVEL_NAMES
from onrecord.cases.models import Item, ItemAttachment, Label
from onrecord.cases.triage import review as record_review
from onrecord.errors import InputError
from onrecord.server.permissions import record_item_view
from onrecord.web.views.common import (
    case_or_404,
    is_htmx,
    operator,
    page,
    refuse_content,
    server_mode,
    staff,
    state,
    summaries_only,
    vault,
)
from onrecord.web.words import LABEL_WORDS, word

PAGE_SIZE = 25
RASTER_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def _row(item: Item, zone: zoneinfo.ZoneInfo, reviews: dict[int, Label]) -> dict[str, Any]:
    triage = getattr(item, "triage", None)
    author = item.author
    return {
        "id": item.pk,
        "platform": item.platform,
        "kind": item.kind,
        "author": (author.handle or author.platform_id or author.display_name) if author else "",
        "sent_at": item.sent_at.astimezone(zone) if item.sent_at else None,
        "labels": list(triage.labels) if triage else [],
        "level": triage.level if triage else "none",
        "length": len(item.text),
        "review": reviews.get(item.pk),
        "gone": item.gone_from_source_at is not None or item.deleted_at_source,
    }


def label_options() -> str:
    """The relabel list's ``<option>``s, made once per page instead of once per row (each
    row of the queue has the same list: 25 rows rendering it were most of the page's time)."""
    return format_html_join(
        "", '<option value="{}">{}</option>', ((key, word(LABEL_WORDS, key)) for key in LABELS)
    )


def _latest_reviews(ids: list[int]) -> dict[int, Label]:
    found: dict[int, Label] = {}
    for made in Label.objects.filter(item_id__in=ids).order_by("at", "pk"):
        found[made.item_id] = made
    return found


@require_GET
def queue(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_or_404(request, case_id)
    if summaries_only(request):
        return HttpResponseRedirect(reverse("case", args=[case.pk]))
    min_level = request.GET.get("level", "none")
    if min_level not in LEVEL_NAMES:
        min_level = "none"
    paginator = Paginator(state().queue.ids(case, min_level), PAGE_SIZE)
    current = paginator.get_page(request.GET.get("page"))
    wanted = list(current.object_list)
    found = Item.objects.filter(pk__in=wanted).select_related("author", "triage").in_bulk()
    items = [found[pk] for pk in wanted if pk in found]
    zone = zoneinfo.ZoneInfo(case.time_zone)
    reviews = _latest_reviews([i.pk for i in items])
    return page(
        request,
        "review.html",
        {
            "case": case,
            "tab": "review",
            "page": current,
            "rows": [_row(i, zone, reviews) for i in items],
            "level": min_level,
            "levels": LEVEL_NAMES,
            "label_options": label_options(),
        },
    )


@require_GET
def reveal(request: HttpRequest, case_id: int, item_id: int) -> HttpResponse:
    """One item's words (and image attachments), asked for by the person."""
    case = case_or_404(request, case_id, "view_evidence")
    if summaries_only(request):
        return refuse_content(request)
    item = Item.objects.filter(case=case, pk=item_id).select_related("triage").first()
    if item is None:
        return HttpResponseBadRequest(_("That item is not in this case."))
    if server_mode():  # who read which message is on record in the case
        record_item_view(vault(), staff(request), case, item.pk)
    triage = getattr(item, "triage", None)
    attachments = []
    for attached in ItemAttachment.objects.filter(item=item).select_related("evidence"):
        evidence = attached.evidence
        attachments.append(
            {
                "name": attached.name,
                "missing": attached.missing,
                "exhibit": evidence.exhibit if evidence else None,
                "is_image": evidence is not None and evidence.media_type in RASTER_TYPES,
            }
        )
    return page(
        request,
        "_reveal.html",
        {
            "case": case,
            "item": item,
            "parts": highlighted(item.text, triage.spans if triage else []),
            "spans": [s for s in (triage.spans if triage else []) if s.get("why")],
            "attachments": attachments,
        },
    )


def highlighted(text: str, spans: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_marked) around the spans triage found, for <mark>."""
    marks = sorted(
        (int(s["start"]), int(s["end"]))
        for s in spans
        if isinstance(s.get("start"), int) and isinstance(s.get("end"), int)
    )
    parts: list[tuple[str, bool]] = []
    position = 0
    for start, end in marks:
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        if start > position:
            parts.append((text[position:start], False))
        parts.append((text[start:end], True))
        position = end
    if position < len(text):
        parts.append((text[position:], False))
    return parts


@require_POST
def decide(request: HttpRequest, case_id: int, item_id: int) -> HttpResponse:
    """Record a person's decision on an item: confirm, not this, nothing harmful, relabel."""
    case = case_or_404(request, case_id, "label")
    if summaries_only(request):
        return refuse_content(request)
    action = request.POST.get("action", "")
    label = request.POST.get("label", "")
    who = operator(request)
    item = Item.objects.filter(case=case, pk=item_id).select_related("triage").first()
    if item is None:
        return HttpResponseBadRequest(_("That item is not in this case."))
    current = list(item.triage.labels) if hasattr(item, "triage") else []
    try:
        if action == "confirm":
            record_review(vault(), case, item_id, label=label, decision="confirmed", operator=who)
        elif action == "reject":
            record_review(vault(), case, item_id, label=label, decision="rejected", operator=who)
        elif action == "dismiss":
            record_review(vault(), case, item_id, label="", decision="dismissed", operator=who)
        elif action == "relabel":
            if label not in LABELS:
                raise InputError(_("Choose a label from the list."))
            for old in current:
                if old != label:
                    record_review(
                        vault(), case, item_id, label=old, decision="rejected", operator=who
                    )
            record_review(vault(), case, item_id, label=label, decision="confirmed", operator=who)
        else:
            raise InputError(_("Unknown action; use the buttons."))
    except InputError as exc:
        return HttpResponseBadRequest(str(exc))
    if not is_htmx(request):
        back = reverse("review", args=[case.pk]) + f"?page={request.POST.get('page', '1')}"
        return HttpResponseRedirect(back + f"#item-{item_id}")
    fresh = Item.objects.select_related("author", "triage").get(pk=item_id)
    zone = zoneinfo.ZoneInfo(case.time_zone)
    return page(
        request,
        "_item.html",
        {
            "case": case,
            "row": _row(fresh, zone, _latest_reviews([item_id])),
            "label_options": label_options(),
            "saved": True,
            "page_number": request.POST.get("page", "1"),
        },
    )
