"""Shared fixtures: real vaults in ``tmp_path``, on SQLite always and PostgreSQL when named.

Set ``ONRECORD_TEST_DATABASE_URL`` (``.ci/run`` does) to run every ``db_url`` test on
PostgreSQL too; each such test gets a schema of its own, dropped afterwards.

Migrating a new database costs seconds of Django's migration-state work, and hundreds of
tests start from a new vault. So each test session makes one vault per backend, and the
``vault`` fixture hands every test a copy of it: the folder copied, and on PostgreSQL the
database cloned from a template database (a database of its own, dropped afterwards). The
copy of a just-made vault is a just-made vault; tests that are about making one still call
``Vault.create`` themselves, and a ``db_url`` test without ``vault`` gets an empty schema.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

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


def database_url(name: str) -> str:
    """The URL of database ``name`` on the test server, its tables in ``public``."""
    url = urlunsplit(urlsplit(PG_URL)._replace(path=f"/{name}", query=""))
    return url + "?" + urlencode({"options": "-c search_path=public"})


def drop_database(name: str) -> None:
    import psycopg

    from onrecord.vault import database

    database.deactivate()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of one new encrypted vault on SQLCipher, closed, for copying."""
    home = tmp_path_factory.mktemp("template-sqlite") / "home"
    made, _recovery = Vault.create(home, passphrase=PASSPHRASE, kdf=FAST_KDF)
    made.close()
    return home


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The folder of one new encrypted vault on PostgreSQL, and its (template) database."""
    import psycopg

    name = f"template_{secrets.token_hex(6)}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        home = tmp_path_factory.mktemp("template-postgresql") / "home"
        made, _recovery = Vault.create(
            home, passphrase=PASSPHRASE, kdf=FAST_KDF, database_url=database_url(name)
        )
        made.close()
        yield home, name
    finally:
        drop_database(name)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """'' for the vault's own SQLite database, or a PostgreSQL URL on a fresh schema.

    Under the ``vault`` fixture, the PostgreSQL URL is that of a clone of the template vault's
    database instead.
    """
    if request.param == "sqlite":
        yield ""
        return
    import psycopg

    if "vault" in request.fixturenames:
        _home, template = request.getfixturevalue("postgres_template")
        name = f"t_{secrets.token_hex(6)}"
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        yield database_url(name)
        drop_database(name)
        return
    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in PG_URL else "?"
    yield PG_URL + separator + urlencode({"options": f"-c search_path={schema}"})
    from onrecord.vault import database

    database.deactivate()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def copy_vault(template: Path, home: Path, database_url: str = "") -> Vault:
    """Open a copy of the template vault's folder at ``home``."""
    shutil.copytree(template, home)
    return Vault.open(home, passphrase=PASSPHRASE, database_url=database_url)


@pytest.fixture
def vault(tmp_path: Path, db_url: str, request: pytest.FixtureRequest) -> Iterator[Vault]:
    """An encrypted vault, open, on each backend."""
    if db_url:
        template, _database = request.getfixturevalue("postgres_template")
    else:
        template = request.getfixturevalue("sqlite_template")
    made = copy_vault(template, tmp_path / "home", db_url)
    yield made
    made.close()


@pytest.fixture
def local_vault(tmp_path: Path, sqlite_template: Path) -> Iterator[Vault]:
    """An encrypted vault on its own SQLCipher database (the laptop default)."""
    made = copy_vault(sqlite_template, tmp_path / "home")
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
