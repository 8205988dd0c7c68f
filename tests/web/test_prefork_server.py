"""``onrecord serve`` on the organisation server: gunicorn's processes, for real.

Each test starts the real command on a free port of 127.0.0.1 against a PostgreSQL vault,
with the passphrase as a file (as systemd gives it), and talks HTTP to it: the health
endpoint, a staff login and a case page, a session shared by two servers, a graceful
restart that needs no second unlock, and a clean stop.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from conftest import PASSPHRASE, cli_env
from onrecord.cases.records import create_case
from onrecord.server.accounts import add_user, share_case
from onrecord.vault.home import Vault
from web.conftest import SERVER_MODE, STAFF_PASSWORD

pytestmark = SERVER_MODE
EMAIL = "advocate@helpline.example"
TITLE = "Synthetic prefork case"


@dataclass
class Served:
    """One running ``onrecord serve``: its process, address and what it printed first."""

    process: subprocess.Popen[str]
    url: str

    def children(self) -> set[int]:
        """The worker processes the master forked."""
        found = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.add(int(stat.parent.name))
        return found

    def wait_for_workers(self, count: int, *, not_in: frozenset[int] = frozenset()) -> set[int]:
        """The workers, once ``count`` are running and none of them is in ``not_in``."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = self.children()
            if len(found) == count and not found & not_in:
                return found
            time.sleep(0.1)
        raise AssertionError(f"workers {self.children()}, wanted {count} new ones")

    def stop(self) -> tuple[int, str, str]:
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=60)
        return self.process.returncode, out, err


@dataclass
class Site:
    home: Path
    env: dict[str, str]
    case_id: int
    secret: Path


@pytest.fixture
def site(vault: Vault, db_url: str, tmp_path: Path) -> Site:
    case = create_case(vault, title=TITLE, jurisdiction="GB", time_zone="UTC", operator="lead")
    add_user(EMAIL, STAFF_PASSWORD)
    share_case(vault, case, EMAIL, "advocate", operator="lead")
    secret = tmp_path / "credentials" / "passphrase"
    secret.parent.mkdir()
    secret.write_text(PASSPHRASE + "\n")
    env = cli_env(vault.home, ONRECORD_DATABASE_URL=db_url, ONRECORD_PASSPHRASE_FILE=str(secret))
    del env["ONRECORD_PASSPHRASE"]  # only the credential file, as under systemd
    return Site(vault.home, env, int(case.pk), secret)


Start = Callable[..., Served]


@pytest.fixture
def serve(site: Site) -> Iterator[Start]:
    started: list[Served] = []

    def start(workers: int = 2) -> Served:
        process = subprocess.Popen(
            [sys.executable, "-m", "onrecord", "serve", "--port", "0", "--no-browser",
             "--workers", str(workers), "--threads", "2"],
            env=site.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "onrecord is open at http://127.0.0.1:" in line, line + process.stderr.read()
        served = Served(process, line.split("open at ")[1].split()[0].rstrip("/"))
        started.append(served)
        return served

    yield start
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.communicate(timeout=30)


class Staff:
    """A browser's worth of cookies, logged in by the real login form."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str) -> tuple[int, str]:
        try:
            with self.opener.open(url, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode()

    def log_in(self, base: str) -> None:
        self.get(base + "/login")
        token = self.cookie("onrecord_csrf")
        form = {"email": EMAIL, "password": STAFF_PASSWORD, "csrfmiddlewaretoken": token}
        request = urllib.request.Request(base + "/login", urlencode(form).encode())
        with self.opener.open(request, timeout=30) as answer:
            assert answer.status == 200 and not answer.url.endswith("/login")

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)


def test_serves_health_and_a_logged_in_page_from_several_processes_and_stops(
    site: Site, serve: Start
) -> None:
    served = serve()
    workers = served.wait_for_workers(2)
    with urllib.request.urlopen(served.url + "/healthz", timeout=30) as answer:
        assert json.loads(answer.read()) == {"status": "ok"}
    staff = Staff()
    assert staff.get(served.url + f"/cases/{site.case_id}/review")[1].count('name="password"')
    staff.log_in(served.url)
    for _ in range(6):  # several requests, several threads and processes
        status, page = staff.get(served.url + f"/cases/{site.case_id}/")
        assert status == 200 and TITLE in page
    code, out, err = served.stop()
    assert code == 0, err
    assert "Stopped: the vault is locked." in out
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    requests = [json.loads(line) for line in err.splitlines() if '"onrecord.web.requests"' in line]
    assert {"/cases/<int:case_id>/review", "/healthz"} <= {r["path"] for r in requests}
    assert not re.search(rf"/cases/{site.case_id}\b", err)  # no address with its number


def test_two_servers_share_staff_sessions(site: Site, serve: Start) -> None:
    """Cookies go to any port of a host (browsers and ``http.cookiejar`` alike), so one
    login reaches both servers, as it reaches two machines behind one proxy."""
    first, second = serve(1), serve(1)
    staff = Staff()
    staff.log_in(first.url)
    status, page = staff.get(second.url + f"/cases/{site.case_id}/")
    assert status == 200 and TITLE in page
    logout = {"csrfmiddlewaretoken": staff.cookie("onrecord_csrf")}
    staff.opener.open(urllib.request.Request(second.url + "/logout", urlencode(logout).encode()))
    status, page = staff.get(first.url + f"/cases/{site.case_id}/")
    assert 'name="password"' in page  # logged out on both


def test_sighup_replaces_the_workers_without_unlocking_again(site: Site, serve: Start) -> None:
    served = serve()
    staff = Staff()
    staff.log_in(served.url)
    before = served.wait_for_workers(2)
    site.secret.unlink()  # a second unlock could not read the passphrase now
    served.process.send_signal(signal.SIGHUP)
    served.wait_for_workers(2, not_in=frozenset(before))
    status, page = staff.get(served.url + f"/cases/{site.case_id}/")
    assert status == 200 and TITLE in page
    assert served.stop()[0] == 0
