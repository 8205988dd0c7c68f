"""Shared fixtures: real vaults in ``tmp_path``, on SQLite always and PostgreSQL when named.

Set ``ONRECORD_TEST_DATABASE_URL`` (``.ci/run`` does) to run every ``db_url`` test on
PostgreSQL too; each such test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from onrecord.django_setup import setup_django

setup_django()

from onrecord.vault.crypto import KdfParams  # noqa: E402
from onrecord.vault.home import Vault  # noqa: E402

PG_URL = os.environ.get("ONRECORD_TEST_DATABASE_URL", "")
FAST_KDF = KdfParams(memory_kib=8192, time_cost=1, parallelism=1)
PASSPHRASE = "correct horse battery staple"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
pytest_plugins = ["tsa"]  # the local_tsa fixture: a time-stamping authority on 127.0.0.1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if PG_URL:
        return
    skip = pytest.mark.skip(reason="ONRECORD_TEST_DATABASE_URL is not set")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """'' for the vault's own SQLite database, or a PostgreSQL URL on a fresh schema."""
    if request.param == "sqlite":
        yield ""
        return
    import psycopg

    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in PG_URL else "?"
    yield PG_URL + separator + urlencode({"options": f"-c search_path={schema}"})
    from onrecord.vault import database

    database.deactivate()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def vault(tmp_path: Path, db_url: str) -> Iterator[Vault]:
    """An encrypted vault, open, on each backend."""
    made, _recovery = Vault.create(
        tmp_path / "home", passphrase=PASSPHRASE, kdf=FAST_KDF, database_url=db_url
    )
    yield made
    made.close()


@pytest.fixture
def local_vault(tmp_path: Path) -> Iterator[Vault]:
    """An encrypted vault on its own SQLCipher database (the laptop default)."""
    made, _recovery = Vault.create(tmp_path / "home", passphrase=PASSPHRASE, kdf=FAST_KDF)
    yield made
    made.close()


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment for running ``onrecord`` as a separate process against ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONRECORD_")}
    env.update(
        ONRECORD_HOME=str(home),
        ONRECORD_PASSPHRASE=PASSPHRASE,
        ONRECORD_KDF_MEMORY_KIB=str(FAST_KDF.memory_kib),
        ONRECORD_KDF_TIME_COST=str(FAST_KDF.time_cost),
        ONRECORD_KDF_PARALLELISM=str(FAST_KDF.parallelism),
        ONRECORD_CONFIG=str(home.parent / "no-config.toml"),
        ONRECORD_OPERATOR="test-operator",
        ONRECORD_PROGRESS="never",
    )
    env.update(extra)
    return env


PEAK_WRAPPER = (
    "import re, sys\n"
    "from onrecord.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "finally:\n"
    "    status = open('/proc/self/status').read()  # VmHWM: this process image only\n"
    "    print('PEAK_KIB', re.search(r'VmHWM:\\s+(\\d+)', status).group(1), file=sys.stderr)\n"
)


def run_measured(home: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run the real command in a child process; also return its peak RSS in KiB.

    VmHWM, not ru_maxrss: Linux carries the parent's high-water mark across fork and exec.
    """
    result = subprocess.run(
        [sys.executable, "-c", PEAK_WRAPPER, *args],
        env=cli_env(home),
        capture_output=True,
        text=True,
        timeout=900,
    )
    peak = int(result.stderr.split("PEAK_KIB")[1].split()[0]) if "PEAK_KIB" in result.stderr else 0
    return result, peak


def run_onrecord(
    home: Path, *args: str, check: bool = False, **extra: str
) -> subprocess.CompletedProcess[str]:
    """Run the real command in a child process."""
    result = subprocess.run(
        [sys.executable, "-m", "onrecord", *args],
        env=cli_env(home, **extra),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"onrecord {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result
