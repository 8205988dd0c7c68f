"""The real commands: ``onrecord serve`` answers on 127.0.0.1 and locks on Ctrl+C, and
``onrecord demo`` run by a script prints how to open the app and exits (it never hangs)."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from conftest import cli_env, run_onrecord


def test_serve_listens_on_loopback_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_onrecord(home, "init", check=True)
    env = cli_env(home)
    env.pop("ONRECORD_PASSPHRASE")  # the person types it in the browser
    process = subprocess.Popen(
        [sys.executable, "-m", "onrecord", "serve", "--port", "0", "--no-browser"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "onrecord is open at http://127.0.0.1:" in line
        url = line.split("open at ")[1].split()[0]
        with urllib.request.urlopen(url.rstrip("/") + "/unlock", timeout=30) as answer:
            page = answer.read().decode()
            assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "Unlock your vault" in page
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert "the vault is locked" in out, err


def test_demo_in_a_script_prints_how_to_open_it_and_exits(tmp_path: Path) -> None:
    result = run_onrecord(tmp_path / "home", "demo", check=True)
    assert "onrecord serve" in result.stdout
    assert "Opening the web app" not in result.stdout
