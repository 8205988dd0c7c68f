"""What every command shares: the resolved config, the open vault, prompts and output."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import click

from onrecord.config import Config, load_config
from onrecord.errors import VaultLockedError
from onrecord.vault.crypto import KdfParams
from onrecord.vault.home import Vault

PROGRESS_THRESHOLD = 32 * 1024 * 1024  # bytes: below this, work takes well under a second


def safe(text: object) -> str:
    """Text for the terminal: undecodable bytes, control and direction characters escaped.

    File names, titles and messages come from other people; a terminal must never take
    an escape sequence or a right-to-left override from them.
    """
    raw = str(text).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    out = []
    for char in raw:
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


class Session:
    """Per-invocation state; the vault is opened on first use and closed at exit."""

    def __init__(self, flags: Mapping[str, object | None]) -> None:
        self.flags = dict(flags)
        self._config: Config | None = None
        self.vault: Vault | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.flags)
        return self._config

    def kdf_params(self) -> KdfParams:
        c = self.config
        return KdfParams(
            memory_kib=c.integer("kdf_memory_kib"),
            time_cost=c.integer("kdf_time_cost"),
            parallelism=c.integer("kdf_parallelism"),
        )

    def passphrase(self, *, confirm: bool = False, prompt: str = "Vault passphrase") -> str:
        given = self.config.passphrase()
        if given is not None:
            return given
        if not sys.stdin.isatty():
            raise VaultLockedError(
                "A passphrase is needed and there is no terminal to ask in: set "
                "ONRECORD_PASSPHRASE or pass --passphrase-file."
            )
        value: str = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
        return value

    def open_vault(self, *, upgrade: bool = False) -> Vault:
        """Unlock and open the vault, tidying after any interrupted command."""
        if self.vault is None:
            from onrecord.vault.home import VaultInfo

            home = self.config.home
            info = VaultInfo.read(home)
            vault = Vault.open(
                home,
                passphrase=self.passphrase() if info.encrypted else None,
                database_url=self.config.database_url,
                upgrade=upgrade,
            )
            removed, sealed = vault.recover()
            if removed or sealed:
                click.echo(
                    f"Recovered from an interrupted command: {removed} partial file(s) removed, "
                    f"{sealed} custody log(s) sealed.",
                    err=True,
                )
            self.vault = vault
        return self.vault

    def close(self) -> None:
        if self.vault is not None:
            self.vault.close()
            self.vault = None

    # -- output ---------------------------------------------------------------------------

    @staticmethod
    def print_json(value: Any) -> None:
        click.echo(json.dumps(value, indent=2, default=str))  # ASCII: names may hold any bytes

    @staticmethod
    def print_table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> None:
        rows = [[safe(cell) for cell in row] for row in rows]
        widths = [len(h) for h in header]
        for row in rows:
            widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
        for row in (header, *rows):
            click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())

    @contextmanager
    def progress(
        self, total: int, label: str, unit: str = "bytes"
    ) -> Iterator[Callable[[int], None] | None]:
        """A progress bar on stderr, when the work is big enough to wait for."""
        mode = self.config.get("progress")
        enough = total >= (PROGRESS_THRESHOLD if unit == "bytes" else 2000)
        show = mode == "always" or (mode == "auto" and sys.stderr.isatty() and enough)
        if not show:
            yield None
            return
        with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
            yield bar.update
