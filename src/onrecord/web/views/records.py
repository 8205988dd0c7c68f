"""The journal (what happened and what it cost), verifying the vault, exporting the bag.

Verification has three states per check (ok, altered or missing, could not check), shown
as they are: "could not check" is never shown as fine. The bag is written to a private
temporary folder, zipped, sent as a download and removed; the export is in the custody log.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from onrecord.cases.records import add_journal_entry
from onrecord.cases.verify import verify
from onrecord.export import export_bag
from onrecord.web.views.common import case_or_404, operator, page, vault

ZIP_READ = 1024 * 1024


class JournalForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("The day it happened"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=dt.date.today,
    )
    what_happened = forms.CharField(
        label=gettext_lazy("What happened"), widget=forms.Textarea(attrs={"rows": 3})
    )
    impact = forms.CharField(
        label=gettext_lazy("What it did to you (sleep, work, feeling safe...)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    cost = forms.DecimalField(
        label=gettext_lazy("What it cost you (money), if anything"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    currency = forms.CharField(
        label=gettext_lazy("Currency (USD, GBP, EUR...)"), max_length=3, required=False
    )


@require_http_methods(["GET", "POST"])
def journal(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_or_404(request, case_id, "edit" if request.method == "POST" else "view")
    form = JournalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        add_journal_entry(
            vault(),
            case,
            date=data["date"],
            what_happened=data["what_happened"],
            impact=data["impact"],
            cost=data["cost"],
            currency=data["currency"].upper(),
            operator=operator(request),
        )
        return HttpResponseRedirect(reverse("journal", args=[case.pk]) + "?saved=1")
    entries = list(case.journal.all())
    totals: dict[str, float] = {}
    for entry in entries:
        if entry.cost is not None:
            totals[entry.currency or "?"] = totals.get(entry.currency or "?", 0) + float(entry.cost)
    return page(
        request,
        "journal.html",
        {
            "case": case,
            "tab": "journal",
            "form": form,
            "entries": entries,
            "totals": sorted(totals.items()),
            "saved": request.GET.get("saved") == "1",
        },
    )


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest, case_id: int) -> HttpResponse:
    """Run every check of the case when asked (it reads every exhibit, so it is a button)."""
    case = case_or_404(request, case_id)
    checks = verify(vault(), case) if request.method == "POST" else None
    counts: dict[str, int] = {}
    if checks is not None:
        for check in checks:
            counts[check.state] = counts.get(check.state, 0) + 1
    return page(
        request,
        "verify.html",
        {"case": case, "tab": "verify", "checks": checks, "counts": sorted(counts.items())},
    )


def export_page(request: HttpRequest, case_id: int) -> HttpResponse:
    return page(
        request, "export.html", {"case": case_or_404(request, case_id, "export"), "tab": "export"}
    )


@require_POST
def export_download(request: HttpRequest, case_id: int) -> StreamingHttpResponse:
    """The BagIt bag of the case, zipped; the export is recorded in the custody log."""
    case = case_or_404(request, case_id, "export")
    work = Path(tempfile.mkdtemp(prefix="onrecord-export-"))
    try:
        name = f"onrecord-case-{case.pk}-bag"
        report = export_bag(vault(), case, work / name, operator(request))
        archive = work / f"{name}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for path in sorted(report.path.rglob("*")):
                if path.is_file():
                    out.write(path, str(path.relative_to(work)))
        shutil.rmtree(report.path)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    response = StreamingHttpResponse(
        _stream_then_remove(archive, work), content_type="application/zip"
    )
    response["Content-Disposition"] = content_disposition_header(True, archive.name) or ""
    response["Content-Length"] = str(archive.stat().st_size)
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def _stream_then_remove(archive: Path, folder: Path) -> Iterator[bytes]:
    try:
        with archive.open("rb") as stream:
            while chunk := stream.read(ZIP_READ):
                yield chunk
    finally:
        shutil.rmtree(folder, ignore_errors=True)
