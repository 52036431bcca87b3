"""The TUI's backend: each thread keeps its own connection to the store, and a failure never
leaves a transaction open on it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from storage.db import Store
from tests.support.tui import NOW, team_config
from tui.backend import Backend

pytestmark = pytest.mark.usefixtures("utc_local_time")


def backend(db: Path) -> Backend:
    return Backend(db, team_config(), lambda: NOW)


def test_a_thread_keeps_its_connection_and_another_thread_has_its_own(db: Path) -> None:
    shared = backend(db)
    with shared.store() as first, shared.store() as again:
        assert first is again
    elsewhere: list[Store] = []

    def other() -> None:
        with shared.store() as store:
            elsewhere.append(store)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert elsewhere and elsewhere[0] is not first


def test_a_failure_mid_transaction_is_rolled_back_and_the_connection_stays_usable(
    db: Path,
) -> None:
    shared = backend(db)
    with pytest.raises(RuntimeError), shared.store() as store:
        store.conn.execute("INSERT INTO tags (name) VALUES ('half-done')")  # opens a transaction
        raise RuntimeError("failed half-way")
    with shared.store() as store:
        assert not store.conn.in_transaction
        store.conn.execute("INSERT INTO tags (name) VALUES ('done')")
        store.conn.commit()
    # Another connection sees the commit, and nothing of the failed half (nor waits on a lock).
    with Store.open(db) as other:
        names = {row[0] for row in other.conn.execute("SELECT name FROM tags")}
        with other.atomic():
            other.conn.execute("INSERT INTO tags (name) VALUES ('after')")
    assert "done" in names and "half-done" not in names
