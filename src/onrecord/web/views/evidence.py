"""Adding evidence (files dropped or pasted) and getting an exhibit back out.

Files go through ``cases.evidence.add_files`` like ``onrecord add``: stored untouched,
hashed, encrypted and logged. Imports and captures take long: they are jobs
(``views.work``). An exhibit is always served as a download: never inline
from this origin (an HTML, SVG or PDF file could otherwise run in the app's name), with
``nosniff`` and a sandboxing policy. Only raster images (PNG, JPEG, GIF, WebP) can be shown
in a page, and only when a person reveals the message carrying them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
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
from onrecord.cases.models import Evidence
from onrecord.importers.registry import IMPORTERS
from onrecord.server.permissions import open_evidence
from onrecord.web.uploads import SpooledUpload
from onrecord.web.views.common import (
    case_or_404,
    operator,
    page,
    server_mode,
    staff,
    vault,
)
from onrecord.web.views.review import RASTER_TYPES


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
    streams = [NamedStream(f.name or "unnamed", _reader(f)) for f in files]
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


def _reader(uploaded: UploadedFile) -> Callable[[], IO[bytes]]:
    """How to read an upload from its start: never from memory or a plaintext temporary file."""
    if not isinstance(uploaded, SpooledUpload):
        raise ImproperlyConfigured("uploads must go through onrecord.web.uploads (settings)")
    return uploaded.reopen


def file_name(name: str, fallback: str) -> str:
    """A harmless file name for a download or a temporary copy (never a path, never empty)."""
    try:
        return get_valid_filename(Path(name.replace("\\", "/")).name) or fallback
    except SuspiciousFileOperation:
        return fallback


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
