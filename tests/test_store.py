"""The store file itself: created private, WAL, foreign keys, migrations, frozen results, raw mail."""

from __future__ import annotations

import dataclasses
import sqlite3
import stat
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from mail.ingest import Ingestor
from storage import conversations, customers, events, messages
from storage.db import Store
from storage.errors import NotFoundError, StoreError
from storage.models import Address, Status
from storage.schema import migrations
from storage.search import search
from tests.conftest import SUPPORT, later, mail


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_store_file_and_its_folder_are_private(store_path: Path) -> None:
    assert not store_path.parent.exists()
    with Store.open(store_path) as store:
        Ingestor(store, [SUPPORT]).ingest([mail()])  # so the WAL files exist too
        assert _mode(store_path) == 0o600
        assert _mode(store_path.parent) == 0o700
        for suffix in ("-wal", "-shm"):
            side = Path(f"{store_path}{suffix}")
            if side.exists():
                assert _mode(side) & 0o077 == 0, f"{side.name} is readable by others"


def test_store_uses_wal_and_enforces_foreign_keys(store: Store) -> None:
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA foreign_keys") == 1
    with pytest.raises(sqlite3.IntegrityError), store.atomic():
        store.conn.execute(
            "INSERT INTO messages (conversation_id, raw_id, message_id, content_hash, date,"
            " received_at) VALUES (999, 999, 'x@y', 'h', 0, 0)"
        )
    # WAL is a property of the file: another connection sees it too.
    other = sqlite3.connect(store.path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()


def test_migrations_are_applied_once(store_path: Path) -> None:
    with Store.open(store_path) as store:
        first = [(m.name, m.applied_at) for m in migrations.applied(store.db)]
        assert [name for name, _ in first] == [m.name for m in migrations._migrations]
        assert migrations.pending(store.db) == []
        Ingestor(store, [SUPPORT]).ingest([mail()])
    with Store.open(store_path) as store:
        again = [(m.name, m.applied_at) for m in migrations.applied(store.db)]
        assert again == first  # nothing re-applied, nothing re-recorded
        assert store.scalar("SELECT count(*) FROM _sqlite_migrations") == len(first)
        assert store.scalar("SELECT count(*) FROM messages") == 1  # data survives a reopen


def test_a_store_from_before_conversation_tiers_gets_them_when_opened(store_path: Path) -> None:
    """m014 copies each customer's tier onto their conversations (none: unknown)."""
    store_path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(store_path)
    migrations.apply(db, stop_before="m014_conversation_tier")
    db.execute("INSERT INTO customers (id, tier, created_at) VALUES (1, 'vip', 0), (2, 'free', 0)")
    db.execute(
        "INSERT INTO conversations (id, customer_id, created_at) VALUES (1, 1, 0), (2, NULL, 0),"
        " (3, 2, 0)"
    )
    db.conn.commit()
    db.close()
    with Store.open(store_path) as store:
        tiers = store.conn.execute("SELECT id, tier FROM conversations ORDER BY id").fetchall()
    assert tiers == [(1, "vip"), (2, "unknown"), (3, "free")]


def test_a_file_that_is_not_a_database_gives_a_clear_store_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    original = b"These are my notes, not a database. " * 100
    path.write_bytes(original)
    with pytest.raises(StoreError) as caught:
        Store.open(path)
    message = str(caught.value)
    assert str(path) in message
    assert "not a usable frontdesk database" in message
    assert path.read_bytes() == original  # left alone


def test_a_store_path_below_a_file_gives_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the database"):
        Store.open(blocker / "frontdesk.db")


def _assert_frozen(value: object) -> None:
    assert dataclasses.is_dataclass(value) and not isinstance(value, type)
    first = dataclasses.fields(value)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, first, "changed")


def test_queries_return_frozen_dataclasses(store: Store) -> None:
    Ingestor(store, [SUPPORT]).ingest(
        [
            mail(message_id="<q1@x>"),
            mail(
                sender=SUPPORT,
                to="zoe@northwind.test",
                subject="Re: Export is broken",
                message_id="<q2@x>",
                in_reply_to="<q1@x>",
                date=later(1),
            ),
        ]
    )
    (conversation,) = conversations.queue(store, "all")
    _assert_frozen(conversation)
    _assert_frozen(conversation.customer)
    _assert_frozen(conversations.get(store, conversation.id))
    thread = messages.messages_of(store, conversation.id)
    assert len(thread) == 2
    for message in thread:
        _assert_frozen(message)
    events.record(store, "note", conversation.id, actor="ann")
    _assert_frozen(events.events_for(store, conversation.id)[0])
    customer = customers.get_customer(store, 1)
    assert customer is not None
    _assert_frozen(customer)
    (hit,) = search(store, "export")
    _assert_frozen(hit)


def test_raw_bytes_come_back_identical_and_are_stored_compressed(store: Store) -> None:
    odd = (
        b"From: =?iso-8859-1?q?J=F6rg?= <jorg@example.test>\r\n"
        b"To: support@acme.test\r\n"
        b"Subject: Caf\xe9 8-bit header\r\n"
        b"Message-ID: <raw1@example.test>\r\n"
        b"Date: Mon, 2 Nov 2026 09:00:00 +0000\r\n"
        b"Content-Type: text/plain; charset=latin-1\r\n"
        b"\r\n"
        b"Gr\xfc\xdfe,  trailing spaces   \r\n\r\n\r\n" + b"x" * 5000 + b"\r\n"
    )
    originals = [odd, mail(message_id="<raw2@x>", date=later(1)), b"\x00\xffnot mail at all"]
    report = Ingestor(store, [SUPPORT]).ingest(originals)
    assert report.stored == 3
    rows = store.conn.execute(
        "SELECT m.id, r.size, r.data FROM messages m JOIN raw_messages r ON r.id = m.raw_id"
        " ORDER BY m.id"
    ).fetchall()
    assert len(rows) == 3
    for (row_id, size, data), original in zip(rows, originals, strict=True):
        assert messages.raw_message(store, row_id) == original
        assert size == len(original)
        assert data != original and zlib.decompress(data) == original
    with pytest.raises(KeyError):
        messages.raw_message(store, 12345)


def test_events_round_trip(store: Store) -> None:
    Ingestor(store, [SUPPORT]).ingest([mail()])
    (conversation,) = conversations.queue(store, "all")
    first = events.record(
        store, "tagged", conversation.id, actor="ann", at=later(2), tag="billing", count=2
    )
    second = events.record(store, "note", conversation.id, actor="bob", at=later(1))
    got = events.events_for(store, conversation.id)
    assert [(e.id, e.kind, e.actor, e.at) for e in got] == [
        (second, "note", "bob", later(1)),
        (first, "tagged", "ann", later(2)),
    ]
    assert got[1].conversation_id == conversation.id
    assert got[1].detail == '{"count": 2, "tag": "billing"}'
    assert events.events_for(store, conversation.id + 1) == []


def test_closing_records_who_closed_it(store: Store) -> None:
    Ingestor(store, [SUPPORT]).ingest([mail(date=later(0))])
    (conversation,) = conversations.queue(store, "all")
    assert conversation.awaiting_reply
    conversations.set_status(store, conversation.id, Status.CLOSED, actor="ann", at=later(5))
    closed = conversations.get(store, conversation.id)
    assert closed.status == Status.CLOSED
    assert not closed.awaiting_reply  # a closed conversation waits on no one
    assert conversations.queue(store, "open") == []
    assert [c.id for c in conversations.queue(store, "closed")] == [conversation.id]
    (event,) = events.events_for(store, conversation.id)
    assert (event.kind, event.actor, event.at) == ("closed", "ann", later(5))

    conversations.set_status(store, conversation.id, Status.OPEN, actor="bob", at=later(6))
    reopened = conversations.get(store, conversation.id)
    assert reopened.status == Status.OPEN and reopened.awaiting_reply
    assert [(e.kind, e.actor) for e in events.events_for(store, conversation.id)] == [
        ("closed", "ann"),
        ("reopened", "bob"),
    ]
    with pytest.raises(NotFoundError):
        conversations.set_status(store, 999, Status.CLOSED, actor="ann")


def test_a_transaction_that_reads_first_waits_for_another_writer_instead_of_failing(
    store_path: Path,
) -> None:
    """Marking a conversation read (a read, then a write) while a close is stored: the second
    writer waits for the first, it does not fail with "database is locked"."""
    with Store.open(store_path) as first:
        other_done = threading.Event()
        errors: list[BaseException] = []

        def other_writer() -> None:
            try:
                with Store.open(store_path) as second, second.atomic():
                    second.conn.execute("INSERT INTO tags (name) VALUES ('from-the-other')")
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)
            other_done.set()

        with first.atomic():
            first.scalar("SELECT count(*) FROM tags")  # the transaction has read
            writer = threading.Thread(target=other_writer)
            writer.start()
            # It waits for this transaction, rather than writing in between.
            assert not other_done.wait(0.5)
            first.conn.execute("INSERT INTO tags (name) VALUES ('from-the-first')")
        writer.join(timeout=10)
        assert errors == []
        names = {row[0] for row in first.conn.execute("SELECT name FROM tags")}
        assert {"from-the-first", "from-the-other"} <= names


def test_customer_is_created_once_and_gets_a_name_later(store: Store) -> None:
    with store.atomic():
        first = customers.customer_for_address(store, Address("zoe@northwind.test"))
        again = customers.customer_for_address(store, Address("zoe@northwind.test", "Zoë"))
    assert first == again
    customer = customers.get_customer(store, first)
    assert customer is not None
    assert (customer.email, customer.name, customer.tier) == (
        "zoe@northwind.test",
        "Zoë",
        "unknown",
    )


def test_a_new_store_opened_by_several_threads_at_once_migrates_once(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "race" / "frontdesk.db"
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_it() -> None:
        start.wait()
        try:
            Store.open(path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Store.open(path) as store:
        applied = store.scalar("SELECT count(*) FROM _sqlite_migrations")
        assert applied == len(store.conn.execute("SELECT name FROM _sqlite_migrations").fetchall())
        names = [r[0] for r in store.conn.execute("SELECT name FROM _sqlite_migrations")]
        assert len(names) == len(set(names))


def test_opening_a_store_already_in_wal_asks_for_no_journal_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Asking for WAL again waits for every other connection's open transaction, and it runs
    # under the lock every open takes: one busy worker would hold up every store open of the
    # app (the queue's rows never came while a poll had its connection open).
    path = tmp_path / "frontdesk.db"
    Store.open(path).close()
    statements: list[str] = []
    connect = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr("storage.db.sqlite3.connect", traced)
    with Store.open(path) as store:
        assert store.scalar("PRAGMA journal_mode") == "wal"
    assert not [s for s in statements if "journal_mode=" in s.replace(" ", "").lower()]
