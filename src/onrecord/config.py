"""Every setting of onrecord, in one table, and the only place that reads the environment.

A setting's value comes from, in rising precedence: its default, the config file
(TOML, ``ONRECORD_CONFIG`` or ``config.toml`` in the platform's config folder), the
``ONRECORD_<NAME>`` environment variable, then a command-line flag. ``onrecord config``
prints each value with the place it came from. Local mode needs none of them.
"""

from __future__ import annotations

import getpass
import ipaddress
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import platformdirs

from onrecord.errors import ConfigError

Origin = Literal["default", "config file", "environment", "flag"]
Kind = Literal["str", "int", "path", "bool"]
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _default_home() -> str:
    return platformdirs.user_data_dir("onrecord", appauthor=False)


def _default_config_file() -> str:
    return str(Path(platformdirs.user_config_dir("onrecord", appauthor=False)) / "config.toml")


def _default_operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (containers): name it plainly
        return "unknown-operator"


@dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    name: str
    default: Callable[[], str]
    help: str
    kind: Kind = "str"
    secret: bool = False
    in_file: bool = True  # may it be set in the config file?

    @property
    def env(self) -> str:
        return "ONRECORD_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("home", _default_home, "Folder of the vault: database, evidence blobs, keys.", "path"),
    Setting(
        "config",
        _default_config_file,
        "Path of the TOML config file read for the other settings.",
        "path",
        in_file=False,
    ),
    Setting(
        "database_url",
        lambda: "",
        "Organisation server only: postgresql://... of the shared database. "
        "Empty (the default) keeps the database inside the vault folder.",
    ),
    Setting(
        "blob_store",
        lambda: "",
        "Organisation server only: s3://bucket/prefix of an S3-compatible object store for the "
        "evidence blobs. Empty (the default) keeps them in the vault folder.",
    ),
    Setting(
        "s3_endpoint_url",
        lambda: "",
        "The object store's URL when it is not AWS (MinIO, Ceph, Garage: https://host:port).",
    ),
    Setting("s3_region", lambda: "", "The object store's region. Empty: boto3's own default."),
    Setting(
        "s3_access_key_id",
        lambda: "",
        "Access key for the object store, with s3_secret_access_key_file. Empty: boto3 finds "
        "credentials itself (environment, profile, instance role).",
    ),
    Setting(
        "s3_secret_access_key_file",
        lambda: "",
        "File whose first line is the object store's secret key (with s3_access_key_id).",
        "path",
    ),
    Setting(
        "passphrase",
        lambda: "",
        "Vault passphrase for scripts. Prefer --passphrase-file or the prompt.",
        secret=True,
        in_file=False,
    ),
    Setting(
        "passphrase_file",
        lambda: "",
        "File whose first line is the vault passphrase (for scripts).",
        "path",
    ),
    Setting(
        "operator",
        _default_operator,
        "Who is acting, as written in the custody log (acquired by).",
    ),
    Setting("time_zone", lambda: "UTC", "Time zone given to new cases unless one is named."),
    Setting("kdf_memory_kib", lambda: "65536", "Argon2id memory for new passphrases (KiB).", "int"),
    Setting("kdf_time_cost", lambda: "3", "Argon2id passes for new passphrases.", "int"),
    Setting("kdf_parallelism", lambda: "2", "Argon2id lanes for new passphrases.", "int"),
    Setting(
        "progress",
        lambda: "auto",
        "Progress bars: auto (when the terminal is interactive), always or never.",
    ),
    Setting(
        "tsa_url",
        lambda: "",
        "RFC 3161 time-stamping authority (http(s)://...). When set, every capture's hash and "
        "every signed custody-log head gets a timestamp token. Empty: no trusted time.",
    ),
    Setting(
        "browser",
        lambda: "",
        "Chromium to drive for captures and browser tests. Empty: the system's chromium, "
        "else Playwright's own.",
        "path",
    ),
    Setting(
        "capture_timeout",
        lambda: "30",
        "Seconds a capture waits for a page to load before taking it as it stands.",
        "int",
    ),
    Setting(
        "capture_allow_private",
        lambda: "",
        "Organisation server only: 'yes' lets captures reach private, loopback and link-local "
        "addresses (refused there by default).",
    ),
    Setting(
        "public_url",
        lambda: "",
        "Organisation server only: the address staff and invited people open "
        "(https://onrecord.clinic.example). Invite links are built from it, never from a "
        "request's Host header; https is required unless the host is loopback.",
    ),
    Setting(
        "trusted_proxies",
        lambda: "127.0.0.1, ::1",
        "Organisation server only: addresses or networks (comma-separated) of the reverse "
        "proxies whose X-Forwarded-For names the client, for per-address login limits. "
        "The default trusts only this machine (a proxy in front of a server listening on "
        "127.0.0.1); empty: the connecting address is always the client.",
    ),
    Setting(
        "worker_triage_threads",
        lambda: "1",
        "Organisation server only: threads each `onrecord worker` gives the triage model's "
        "encoder. 1 suits one worker per core (more only makes workers fight for the cores); "
        "raise it for a worker that has several cores to itself.",
        "int",
    ),
    Setting(
        "trusted_certificates",
        lambda: "",
        "Extra certificates (PEM file) captures trust, for a test or an internal site.",
        "path",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Config:
    """Resolved settings with the origin of each value."""

    values: Mapping[str, str]
    origins: Mapping[str, Origin] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.values[name]

    def origin(self, name: str) -> Origin:
        return self.origins[name]

    def integer(self, name: str) -> int:
        try:
            return int(self.values[name])
        except ValueError:
            raise ConfigError(
                f"Setting {name} must be a whole number, not {self.values[name]!r} "
                f"(from the {self.origins[name]})."
            ) from None

    def path(self, name: str) -> Path:
        return Path(self.values[name]).expanduser()

    @property
    def home(self) -> Path:
        return self.path("home")

    @property
    def operator(self) -> str:
        return self.values["operator"]

    @property
    def database_url(self) -> str:
        return self.values["database_url"]

    @property
    def public_url(self) -> str:
        """The server's public address without a trailing slash, or '' when not set."""
        raw = self.values["public_url"]
        return check_public_url(raw, self.origins.get("public_url", "settings")) if raw else ""

    @property
    def trusted_proxies(self) -> tuple[IPNetwork, ...]:
        return parse_networks(
            self.values["trusted_proxies"], self.origins.get("trusted_proxies", "settings")
        )

    def passphrase(self) -> str | None:
        """The passphrase given by environment or file, or None (ask the person)."""
        if self.values["passphrase"]:
            return self.values["passphrase"]
        if self.values["passphrase_file"]:
            return read_secret_file(self.path("passphrase_file"))
        return None


def running_in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """True under a CI runner (``CI`` set, as GitHub Actions, GitLab and most others do)."""
    env = os.environ if environ is None else environ
    return env.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def child_environment(**extra: str) -> dict[str, str]:
    """The environment for a tool onrecord runs (pg_dump...), with ``extra`` set in it."""
    return {**os.environ, **extra}


def read_secret_file(path: Path) -> str:
    """First line of a secret file, without its line ending."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Could not read the passphrase file {path}: {exc.strerror}.") from None
    line = text.splitlines()[0] if text else ""
    if not line:
        raise ConfigError(f"The passphrase file {path} is empty.")
    return line


def load_config(
    flags: Mapping[str, object | None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Resolve every setting: default < config file < environment < flag."""
    env = os.environ if environ is None else environ
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    unknown = set(given) - set(_BY_NAME)
    if unknown:
        raise ConfigError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
    values: dict[str, str] = {}
    origins: dict[str, Origin] = {}

    def pick(setting: Setting, file_values: Mapping[str, object]) -> None:
        if setting.name in given:
            values[setting.name], origins[setting.name] = str(given[setting.name]), "flag"
        elif setting.env in env:
            values[setting.name], origins[setting.name] = env[setting.env], "environment"
        elif setting.name in file_values:
            values[setting.name] = str(file_values[setting.name])
            origins[setting.name] = "config file"
        else:
            values[setting.name], origins[setting.name] = setting.default(), "default"

    pick(_BY_NAME["config"], {})
    file_values = _read_config_file(Path(values["config"]).expanduser())
    for setting in SETTINGS:
        if setting.name != "config":
            pick(setting, file_values)
    _validate(values, origins)
    return Config(values, origins)


def _read_config_file(path: Path) -> dict[str, object]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"Could not read the config file {path}: {exc}. Fix or remove it."
        ) from None
    for key in data:
        setting = _BY_NAME.get(key)
        if setting is None:
            raise ConfigError(
                f"The config file {path} names an unknown setting {key!r}. "
                f"Known settings: {', '.join(s.name for s in SETTINGS if s.in_file)}."
            )
        if not setting.in_file:
            raise ConfigError(
                f"The config file {path} may not set {key!r}; use {setting.env} instead."
            )
    return data


def _validate(values: Mapping[str, str], origins: Mapping[str, Origin]) -> None:
    for setting in SETTINGS:
        raw = values[setting.name]
        if setting.kind == "int":
            try:
                int(raw)
            except ValueError:
                raise ConfigError(
                    f"Setting {setting.name} must be a whole number, not {raw!r} "
                    f"(from the {origins[setting.name]})."
                ) from None
    if values["progress"] not in {"auto", "always", "never"}:
        raise ConfigError(
            f"Setting progress must be auto, always or never, not {values['progress']!r}."
        )
    if values["public_url"]:
        check_public_url(values["public_url"], origins["public_url"])
    parse_networks(values["trusted_proxies"], origins["trusted_proxies"])
    url = values["database_url"]
    if url and not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            "ONRECORD_DATABASE_URL must be a PostgreSQL URL (postgresql://user@host:port/name); "
            "leave it empty for the vault's own encrypted database."
        )
    store = values["blob_store"].strip()
    if store and not store.startswith("s3://"):
        raise ConfigError(
            f"Setting blob_store must be s3://bucket/prefix (an S3-compatible object store), not "
            f"{store!r} (from the {origins['blob_store']}). Leave it empty to keep the evidence "
            "in the vault folder."
        )


def check_public_url(raw: str, origin: str = "flag") -> str:
    """``raw`` as the server's public address (scheme and host, maybe a port), or why not.

    Plain http is refused except on a loopback host: an invite link carries a credential.
    """
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    try:
        host, _port = parts.hostname, parts.port
    except ValueError:
        host = None
    if parts.scheme not in {"https", "http"} or not host:
        raise ConfigError(
            f"public_url must be the server's address, like https://onrecord.clinic.example, "
            f"not {raw!r} (from the {origin})."
        )
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(
            f"public_url must be only the scheme and host (and port), like "
            f"https://onrecord.clinic.example, not {raw!r} (from the {origin})."
        )
    if parts.scheme == "http" and not _is_loopback(host):
        raise ConfigError(
            f"public_url must use https: invite links carry a credential, and {raw!r} "
            f"(from the {origin}) would send them unencrypted. Put a TLS proxy in front of the "
            "server and give its https:// address (http is accepted for a loopback host only)."
        )
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_networks(raw: str, origin: str = "flag") -> tuple[IPNetwork, ...]:
    """Comma-separated addresses or networks (``10.0.0.5, 10.1.0.0/16``) as networks."""
    networks = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(
                f"trusted_proxies must list IP addresses or networks separated by commas; "
                f"{entry!r} (from the {origin}) is neither."
            ) from None
    return tuple(networks)


def describe(config: Config) -> list[dict[str, str]]:
    """Rows for ``onrecord config``: name, value (secrets hidden), origin, variable, help."""
    rows = []
    for setting in SETTINGS:
        value = config.values[setting.name]
        if setting.secret and value:
            value = "(set, hidden)"
        rows.append(
            {
                "name": setting.name,
                "value": value,
                "origin": config.origins[setting.name],
                "env": setting.env,
                "help": setting.help,
            }
        )
    return rows


__all__ = [
    "SETTINGS",
    "Config",
    "IPNetwork",
    "Setting",
    "check_public_url",
    "child_environment",
    "describe",
    "load_config",
    "parse_networks",
    "read_secret_file",
    "running_in_ci",
]
