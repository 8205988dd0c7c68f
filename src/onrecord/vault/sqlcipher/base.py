"""SQLCipher backend: Django's sqlite3 backend over ``sqlcipher3`` with a raw key.

``OPTIONS["key"]`` is the 32-byte database key in hex; it is sent as
``PRAGMA key = "x'...'"`` before anything else touches the file, then the key is
proved by reading the schema, so a wrong key fails at connect with a clear error.
"""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Iterable, Mapping
from itertools import tee
from typing import Any

import sqlcipher3.dbapi2 as Database  # noqa: N812  (the name Django backends use)
from django.db.backends.sqlite3 import base as sqlite_base
from django.db.backends.sqlite3._functions import (  # type: ignore[import-untyped]
    register as register_functions,
)
from django.utils.dateparse import parse_date, parse_datetime, parse_time

from onrecord.errors import DatabaseAlteredError, VaultLockedError

Database.register_converter("bool", b"1".__eq__)
Database.register_converter("date", sqlite_base.decoder(parse_date))
Database.register_converter("time", sqlite_base.decoder(parse_time))
Database.register_converter("datetime", sqlite_base.decoder(parse_datetime))
Database.register_converter("timestamp", sqlite_base.decoder(parse_datetime))
Database.register_adapter(decimal.Decimal, str)
Database.register_adapter(datetime.date, lambda value: value.isoformat())
Database.register_adapter(datetime.datetime, lambda value: value.isoformat(" "))

_HEX_KEY = re.compile(r"^[0-9a-f]{64}$")
_FORMAT_QMARK = re.compile(r"(?<!%)%s")


_PAGE_FAILED = (
    "a page of the database failed authentication: the file was altered or damaged outside onrecord"
)


class SQLCipherCursorWrapper(Database.Cursor):  # type: ignore[misc]  # untyped C base
    """Django's format/pyformat parameter styles on a sqlcipher3 cursor.

    SQLCipher reports a page that fails its HMAC as SQLITE_NOMEM, which the driver raises
    as MemoryError; here it becomes the DatabaseError it really is.
    """

    def execute(self, query: str, params: Any = None) -> Any:
        try:
            if params is None:
                return super().execute(query)
            names = list(params) if isinstance(params, Mapping) else None
            return super().execute(self.convert_query(query, param_names=names), params)
        except MemoryError:
            raise Database.DatabaseError(_PAGE_FAILED) from None

    def executemany(self, query: str, param_list: Iterable[Any]) -> Any:
        peek, param_list = tee(iter(param_list))
        first = next(peek, None)
        names = list(first) if first and isinstance(first, Mapping) else None
        try:
            return super().executemany(self.convert_query(query, param_names=names), param_list)
        except MemoryError:
            raise Database.DatabaseError(_PAGE_FAILED) from None

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except MemoryError:
            raise Database.DatabaseError(_PAGE_FAILED) from None

    def fetchmany(self, size: int = 1) -> Any:
        try:
            return super().fetchmany(size)
        except MemoryError:
            raise Database.DatabaseError(_PAGE_FAILED) from None

    def fetchall(self) -> Any:
        try:
            return super().fetchall()
        except MemoryError:
            raise Database.DatabaseError(_PAGE_FAILED) from None

    @staticmethod
    def convert_query(query: str, *, param_names: list[str] | None = None) -> str:
        """Django's "format" style to qmark, "pyformat" to named (as its SQLite backend)."""
        if param_names is None:
            return _FORMAT_QMARK.sub("?", query).replace("%%", "%")
        return query % {name: f":{name}" for name in param_names}


class DatabaseWrapper(sqlite_base.DatabaseWrapper):
    vendor = "sqlite"
    display_name = "SQLCipher"
    Database = Database

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        key = str(self.settings_dict["OPTIONS"].get("key", ""))
        if not _HEX_KEY.match(key):
            raise VaultLockedError("The vault's database key is missing or malformed.")
        params = {k: v for k, v in conn_params.items() if k != "key"}
        conn = Database.connect(**params)
        conn.execute("PRAGMA cipher_log_level = NONE")  # errors reach us as exceptions
        conn.execute(f"PRAGMA key = \"x'{key}'\"")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except Database.DatabaseError:
            conn.close()
            raise DatabaseAlteredError(
                "The vault's database file does not open with the vault's key: it was altered "
                "or damaged outside onrecord. Restore onrecord.db from a backup."
            ) from None
        register_functions(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA legacy_alter_table = OFF")
        init_commands: list[str] = getattr(self, "init_commands", [])
        for init_command in init_commands:
            if init_command := init_command.strip():
                conn.execute(init_command)
        return conn

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=SQLCipherCursorWrapper)
