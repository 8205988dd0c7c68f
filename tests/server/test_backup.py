"""Backup and restore through the real commands: a case made, backed up, restored, verified.

Server backups run pg_dump against the real PostgreSQL and restore into a database made
for the test (dropped afterwards); laptop backups copy the SQLCipher file while open.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from conftest import PG_URL, run_onrecord
from server.exports import slack_zip

Onrecord = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def fresh_database() -> Iterator[Callable[[str], str]]:
    """Make empty PostgreSQL databases (with a schema of the given name); drop them after."""
    import psycopg

    made: list[str] = []

    def make(schema: str) -> str:
        name = f"restore_{secrets.token_hex(5)}"
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        made.append(name)
        url = urlunsplit(urlsplit(PG_URL)._replace(path=f"/{name}", query=""))
        if schema != "public":
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")
            url += "?" + urlencode({"options": f"-c search_path={schema}"})
        return url

    yield make
    if not made:
        return
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        for name in made:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def onrecord_for(home: Path, db_url: str) -> Onrecord:
    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_onrecord(home, *args, ONRECORD_DATABASE_URL=db_url, check=check)

    return run


def make_case(tmp_path: Path, onrecord: Onrecord, *, queued: bool) -> dict[str, object]:
    """A case with files, an import (queued on the server), a label and a journal entry."""
    onrecord("init")
    onrecord("case", "new", "Backed up", "--jurisdiction", "GB")
    photo, letter = tmp_path / "threat.png", tmp_path / "letter.pdf"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(3000))
    letter.write_bytes(b"%PDF-1.4\n" + secrets.token_bytes(70_000))
    onrecord("add", "1", str(photo), str(letter))
    export = tmp_path / "workspace.zip"
    slack_zip(export, days=4, per_day=25)
    if queued:
        onrecord("queue", "import", "1", str(export))
        onrecord("queue", "triage", "1")
        onrecord("worker", "--once")
    else:
        onrecord("import", "1", str(export))
        onrecord("triage", "1")
    items = json.loads(onrecord("items", "1", "--json").stdout)
    onrecord("label", "1", str(items[0]["id"]), "threat", "--note", "reviewed")
    onrecord("journal", "add", "1", "--what", "Messages all night", "--impact", "no sleep")
    shown: dict[str, object] = json.loads(onrecord("case", "show", "1", "--json").stdout)
    return shown


def summary(shown: dict[str, object]) -> tuple[object, ...]:
    exhibits = shown["exhibits"]
    assert isinstance(exhibits, list)
    return (shown["items"], [(e["exhibit"], e["sha256"]) for e in exhibits], shown["journal"])


def verified(onrecord: Onrecord) -> dict[str, object]:
    result = onrecord("verify", "--json", check=False)
    report: dict[str, object] = json.loads(result.stdout)
    assert (result.returncode == 0) == report["ok"]
    return report


def blob_file(backup: Path) -> Path:
    return sorted((backup / "vault" / "blobs").glob("??/*"))[0]


def test_laptop_backup_while_open_restores_and_verifies(tmp_path: Path) -> None:
    onrecord = onrecord_for(tmp_path / "home", "")
    before = make_case(tmp_path, onrecord, queued=False)
    backup = tmp_path / "backup"
    made = json.loads(onrecord("backup", "-o", str(backup), "--json").stdout)
    assert made["database"] == "sqlite" and made["blobs"] == 3  # two files and the export
    manifest = json.loads((backup / "manifest.json").read_bytes())
    assert "vault/onrecord.db" in manifest["files"] and "vault/keys.json" in manifest["files"]
    assert b"Messages all night" not in (backup / "vault" / "onrecord.db").read_bytes()

    restored = onrecord_for(tmp_path / "restored", "")
    result = restored("restore", str(backup), "--home", str(tmp_path / "restored"))
    assert "Run `onrecord verify`" in result.stdout
    assert verified(restored)["ok"] is True
    after = json.loads(restored("case", "show", "1", "--json").stdout)
    assert summary(after) == summary(before)
    assert "vault.backup" in onrecord("log", "vault").stdout  # each is on record
    assert "vault.restore" in restored("log", "vault").stdout
    assert verified(onrecord)["ok"] is True  # the original is untouched and still whole


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_server_backup_restores_into_a_new_database_and_verifies(
    tmp_path: Path, db_url: str, fresh_database: Callable[[str], str]
) -> None:
    onrecord = onrecord_for(tmp_path / "home", db_url)
    before = make_case(tmp_path, onrecord, queued=True)
    backup = tmp_path / "backup"
    made = json.loads(onrecord("backup", "-o", str(backup), "--json").stdout)
    assert made["database"] == "postgresql"
    listing = subprocess.run(
        ["pg_restore", "--list", str(backup / "database.dump")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "procrastinate_jobs" in listing and "cases_item" in listing

    # into the vault's own, non-empty database: refused, nothing written
    refused = onrecord(
        "restore", str(backup), "--home", str(tmp_path / "no"), "--database-url", db_url,
        check=False,
    )  # fmt: skip
    assert refused.returncode == 1 and "empty database only" in refused.stderr
    assert not (tmp_path / "no").exists()

    for schema in ("restored_vault", "public"):  # a renamed schema, and the default one
        target = fresh_database(schema)
        restored_home = tmp_path / f"restored-{schema}"
        restored = onrecord_for(restored_home, target)
        restored("restore", str(backup), "--home", str(restored_home), "--database-url", target)
        assert verified(restored)["ok"] is True
        after = json.loads(restored("case", "show", "1", "--json").stdout)
        assert summary(after) == summary(before)
        jobs = json.loads(restored("queue", "list", "--json").stdout)
        assert [j["task"] for j in jobs] == [
            "onrecord.triage_part",
            "onrecord.triage",
            "onrecord.import",
        ]
        assert {j["status"] for j in jobs} == {"succeeded"}


def test_an_altered_blob_in_a_backup_is_refused_then_named_by_verify(
    tmp_path: Path, db_url: str, fresh_database: Callable[[str], str]
) -> None:
    onrecord = onrecord_for(tmp_path / "home", db_url)
    make_case(tmp_path, onrecord, queued=False)
    backup = tmp_path / "backup"
    onrecord("backup", "-o", str(backup))
    altered = blob_file(backup)
    data = bytearray(altered.read_bytes())
    data[len(data) // 2] ^= 0x01
    altered.write_bytes(bytes(data))

    target = fresh_database("restored_vault") if db_url else ""
    restored_home = tmp_path / "restored"
    restored = onrecord_for(restored_home, target)
    command = ["restore", str(backup), "--home", str(restored_home)]
    command += ["--database-url", target] if target else []
    refused = restored(*command, check=False)
    assert refused.returncode == 1
    assert "does not match its manifest" in refused.stderr and altered.name in refused.stderr
    assert "Nothing was restored" in refused.stderr and not restored_home.exists()

    result = restored(*command, "--allow-damaged")
    assert altered.name in result.stderr
    report = verified(restored)
    assert report["ok"] is False
    checks = report["checks"]
    assert isinstance(checks, list)
    bad = [c for c in checks if c["state"] != "ok"]
    assert len(bad) == 1 and bad[0]["state"] == "altered"
    assert bad[0]["subject"].startswith("case 1, exhibit ")


def test_a_manifest_edited_to_hide_a_change_fails_its_signature(tmp_path: Path) -> None:
    onrecord = onrecord_for(tmp_path / "home", "")
    make_case(tmp_path, onrecord, queued=False)
    backup = tmp_path / "backup"
    onrecord("backup", "-o", str(backup))
    altered = blob_file(backup)
    altered.write_bytes(altered.read_bytes()[:-1])
    manifest = json.loads((backup / "manifest.json").read_bytes())
    name = altered.relative_to(backup).as_posix()
    manifest["files"][name]["size"] -= 1
    (backup / "manifest.json").write_text(json.dumps(manifest))
    restored = onrecord_for(tmp_path / "restored", "")
    result = restored("restore", str(backup), "--home", str(tmp_path / "restored"), check=False)
    assert result.returncode == 1 and "not signed by the vault it describes" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "restored").exists()


def test_backup_refuses_a_folder_that_is_not_empty_and_a_folder_without_manifest(
    tmp_path: Path,
) -> None:
    onrecord = onrecord_for(tmp_path / "home", "")
    onrecord("init")
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("keep me")
    result = onrecord("backup", "-o", str(occupied), check=False)
    assert result.returncode == 1 and "is not empty" in result.stderr
    assert (occupied / "notes.txt").read_text() == "keep me"
    result = onrecord("restore", str(occupied), "--home", str(tmp_path / "r"), check=False)
    assert result.returncode == 1 and "not a complete onrecord backup" in result.stderr


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("vault/blobs/ab/cd", True),
        ("database.dump", True),
        ("vault/../../outside", False),
        ("/etc/passwd", False),
        ("vault//x", False),
        ("./vault/x", False),
        ("vault\\..\\x", False),
        ("", False),
    ],
)
def test_manifest_names_must_stay_inside_the_backup(name: str, plain: bool) -> None:
    from onrecord.server.backup import _is_plain_relative

    assert _is_plain_relative(name) is plain
