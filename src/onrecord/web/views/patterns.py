"""When, who and together: the timeline chart, the actors, and campaigns.

The chart is an SVG drawn here from numbers only (bars by day and level), placed in the
page as markup built from integers and fixed words, so no text from the case reaches it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from onrecord.analysis.patterns import actors, campaigns, escalation, timeline
from onrecord.cases.triage import messages_of
from onrecord.web.views.common import case_or_404, page, summaries_only

LEVEL_ORDER = ("critical", "high", "medium", "low", "none")
CHART_W, CHART_H, MAX_BARS = 720, 180, 120


def chart(days: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars as rectangles (x, y, width, height, level) for the template to draw."""
    shown = days[-MAX_BARS:]
    peak = max((sum(int(d[k]) for k in LEVEL_ORDER) for d in shown), default=0)
    if not shown or peak == 0:
        return {"bars": [], "width": CHART_W, "height": CHART_H, "peak": 0}
    width = CHART_W / len(shown)
    bars = []
    for index, day in enumerate(shown):
        base = float(CHART_H)
        for level in reversed(LEVEL_ORDER):
            count = int(day[level])
            if not count:
                continue
            height = CHART_H * count / peak
            base -= height
            bars.append(
                {
                    "x": round(index * width + 1, 1),
                    "y": round(base, 1),
                    "w": round(max(width - 2, 1), 1),
                    "h": round(height, 1),
                    "level": level,
                    "title": f"{day['date']}: {count} {level}",
                }
            )
    return {"bars": bars, "width": CHART_W, "height": CHART_H, "peak": peak}


def patterns_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_or_404(request, case_id)
    if summaries_only(request):
        return HttpResponseRedirect(reverse("case", args=[case.pk]))
    messages = messages_of(case)
    days = timeline(messages, zoneinfo.ZoneInfo(case.time_zone))
    found = campaigns(messages, dt.timedelta(minutes=60), 5)
    return page(
        request,
        "patterns.html",
        {
            "case": case,
            "tab": "patterns",
            "chart": chart(days),
            "days": days,
            "actors": actors(messages)[:100],
            "bursts": found.bursts,
            "duplicates": found.duplicates,
            "escalation": escalation(messages),
        },
    )
