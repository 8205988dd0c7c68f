"""Adding evidence (files dropped or pasted, an export imported, a page captured) and
getting an exhibit back out.

Files go through ``cases.evidence.add_files`` like ``onrecord add``: stored untouched,
hashed, encrypted and logged. Imports and captures take long, so they run as jobs the page
polls (``job_status``) for progress. An exhibit is always served as a download: never inline
from this origin (an HTML, SVG or PDF file could otherwise run in the app's name), with
``nosniff`` and a sandboxing policy. Only raster images (PNG, JPEG, GIF, WebP) can be shown
in a page, and only when a person reveals the message carrying them.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.core.exceptions import SuspiciousFileOperation
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onrecord.cases.evidence import Acquired, NamedStream, add_files
from onrecord.cases.models import Case, Evidence
from onrecord.importers.registry import IMPORTERS
from onrecord.server.permissions import open_evidence
from onrecord.web.state import Job
from onrecord.web.views.common import (
    case_or_404,
    operator,
    page,
    server_mode,
    staff,
    state,
    vault,
)
from onrecord.web.views.review import RASTER_TYPES

MAX_URLS = 50


def evidence_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_or_404(request, case_id)
    exhibits = Evidence.objects.filter(case=case).order_by("-exhibit")[:200]
    return page(
        request,
        "evidence.html",
        {
            "case": case,
            "tab": "evidence",
            "exhibits": exhibits,
            "formats": IMPORTERS,
            "added": request.session.pop("added", None),
        },
    )


@require_POST
def upload(request: HttpRequest, case_id: int) -> HttpResponse:
    """Files dropped, chosen or pasted: each one an exhibit (a failed file fails alone)."""
    case = case_or_404(request, case_id, "edit")
    files = request.FILES.getlist("files")
    if not files:
        return HttpResponseBadRequest(_("No file came with the form. Choose or drop a file."))
    streams = []
    for uploaded in files:
        data = uploaded.read()
        streams.append(NamedStream(uploaded.name or "unnamed", _opener(data)))
    how = Acquired(
        operator=operator(request),
        method="upload",
        source_url=request.POST.get("source_url", "").strip(),
        note=request.POST.get("note", "").strip(),
    )
    outcomes = add_files(vault(), case, streams, how)
    request.session["added"] = [
        {"name": o.path, "status": o.status, "message": o.message, "exhibit": o.exhibit}
        for o in outcomes
    ]
    return HttpResponseRedirect(reverse("evidence", args=[case.pk]) + "#added")


def _opener(data: bytes) -> Callable[[], IO[bytes]]:
    def open_stream() -> IO[bytes]:
        return io.BytesIO(data)

    return open_stream


def file_name(name: str, fallback: str) -> str:
    """A harmless file name for a download or a temporary copy (never a path, never empty)."""
    try:
        return get_valid_filename(Path(name.replace("\\", "/")).name) or fallback
    except SuspiciousFileOperation:
        return fallback


@require_POST
def import_export(request: HttpRequest, case_id: int) -> HttpResponse:
    """Start importing an uploaded export (zip, JSON, CSV, mailbox...) as a job."""
    case = case_or_404(request, case_id, "edit")
    uploaded = request.FILES.get("export")
    if uploaded is None:
        return HttpResponseBadRequest(_("No export came with the form. Choose the file first."))
    format_key = request.POST.get("format") or None
    folder = Path(tempfile.mkdtemp(prefix="onrecord-import-"))  # 0700: this user only
    target = folder / file_name(uploaded.name or "", "export")
    with target.open("wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    who = operator(request)
    size = target.stat().st_size

    def work(job: Job) -> None:
        from onrecord.cases.imports import import_path

        try:
            job.total, job.stage = size, _("Storing the original")
            report = import_path(
                vault(),
                Case.objects.get(pk=case.pk),
                target,
                operator=who,
                format_key=format_key,
                progress=job.advance,
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        job.stage = _("Finished")
        job.lines.append(
            _(
                "Imported %(added)s message(s) (%(format)s): %(dupes)s already held, "
                "%(edits)s edited, %(attach)s attachment(s) stored."
            )
            % {
                "added": f"{report.items_added:,}",
                "format": report.format,
                "dupes": f"{report.duplicates:,}",
                "edits": f"{report.edits:,}",
                "attach": f"{report.attachments:,}",
            }
        )
        for problem in report.problems:
            job.lines.append(f"{problem.file} {problem.position}: {problem.message}".strip())
        job.failed = report.failed and report.items_added == 0

    job = state().start_job(case.pk, _("Importing %(name)s") % {"name": target.name}, work)
    return HttpResponseRedirect(reverse("job", args=[job.id]))


@require_POST
def capture(request: HttpRequest, case_id: int) -> HttpResponse:
    """Capture the web addresses the person typed, one page each, as a job."""
    case = case_or_404(request, case_id, "edit")
    urls = [u.strip() for u in request.POST.get("urls", "").splitlines() if u.strip()]
    if not urls:
        return HttpResponseBadRequest(_("Type at least one web address, one a line."))
    urls = urls[:MAX_URLS]
    try:
        from onrecord import capture as capture_module
    except ImportError:
        return HttpResponseBadRequest(
            _("This copy of onrecord cannot capture pages yet. Save the page as a file and add it.")
        )
    web = state()
    config = web.settings.config
    if config is None:
        return HttpResponseBadRequest(
            _("Captures need onrecord's settings: start it with `onrecord serve`.")
        )
    note = request.POST.get("note", "").strip()

    def work(job: Job) -> None:
        job.total, job.stage = len(urls), _("Capturing")
        outcomes = capture_module.capture_urls(
            vault(),
            Case.objects.get(pk=case.pk),
            urls,
            config=config,
            note=note,
            profile=web.settings.capture_profile,
        )
        for outcome in outcomes:
            job.advance(1)
            job.lines.append(f"{outcome.status}: {outcome.url} {outcome.message}".strip())
        job.failed = all(o.status == "failed" for o in outcomes)
        job.stage = _("Finished")

    job = web.start_job(case.pk, _("Capturing %(n)s page(s)") % {"n": len(urls)}, work)
    return HttpResponseRedirect(reverse("job", args=[job.id]))


@require_GET
def job_status(request: HttpRequest, job_id: str) -> HttpResponse:
    """The job's progress: a whole page, or (polled by htmx) the progress block alone."""
    job = state().jobs.get(job_id)
    if job is None:
        raise Http404(_("That job is not known (the app was restarted or locked)."))
    template = "_job.html" if request.headers.get("HX-Request") else "job.html"
    return page(request, template, {"job": job, "case": case_or_404(request, job.case_id)})


@require_GET
def exhibit_download(request: HttpRequest, case_id: int, exhibit: int) -> StreamingHttpResponse:
    """An exhibit's exact bytes: as an attachment, or a raster image for a revealed message."""
    case = case_or_404(request, case_id, "view_evidence")
    found = Evidence.objects.filter(case=case, exhibit=exhibit).first()
    if found is None or found.purged_at is not None:
        raise Http404(_("That exhibit is not in this case (or was purged)."))
    inline = request.GET.get("inline") == "1" and found.media_type in RASTER_TYPES
    if server_mode():  # logged in the case as evidence.view, naming the staff account
        chunks = open_evidence(vault(), staff(request), case, exhibit)
    else:
        chunks = vault().blobs.open_chunks(found.blob_id)
    response = StreamingHttpResponse(
        chunks,
        content_type=found.media_type if inline else "application/octet-stream",
    )
    name = f"exhibit-{exhibit}-" + file_name(found.original_name, "file")
    response["Content-Disposition"] = content_disposition_header(not inline, name) or ""
    response["Content-Length"] = str(found.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
