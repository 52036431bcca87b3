"""The app's look at the store every few seconds (tui/background.py's StoreWatch): no store
work when nothing changed, a look when another connection wrote or a due time passed, and
the screens told only when what they show changed. Statements are counted as SQLite runs
them (a trace on every connection `Store` opens)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from storage import work
from storage.db import Store
from storage.timeutil import to_epoch
from tests.support.tui import NOW, Clock
from tui.background import StoreWatch

ME = "Dana Whitfield"


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement run on a store opened from now on."""
    ran: list[str] = []
    prepare = Store._prepare.__func__  # type: ignore[attr-defined]

    def traced(cls: type[Store], conn: sqlite3.Connection, path: Path | None) -> Store:
        conn.set_trace_callback(ran.append)
        return prepare(cls, conn, path)  # type: ignore[no-any-return]

    monkeypatch.setattr(Store, "_prepare", classmethod(traced))
    return ran


def opener(db: Path) -> tuple[list[int], object]:
    """What the app passes the watch (`Backend.store`), counting the stores it opens."""
    opened: list[int] = []

    @contextmanager
    def open_store() -> Iterator[Store]:
        opened.append(1)
        with Store.open(db) as store:
            yield store

    return opened, open_store


def first_open(db: Path) -> int:
    with Store.open(db) as store:
        return int(
            store.scalar(
                "SELECT id FROM conversations WHERE status = 'open' AND awaiting_reply"
                " ORDER BY id LIMIT 1"
            )
        )


def test_a_look_when_nothing_changed_runs_no_statement(db: Path, statements: list[str]) -> None:
    opened, open_store = opener(db)
    watch = StoreWatch(db, Clock())
    assert watch.look(open_store) is False  # the first look: what the screens show now
    assert opened and statements
    # It journaled the breaches so far, through a store of its own: the next look sees that
    # write once, as another connection's.
    watch.look(open_store)
    opened.clear()
    statements.clear()
    for _ in range(3):
        assert watch.look(open_store) is False
    assert opened == [] and statements == []
    watch.close()


def test_another_connections_change_is_looked_at_once_and_shown(
    db: Path, statements: list[str]
) -> None:
    opened, open_store = opener(db)
    watch = StoreWatch(db, Clock())
    watch.look(open_store)
    with Store.open(db) as store:
        work.add_tag(store, [first_open(db)], "outage", actor=ME)  # an event: screens show it
    assert watch.look(open_store) is True
    opened.clear()
    statements.clear()
    assert watch.look(open_store) is False
    assert opened == [] and statements == []
    watch.close()


def test_a_change_the_screens_do_not_show_is_looked_at_but_not_shown(db: Path) -> None:
    opened, open_store = opener(db)
    watch = StoreWatch(db, Clock())
    watch.look(open_store)
    with Store.open(db) as store:
        work.mark_viewed(store, first_open(db), at=NOW)  # read: no message, event or outbox
    before = len(opened)
    assert watch.look(open_store) is False
    assert len(opened) == before + 1
    watch.close()


def test_a_due_time_passing_journals_the_breach_without_any_write(db: Path) -> None:
    due = first_open(db)
    with Store.open(db) as store, store.atomic():
        store.conn.execute(
            "UPDATE conversations SET sla_due_at = ?, snoozed_until = NULL WHERE id = ?",
            (to_epoch(NOW + timedelta(seconds=30)), due),
        )
    clock = Clock()
    opened, open_store = opener(db)
    watch = StoreWatch(db, clock)
    watch.look(open_store)
    assert watch.look(open_store) is False
    looked = len(opened)
    clock.advance(seconds=20)  # the same minute, not due yet: nothing to look at
    assert watch.look(open_store) is False and len(opened) == looked
    clock.advance(seconds=15)  # past the due time (and a new minute)
    assert watch.look(open_store) is True
    with Store.open(db) as store:
        breaches = store.scalar(
            "SELECT count(*) FROM events WHERE kind = 'sla_breached' AND conversation_id = ?",
            (due,),
        )
    assert breaches == 1
    watch.look(open_store)  # its own breach, written through another connection: once
    looked = len(opened)
    assert watch.look(open_store) is False and len(opened) == looked
    watch.close()
