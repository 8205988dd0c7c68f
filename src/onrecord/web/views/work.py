"""Long work started from the web (importing an export, capturing pages, triage) and the
page that follows it.

On a laptop the work runs in a thread of this process (``WebState.start_job``) and the
page polls its progress. On the organisation server it goes through the shared queue
(``server.jobs``): the uploaded export is stored as an exhibit and its job enqueued in
one transaction, so a web process that dies a moment later loses nothing and a worker
on any machine picks the job up; the page then reads the job's state (queued, running,
done, failed) from procrastinate's table. A job's page is shown only to staff who may
view its case; any other id is the same 404 as one that does not exist.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onrecord.cases.models import Case, ImportRun
from onrecord.errors import InputError
from onrecord.server import jobs
from onrecord.web.state import Job
from onrecord.web.views.common import case_or_404, operator, page, server_mode, state, vault
from onrecord.web.views.evidence import file_name

MAX_URLS = 50


def _follow(job_id: int | str) -> HttpResponse:
    return HttpResponseRedirect(reverse("job", args=[str(job_id)]))


@require_POST
def import_export(request: HttpRequest, case_id: int) -> HttpResponse:
    """Import an uploaded export (zip, JSON, CSV, mailbox...): a queued job or a thread."""
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
    if server_mode():
        try:
            _evidence, job_id = jobs.store_and_enqueue_import(
                vault(), case, target, operator=who, format_key=format_key
            )
        except InputError as exc:
            return HttpResponseBadRequest(str(exc))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return _follow(job_id)
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
        job.lines += _report_lines(
            report.items_added, report.format, report.duplicates, report.edits, report.attachments
        )
        for problem in report.problems:
            job.lines.append(f"{problem.file} {problem.position}: {problem.message}".strip())
        job.failed = report.failed and report.items_added == 0

    job = state().start_job(case.pk, _("Importing %(name)s") % {"name": target.name}, work)
    return _follow(job.id)


def _report_lines(added: int, format_key: str, dupes: int, edits: int, attach: int) -> list[str]:
    return [
        _(
            "Imported %(added)s message(s) (%(format)s): %(dupes)s already held, "
            "%(edits)s edited, %(attach)s attachment(s) stored."
        )
        % {
            "added": f"{added:,}",
            "format": format_key,
            "dupes": f"{dupes:,}",
            "edits": f"{edits:,}",
            "attach": f"{attach:,}",
        }
    ]


@require_POST
def capture(request: HttpRequest, case_id: int) -> HttpResponse:
    """Capture the web addresses the person typed, one page each: a queued job or a thread."""
    case = case_or_404(request, case_id, "edit")
    urls = [u.strip() for u in request.POST.get("urls", "").splitlines() if u.strip()]
    if not urls:
        return HttpResponseBadRequest(_("Type at least one web address, one a line."))
    urls = urls[:MAX_URLS]
    note = request.POST.get("note", "").strip()
    if server_mode():
        with transaction.atomic():
            job_id = jobs.enqueue_capture(case, urls, operator=operator(request), note=note)
        return _follow(job_id)
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
    return _follow(job.id)


@require_POST
def triage(request: HttpRequest, case_id: int) -> HttpResponse:
    """Sort the case's unlabelled messages by how serious they are: a queued job or a thread."""
    case = case_or_404(request, case_id, "label")
    who = operator(request)
    if server_mode():
        with transaction.atomic():
            job_id = jobs.enqueue_triage(case, operator=who)
        return _follow(job_id)

    def work(job: Job) -> None:
        from onrecord.cases.models import Item
        from onrecord.cases.triage import triage_case

        found = Case.objects.get(pk=case.pk)
        job.total, job.stage = Item.objects.filter(case=found).count(), _("Sorting")
        report = triage_case(vault(), found, who, progress=job.advance)
        job.lines.append(
            _("%(n)s message(s) sorted by how serious they are.") % {"n": f"{report.labelled:,}"}
        )
        job.stage = _("Finished")

    job = state().start_job(case.pk, _("Sorting messages"), work)
    return _follow(job.id)


@require_GET
def job_status(request: HttpRequest, job_id: str) -> HttpResponse:
    """The job's progress: a whole page, or (polled by htmx) the progress block alone."""
    if server_mode():
        job = _queued_job(request, job_id)
    else:
        found = state().jobs.get(job_id)
        if found is None:
            raise Http404(_("That job is not known (the app was restarted or locked)."))
        job = found
    template = "_job.html" if request.headers.get("HX-Request") else "job.html"
    return page(request, template, {"job": job, "case": case_or_404(request, job.case_id)})


def _titles() -> dict[str, str]:
    return {
        "onrecord.import": _("Importing an export"),
        "onrecord.capture": _("Capturing web pages"),
        "onrecord.triage": _("Sorting messages"),
        "onrecord.triage_part": _("Sorting part of the messages"),
        "onrecord.ocr": _("Reading a screenshot"),
    }


def _queued_job(request: HttpRequest, job_id: str) -> Job:
    """A job of the shared queue, for staff who may view its case (else 404, as if unknown)."""
    missing = _("That job is not known, or its case is not shared with this account.")
    queued = jobs.find_job(int(job_id)) if job_id.isdigit() and len(job_id) < 19 else None
    case = Case.objects.filter(uid=queued.case).first() if queued and queued.case else None
    if queued is None or case is None:
        raise Http404(missing)
    try:
        case = case_or_404(request, case.pk)
    except Http404:
        raise Http404(missing) from None
    job = Job(
        id=str(queued.id),
        case_id=case.pk,
        title=_titles().get(queued.task, queued.task),
        state=queued.state,
        finished=queued.state in ("done", "failed"),
        failed=queued.state == "failed",
    )
    if queued.state == "queued":
        job.stage = (
            _("Queued: waiting for a worker")
            if queued.attempts == 0
            else _("Queued again after %(n)s attempt(s)") % {"n": queued.attempts}
        )
    elif queued.state == "running" and queued.parts:
        job.stage = _("Sorting in %(parts)s parts, by every free worker: %(done)s done") % {
            "parts": queued.parts,
            "done": queued.parts_done,
        }
    elif queued.state == "running":
        job.stage = _("Running (attempt %(n)s)") % {"n": queued.attempts + 1}
    elif queued.state == "failed":
        job.lines.append(
            _(
                "Failed after %(n)s attempt(s). Anything already stored stays in the vault. "
                "The server's administrator can read why in the worker's log."
            )
            % {"n": queued.attempts}
        )
    else:
        job.lines.append(_("Done."))
        job.lines += _import_summary(case, queued)
    if queued.parts_failed:
        job.lines.append(
            _("%(n)s of its %(parts)s parts failed.")
            % {"n": queued.parts_failed, "parts": queued.parts}
        )
    return job


def _import_summary(case: Case, queued: jobs.QueuedJob) -> list[str]:
    if queued.task != "onrecord.import" or queued.exhibit is None:
        return []
    run = (
        ImportRun.objects.filter(case=case, evidence__exhibit=queued.exhibit)
        .order_by("-pk")
        .first()
    )
    if run is None:
        return []
    return _report_lines(
        run.items_added, run.format, run.duplicates, run.edits, run.attachments
    ) + [
        f"{p.get('file', '')} {p.get('position', '')}: {p.get('message', '')}".strip()
        for p in run.problems or []
    ]
