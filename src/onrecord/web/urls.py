"""Every address of the web app, one flow per group."""

from __future__ import annotations

from django.urls import path

from onrecord.web.views import (
    access,
    cases,
    evidence,
    invites,
    login,
    patterns,
    plan,
    records,
    review,
    work,
)

urlpatterns = [
    path("", cases.home, name="home"),
    path("setup", access.setup, name="setup"),
    path("unlock", access.unlock, name="unlock"),
    path("lock", access.lock, name="lock"),
    path("login", login.login, name="login"),
    path("login/code", login.login_code, name="login_code"),
    path("logout", login.logout, name="logout"),
    path("healthz", login.healthz, name="healthz"),
    path("invite/<str:token>", invites.accept, name="invite"),
    path("account/second-factor", invites.second_factor, name="second_factor"),
    path("helper", access.helper, name="helper"),
    path("safety", access.safety_page, name="safety"),
    path("static/<path:path>", access.static, name="static"),
    path("favicon.ico", access.no_icon),
    path("cases/new", cases.case_new, name="case_new"),
    path("cases/<int:case_id>/", cases.case_overview, name="case"),
    path("cases/<int:case_id>/review", review.queue, name="review"),
    path("cases/<int:case_id>/items/<int:item_id>/reveal", review.reveal, name="reveal"),
    path("cases/<int:case_id>/items/<int:item_id>/decide", review.decide, name="decide"),
    path("cases/<int:case_id>/plan", plan.plan_page, name="plan"),
    path("cases/<int:case_id>/documents/<str:kind_key>/preview", plan.preview, name="preview"),
    path("cases/<int:case_id>/documents/<str:kind_key>/download", plan.download, name="download"),
    path("cases/<int:case_id>/actions", plan.add_action, name="action_add"),
    path("cases/<int:case_id>/actions/<int:action_id>", plan.update_action, name="action_update"),
    path("cases/<int:case_id>/evidence", evidence.evidence_page, name="evidence"),
    path("cases/<int:case_id>/evidence/upload", evidence.upload, name="upload"),
    path("cases/<int:case_id>/evidence/import", work.import_export, name="import"),
    path("cases/<int:case_id>/evidence/capture", work.capture, name="capture"),
    path(
        "cases/<int:case_id>/exhibits/<int:exhibit>",
        evidence.exhibit_download,
        name="exhibit",
    ),
    path("jobs/<str:job_id>", work.job_status, name="job"),
    path("cases/<int:case_id>/triage", work.triage, name="triage"),
    path("cases/<int:case_id>/journal", records.journal, name="journal"),
    path("cases/<int:case_id>/verify", records.verify_page, name="verify"),
    path("cases/<int:case_id>/export", records.export_page, name="export"),
    path("cases/<int:case_id>/export/bag", records.export_download, name="export_bag"),
    path("cases/<int:case_id>/patterns", patterns.patterns_page, name="patterns"),
]
