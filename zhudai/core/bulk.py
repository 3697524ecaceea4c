"""Bulk writes for imports: the ORM decides what to write, the cursor writes it.

Django's bulk_create spent 22-25 s on 100k customers where executemany took 3-5 s (SQLite caps a
statement at 999 parameters, so bulk_create sends ~34 rows per INSERT). These helpers insert
prepared rows with executemany on SQLite and COPY on PostgreSQL, inside the caller's transaction,
and allocate primary keys up front so that the caller knows every new row's id.
"""

import datetime
import json
from contextlib import contextmanager
from functools import lru_cache
from decimal import Decimal

from django.db import connection


def allocate_ids(model, count):
    """`count` fresh primary keys for `model`, never reusing an id a deleted row once had (audit
    history is keyed by id). Call inside the transaction that inserts the rows."""
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                        [table, pk, count])
            return [row[0] for row in cur.fetchall()]
        # SQLite AUTOINCREMENT keeps the highest id ever used in sqlite_sequence; explicit ids
        # above it move it on, so later ORM inserts continue after them.
        cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cur.fetchone()
        cur.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) FROM {connection.ops.quote_name(table)}")
        start = max(row[0] if row else 0, cur.fetchone()[0]) + 1
    return list(range(start, start + count))


# SQLite pages (4 KB) the log may hold before a commit copies it back during bulk work: ~100 MB.
BULK_CHECKPOINT_PAGES = 25_000


@contextmanager
def fewer_checkpoints(using=None, pages=None):
    """Many chunks, each its own transaction, with SQLite's log copied back into the database file
    every ~100 MB instead of every 4 MB.

    In WAL mode a commit that leaves the log over `wal_autocheckpoint` pages (1,000 by default)
    copies it back, and consecutive chunks touch the same index pages, so an import of 20 chunks
    copied them 20 times (0.7 s of 11 s for 100,000 customers). Never checkpointing is no answer:
    a million-row import then grew the log past 12 GB. Per connection; a no-op elsewhere."""
    db = using or connection
    default = _wal_autocheckpoint(db) if db.vendor == "sqlite" and not db.in_atomic_block else None
    if default is None:
        yield
        return
    with db.cursor() as cur:
        cur.execute(f"PRAGMA wal_autocheckpoint={int(pages or BULK_CHECKPOINT_PAGES)}")
    try:
        yield
    finally:
        with db.cursor() as cur:
            cur.execute(f"PRAGMA wal_autocheckpoint={int(default)}")
            cur.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _wal_autocheckpoint(db):
    with db.cursor() as cur:
        cur.execute("PRAGMA journal_mode")
        if cur.fetchone()[0] != "wal":
            return None
        cur.execute("PRAGMA wal_autocheckpoint")
        return cur.fetchone()[0]


def preparer(field):
    """A function turning a Python value of `field` into what the cursor takes, or None when the
    value goes through as it is. Encryption is the caller's business (values arrive encrypted)."""
    internal = field.get_internal_type()
    if internal == "DateTimeField":
        if connection.vendor == "sqlite":
            return _sqlite_datetime
        return None
    if internal == "DateField":
        return lambda v: None if v is None else v.isoformat()
    if internal == "DecimalField":
        if connection.vendor == "sqlite":
            return lambda v: None if v is None else str(v)
        return None
    if internal == "JSONField":
        return lambda v: json.dumps(v, ensure_ascii=False, default=_json_default)
    if internal == "BooleanField" and connection.vendor == "sqlite":
        return lambda v: None if v is None else int(v)
    return None


def _sqlite_datetime(value):
    """What Django stores for an aware datetime on SQLite (naive UTC text), without its per-value
    settings lookups."""
    if value is None:
        return None
    if value.tzinfo is not None:
        return _utc_text(value)
    return value.isoformat(" ")


@lru_cache(maxsize=8192)
def _utc_text(value):
    """Cached: a sheet's dates repeat down its rows, and the conversion through the time zone took
    4 µs of the 0.2 µs a cache hit takes."""
    return value.astimezone(datetime.timezone.utc).replace(tzinfo=None).isoformat(" ")


def _json_default(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class RowWriter:
    """Rows for one model's table: `columns` are field attnames; rows are lists in that order."""

    def __init__(self, model, attnames):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.model = model
        self.attnames = list(attnames)
        self.columns = [fields[a].column for a in self.attnames]
        self.prepare = [(n, p) for n, a in enumerate(self.attnames) if (p := preparer(fields[a])) is not None]
        # attname -> preparer, for callers that fill a prepared template row value by value
        self.preparers = {self.attnames[n]: p for n, p in self.prepare}

    def prepared(self, row):
        for n, prepare in self.prepare:
            row[n] = prepare(row[n])
        return row

    def insert(self, rows, *, prepared=False):
        """Insert `rows` (lists in `attnames` order); `prepared` when they went through prepared()."""
        if not rows:
            return 0
        qn = connection.ops.quote_name
        table = qn(self.model._meta.db_table)
        columns = ", ".join(qn(c) for c in self.columns)
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row if prepared else self.prepared(row))
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                                rows if prepared else [self.prepared(row) for row in rows])
        return len(rows)
