"""The deployment files name real commands, options and settings, and the worker unit runs.

Docker is not available on the development machines, so ``deploy/compose.yaml`` is parsed
and checked, not started. The systemd worker unit's command and environment file are run
for real: two worker processes sharing one vault folder and one PostgreSQL database.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from conftest import PASSPHRASE, cli_env, run_onrecord
from onrecord.cli import cli
from onrecord.config import SETTINGS
from server.exports import slack_zip

DEPLOY = Path(__file__).parents[2] / "deploy"
SETTING_VARIABLES = {s.env for s in SETTINGS}
SERVER_VARIABLES = {"ONRECORD_HOME", "ONRECORD_DATABASE_URL", "ONRECORD_PASSPHRASE_FILE"}


def parse_command(argv: list[str]) -> click.Context:
    """Parse ``onrecord ...`` as the real CLI would; unknown commands or options raise."""
    assert Path(argv[0]).name == "onrecord", argv
    command = cli.get_command(click.Context(cli), argv[1])
    assert command is not None, f"no command onrecord {argv[1]}"
    return command.make_context(argv[1], list(argv[2:]))


def unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's keys (a key may repeat, as Environment= does)."""
    keys: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def env_file() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "onrecord.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key] = value
    return values


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_the_environment_file_sets_only_real_settings() -> None:
    values = env_file()
    assert set(values) <= SETTING_VARIABLES
    assert {"ONRECORD_HOME", "ONRECORD_DATABASE_URL"} <= set(values)
    assert values["ONRECORD_DATABASE_URL"].startswith("postgresql://")
    commented = (DEPLOY / "onrecord.env.example").read_text()
    assert "# ONRECORD_PASSPHRASE_FILE=" in commented  # the units set it from a credential


@pytest.mark.parametrize("name", ["onrecord-web.service", "onrecord-worker@.service"])
def test_systemd_units_run_real_commands_with_the_passphrase_as_a_credential(name: str) -> None:
    keys = unit(name)
    [start] = keys["ExecStart"]
    parsed = parse_command(shlex.split(start))
    assert parsed.info_name == ("serve" if "web" in name else "worker")
    assert keys["EnvironmentFile"] == ["/etc/onrecord/onrecord.env"]
    assert "ONRECORD_PASSPHRASE_FILE=%d/passphrase" in keys["Environment"]
    assert keys["LoadCredential"] == ["passphrase:/etc/onrecord/passphrase"]
    assert keys["User"] == ["onrecord"] and keys["UMask"] == ["0077"]
    home = env_file()["ONRECORD_HOME"]
    assert any(home.startswith(path) for path in keys["ReadWritePaths"])


def test_compose_has_postgres_web_two_workers_and_one_shared_vault_volume() -> None:
    spec = compose()
    services: dict[str, dict[str, Any]] = spec["services"]
    assert {"postgres", "init", "web", "worker-1", "worker-2"} == set(services)
    workers = [s for s in services.values() if s.get("command", [])[:2] == ["onrecord", "worker"]]
    assert len(workers) == 2
    assert parse_command(services["web"]["command"]).info_name == "serve"
    onrecord_services = [s for n, s in services.items() if n != "postgres"]
    for service in onrecord_services:
        parse_command(service["command"])
        environment: dict[str, str] = service["environment"]
        assert SERVER_VARIABLES <= set(environment) <= SETTING_VARIABLES
        assert environment["ONRECORD_DATABASE_URL"].startswith("postgresql://")
        assert "@postgres:5432/" in environment["ONRECORD_DATABASE_URL"]
        [volume] = service["volumes"]
        name, mount = volume.split(":")
        assert name == "blobs" and environment["ONRECORD_HOME"].startswith(mount + "/")
        assert service["secrets"] == ["onrecord_passphrase"]
        assert environment["ONRECORD_PASSPHRASE_FILE"] == "/run/secrets/onrecord_passphrase"
        assert (DEPLOY / service["env_file"]).is_file()
    assert set(spec["volumes"]) == {"pgdata", "blobs"}
    assert services["postgres"]["environment"]["POSTGRES_DB"] == "onrecord"
    published = services["web"]["ports"]
    assert all(p.startswith("127.0.0.1:") for p in published)  # behind a proxy, never bare
    assert (DEPLOY / spec["services"]["web"]["build"]["dockerfile"].split("/")[-1]).is_file()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_the_worker_unit_command_runs_twice_on_one_shared_home(tmp_path: Path, db_url: str) -> None:
    """Two worker processes, as two machines would run them: same home, same database."""
    home = tmp_path / "shared" / "home"
    secret = tmp_path / "credentials" / "passphrase"
    secret.parent.mkdir()
    secret.write_text(PASSPHRASE + "\n")
    secret.chmod(0o600)
    settings = {**env_file(), "ONRECORD_HOME": str(home), "ONRECORD_DATABASE_URL": db_url}
    settings["ONRECORD_PASSPHRASE_FILE"] = str(secret)
    env = cli_env(home, **settings)
    del env["ONRECORD_PASSPHRASE"]  # only the credential file, as under systemd

    def onrecord(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done

    [start] = unit("onrecord-worker@.service")["ExecStart"]
    worker = [str(Path(sys.executable).parent / "onrecord")]  # the installed console script
    worker += [*shlex.split(start)[1:], "--once"]
    run_onrecord(home, "init", check=True, **settings)
    for number in range(2):
        run_onrecord(home, "case", "new", f"Case {number}", "--jurisdiction", "GB", check=True,
                     **settings)  # fmt: skip
        export = tmp_path / f"export-{number}.zip"
        slack_zip(export, days=3, per_day=20, seed=str(number))
        run_onrecord(home, "queue", "import", str(number + 1), str(export), check=True, **settings)
    first = subprocess.Popen(worker, env=env, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(worker, env=env, stderr=subprocess.PIPE, text=True)
    for process in (first, second):
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    listed = json.loads(onrecord(worker[0], "queue", "list", "--json").stdout)
    assert [j["status"] for j in listed] == ["succeeded", "succeeded"]
    verified = json.loads(onrecord(worker[0], "verify", "--json").stdout)
    assert verified["ok"] is True
