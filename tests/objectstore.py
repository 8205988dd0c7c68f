"""Looking behind onrecord's back at the test S3 server (``s3_server``): objects, env."""

from __future__ import annotations

from typing import Any

from onrecord.vault.objectstore import StoreSettings

KEY_ID = "onrecord-test"
SECRET = "not-a-real-secret"


def client(store: StoreSettings) -> Any:
    """A plain boto3 client on the same server, for looking behind onrecord's back."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=store.endpoint_url,
        region_name=store.region,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )


def bucket_of(store: StoreSettings) -> str:
    return store.url.removeprefix("s3://").split("/")[0]


def objects(store: StoreSettings) -> dict[str, bytes]:
    """Every object in the store's bucket: key to bytes."""
    s3 = client(store)
    bucket = bucket_of(store)
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def store_env(store: StoreSettings) -> dict[str, str]:
    """The ``ONRECORD_*`` variables that name ``store`` for a child ``onrecord``."""
    return {
        "ONRECORD_BLOB_STORE": store.url,
        "ONRECORD_S3_ENDPOINT_URL": store.endpoint_url,
        "ONRECORD_S3_REGION": store.region,
        "ONRECORD_S3_ACCESS_KEY_ID": store.access_key_id,
        "ONRECORD_S3_SECRET_ACCESS_KEY_FILE": store.secret_access_key_file,
    }
