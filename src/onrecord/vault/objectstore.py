"""Evidence blobs in an S3-compatible object store (AWS S3, MinIO, Ceph, Garage...).

The organisation server may keep its blobs in a bucket instead of a shared folder
(``blob_store = "s3://bucket/prefix"``). ``blobs.BlobStore`` still hashes, names and
encrypts each blob into a local temporary file; this backend only uploads the finished
file to ``<prefix>/<name[:2]>/<name>`` (multipart for large files, through boto3's
transfer manager, which aborts a failed multipart upload so no partial object is left),
asks with HEAD whether a name is there, streams reads (memory stays flat), deletes and
lists with pagination. An object exists only once its PUT returned, so there is nothing
to make durable afterwards.

boto3 is imported only here and only when a store is configured: a laptop needs none of
it (``pip install 'onrecord[server]'`` brings it). Credentials come from boto3's own chain
(environment, profile, instance role) unless ``s3_access_key_id`` and
``s3_secret_access_key_file`` are set. Every failure of the store becomes a VaultError or
ConfigError that names the bucket and what to do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from onrecord.config import Config, load_config
from onrecord.errors import ConfigError, VaultError
from onrecord.vault.blobs import BlobMissingError

if TYPE_CHECKING:
    from botocore.response import StreamingBody
    from mypy_boto3_s3 import S3Client

PART_SIZE = 16 * 1024 * 1024  # multipart above this; at most PARTS_AT_ONCE parts in memory
PARTS_AT_ONCE = 4
_URL = re.compile(r"s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<prefix>.*))?")
_DENIED = {"AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden"}
_NO_BUCKET = {"NoSuchBucket"}
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True)
class StoreSettings:
    """Where a vault keeps its blobs: ``url`` empty for files under the vault folder."""

    url: str = ""
    endpoint_url: str = ""
    region: str = ""
    access_key_id: str = ""
    secret_access_key_file: str = ""

    @classmethod
    def from_config(cls, config: Config) -> StoreSettings:
        return cls(
            url=normalise_url(config.get("blob_store")),
            endpoint_url=config.get("s3_endpoint_url"),
            region=config.get("s3_region"),
            access_key_id=config.get("s3_access_key_id"),
            secret_access_key_file=config.get("s3_secret_access_key_file"),
        )

    @property
    def is_s3(self) -> bool:
        return bool(self.url)

    @property
    def shown(self) -> str:
        """The store as a person would name it: the bucket URL and, if set, the endpoint."""
        if not self.url:
            return "the vault folder"
        return self.url + (f" at {self.endpoint_url}" if self.endpoint_url else "")


def configured_store() -> StoreSettings:
    """The store the settings name (``blob_store`` and the ``s3_`` settings)."""
    return StoreSettings.from_config(load_config())


def normalise_url(url: str) -> str:
    """``s3://bucket/prefix`` without trailing slashes; '' stays ''. ConfigError when malformed."""
    url = url.strip()
    if not url:
        return ""
    bucket, prefix = split_url(url)
    return f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"


def split_url(url: str) -> tuple[str, str]:
    """(bucket, prefix) of an ``s3://`` URL."""
    found = _URL.fullmatch(url.strip())
    prefix = (found.group("prefix") or "").strip("/") if found else ""
    if found is None or "//" in prefix or any(p in (".", "..") for p in prefix.split("/")):
        raise ConfigError(
            f"blob_store must be s3://bucket or s3://bucket/prefix (a bucket name of 3 to 63 "
            f"lower-case letters, digits, dots and hyphens), not {url!r}. Leave it empty to "
            "keep the evidence in the vault folder."
        )
    return found.group("bucket"), prefix


class S3Backend:
    """Finished blob files kept as objects under ``<prefix>/<name[:2]>/<name>``."""

    def __init__(self, settings: StoreSettings) -> None:
        self.settings = settings
        self.bucket, self.prefix = split_url(settings.url)
        self._made = _new_client(settings)
        self._pid = os.getpid()
        from botocore.exceptions import BotoCoreError, ClientError

        self._failures: tuple[type[Exception], ...] = (BotoCoreError, ClientError)

    @property
    def _client(self) -> S3Client:
        """This process's client: a process forked from the one that opened the vault (the
        web app's workers) must not share its parent's pooled connections."""
        if self._pid != os.getpid():
            self._made, self._pid = _new_client(self.settings), os.getpid()
        return self._made

    @property
    def where(self) -> str:
        return self.settings.shown

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name[:2]}/{name}" if self.prefix else f"{name[:2]}/{name}"

    def put(self, finished: Path, name: str) -> None:
        from boto3.exceptions import S3UploadFailedError
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        transfer = TransferConfig(
            multipart_threshold=PART_SIZE,
            multipart_chunksize=PART_SIZE,
            max_concurrency=PARTS_AT_ONCE,
        )
        try:
            self._client.upload_file(str(finished), self.bucket, self.key(name), Config=transfer)
        except (S3UploadFailedError, BotoCoreError, ClientError) as exc:
            cause = exc.__context__ if isinstance(exc, S3UploadFailedError) else exc
            error = self._error(cause or exc, "store a blob in")
            raise type(error)(f"{error} Nothing of this file was stored.") from None
        finally:
            finished.unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=self.key(name))
        except self._failures as exc:
            if _code(exc) in _NOT_FOUND:
                return False
            raise self._error(exc, "look for a blob in") from None
        return True

    def open(self, name: str) -> BinaryIO:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self.key(name))
        except self._failures as exc:
            if _code(exc) in _NOT_FOUND:
                raise BlobMissingError(f"Blob {name[:12]}… is missing from {self.where}.") from None
            raise self._error(exc, "read a blob from") from None
        return cast(BinaryIO, _Body(answer["Body"], self))

    def delete(self, name: str) -> bool:
        if not self.exists(name):
            return False
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self.key(name))
        except self._failures as exc:
            raise self._error(exc, "delete a blob from") from None
        return True

    def names(self) -> Iterator[str]:
        """Every blob name under the prefix, page by page (S3 lists keys in order)."""
        start = f"{self.prefix}/" if self.prefix else ""
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        try:
            for page in pages:
                for entry in page.get("Contents", []):
                    folder, _, name = entry.get("Key", "")[len(start) :].partition("/")
                    if name and "/" not in name and name[:2] == folder:
                        yield name
        except self._failures as exc:
            raise self._error(exc, "list the blobs in") from None

    def sync(self) -> None:
        """Nothing to do: an object is durable once its PUT has returned."""

    def check(self) -> None:
        """Raise the store's error now if the bucket cannot be reached or used."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except self._failures as exc:
            if _code(exc) in _NOT_FOUND:  # HEAD has no body to say what is missing
                raise self._no_bucket() from None
            raise self._error(exc, "use") from None

    def is_empty(self) -> bool:
        """Whether nothing at all is stored under the prefix."""
        start = f"{self.prefix}/" if self.prefix else ""
        try:
            listed = self._client.list_objects_v2(Bucket=self.bucket, Prefix=start, MaxKeys=1)
        except self._failures as exc:
            raise self._error(exc, "list the blobs in") from None
        return not listed.get("Contents")

    def _no_bucket(self) -> VaultError:
        return VaultError(
            f"The bucket {self.bucket!r} does not exist ({self.where}). Create it (with "
            "versioning on, see docs/deploy.md) or correct blob_store and s3_endpoint_url."
        )

    def _error(self, exc: BaseException, doing: str) -> Exception:
        """The error a person can act on, for a failure of the store."""
        from botocore.exceptions import (
            BotoCoreError,
            ConnectionError,
            NoCredentialsError,
            PartialCredentialsError,
        )

        code = _code(exc)
        if code in _NO_BUCKET:
            return self._no_bucket()
        if code in _DENIED:
            return VaultError(
                f"The object store refused to let onrecord {doing} {self.where} ({code}). Check "
                "the credentials (s3_access_key_id and s3_secret_access_key_file, or boto3's "
                "own: environment, profile or instance role) and that the bucket policy lets "
                "them list, read, write and delete objects under the prefix."
            )
        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return ConfigError(
                f"No credentials for the object store {self.where}: set s3_access_key_id and "
                "s3_secret_access_key_file, or give boto3 its usual ones (AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, a profile, or an instance role)."
            )
        if isinstance(exc, ConnectionError):
            return VaultError(
                f"Could not reach the object store to {doing} {self.where}: {exc}. Check "
                "s3_endpoint_url and the network, then run the command again."
            )
        if code or isinstance(exc, BotoCoreError):
            return VaultError(
                f"The object store failed when onrecord tried to {doing} {self.where}: {exc}. "
                "Run the command again; if it keeps failing, check the store's own logs."
            )
        return VaultError(f"Could not {doing} {self.where}: {exc}.")


class _Body:
    """A streamed object body (``read`` and ``close``) whose failures become VaultErrors."""

    def __init__(self, body: StreamingBody, backend: S3Backend) -> None:
        self._body = body
        self._backend = backend

    def read(self, size: int = -1) -> bytes:
        try:
            return self._body.read(None if size < 0 else size)
        except self._backend._failures as exc:
            raise self._backend._error(exc, "read a blob from") from None

    def close(self) -> None:
        self._body.close()

    def __enter__(self) -> _Body:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def _new_client(settings: StoreSettings) -> S3Client:
    try:
        import boto3
        from botocore.config import Config as BotoConfig
    except ImportError:
        raise ConfigError(
            f"blob_store names an object store ({settings.url}), which needs boto3: install "
            "onrecord with its server extra (pip install 'onrecord[server]')."
        ) from None
    key_id, secret = settings.access_key_id, settings.secret_access_key_file
    if bool(key_id) != bool(secret):
        raise ConfigError(
            "Set both s3_access_key_id and s3_secret_access_key_file, or neither (then boto3 "
            "finds credentials itself: environment, profile or instance role)."
        )
    secret_key = _read_secret(Path(secret).expanduser()) if secret else None
    options = BotoConfig(
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
        s3={"addressing_style": "path"} if settings.endpoint_url else {},
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.endpoint_url or None,
        region_name=settings.region or None,
        config=options,
        aws_access_key_id=key_id or None,
        aws_secret_access_key=secret_key,
    )


def _read_secret(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(
            f"Could not read s3_secret_access_key_file {path}: {exc.strerror}."
        ) from None
    if not lines or not lines[0].strip():
        raise ConfigError(f"s3_secret_access_key_file {path} is empty; put the secret key in it.")
    return lines[0].strip()


__all__ = ["S3Backend", "StoreSettings", "configured_store", "normalise_url", "split_url"]
