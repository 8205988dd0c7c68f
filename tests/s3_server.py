"""A real S3 protocol server for tests: moto's, on 127.0.0.1, spoken to over HTTP by boto3.

A test module uses it with ``pytest_plugins = ["s3_server"]``. ``s3_endpoint`` starts one
``ThreadedMotoServer`` per session on a free port; ``s3_store`` gives each test a bucket
of its own and the ``StoreSettings`` naming a prefix in it (credentials through
``s3_access_key_id`` and a secret file, as a deployment would set them). Subprocesses
reach the same server, so the real ``onrecord`` command can run against it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from objectstore import KEY_ID, SECRET, client
from onrecord.vault.objectstore import StoreSettings


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_store(s3_endpoint: str, tmp_path: Path) -> StoreSettings:
    """An empty bucket of this test's own, and the settings naming a prefix in it."""
    secret = tmp_path / "s3-secret"
    secret.write_text(SECRET + "\n")
    bucket = f"evidence-{secrets.token_hex(4)}"
    store = StoreSettings(
        url=f"s3://{bucket}/vault-a",
        endpoint_url=s3_endpoint,
        region="us-east-1",
        access_key_id=KEY_ID,
        secret_access_key_file=str(secret),
    )
    client(store).create_bucket(Bucket=bucket)
    return store
