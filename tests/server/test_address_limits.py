"""Failed logins per client address (a sliding window in the database, pruned as it goes),
which address a request comes from (trusted proxies only), and the public address check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import RequestFactory

from onrecord.config import check_public_url, load_config
from onrecord.errors import ConfigError
from onrecord.server.models import AddressFailure
from onrecord.server.ratelimit import (
    ADDRESS_FAILURES,
    ADDRESS_WINDOW,
    prune,
    record_failure,
    retry_after,
)
from onrecord.vault.home import Vault
from onrecord.web.addresses import client_address

T0 = dt.datetime(2030, 5, 4, 10, 0, tzinfo=dt.UTC)
A, B = "198.51.100.7", "203.0.113.9"


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_the_window_slides_per_address(vault: Vault) -> None:
    for n in range(ADDRESS_FAILURES - 1):  # one every 30 s
        record_failure(A, "password", at(30 * n))
    last = 30 * (ADDRESS_FAILURES - 1)
    assert retry_after(A, at(last)) == 0  # 19 failures: still allowed
    record_failure(A, "code", at(last))
    window = ADDRESS_WINDOW.total_seconds()
    assert retry_after(A, at(last)) == window - last  # until the first is 15 min old
    assert retry_after(A, at(600)) == window - 600
    assert retry_after(B, at(last)) == 0  # another address is not touched

    assert retry_after(A, at(window)) == 0  # the first left the window: 19 remain
    record_failure(A, "invite", at(window))
    assert retry_after(A, at(window)) == 30  # now until the second leaves
    assert retry_after(A, at(window + 30)) == 0


def test_old_failures_are_pruned_as_new_ones_arrive(vault: Vault) -> None:
    for n in range(5):
        record_failure(A, "password", at(n))
    record_failure(B, "password", at(ADDRESS_WINDOW.total_seconds() + 2))  # A's first 3 left
    assert AddressFailure.objects.filter(address=A).count() == 2
    assert prune(at(10 * ADDRESS_WINDOW.total_seconds())) == 3
    assert not AddressFailure.objects.exists()


def test_ipv6_addresses_are_counted_too(vault: Vault) -> None:
    for _ in range(ADDRESS_FAILURES):
        record_failure("2001:db8::7", "password", T0)
    assert retry_after("2001:db8::7", T0) > 0
    assert retry_after("2001:db8::8", T0) == 0


def request_from(peer: str, forwarded: str | None = None) -> object:
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/login", **extra)


def test_forwarded_for_is_believed_only_from_trusted_proxies(tmp_path: Path) -> None:
    env = {"ONRECORD_CONFIG": str(tmp_path / "none.toml")}
    proxies = load_config(
        environ=env | {"ONRECORD_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"}
    ).trusted_proxies
    spoofed = request_from(B, forwarded=A)
    assert client_address(spoofed, proxies) == B  # not a proxy: its header proves nothing
    assert client_address(spoofed) == B
    assert client_address(request_from("10.0.0.5", forwarded=A), proxies) == A
    # two proxies: the client's own entries (left of the first untrusted) are ignored
    chain = request_from("10.0.0.5", forwarded=f"192.0.2.99, {A}, 10.1.4.4")
    assert client_address(chain, proxies) == A
    assert client_address(request_from("10.0.0.5"), proxies) == "10.0.0.5"  # no header
    assert client_address(request_from("10.0.0.5", forwarded="nonsense"), proxies) == "10.0.0.5"
    assert client_address(request_from("10.0.0.5", forwarded=f"{A}:51234"), proxies) == A
    assert client_address(request_from("10.0.0.5", forwarded="[2001:db8::7]:443"), proxies) == (
        "2001:db8::7"
    )
    assert client_address(request_from(f"::ffff:{B}")) == B
    assert client_address(request_from("")) == "::"


def test_by_default_only_a_proxy_on_this_machine_is_trusted(tmp_path: Path) -> None:
    """The documented set-up: the app on 127.0.0.1 behind a TLS proxy on the same machine."""
    env = {"ONRECORD_CONFIG": str(tmp_path / "none.toml")}
    proxies = load_config(environ=env).trusted_proxies
    assert client_address(request_from("127.0.0.1", forwarded=A), proxies) == A
    assert client_address(request_from("::1", forwarded=B), proxies) == B
    assert client_address(request_from("10.0.0.5", forwarded=A), proxies) == "10.0.0.5"
    none = load_config(environ=env | {"ONRECORD_TRUSTED_PROXIES": ""}).trusted_proxies
    assert client_address(request_from("127.0.0.1", forwarded=A), none) == "127.0.0.1"


def test_trusted_proxies_must_be_addresses(tmp_path: Path) -> None:
    env = {"ONRECORD_CONFIG": str(tmp_path / "none.toml")}
    with pytest.raises(ConfigError, match=r"'proxy\.internal'.*environment"):
        load_config(environ=env | {"ONRECORD_TRUSTED_PROXIES": "10.0.0.5,proxy.internal"})


def test_the_public_address_must_be_https_unless_on_loopback(tmp_path: Path) -> None:
    env = {"ONRECORD_CONFIG": str(tmp_path / "none.toml")}
    given = load_config(environ=env | {"ONRECORD_PUBLIC_URL": "https://onrecord.clinic.example/"})
    assert given.public_url == "https://onrecord.clinic.example"
    assert load_config(environ=env).public_url == ""
    assert check_public_url("http://127.0.0.1:8765") == "http://127.0.0.1:8765"
    assert check_public_url("http://localhost:8765/") == "http://localhost:8765"
    assert check_public_url("http://[::1]:8765") == "http://[::1]:8765"
    assert check_public_url("https://onrecord.clinic.example:8443") == (
        "https://onrecord.clinic.example:8443"
    )
    with pytest.raises(ConfigError, match=r"must use https.*environment"):
        load_config(environ=env | {"ONRECORD_PUBLIC_URL": "http://onrecord.clinic.example"})
    for wrong in (
        "onrecord.clinic.example",
        "ftp://onrecord.clinic.example",
        "https://",
        "https://onrecord.clinic.example:99999",
    ):
        with pytest.raises(ConfigError, match="the server's address"):
            check_public_url(wrong)
    for extra in (
        "https://onrecord.clinic.example/app",
        "https://onrecord.clinic.example/?next=x",
        "https://user:pw@onrecord.clinic.example",
    ):
        with pytest.raises(ConfigError, match="only the scheme and host"):
            check_public_url(extra)
    config_file = tmp_path / "config.toml"
    config_file.write_text('public_url = "http://192.0.2.10"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="config file"):
        load_config(environ={"ONRECORD_CONFIG": str(config_file)})
