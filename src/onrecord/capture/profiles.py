"""Logged-in browser profiles for captures, kept encrypted in the vault.

Most harassment sits behind a login. ``onrecord browser login NAME`` opens a visible
browser once; the person logs in and closes it. The profile folder (cookies, local storage)
is packed, encrypted with the vault's key and stored; on disk it exists in plain form only
while a browser uses it, in a private work folder that is removed afterwards. The password
manager is switched off before the browser starts, and the files where Chromium keeps
saved passwords and form data are left out of what is stored, so passwords never are.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import transaction
from playwright.sync_api import BrowserContext
from playwright.sync_api import Error as PlaywrightError

from onrecord.capture.browser import find_chromium, launch_args, playwright_session
from onrecord.cases.models import BrowserProfile
from onrecord.config import Config
from onrecord.errors import ConfigError, InputError
from onrecord.vault.custody import utc_now
from onrecord.vault.home import Vault
from onrecord.vault.models import VAULT_LOG, Blob

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# Never stored: saved passwords, autofill, and what is only cache.
LEFT_OUT = re.compile(
    r"(^|/)(Login Data|Login Data For Account|Web Data|Account Web Data|Affiliation Database|"
    r"Cache|Code Cache|GPUCache|DawnCache|GrShaderCache|ShaderCache|GraphiteDawnCache|"
    r"Crashpad|BrowserMetrics|Safe Browsing|component_crx_cache|Service Worker/CacheStorage|"
    r"optimization_guide\w*|Singleton\w*|SingletonLock|RunningChromeVersion)"
    r"($|[-/ ])"
)
NO_PASSWORDS = {
    "credentials_enable_service": False,
    "credentials_enable_autosignin": False,
    "profile": {"password_manager_enabled": False},
    "autofill": {"profile_enabled": False, "credit_card_enabled": False},
}

STATE_FILE = "onrecord-storage-state.json"  # cookies, session cookies included

# A driver gets the browser and a function that saves its cookies; it returns when done.
Driver = Callable[[BrowserContext, Callable[[], None]], None]


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise InputError(
            f"{name!r} cannot name a browser profile: use letters, digits, '-', '_' or '.' "
            "(up to 64), for example 'x-account'."
        )
    return name


def wait_for_person(url: str) -> Driver:
    """Open ``url`` and wait until the person closes the browser window."""

    def drive(context: BrowserContext, save: Callable[[], None]) -> None:
        page = context.pages[0] if context.pages else context.new_page()
        if url:
            page.goto(url)
        # Closing the last window ends the browser, and with it the cookies that live only
        # for a session: save them every second while the person is logging in.
        while context.pages:
            save()
            with contextlib.suppress(PlaywrightError):
                context.pages[0].wait_for_event("close", timeout=1000)

    return drive


def login(
    vault: Vault, config: Config, name: str, drive: Driver, *, headless: bool = False
) -> BrowserProfile:
    """Run a browser on a fresh or existing profile, then store the profile encrypted."""
    check_name(name)
    with _work_dir(vault) as folder:
        if BrowserProfile.objects.filter(name=name).exists():
            _unpack(vault, name, folder)
        _switch_off_passwords(folder)
        with playwright_session() as playwright:
            try:
                context = playwright.chromium.launch_persistent_context(
                    folder,
                    executable_path=find_chromium(config),
                    headless=headless,
                    args=launch_args(config),
                )
            except Exception as exc:  # Playwright's Error carries the browser's words
                raise ConfigError(
                    "The browser window could not be opened "
                    f"({str(exc).strip().splitlines()[0]}). `onrecord browser login` needs a "
                    "screen: run it on your own computer, not over SSH."
                ) from None
            try:
                drive(context, lambda: save_state(context, folder))
                save_state(context, folder)
            finally:
                with contextlib.suppress(Exception):
                    context.close()
        return _store(vault, name, folder, config.operator)


@contextlib.contextmanager
def opened_profile(vault: Vault, name: str) -> Iterator[Path]:
    """The profile unpacked for one run of captures; stored again (fresh cookies) after."""
    check_name(name)
    profile = BrowserProfile.objects.filter(name=name).first()
    if profile is None:
        known = ", ".join(BrowserProfile.objects.values_list("name", flat=True)) or "none yet"
        raise InputError(
            f"There is no browser profile called {name!r} (known: {known}). "
            f"Create it with `onrecord browser login {name}`."
        )
    with _work_dir(vault) as folder:
        _unpack(vault, name, folder)
        _switch_off_passwords(folder)
        yield folder
        _store(vault, name, folder, profile.created_by)


def save_state(context: BrowserContext, folder: Path) -> None:
    """Keep the browser's cookies (session cookies too) with the profile."""
    with contextlib.suppress(PlaywrightError):
        state = context.storage_state()
        (folder / STATE_FILE).write_text(json.dumps({"cookies": state["cookies"]}), "utf-8")


def restore_state(context: BrowserContext, folder: Path) -> None:
    """Give a browser started on the profile the cookies kept with it."""
    try:
        cookies = json.loads((folder / STATE_FILE).read_text("utf-8"))["cookies"]
    except (OSError, ValueError, KeyError):
        return
    with contextlib.suppress(PlaywrightError):
        context.add_cookies(cookies)


def forget(vault: Vault, name: str, operator: str) -> bool:
    profile = BrowserProfile.objects.filter(name=name).select_related("blob").first()
    if profile is None:
        return False
    sha256 = profile.blob.sha256
    with transaction.atomic():
        profile.delete()
        Blob.objects.filter(sha256=sha256, evidence__isnull=True, profiles__isnull=True).delete()
        vault.log(VAULT_LOG).append("browser.forget", operator, {"profile": name})
        vault.log(VAULT_LOG).seal(vault.signer)
    vault.blobs.delete(sha256)
    return True


@contextlib.contextmanager
def _work_dir(vault: Vault) -> Iterator[Path]:
    root = vault.home / "work"
    root.mkdir(mode=0o700, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="profile-", dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _switch_off_passwords(folder: Path) -> None:
    preferences = folder / "Default" / "Preferences"
    preferences.parent.mkdir(parents=True, exist_ok=True)
    try:
        current = json.loads(preferences.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        current = {}
    for key, value in NO_PASSWORDS.items():
        if isinstance(value, dict):
            current.setdefault(key, {}).update(value)
        else:
            current[key] = value
    preferences.write_text(json.dumps(current), encoding="utf-8")


def pack(folder: Path) -> bytes:
    """The profile folder as a tar.gz, without passwords, form data or caches."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder).as_posix()
            if LEFT_OUT.search(relative) or path.is_symlink() or not path.is_file():
                continue
            archive.add(path, arcname=relative, recursive=False)
    return buffer.getvalue()


def _store(vault: Vault, name: str, folder: Path, operator: str) -> BrowserProfile:
    stored = vault.blobs.put_stream(io.BytesIO(pack(folder)))
    vault.blobs.sync()
    now = utc_now()
    with transaction.atomic():
        blob, _ = Blob.objects.get_or_create(
            sha256=stored.sha256,
            defaults={
                "size": stored.size,
                "stored_name": stored.stored_name,
                "encrypted": vault.blobs.encrypted,
                "stored_at": now,
            },
        )
        profile = BrowserProfile.objects.filter(name=name).select_related("blob").first()
        old = profile.blob.sha256 if profile and profile.blob.sha256 != blob.sha256 else None
        if profile is None:
            profile = BrowserProfile.objects.create(
                name=name, blob=blob, created_at=now, updated_at=now, created_by=operator
            )
        else:
            profile.blob, profile.updated_at = blob, now
            profile.save(update_fields=["blob", "updated_at"])
        vault.log(VAULT_LOG).append(
            "browser.profile", operator, {"profile": name, "sha256": blob.sha256}
        )
        if old:
            Blob.objects.filter(sha256=old, evidence__isnull=True, profiles__isnull=True).delete()
        vault.log(VAULT_LOG).seal(vault.signer)
    if old and not Blob.objects.filter(sha256=old).exists():
        vault.blobs.delete(old)
    return profile


def _unpack(vault: Vault, name: str, folder: Path) -> None:
    profile = BrowserProfile.objects.select_related("blob").get(name=name)
    data = b"".join(vault.blobs.open_chunks(profile.blob.sha256))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        archive.extractall(folder, filter="data")
