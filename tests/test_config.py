from __future__ import annotations

import re
from pathlib import Path

import pytest

from onrecord.config import SETTINGS, describe, load_config
from onrecord.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_need_no_configuration(tmp_path: Path) -> None:
    config = load_config(environ={"ONRECORD_CONFIG": str(tmp_path / "none.toml")})
    assert config.origin("home") == "default"
    assert config.database_url == ""
    assert config.passphrase() is None


def test_precedence_default_file_environment_flag(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('operator = "from-file"\ntime_zone = "Europe/London"\n')
    env = {"ONRECORD_CONFIG": str(config_file), "ONRECORD_OPERATOR": "from-env"}
    config = load_config(flags={"operator": "from-flag", "home": None}, environ=env)
    assert (config.operator, config.origin("operator")) == ("from-flag", "flag")
    config = load_config(environ=env)
    assert (config.operator, config.origin("operator")) == ("from-env", "environment")
    assert (config.get("time_zone"), config.origin("time_zone")) == (
        "Europe/London",
        "config file",
    )
    assert config.origin("progress") == "default"
    assert config.origin("config") == "environment"


def test_bad_values_are_explained(tmp_path: Path) -> None:
    base = {"ONRECORD_CONFIG": str(tmp_path / "none.toml")}
    with pytest.raises(ConfigError, match="whole number"):
        load_config(environ=base | {"ONRECORD_KDF_TIME_COST": "three"})
    with pytest.raises(ConfigError, match="PostgreSQL URL"):
        load_config(environ=base | {"ONRECORD_DATABASE_URL": "mysql://x/y"})
    bad_file = tmp_path / "bad.toml"
    bad_file.write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_config(environ={"ONRECORD_CONFIG": str(bad_file)})
    secret_file = tmp_path / "secret.toml"
    secret_file.write_text("passphrase = 'x'\n")
    with pytest.raises(ConfigError, match="may not set 'passphrase'"):
        load_config(environ={"ONRECORD_CONFIG": str(secret_file)})
    broken = tmp_path / "broken.toml"
    broken.write_text("operator = \n")
    with pytest.raises(ConfigError, match="Could not read the config file"):
        load_config(environ={"ONRECORD_CONFIG": str(broken)})


def test_passphrase_file_and_secret_hidden(tmp_path: Path) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text("s3cret phrase\nignored\n")
    env = {"ONRECORD_CONFIG": str(tmp_path / "none.toml"), "ONRECORD_PASSPHRASE": "abc"}
    config = load_config(flags={"passphrase_file": str(secret)}, environ=env)
    assert config.passphrase() == "abc"  # the variable wins over the file
    rows = {r["name"]: r for r in describe(config)}
    assert rows["passphrase"]["value"] == "(set, hidden)"
    config = load_config(flags={"passphrase_file": str(secret)}, environ={})
    assert config.passphrase() == "s3cret phrase"
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ConfigError, match="is empty"):
        load_config(flags={"passphrase_file": str(empty)}, environ={}).passphrase()


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if s.env not in readme]
    assert not missing, f"README.md does not mention {missing}"


def test_only_config_reads_the_environment() -> None:
    offenders = []
    for path in (ROOT / "src" / "onrecord").rglob("*.py"):
        if path.name == "config.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"os\.environ|os\.getenv|getenv\(", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
