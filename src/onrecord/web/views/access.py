"""Getting in and out: create the vault, unlock, lock, helper mode, the safety page.

The safety page and the unlock page show nothing from the vault, so they work while it is
locked. A wrong passphrase changes nothing and says so plainly.
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django.views.static import serve

from onrecord.errors import VaultError, VaultLockedError
from onrecord.steps.safety import EMERGENCY, HOTLINES, SAFETY_PLAN
from onrecord.vault.home import Vault
from onrecord.web.views.common import page, state
from onrecord.web.views.login import logout

ROLES = [
    ("person", gettext_lazy("It is happening to me")),
    ("helper", gettext_lazy("I am helping someone I trust")),
]
STATIC_ROOT = Path(__file__).resolve().parent.parent / "static"


class UnlockForm(forms.Form):
    passphrase = forms.CharField(
        label=gettext_lazy("Passphrase"), strip=False, widget=forms.PasswordInput
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Who is using onrecord now?"),
        choices=ROLES,
        initial="person",
        widget=forms.RadioSelect,
    )
    helper_name = forms.CharField(
        label=gettext_lazy("Helper's name (kept in the record of who did what)"),
        required=False,
        max_length=100,
    )


class SetupForm(forms.Form):
    passphrase = forms.CharField(
        label=gettext_lazy("Choose a passphrase (at least 10 characters)"),
        strip=False,
        min_length=10,
        widget=forms.PasswordInput,
    )
    again = forms.CharField(
        label=gettext_lazy("Type it again"), strip=False, widget=forms.PasswordInput
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("passphrase") and data.get("passphrase") != data.get("again"):
            raise forms.ValidationError(_("The two passphrases are not the same. Type both again."))
        return data


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Make a new encrypted vault when there is none yet, and show its recovery key once."""
    web = state()
    if web.server_mode:  # the operator makes the server's vault with `onrecord init`
        return HttpResponseRedirect(reverse("login"))
    if Vault.exists(web.settings.home):
        return HttpResponseRedirect(reverse("unlock"))
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made, recovery = Vault.create(
            web.settings.home,
            passphrase=form.cleaned_data["passphrase"],
            kdf=web.settings.kdf,
            database_url=web.settings.database_url,
        )
        made.close()
        generation = web.unlock(form.cleaned_data["passphrase"])
        request.session.cycle_key()
        request.session["generation"] = generation
        request.session["role"] = "person"
        return page(request, "setup_done.html", {"recovery_key": recovery})
    return page(request, "setup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def unlock(request: HttpRequest) -> HttpResponse:
    web = state()
    if web.server_mode:  # staff log in with their own accounts; no passphrase in a browser
        return HttpResponseRedirect(reverse("login"))
    if not Vault.exists(web.settings.home):
        return HttpResponseRedirect(reverse("setup"))
    target = request.POST.get("next") or request.GET.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = reverse("home")
    ticket = request.GET.get("ticket", "")
    if request.method == "GET" and ticket:
        generation = web.redeem_ticket(ticket)
        if generation is not None:
            request.session.cycle_key()
            request.session["generation"] = generation
            request.session["role"] = "person"
            return HttpResponseRedirect(target)
    form = UnlockForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            generation = web.unlock(form.cleaned_data["passphrase"])
        except VaultLockedError:
            error = _("That passphrase does not unlock this vault. Nothing was changed; try again.")
        except VaultError as exc:
            error = str(exc)
        else:
            request.session.cycle_key()
            request.session["generation"] = generation
            request.session["role"] = form.cleaned_data["role"]
            request.session["helper_name"] = form.cleaned_data["helper_name"].strip()
            return HttpResponseRedirect(target)
    return page(request, "unlock.html", {"form": form, "error": error, "next": target})


@require_POST
def lock(request: HttpRequest) -> HttpResponse:
    """Lock the vault for everyone now (the Lock button, and the page's idle timer).

    On the organisation server the button logs this person out and the vault stays open
    for the other staff.
    """
    if state().server_mode:
        return logout(request)
    state().lock()
    request.session.flush()
    return HttpResponseRedirect(reverse("unlock") + "?locked=1")


@require_http_methods(["GET", "POST"])
def helper(request: HttpRequest) -> HttpResponse:
    """Helper mode: the helper reviews; the person harassed sees summaries only.

    Turning it on is one click; turning it off needs the passphrase, so it is not undone by
    accident while the helper is away.
    """
    web = state()
    if web.server_mode:  # staff roles replace helper mode on the organisation server
        raise Http404(_("Helper mode is for one person's own computer."))
    error = ""
    if request.method == "POST":
        if request.POST.get("mode") == "on":
            web.helper_mode = True
        elif web.check_passphrase(request.POST.get("passphrase", "")):
            web.helper_mode = False
        else:
            error = _("That passphrase does not unlock this vault, so helper mode stays on.")
        if not error:
            return HttpResponseRedirect(reverse("helper"))
    return page(request, "helper.html", {"error": error})


def safety_page(request: HttpRequest) -> HttpResponse:
    """Emergency numbers, hotlines and a safety plan; nothing from the vault."""
    wanted = request.GET.get("country", "").upper()[:2]
    countries = [
        {"code": code, "emergency": number, "hotlines": HOTLINES.get(code, ())}
        for code, number in EMERGENCY.items()
    ]
    countries.sort(key=lambda c: (c["code"] != wanted, c["code"]))
    return page(request, "safety.html", {"countries": countries, "plan": SAFETY_PLAN})


def static(request: HttpRequest, path: str) -> FileResponse | HttpResponse:
    response = serve(request, path, document_root=str(STATIC_ROOT))
    response["Cache-Control"] = "max-age=3600"
    return response


def no_icon(request: HttpRequest) -> HttpResponse:
    """No icon: a tab named "onrecord" with a logo is easier to notice over a shoulder."""
    return HttpResponse(status=204)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    response = page(
        request,
        "error.html",
        {
            "title": _("This form was too old to send"),
            "message": _(
                "For your safety, each form works once, from this app only. Go back, reload the "
                "page, and send it again."
            ),
        },
    )
    response.status_code = 403
    return response
