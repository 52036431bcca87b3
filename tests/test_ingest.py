"""Ingest: duplicates are recognized, and a message that cannot be parsed is kept and flagged
without stopping the rest."""

from __future__ import annotations

from datetime import UTC, datetime

from mail.ingest import Ingestor, RawMail
from storage import conversations, messages
from storage.db import Store
from tests.conftest import SUPPORT, later, mail

UNPARSABLE = b"\x00\x01 this is not a header line\nnor is this\n\nbut there is a body\n"


def stored_count(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM messages"))


def test_same_message_twice_is_stored_once(store: Store) -> None:
    ingestor = Ingestor(store, [SUPPORT])
    raw = mail(message_id="<dup@x>")
    first = ingestor.ingest([raw])
    assert (first.read, first.stored, first.duplicates) == (1, 1, 0)
    second = ingestor.ingest([raw, raw])
    assert (second.read, second.stored, second.duplicates) == (2, 0, 2)
    assert stored_count(store) == 1
    assert second.summary() == "2 read, 0 stored, 2 duplicates, 0 flagged"
    (conversation,) = conversations.queue(store, "all")
    assert conversation.message_count == 1


def test_duplicate_within_one_batch_is_stored_once(store: Store) -> None:
    raw = mail(message_id="<dup@x>")
    report = Ingestor(store, [SUPPORT]).ingest([raw, raw, raw])
    assert (report.stored, report.duplicates) == (1, 2)
    assert stored_count(store) == 1


def test_same_message_id_with_different_content_is_stored_twice(store: Store) -> None:
    report = Ingestor(store, [SUPPORT]).ingest(
        [
            mail(message_id="<same@x>", body="First version.\n"),
            mail(message_id="<same@x>", body="A different body.\n"),
        ]
    )
    assert (report.stored, report.duplicates) == (2, 0)
    rows = store.conn.execute("SELECT message_id, body_text FROM messages ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["same@x", "same@x"]
    assert "First version." in rows[0][1] and "A different body." in rows[1][1]
    (conversation,) = conversations.queue(store, "all")  # they share an id: one thread
    assert conversation.message_count == 2


def test_same_message_via_another_route_is_a_duplicate(store: Store) -> None:
    """The copy in the archive and the copy fetched later differ in transport headers only."""
    plain = mail(message_id="<route@x>")
    relayed = (
        b"Received: from mx2.acme.test by mail.acme.test; Mon, 2 Nov 2026 09:00:05 +0000\r\n"
        b"Received: from relay.northwind.test by mx2.acme.test; Mon, 2 Nov 2026 09:00:03 +0000\r\n"
        b"Delivered-To: support@acme.test\r\n"
        b"X-Spam-Score: 0.1\r\n" + plain.replace(b"\n", b"\r\n")
    )
    assert relayed != plain
    ingestor = Ingestor(store, [SUPPORT])
    assert ingestor.ingest([plain]).stored == 1
    report = ingestor.ingest([RawMail(relayed, later(1), "imap")])
    assert (report.stored, report.duplicates) == (0, 1)
    assert stored_count(store) == 1


def test_message_without_message_id_gets_a_stable_synthetic_id(store: Store) -> None:
    raw = mail(message_id=None, subject="No id here")
    ingestor = Ingestor(store, [SUPPORT])
    first = ingestor.ingest([RawMail(raw, later(1))])
    second = ingestor.ingest([RawMail(raw, later(30))])  # seen again much later
    assert (first.stored, second.stored, second.duplicates) == (1, 0, 1)
    message_id, synthetic = store.conn.execute(
        "SELECT message_id, synthetic_id FROM messages"
    ).fetchone()
    assert synthetic == 1
    assert message_id and "@" in message_id
    # Another message without an id is not mistaken for it.
    other = ingestor.ingest([mail(message_id=None, subject="No id here", body="Other text\n")])
    assert other.stored == 1
    ids = [r[0] for r in store.conn.execute("SELECT message_id FROM messages")]
    assert len(set(ids)) == 2


def test_unparsable_message_in_mid_batch_is_stored_flagged_and_the_rest_goes_on(
    store: Store,
) -> None:
    batch = [
        RawMail(mail(message_id="<before@x>", subject="Before"), origin="box#0"),
        RawMail(UNPARSABLE, datetime(2026, 11, 3, tzinfo=UTC), origin="box#1"),
        RawMail(mail(message_id="<after@x>", subject="After", date=later(2)), origin="box#2"),
    ]
    report = Ingestor(store, [SUPPORT]).ingest(batch)
    assert (report.read, report.stored, report.duplicates, report.flagged) == (3, 3, 0, 1)
    assert report.summary() == "3 read, 3 stored, 0 duplicates, 1 flagged"
    (origin,) = report.flagged_origins
    assert origin.startswith("box#1: ")

    row_id, error = store.conn.execute(
        "SELECT id, parse_error FROM messages WHERE parse_error IS NOT NULL"
    ).fetchone()
    assert error and origin.endswith(error)
    assert messages.raw_message(store, row_id) == UNPARSABLE
    assert messages.flagged_count(store) == 1
    subjects = {c.subject: c for c in conversations.queue(store, "all")}
    assert {"Before", "After"} <= set(subjects)
    assert not subjects["Before"].flagged and not subjects["After"].flagged
    (flagged,) = [c for c in subjects.values() if c.flagged]
    assert flagged.flagged_count == 1

    again = Ingestor(store, [SUPPORT]).ingest(batch)  # and it is recognized when seen again
    assert (again.stored, again.duplicates, again.flagged) == (0, 3, 0)


def test_ingest_reports_progress_per_batch(store: Store) -> None:
    seen: list[int] = []
    raws = [mail(message_id=f"<p{i}@x>", subject=f"S{i}", date=later(i)) for i in range(5)]
    report = Ingestor(store, [SUPPORT]).ingest(
        raws, progress=lambda r: seen.append(r.read), batch_size=2
    )
    assert seen == [2, 4, 5]
    assert report.stored == 5 and len(report.conversations) == 5
    assert stored_count(store) == 5


def test_support_addresses_in_the_store_count_as_ours(store: Store) -> None:
    from storage.customers import remember_support_addresses, support_addresses

    remember_support_addresses(store, [" Help@Acme.test "], "import")
    assert support_addresses(store) == {"help@acme.test"}
    Ingestor(store).ingest(
        [
            mail(message_id="<a@x>"),
            mail(
                sender="Help Desk <help@acme.test>",
                to="zoe@northwind.test",
                subject="Re: Export is broken",
                message_id="<b@x>",
                in_reply_to="<a@x>",
                date=later(1),
            ),
        ]
    )
    (conversation,) = conversations.queue(store, "all")
    assert not conversation.awaiting_reply
    ours = [m.is_ours for m in messages.messages_of(store, conversation.id)]
    assert ours == [False, True]
