"""Trusted time: RFC 3161 tokens from a real (local, OpenSSL) time-stamping authority."""

from __future__ import annotations

import hashlib
import json
import logging
import socket
from pathlib import Path

import pytest
from django.db import transaction

from conftest import run_onrecord
from onrecord.cases.records import create_case
from onrecord.cases.verify import verify
from onrecord.errors import TimestampError
from onrecord.vault.custody import head_message, head_timestamp
from onrecord.vault.home import Vault
from onrecord.vault.models import TimestampToken, TreeHead
from onrecord.vault.timestamp import (
    chain_der,
    head_subject,
    request_token,
    stamp,
    tokens_for,
    verify_token,
)
from onrecord.vault.verify import Check
from tsa import LocalTsa

DIGEST = hashlib.sha256(b"a synthetic exhibit").digest()


def trusted_time(checks: list[Check]) -> list[Check]:
    return [c for c in checks if "trusted time" in c.subject]


@pytest.fixture
def with_tsa(local_tsa: LocalTsa, monkeypatch: pytest.MonkeyPatch) -> LocalTsa:
    monkeypatch.setenv("ONRECORD_TSA_URL", local_tsa.url)
    return local_tsa


def test_a_token_is_granted_and_verifies(local_tsa: LocalTsa) -> None:
    token = request_token(local_tsa.url, DIGEST)
    check = verify_token(token, DIGEST, None)
    assert check.state == "ok", check.detail
    assert check.tsa_name == "Test TSA"
    assert check.authority.startswith("Test Root CA (certificate SHA-256 ")
    assert check.policy == "1.3.6.1.4.1.55555.1"
    assert check.serial is not None and check.gen_time is not None
    assert check.gen_time.utcoffset() is not None and check.gen_time.utcoffset().seconds == 0
    other = verify_token(token, hashlib.sha256(b"something else").digest(), None)
    assert other.state == "altered" and "another hash" in other.detail


def test_without_a_root_the_signature_is_checked_with_the_tsa_certificate(
    local_tsa: LocalTsa,
) -> None:
    local_tsa.section = "tsa_leaf_only"
    token = request_token(local_tsa.url, DIGEST)
    check = verify_token(token, DIGEST, None)
    assert check.state == "ok", check.detail
    assert check.authority.startswith("Test Root CA (not sent with the token")
    signature_at = len(token) - 3
    for where in (token.find(DIGEST) + 1, signature_at):
        changed = bytearray(token)
        changed[where] ^= 0x01
        assert verify_token(bytes(changed), DIGEST, None).state == "altered", where


def test_a_reply_for_another_request_is_refused(local_tsa: LocalTsa) -> None:
    local_tsa.replay = local_tsa.reply_for_digest(DIGEST)  # same hash, another nonce
    with pytest.raises(TimestampError, match=r"another request \(its nonce differs\)"):
        request_token(local_tsa.url, DIGEST)
    local_tsa.replay = local_tsa.reply_for_digest(hashlib.sha256(b"other").digest())
    with pytest.raises(TimestampError, match="token for another hash"):
        request_token(local_tsa.url, DIGEST)


def test_refusal_and_broken_answers_are_explained(local_tsa: LocalTsa) -> None:
    local_tsa.section = "tsa_refuses_sha256"
    with pytest.raises(TimestampError, match=r"refused to timestamp \(rejection"):
        request_token(local_tsa.url, DIGEST)
    local_tsa.replay = b"<html>not a timestamp</html>"
    with pytest.raises(TimestampError, match="not an RFC 3161 timestamp reply"):
        request_token(local_tsa.url, DIGEST)
    with pytest.raises(
        TimestampError, match=r"HTTP 302 Found \(a redirect to /tsr; onrecord contacts"
    ):
        request_token(local_tsa.url.replace("/tsr", "/moved"), DIGEST)
    with pytest.raises(TimestampError, match="HTTP 404"):
        request_token(local_tsa.url.replace("/tsr", "/nothing-here"), DIGEST)
    with pytest.raises(TimestampError, match="must be an http:// or https:// address"):
        request_token("file:///etc/passwd", DIGEST)


def closed_port_url() -> str:
    """An address nothing listens on: a port the system just gave out and took back."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsr"


def test_tsa_down_is_a_clear_error() -> None:
    with pytest.raises(TimestampError, match="Could not reach the time-stamping authority"):
        request_token(closed_port_url(), DIGEST)


def test_stamp_stores_the_token_with_its_chain(vault: Vault, with_tsa: LocalTsa) -> None:
    made = stamp("capture", DIGEST.hex(), DIGEST.hex())
    assert made is not None
    stored = TimestampToken.objects.get(pk=made.pk)
    assert stored.digest == DIGEST.hex() and stored.tsa_url == with_tsa.url
    assert stored.chain.count("BEGIN CERTIFICATE") == 2
    assert verify_token(bytes(stored.token), DIGEST, chain_der(stored)).state == "ok"
    with pytest.raises(ValueError, match="subject_kind"):
        stamp("photo", "x", DIGEST.hex())


def test_stamp_without_a_tsa_does_nothing(
    vault: Vault, local_tsa: LocalTsa, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ONRECORD_TSA_URL", raising=False)
    assert stamp("capture", DIGEST.hex(), DIGEST.hex()) is None
    case = create_case(vault, title="Quiet", jurisdiction="GB", time_zone="UTC", operator="t")
    assert local_tsa.requests == 0
    assert trusted_time(verify(vault, case)) == []


def test_each_seal_gets_one_token_and_verify_checks_it(vault: Vault, with_tsa: LocalTsa) -> None:
    case = create_case(vault, title="Stamped", jurisdiction="GB", time_zone="UTC", operator="t")
    log = vault.log(case.log_name)
    with transaction.atomic():
        for n in range(5):
            log.append("test.event", "t", {"n": n})
        log.seal(vault.signer)
    assert with_tsa.requests == 2  # case.create's seal, then one for five entries
    head = log.latest_head()
    assert head is not None
    (token,) = tokens_for("head", head_subject(case.log_name, head.tree_size))
    message = head_message(case.log_name, head.tree_size, head.root_hash, head_timestamp(head))
    assert token.digest == hashlib.sha256(message).hexdigest()
    checks = trusted_time(verify(vault, case))
    assert [c.state for c in checks] == ["ok"], checks
    assert "2 tokens over heads verified" in checks[0].detail
    assert "by Test TSA, certified by Test Root CA" in checks[0].detail


def test_tsa_down_keeps_the_head_and_verify_says_not_timestamped(
    vault: Vault,
    with_tsa: LocalTsa,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("ONRECORD_TSA_URL", closed_port_url())
    with caplog.at_level(logging.WARNING, logger="onrecord.vault.timestamp"):
        case = create_case(vault, title="Down", jurisdiction="GB", time_zone="UTC", operator="t")
    assert TreeHead.objects.filter(log=case.log_name).count() == 1
    assert TimestampToken.objects.count() == 0
    assert "is stored, but has no trusted time" in caplog.text
    assert "Could not reach the time-stamping authority" in caplog.text
    checks = trusted_time(verify(vault, case))
    assert [c.state for c in checks] == ["not timestamped"]
    assert all(c.is_ok for c in verify(vault, case))
    monkeypatch.setenv("ONRECORD_TSA_URL", with_tsa.url)  # back up: the next seal is stamped
    log = vault.log(case.log_name)
    with transaction.atomic():
        log.append("test.event", "t", {"n": 1})
        log.seal(vault.signer)
    states = sorted(c.state for c in trusted_time(verify(vault, case)))
    assert states == ["not timestamped", "ok"]


def test_a_flipped_byte_in_a_token_or_its_head_is_altered(vault: Vault, with_tsa: LocalTsa) -> None:
    case = create_case(vault, title="Flip", jurisdiction="GB", time_zone="UTC", operator="t")
    (token,) = TimestampToken.objects.filter(subject_kind="head")
    original = bytes(token.token)
    imprint_at = original.find(bytes.fromhex(token.digest))
    for where in (imprint_at + 5, len(original) - 2):  # in the signed time info; the signature
        changed = bytearray(original)
        changed[where] ^= 0x01
        TimestampToken.objects.filter(pk=token.pk).update(token=bytes(changed))
        checks = trusted_time(verify(vault, case))
        assert [c.state for c in checks] == ["altered"], (where, checks)
        assert checks[0].detail.startswith("head of size 1: ")
    TimestampToken.objects.filter(pk=token.pk).update(token=original)
    assert [c.state for c in trusted_time(verify(vault, case))] == ["ok"]
    head = TreeHead.objects.get(log=case.log_name)
    TreeHead.objects.filter(pk=head.pk).update(root_hash="0" * 64)
    checks = verify(vault, case)
    assert [c.state for c in trusted_time(checks)] == ["altered"]
    assert "the timestamped hash is not the one recorded" in trusted_time(checks)[0].detail


def test_a_token_over_a_removed_head_is_reported(vault: Vault, with_tsa: LocalTsa) -> None:
    case = create_case(vault, title="Gone", jurisdiction="GB", time_zone="UTC", operator="t")
    TreeHead.objects.filter(log=case.log_name).delete()
    checks = trusted_time(verify(vault, case))
    assert [c.state for c in checks] == ["altered"]
    assert "its head is gone from the log" in checks[0].detail


def test_exhibit_tokens_are_checked_with_their_log(vault: Vault, with_tsa: LocalTsa) -> None:
    from onrecord.cases.evidence import Acquired, add_files

    case = create_case(vault, title="Exhibit", jurisdiction="GB", time_zone="UTC", operator="t")
    path = vault.home.parent / "shot.png"
    path.write_bytes(b"synthetic screenshot bytes")
    add_files(vault, case, [path], Acquired(operator="t"))
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    made = stamp("capture", sha, sha)
    assert made is not None
    exhibit_checks = [c for c in verify(vault, case) if "of exhibits" in c.subject]
    assert [c.state for c in exhibit_checks] == ["ok"]
    TimestampToken.objects.filter(pk=made.pk).update(digest="f" * 64)
    exhibit_checks = [c for c in verify(vault, case) if "of exhibits" in c.subject]
    assert [c.state for c in exhibit_checks] == ["altered"]


def test_end_to_end_through_the_cli(tmp_path: Path, db_url: str, local_tsa: LocalTsa) -> None:
    home = tmp_path / "home"
    env = {"ONRECORD_DATABASE_URL": db_url, "ONRECORD_TSA_URL": local_tsa.url}
    run_onrecord(home, "init", "--no-recovery-key", check=True, **env)
    run_onrecord(home, "case", "new", "Synthetic", "--jurisdiction", "GB", check=True, **env)
    exhibit = tmp_path / "message.txt"
    exhibit.write_text("a synthetic message, saved as evidence\n")
    added = run_onrecord(home, "add", "1", str(exhibit), check=True, **env)
    assert "trusted time" not in added.stderr
    assert local_tsa.requests >= 2
    result = run_onrecord(home, "verify", check=True, **env)
    assert "custody log of case 1, trusted time: " in result.stdout
    assert "by Test TSA, certified by Test Root CA" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("Everything verified")
    proof = run_onrecord(home, "log", "1", "--proof", "0", "--json", check=True, **env)
    shown = json.loads(proof.stdout)["inclusion_proof"]["timestamps"]
    assert shown and shown[0]["tsa"] == "Test TSA"
    down = {**env, "ONRECORD_TSA_URL": closed_port_url()}
    journal = run_onrecord(
        home, "journal", "add", "1", "--what", "A synthetic call", check=True, **down
    )
    assert "is stored, but has no trusted time" in journal.stderr
    again = run_onrecord(home, "verify", **down)
    assert again.returncode == 0, again.stdout
    assert "not timestamped" in again.stdout
