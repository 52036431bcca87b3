"""Opening the store: the file created private (0600), WAL mode, foreign keys on, migrated.

One `Store` per thread: SQLite connections are not shared between threads.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from storage.errors import StoreError
from storage.schema import migrations


class Store:
    """An open frontdesk database. Use `Store.open(path)`; close it with `close()` or `with`."""

    def __init__(self, db: Database, path: Path | None) -> None:
        self.db = db
        self.conn: sqlite3.Connection = db.conn
        self.path = path

    @classmethod
    def open(cls, path: Path | str) -> Store:
        """Opens (creating if needed) the store at `path` and brings its schema up to date."""
        path = Path(path).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Create the file ourselves so it is never readable by others, not even briefly.
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
        except OSError as exc:
            raise StoreError(f"cannot create the database {path}: {exc.strerror}") from exc
        try:
            conn = sqlite3.connect(path, timeout=30)
            store = cls._prepare(conn, path)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not a usable frontdesk database ({exc})") from exc
        return store

    @classmethod
    def memory(cls) -> Store:
        """A throw-away in-memory store, for pure unit tests."""
        return cls._prepare(sqlite3.connect(":memory:"), None)

    @classmethod
    def _prepare(cls, conn: sqlite3.Connection, path: Path | None) -> Store:
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA cache_size=-32768")  # 32 MB: fewer page reads while indexing
        # No ANALYZE and no `PRAGMA optimize`, on purpose: without statistics the planner
        # takes an index for every equality, which is what each query here is written for,
        # and a plan depends only on the schema and the SQL, so tests/test_query_plans.py
        # sees the plans a 100,000-conversation store runs. With statistics, the unread
        # count became a full scan (twice as slow at 100,000); and SQLite 3.40's optimize
        # analyses only the tables the closing connection's own queries used.
        db = Database(conn, execute_plugins=False)
        if path is None:
            migrations.apply(db)
        else:
            # Two processes (or threads) opening a new store at once must not both migrate it,
            # nor both switch a new file to WAL: that switch can fail at once with "database is
            # locked" rather than wait. A store already in WAL is left as it is: asking for WAL
            # again waits for every other connection's open transaction, and here it would
            # hold up every other open while it waits.
            lock_fd = os.open(f"{path}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX)
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                migrations.apply(db)
            finally:
                os.close(lock_fd)
        return cls(db, path)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction (or a savepoint inside one): all of it is written, or none.

        It takes the write lock when it begins (BEGIN IMMEDIATE), waiting for another writer
        as long as the busy timeout allows. A plain BEGIN takes it at the first write, and a
        transaction that has read by then cannot wait for it: when another connection wrote
        meanwhile, SQLite fails at once with "database is locked" (closing a conversation
        while the next one is marked read did, one time in two)."""
        if self.conn.in_transaction:
            with self.db.atomic():  # a savepoint
                yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.db.rollback()
            raise

    def scalar(self, sql: str, params: tuple[object, ...] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
