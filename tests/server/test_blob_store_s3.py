"""The organisation server with its evidence in an S3 bucket, through the real commands.

moto's S3 server on 127.0.0.1 (``s3_server``) and the real PostgreSQL: a case with files
and a Slack export imported by a worker, verified; backed up and restored into the vault
folder and into another prefix; the refusals a person meets, each with what to do.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from conftest import PG_URL, run_onrecord
from objectstore import bucket_of, client, objects, store_env
from onrecord.vault.objectstore import StoreSettings
from server.test_backup import make_case, summary, verified

pytest_plugins = ["s3_server"]

Onrecord = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def new_database() -> Iterator[Callable[[], str]]:
    """Empty PostgreSQL databases to restore into, as URLs; dropped afterwards."""
    import psycopg

    made: list[str] = []

    def make() -> str:
        name = f"restore_s3_{secrets.token_hex(5)}"
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        made.append(name)
        return urlunsplit(urlsplit(PG_URL)._replace(path=f"/{name}", query=""))

    yield make
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        for name in made:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def runner(home: Path, db_url: str, store: StoreSettings | None) -> Onrecord:
    extra = {"ONRECORD_DATABASE_URL": db_url, **(store_env(store) if store else {})}

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_onrecord(home, *args, check=check, **extra)

    return run


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_an_s3_vault_imports_verifies_backs_up_and_restores(
    tmp_path: Path, db_url: str, s3_store: StoreSettings, new_database: Callable[[], str]
) -> None:
    home = tmp_path / "home"
    onrecord = runner(home, db_url, s3_store)
    before = make_case(tmp_path, onrecord, queued=True)  # the export is imported by a worker
    stored = objects(s3_store)
    assert len(stored) == 3 and all(k.startswith("vault-a/") for k in stored)
    assert not list((home / "blobs").glob("??"))  # nothing but tmp/ in the vault folder
    assert verified(onrecord)["ok"] is True

    forgotten = runner(home, db_url, None)("case", "list", check=False)
    assert forgotten.returncode == 1 and f"ONRECORD_BLOB_STORE={s3_store.url}" in forgotten.stderr

    backup = tmp_path / "backup"
    made = json.loads(onrecord("backup", "-o", str(backup), "--json").stdout)
    assert made["blobs"] == 3
    copied = {p.name: p.read_bytes() for p in (backup / "vault" / "blobs").glob("??/*")}
    assert copied == {key.rsplit("/", 1)[1]: data for key, data in stored.items()}

    # into the vault folder of a new server
    target = new_database()
    to_files = runner(tmp_path / "files", target, None)
    to_files("restore", str(backup), "--home", str(tmp_path / "files"), "--database-url", target)
    assert "blob_store" not in json.loads((tmp_path / "files" / "vault.json").read_bytes())
    assert len(list((tmp_path / "files" / "blobs").glob("??/*"))) == 3
    assert verified(to_files)["ok"] is True
    assert summary(json.loads(to_files("case", "show", "1", "--json").stdout)) == summary(before)

    # into another prefix of the bucket
    other = replace(s3_store, url=s3_store.url.replace("vault-a", "vault-b"))
    target = new_database()
    to_s3 = runner(tmp_path / "s3", target, other)
    restored = to_s3(
        "restore", str(backup), "--home", str(tmp_path / "s3"), "--database-url", target, "--json"
    )
    assert json.loads(restored.stdout)["blob_store"] == other.url
    assert sum(k.startswith("vault-b/") for k in objects(s3_store)) == 3
    assert verified(to_s3)["ok"] is True
    assert summary(json.loads(to_s3("case", "show", "1", "--json").stdout)) == summary(before)
    assert other.url in to_s3("log", "vault", "--json").stdout  # the restore names the store

    # into a prefix that already holds a vault's blobs: refused, nothing written
    target = new_database()
    refused = runner(tmp_path / "no", target, s3_store)(
        "restore", str(backup), "--home", str(tmp_path / "no"), "--database-url", target,
        check=False,
    )  # fmt: skip
    assert refused.returncode == 1 and "already holds objects" in refused.stderr
    assert not (tmp_path / "no").exists() and len(objects(s3_store)) == 6


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_a_missing_bucket_stores_nothing_and_records_nothing(
    tmp_path: Path, db_url: str, s3_store: StoreSettings
) -> None:
    onrecord = runner(tmp_path / "home", db_url, s3_store)
    onrecord("init")
    onrecord("case", "new", "Gone bucket", "--jurisdiction", "GB")
    client(s3_store).delete_bucket(Bucket=bucket_of(s3_store))
    photo = tmp_path / "threat.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(3000))
    result = onrecord("add", "1", str(photo), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"bucket {bucket_of(s3_store)!r} does not exist" in result.stderr
    assert json.loads(onrecord("case", "show", "1", "--json").stdout)["exhibits"] == []
    assert list((tmp_path / "home" / "blobs" / "tmp").iterdir()) == []


def test_a_laptop_restore_into_an_object_store_is_refused(
    tmp_path: Path, s3_store: StoreSettings
) -> None:
    laptop = runner(tmp_path / "home", "", None)
    laptop("init")
    backup = tmp_path / "backup"
    laptop("backup", "-o", str(backup))
    result = runner(tmp_path / "restored", "", s3_store)(
        "restore", str(backup), "--home", str(tmp_path / "restored"), check=False
    )
    assert result.returncode == 1 and "for the organisation server" in result.stderr
    assert not (tmp_path / "restored").exists() and objects(s3_store) == {}
