"""Fast insertion of imported items, past the ORM's per-object work.

An import writes up to millions of rows; building a model instance per row and letting
the ORM prepare every field costs more than parsing the export. Here rows are plain tuples
in ``COLUMNS`` order, written with one ``executemany`` per batch. Ids are reserved up front
(so an edit can point at its earlier version before either is written): on SQLite from the
table's AUTOINCREMENT counter while this transaction holds the write lock, on PostgreSQL
from the identity sequence. Everything else about items goes through the ORM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection

from onrecord.cases.models import Item

COLUMNS: tuple[str, ...] = (
    "id",
    "case",
    "platform",
    "kind",
    "author",
    "recipients",
    "text",
    "sent_at",
    "sent_at_original",
    "time_zone_assumed",
    "url",
    "platform_id",
    "evidence",
    "position",
    "log_index",
    "conversation",
    "in_reply_to",
    "dedupe_key",
    "content_hash",
    "previous_version",
    "deleted_at_source",
    "edited_at",
    "import_run",
    "raw",
    "extra",
)
JSON_COLUMNS = {"recipients", "raw", "extra"}


class ItemWriter:
    """Reserves ids and writes rows for the active database, inside a transaction."""

    def __init__(self) -> None:
        meta = Item._meta
        self.vendor = connection.vendor
        table = connection.ops.quote_name(meta.db_table)
        names = [connection.ops.quote_name(_column(c)) for c in COLUMNS]
        marks = [
            "%s::jsonb" if self.vendor == "postgresql" and c in JSON_COLUMNS else "%s"
            for c in COLUMNS
        ]
        # names come from the model, never from input; values are parameters
        self.sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(marks)})"  # noqa: S608
        self._ids: list[int] = []  # reserved, highest first
        self._sqlite_next = 0

    def moment(self, value: dt.datetime | None) -> Any:
        """A datetime as this database's driver takes it (SQLite: naive UTC text)."""
        if value is None or self.vendor == "postgresql":
            return value
        return connection.ops.adapt_datetimefield_value(value)

    def next_id(self) -> int:
        if not self._ids:
            self._ids = sorted(self._reserve(1000), reverse=True)
        return self._ids.pop()

    def _reserve(self, count: int) -> list[int]:
        table = Item._meta.db_table
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [int(row[0]) for row in cursor.fetchall()]
            if self._sqlite_next == 0:
                cursor.execute("SELECT max(seq) FROM sqlite_sequence WHERE name = %s", [table])
                counter = cursor.fetchone()[0] or 0
                cursor.execute(f'SELECT max(id) FROM "{table}"')  # noqa: S608
                highest = cursor.fetchone()[0] or 0
                self._sqlite_next = max(counter, highest) + 1
        # SQLite: this transaction holds the write lock, so nobody else takes these
        first, self._sqlite_next = self._sqlite_next, self._sqlite_next + count
        return list(range(first, first + count))

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, rows)


def _column(name: str) -> str:
    field = Item._meta.get_field(name)
    column = getattr(field, "column", None)
    if not isinstance(column, str):
        raise TypeError(f"Item.{name} has no column")
    return column
