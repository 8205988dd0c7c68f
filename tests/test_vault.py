"""Creating, unlocking and upgrading a vault, on each database backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FAST_KDF, PASSPHRASE
from onrecord.cases.models import Case
from onrecord.cases.records import create_case
from onrecord.errors import VaultError, VaultLockedError, VaultNotFoundError
from onrecord.vault.home import Vault


def test_new_vault_layout_and_nothing_readable(vault: Vault) -> None:
    home = vault.home
    info = json.loads((home / "vault.json").read_text())
    assert info["encrypted"] is True and info["format"] == 1
    assert (home / "keys.json").is_file() and (home / "signing.key").is_file()
    assert (home / "blobs" / "tmp").is_dir()
    assert (home / "signing.key").stat().st_mode & 0o077 == 0
    if info["database"] == "sqlite":
        create_case(
            vault, title="Secret Title Here", jurisdiction="GB", time_zone="UTC", operator="me"
        )
        vault.close()
        raw = (home / "onrecord.db").read_bytes()
        assert b"SQLite format 3" not in raw
        assert b"Secret Title Here" not in raw


def test_reopen_with_passphrase_and_recovery_key(tmp_path: Path, db_url: str) -> None:
    home = tmp_path / "home"
    vault, recovery = Vault.create(home, passphrase=PASSPHRASE, kdf=FAST_KDF, database_url=db_url)
    case = create_case(vault, title="T", jurisdiction="US-CA", time_zone="UTC", operator="me")
    vault.close()
    assert recovery is not None
    again = Vault.open(home, passphrase=PASSPHRASE, database_url=db_url)
    assert Case.objects.get().uid == case.uid
    again.close()
    by_recovery = Vault.open(
        home, recovery_key=recovery.lower().replace("-", " "), database_url=db_url
    )
    assert Case.objects.count() == 1
    by_recovery.close()


def test_wrong_passphrase_is_refused_and_changes_nothing(local_vault: Vault) -> None:
    home = local_vault.home
    local_vault.close()
    before = {p.name: p.read_bytes() for p in home.iterdir() if p.is_file()}
    with pytest.raises(VaultLockedError, match="does not unlock this vault"):
        Vault.open(home, passphrase="wrong")
    with pytest.raises(VaultLockedError, match="passphrase"):
        Vault.open(home)
    after = {p.name: p.read_bytes() for p in home.iterdir() if p.is_file()}
    assert before == after


def test_passphrase_change_rewraps_only_the_master_key(local_vault: Vault) -> None:
    home = local_vault.home
    create_case(local_vault, title="Kept", jurisdiction="GB", time_zone="UTC", operator="me")
    local_vault.close()
    db_before = (home / "onrecord.db").read_bytes()
    opened = Vault.open(home, passphrase=PASSPHRASE)
    opened.change_passphrase("a new passphrase", FAST_KDF)
    opened.close()
    assert (home / "onrecord.db").read_bytes() == db_before
    with pytest.raises(VaultLockedError):
        Vault.open(home, passphrase=PASSPHRASE)
    reopened = Vault.open(home, passphrase="a new passphrase")
    assert Case.objects.get().title == "Kept"
    reopened.close()


def test_unencrypted_vault_needs_no_passphrase(tmp_path: Path) -> None:
    vault, recovery = Vault.create(tmp_path / "plain", passphrase=None, kdf=FAST_KDF)
    assert recovery is None and not vault.blobs.encrypted
    vault.close()
    again = Vault.open(tmp_path / "plain")
    assert again.info.encrypted is False
    with pytest.raises(VaultError, match="not encrypted"):
        again.change_passphrase("x", FAST_KDF)
    again.close()


def test_missing_vault_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(VaultNotFoundError, match="onrecord init"):
        Vault.open(tmp_path / "nothing")


def test_create_refuses_an_existing_vault(local_vault: Vault) -> None:
    with pytest.raises(VaultError, match="already holds a vault"):
        Vault.create(local_vault.home, passphrase=PASSPHRASE, kdf=FAST_KDF)


def test_a_replaced_signing_key_is_detected(local_vault: Vault, tmp_path: Path) -> None:
    other, _ = Vault.create(tmp_path / "other", passphrase=PASSPHRASE, kdf=FAST_KDF)
    other.close()
    home = local_vault.home
    local_vault.close()
    (home / "signing.key").write_bytes((tmp_path / "other" / "signing.key").read_bytes())
    with pytest.raises(VaultError, match=r"signing\.key"):
        Vault.open(home, passphrase=PASSPHRASE)


def test_open_refuses_a_vault_from_a_newer_onrecord(local_vault: Vault) -> None:
    home = local_vault.home
    local_vault.close()
    info = json.loads((home / "vault.json").read_text())
    info["format"] = 99
    (home / "vault.json").write_text(json.dumps(info))
    with pytest.raises(VaultError, match="newer onrecord"):
        Vault.open(home, passphrase=PASSPHRASE)
