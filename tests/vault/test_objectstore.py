"""The blob store on a real S3 protocol server (moto's, over HTTP): what lands in the bucket,
reads, deletes, large files in parts, and the errors a person meets.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import socket
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from conftest import FAST_KDF, PASSPHRASE
from objectstore import bucket_of, client, objects
from onrecord.config import load_config
from onrecord.errors import ConfigError, VaultError
from onrecord.vault.blobs import BlobMissingError, BlobStore
from onrecord.vault.home import Vault
from onrecord.vault.objectstore import S3Backend, StoreSettings, split_url

pytest_plugins = ["s3_server"]  # the s3_endpoint and s3_store fixtures
MASTER_KEY = bytes(range(32))


def store_in(tmp_path: Path, store: StoreSettings) -> BlobStore:
    return BlobStore(tmp_path / "blobs", MASTER_KEY, S3Backend(store))


def test_blobs_are_encrypted_named_by_hmac_deduplicated_and_deleted(
    tmp_path: Path, s3_store: StoreSettings
) -> None:
    blobs = store_in(tmp_path, s3_store)
    plain = b"You will regret posting that. " * 2000
    stored = blobs.put_stream(io.BytesIO(plain))
    again = blobs.put_stream(io.BytesIO(plain))
    assert stored.new and not again.new and stored.stored_name == again.stored_name
    sha256 = hashlib.sha256(plain).hexdigest()
    assert stored.sha256 == sha256 and stored.stored_name != sha256

    found = objects(s3_store)
    name = stored.stored_name
    assert list(found) == [f"vault-a/{name[:2]}/{name}"]  # one object, under the prefix
    assert sha256 not in next(iter(found)) and b"regret" not in found[next(iter(found))]
    assert b"".join(blobs.open_chunks(sha256)) == plain
    assert blobs.has(sha256) and list(blobs.names()) == [name]
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []  # the local copy is gone

    assert blobs.delete(sha256) is True
    assert not blobs.has(sha256) and objects(s3_store) == {} and blobs.delete(sha256) is False
    with pytest.raises(BlobMissingError, match="is missing from s3://"):
        b"".join(blobs.open_chunks(sha256))


def test_names_are_listed_across_pages_and_other_keys_are_left_out(
    tmp_path: Path, s3_store: StoreSettings
) -> None:
    s3 = client(s3_store)
    bucket = bucket_of(s3_store)
    names = sorted(secrets.token_hex(32) for _ in range(1005))  # more than one page of 1000
    for name in names:
        s3.put_object(Bucket=bucket, Key=f"vault-a/{name[:2]}/{name}", Body=b"x")
    s3.put_object(Bucket=bucket, Key="vault-a/notes.txt", Body=b"x")
    s3.put_object(Bucket=bucket, Key="vault-b/ab/abcd", Body=b"x")  # another prefix
    s3.put_object(Bucket=bucket, Key="vault-a/zz/abcd", Body=b"x")  # not where onrecord puts it
    assert list(store_in(tmp_path, s3_store).names()) == names


def test_a_20_mb_blob_goes_up_in_parts_and_streams_back_with_flat_memory(
    tmp_path: Path, s3_store: StoreSettings
) -> None:
    sizes = {"small": 2 * 1024 * 1024, "large": 20 * 1024 * 1024}
    blobs = store_in(tmp_path, s3_store)
    hashes = {}
    for label, size in sizes.items():
        source = tmp_path / f"{label}.bin"
        source.write_bytes(os.urandom(size))
        hashes[label] = blobs.put_file(source).sha256
    large = blobs.name_for(hashes["large"])
    head = client(s3_store).head_object(
        Bucket=bucket_of(s3_store), Key=f"vault-a/{large[:2]}/{large}"
    )
    assert "-" in head["ETag"]  # a multipart upload's ETag counts its parts

    peaks = {label: _peak_reading(s3_store, hashes[label], sizes[label]) for label in sizes}
    # Reading 18 MB more costs far less than 18 MB more memory: nothing buffers the object.
    assert peaks["large"] - peaks["small"] < 8 * 1024, peaks


def _peak_reading(store: StoreSettings, sha256: str, size: int) -> int:
    """Peak RSS (KiB) of a fresh process that re-hashes one blob from the store."""
    script = (
        "import json, re, sys\n"
        "from onrecord.vault.blobs import BlobStore\n"
        "from onrecord.vault.objectstore import S3Backend, StoreSettings\n"
        "args = json.loads(sys.argv[1])\n"
        "blobs = BlobStore(__import__('pathlib').Path(args['root']), bytes(range(32)),\n"
        "                  S3Backend(StoreSettings(**args['store'])))\n"
        "found = blobs.rehash(args['sha256'])\n"
        "assert found == (args['sha256'], args['size']), found\n"
        "status = open('/proc/self/status').read()\n"
        "print(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
    )
    args = {"root": "/nonexistent", "store": asdict(store), "sha256": sha256, "size": size}
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return int(done.stdout.strip())


def test_a_missing_bucket_and_an_unreachable_endpoint_say_what_to_do(
    tmp_path: Path, s3_store: StoreSettings
) -> None:
    missing = replace(s3_store, url="s3://no-such-bucket-here/vault")
    blobs = store_in(tmp_path, missing)
    with pytest.raises(VaultError, match="bucket 'no-such-bucket-here' does not exist"):
        blobs.put_stream(io.BytesIO(b"evidence"))
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []  # nothing half-written
    with pytest.raises(VaultError, match="does not exist"):
        S3Backend(missing).check()

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    down = store_in(tmp_path, replace(s3_store, endpoint_url=closed))
    with pytest.raises(VaultError, match="Could not reach the object store") as caught:
        down.put_stream(io.BytesIO(b"evidence"))
    assert "s3_endpoint_url" in str(caught.value)
    with pytest.raises(VaultError, match="Could not reach"):
        b"".join(down.open_chunks("ab" * 32))
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []


@pytest.mark.parametrize(
    "url",
    ["http://bucket/x", "s3://", "s3://Upper_Case", "s3://ok-bucket/../x", "s3://ok-bucket/a//b"],
)
def test_a_bad_store_url_is_refused_with_the_shape_it_needs(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="s3://bucket"):
        split_url(url) if url.startswith("s3://") else load_config(
            {"blob_store": url}, environ={"ONRECORD_CONFIG": str(tmp_path / "none.toml")}
        )


def test_credentials_need_both_halves(s3_store: StoreSettings) -> None:
    with pytest.raises(ConfigError, match="both s3_access_key_id and s3_secret_access_key_file"):
        S3Backend(replace(s3_store, secret_access_key_file=""))


def test_a_laptop_vault_refuses_an_object_store(tmp_path: Path, s3_store: StoreSettings) -> None:
    home = tmp_path / "home"
    with pytest.raises(VaultError, match="for the organisation server") as caught:
        Vault.create(home, passphrase=PASSPHRASE, kdf=FAST_KDF, store=s3_store)
    assert "Unset ONRECORD_BLOB_STORE" in str(caught.value)
    assert not home.exists() and objects(s3_store) == {}

    laptop, _ = Vault.create(home, passphrase=PASSPHRASE, kdf=FAST_KDF, store=StoreSettings())
    laptop.close()
    assert "blob_store" not in json.loads((home / "vault.json").read_bytes())
    with pytest.raises(VaultError, match="for the organisation server"):
        Vault.open(home, passphrase=PASSPHRASE, store=s3_store)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_a_server_vault_records_its_store_and_refuses_another(
    tmp_path: Path, db_url: str, s3_store: StoreSettings
) -> None:
    home = tmp_path / "home"
    vault, _ = Vault.create(
        home, passphrase=PASSPHRASE, kdf=FAST_KDF, database_url=db_url, store=s3_store
    )
    vault.close()
    info = json.loads((home / "vault.json").read_bytes())
    assert info["blob_store"] == s3_store.url and info["format"] == 2

    def refused(store: StoreSettings) -> str:
        with pytest.raises(VaultError) as caught:
            Vault.open(home, passphrase=PASSPHRASE, database_url=db_url, store=store)
        return str(caught.value)

    assert f"set ONRECORD_BLOB_STORE={s3_store.url}" in refused(StoreSettings())
    other = replace(s3_store, url=s3_store.url.replace("vault-a", "vault-b"))
    assert f"Set it back to {s3_store.url}" in refused(other)
    Vault.open(home, passphrase=PASSPHRASE, database_url=db_url, store=s3_store).close()

    # a second vault may not take a prefix that already holds objects
    S3Backend(s3_store).put(_file(tmp_path / "x", b"x"), "ab" * 32)
    with pytest.raises(VaultError, match="already holds objects"):
        Vault.create(
            tmp_path / "second",
            passphrase=PASSPHRASE,
            kdf=FAST_KDF,
            database_url=db_url,
            store=s3_store,
        )
    assert not (tmp_path / "second").exists()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_verify_rehashes_objects_and_names_the_altered_the_missing_and_strays(
    tmp_path: Path, db_url: str, s3_store: StoreSettings
) -> None:
    from onrecord.cases.evidence import Acquired, add_files
    from onrecord.cases.models import Evidence
    from onrecord.cases.records import create_case
    from onrecord.cases.verify import verify
    from onrecord.vault.verify import check_blob_store

    vault, _ = Vault.create(
        tmp_path / "home", passphrase=PASSPHRASE, kdf=FAST_KDF, database_url=db_url, store=s3_store
    )
    case = create_case(vault, title="Bucket", jurisdiction="GB", time_zone="UTC", operator="t")
    files = [_file(tmp_path / f"file{i}.bin", os.urandom(3000 + i)) for i in range(3)]
    add_files(vault, case, files, Acquired(operator="t"))
    assert all(c.is_ok for c in verify(vault))
    assert [c.state for c in check_blob_store(vault.blobs)] == ["ok"]
    assert not list((tmp_path / "home" / "blobs").glob("??"))  # no blob files in the folder

    s3 = client(s3_store)
    bucket = bucket_of(s3_store)
    one, two = (Evidence.objects.get(case=case, exhibit=n) for n in (1, 2))
    key_one = S3Backend(s3_store).key(vault.blobs.name_for(one.blob_id))
    data = bytearray(s3.get_object(Bucket=bucket, Key=key_one)["Body"].read())
    data[100] ^= 0x01
    s3.put_object(Bucket=bucket, Key=key_one, Body=bytes(data))
    s3.delete_object(Bucket=bucket, Key=S3Backend(s3_store).key(vault.blobs.name_for(two.blob_id)))
    stray = "cd" * 32
    s3.put_object(Bucket=bucket, Key=f"vault-a/cd/{stray}", Body=b"planted")

    bad = {c.subject: c for c in verify(vault) if not c.is_ok}
    assert bad[f"case {case.pk}, exhibit 1 (file0.bin)"].state == "altered"
    assert bad[f"case {case.pk}, exhibit 2 (file1.bin)"].state == "missing"
    assert len(bad) == 2  # the exhibit's own check names the missing blob, once
    [store_check] = check_blob_store(vault.blobs)
    assert store_check.state == "ok"
    assert f"{stray[:16]}…" in store_check.detail and "no record names" in store_check.detail
    assert store_check in verify(vault)
    vault.close()


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_access_denied_names_the_credentials_and_the_permissions(s3_store: StoreSettings) -> None:
    from botocore.exceptions import ClientError

    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutObject")
    error = S3Backend(s3_store)._error(denied, "store a blob in")
    assert isinstance(error, VaultError)
    assert f"refused to let onrecord store a blob in {s3_store.url}" in str(error)
    assert "s3_access_key_id" in str(error) and "list, read, write and delete" in str(error)


def test_a_forked_process_reads_through_a_client_of_its_own(
    s3_store: StoreSettings, tmp_path: Path
) -> None:
    """The web app unlocks the vault once, then forks workers: pooled connections must not be
    shared between processes."""
    store = BlobStore(tmp_path / "blobs", MASTER_KEY, S3Backend(s3_store))
    stored = store.put_stream(io.BytesIO(b"synthetic exhibit bytes"))
    backend = store.backend
    assert isinstance(backend, S3Backend)
    parent = backend._client
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (runs in the child)
        try:
            own = backend._client is not parent
            data = b"".join(store.open_chunks(stored.sha256))
            os.write(writer, b"1" if own and data == b"synthetic exhibit bytes" else b"0")
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    assert os.read(reader, 1) == b"1"
    assert backend._client is parent
