"""Threading through `Ingestor`: headers first, then the same customer's subject within a window,
our own replies, and status changes that follow from who wrote last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mail.ingest import Ingestor, IngestReport, RawMail
from storage import conversations, events, messages
from storage.db import Store
from storage.models import Conversation, Status
from tests.conftest import SUPPORT, T0, later, mail

ZOE = "Zoë Müller <zoe@northwind.test>"
BOB = "Bob Stone <bob@contoso.test>"


def ingest(store: Store, *raws: bytes, batch_size: int = 500) -> IngestReport:
    return Ingestor(store, [SUPPORT]).ingest(list(raws), batch_size=batch_size)


def conversation_of(store: Store, message_id: str) -> int:
    row = store.conn.execute(
        "SELECT conversation_id FROM messages WHERE message_id = ?", (message_id,)
    ).fetchone()
    assert row is not None, f"{message_id} was not stored"
    return int(row[0])


def all_conversations(store: Store) -> list[Conversation]:
    return conversations.queue(store, "all")


def assert_one_conversation(store: Store, *message_ids: str) -> Conversation:
    ids = {conversation_of(store, m) for m in message_ids}
    assert len(ids) == 1, f"split over conversations {ids}"
    conversation = conversations.get(store, ids.pop())
    assert conversation.message_count == len(message_ids)
    return conversation


# -- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 500], ids=["one-per-batch", "one-batch"])
def test_reply_joins_via_in_reply_to(store: Store, batch_size: int) -> None:
    ingest(
        store,
        mail(message_id="<a@x>", subject="Export is broken"),
        mail(message_id="<b@x>", subject="Something else", in_reply_to="<a@x>", date=later(1)),
        batch_size=batch_size,
    )
    conversation = assert_one_conversation(store, "a@x", "b@x")
    assert conversation.subject == "Export is broken"
    assert len(all_conversations(store)) == 1


def test_reply_joins_via_references_only(store: Store) -> None:
    ingest(store, mail(message_id="<a@x>"))
    ingest(
        store, mail(message_id="<b@x>", subject="New subject", references="<a@x>", date=later(1))
    )
    assert_one_conversation(store, "a@x", "b@x")


def test_references_chain_with_a_missing_middle_message(store: Store) -> None:
    ingest(store, mail(message_id="<a@x>"))
    # <b@x> never arrives (or arrives last); <c@x> names the whole chain.
    ingest(store, mail(message_id="<c@x>", references="<a@x> <b@x>", date=later(2)))
    assert_one_conversation(store, "a@x", "c@x")
    ingest(store, mail(message_id="<b@x>", subject="Mid", in_reply_to="<a@x>", date=later(1)))
    assert_one_conversation(store, "a@x", "b@x", "c@x")


def test_reply_arriving_before_its_parent_ends_up_with_it(store: Store) -> None:
    ingest(
        store,
        mail(
            message_id="<reply@x>",
            subject="Re: Export is broken",
            in_reply_to="<parent@x>",
            references="<parent@x>",
            date=later(3),
        ),
    )
    ingest(store, mail(message_id="<parent@x>", subject="Export is broken", date=later(1)))
    conversation = assert_one_conversation(store, "parent@x", "reply@x")
    assert conversation.subject == "Export is broken"  # the first message's, by date
    assert conversation.first_message_at == later(1)
    assert conversation.last_message_at == later(3)
    assert len(all_conversations(store)) == 1


def test_grandchild_before_parent_and_child(store: Store) -> None:
    ingest(store, mail(message_id="<c@x>", references="<a@x> <b@x>", date=later(3)))
    ingest(store, mail(message_id="<a@x>", date=later(1)))
    ingest(store, mail(message_id="<b@x>", references="<a@x>", date=later(2)))
    assert_one_conversation(store, "a@x", "b@x", "c@x")


def test_message_linking_two_conversations_merges_them(store: Store) -> None:
    ingest(store, mail(message_id="<a@x>", subject="Export fails"))
    ingest(store, mail(message_id="<b@x>", subject="Import fails", date=later(1)))
    first, second = conversation_of(store, "a@x"), conversation_of(store, "b@x")
    assert first != second
    with store.atomic():
        store.conn.execute("INSERT INTO tags (name) VALUES ('bug'), ('billing')")
        store.conn.execute("INSERT INTO conversation_tags VALUES (?, 1), (?, 2)", (first, second))
        events.record(store, "note", second, actor="ann", at=later(1.5))

    ingest(store, mail(message_id="<c@x>", references="<a@x> <b@x>", date=later(2)))

    merged = assert_one_conversation(store, "a@x", "b@x", "c@x")
    assert len(all_conversations(store)) == 1
    assert merged.tags == ("billing", "bug")
    assert merged.subject == "Export fails"
    kinds = [(e.kind, e.actor) for e in events.events_for(store, merged.id)]
    assert ("note", "ann") in kinds
    assert any(kind == "merged" for kind, _ in kinds)
    with pytest.raises(Exception, match="no conversation"):
        conversations.get(store, second if merged.id == first else first)
    # Every id the dropped conversation had seen now points at the kept one.
    assert conversations.for_message_ids(store, ["a@x", "b@x", "c@x"]) == {merged.id}


def test_reference_loops_and_self_references_neither_crash_nor_split(store: Store) -> None:
    report = ingest(
        store,
        mail(message_id="<a@x>", references="<b@x> <a@x>", in_reply_to="<a@x>"),
        mail(message_id="<b@x>", references="<a@x> <b@x>", in_reply_to="<b@x>", date=later(1)),
        mail(message_id="<self@x>", references="<self@x>", in_reply_to="<self@x>", date=later(2)),
    )
    assert report.stored == 3 and report.flagged == 0
    assert_one_conversation(store, "a@x", "b@x")
    alone = conversations.get(store, conversation_of(store, "self@x"))
    assert alone.message_count == 1
    assert len(all_conversations(store)) == 2


# -- subject fallback -------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 500], ids=["one-per-batch", "one-batch"])
def test_re_subject_without_headers_joins_same_customers_recent_conversation(
    store: Store, batch_size: int
) -> None:
    ingest(
        store,
        mail(sender=ZOE, subject="Help", message_id="<h1@x>", date=later(0)),
        mail(sender=BOB, subject="Help", message_id="<b1@x>", date=later(1)),
        mail(sender=ZOE, subject="Re: Help", message_id="<h2@x>", date=later(48)),
        mail(sender=BOB, subject="RE: help", message_id="<b2@x>", date=later(49)),
        batch_size=batch_size,
    )
    zoe = assert_one_conversation(store, "h1@x", "h2@x")
    bob = assert_one_conversation(store, "b1@x", "b2@x")
    assert zoe.id != bob.id  # two customers writing "Help" never merge
    assert zoe.customer is not None and zoe.customer.addr == "zoe@northwind.test"
    assert bob.customer is not None and bob.customer.addr == "bob@contoso.test"


def test_two_customers_writing_help_stay_apart(store: Store) -> None:
    ingest(store, mail(sender=ZOE, subject="Help", message_id="<h1@x>"))
    ingest(store, mail(sender=BOB, subject="Re: Help", message_id="<b1@x>", date=later(1)))
    assert conversation_of(store, "h1@x") != conversation_of(store, "b1@x")


def test_fresh_subject_without_re_starts_a_new_conversation(store: Store) -> None:
    ingest(store, mail(sender=ZOE, subject="Help", message_id="<h1@x>"))
    ingest(store, mail(sender=ZOE, subject="Help", message_id="<h2@x>", date=later(2)))
    assert conversation_of(store, "h1@x") != conversation_of(store, "h2@x")


def test_re_older_than_the_window_starts_a_new_conversation(store: Store) -> None:
    ingest(store, mail(sender=ZOE, subject="Help", message_id="<h1@x>", date=T0))
    ingest(
        store,
        mail(sender=ZOE, subject="Re: Help", message_id="<h2@x>", date=T0 + timedelta(days=15)),
    )
    assert conversation_of(store, "h1@x") != conversation_of(store, "h2@x")
    # Within the default 14 days it joins (the newest matching conversation).
    ingest(
        store,
        mail(sender=ZOE, subject="Re: Help", message_id="<h3@x>", date=T0 + timedelta(days=16)),
    )
    assert conversation_of(store, "h3@x") == conversation_of(store, "h2@x")


def test_subject_window_is_configurable(store: Store) -> None:
    ingestor = Ingestor(store, [SUPPORT], subject_window=timedelta(days=30))
    ingestor.ingest([mail(sender=ZOE, subject="Help", message_id="<h1@x>", date=T0)])
    ingestor.ingest(
        [mail(sender=ZOE, subject="Re: Help", message_id="<h2@x>", date=T0 + timedelta(days=15))]
    )
    assert conversation_of(store, "h1@x") == conversation_of(store, "h2@x")


# -- our replies and status -------------------------------------------------------------------


def our_reply(message_id: str, parent: str, hours: float, **kwargs: str) -> bytes:
    return mail(
        sender=f"Acme Support <{SUPPORT}>",
        to=ZOE,
        subject="Re: Export is broken",
        body="Thanks, we are on it.\n",
        message_id=message_id,
        in_reply_to=parent,
        references=parent,
        date=later(hours),
        **kwargs,
    )


def test_our_reply_joins_and_makes_it_pending_then_customer_reopens(store: Store) -> None:
    ingest(store, mail(message_id="<a@x>", date=later(0)))
    cid = conversation_of(store, "a@x")
    waiting = conversations.get(store, cid)
    assert (waiting.status, waiting.awaiting_reply) == (Status.OPEN, True)

    ingest(store, our_reply("<ours@acme.test>", "<a@x>", 1))
    replied = assert_one_conversation(store, "a@x", "ours@acme.test")
    assert (replied.status, replied.awaiting_reply) == (Status.PENDING, False)
    assert replied.customer is not None and replied.customer.addr == "zoe@northwind.test"
    assert replied.preview.startswith("Hi,")  # the customer's words, not ours
    stored = {m.message_id: m.is_ours for m in messages.messages_of(store, cid)}
    assert stored == {"a@x": False, "ours@acme.test": True}

    ingest(store, mail(message_id="<c@x>", in_reply_to="<ours@acme.test>", date=later(2)))
    again = assert_one_conversation(store, "a@x", "ours@acme.test", "c@x")
    assert (again.status, again.awaiting_reply) == (Status.OPEN, True)
    assert again.last_customer_message_at == later(2)


def test_our_reply_without_threading_headers_joins_by_subject(store: Store) -> None:
    ingest(store, mail(message_id="<a@x>", subject="Help", date=later(0)))
    ingest(
        store,
        mail(sender=SUPPORT, to=ZOE, subject="Re: Help", message_id="<o@x>", date=later(1)),
    )
    conversation = assert_one_conversation(store, "a@x", "o@x")
    assert conversation.status == Status.PENDING


def test_conversation_we_started_has_the_recipient_as_customer(store: Store) -> None:
    ingest(
        store,
        mail(sender=SUPPORT, to=BOB, subject="Your renewal", message_id="<o1@x>"),
    )
    (conversation,) = all_conversations(store)
    assert conversation.customer is not None
    assert conversation.customer.addr == "bob@contoso.test"
    assert (conversation.status, conversation.awaiting_reply) == (Status.PENDING, False)
    ingest(
        store,
        mail(
            sender=BOB,
            subject="Re: Your renewal",
            message_id="<b@x>",
            in_reply_to="<o1@x>",
            date=later(1),
        ),
    )
    answered = assert_one_conversation(store, "o1@x", "b@x")
    assert (answered.status, answered.awaiting_reply) == (Status.OPEN, True)


def test_customer_message_after_closing_reopens(store: Store) -> None:
    ingest(store, mail(message_id="<a@x>", date=later(0)), our_reply("<o@x>", "<a@x>", 1))
    cid = conversation_of(store, "a@x")
    conversations.set_status(store, cid, Status.CLOSED, actor="ann", at=later(2))
    assert conversations.get(store, cid).status == Status.CLOSED

    ingest(store, mail(message_id="<late@x>", in_reply_to="<o@x>", date=later(3)))
    reopened = assert_one_conversation(store, "a@x", "o@x", "late@x")
    assert (reopened.status, reopened.awaiting_reply) == (Status.OPEN, True)
    got = [(e.kind, e.actor, e.at) for e in events.events_for(store, cid)]
    assert got == [("closed", "ann", later(2)), ("reopened", events.SYSTEM, later(3))]


def test_customer_message_arriving_now_reopens_a_conversation_closed_now(store: Store) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    ingest(store, mail(message_id="<a@x>", date=now - timedelta(hours=2)))
    cid = conversation_of(store, "a@x")
    conversations.set_status(store, cid, Status.CLOSED, actor="ann")  # closed at "now"
    soon = now + timedelta(minutes=5)
    Ingestor(store, [SUPPORT]).ingest(
        [RawMail(mail(message_id="<b@x>", in_reply_to="<a@x>", date=soon), received_at=soon)]
    )
    assert conversations.get(store, cid).status == Status.OPEN
    assert [e.kind for e in events.events_for(store, cid)] == ["closed", "reopened"]


def test_our_own_reply_after_closing_does_not_reopen(store: Store) -> None:
    ingest(store, mail(message_id="<a@x>", date=later(0)))
    cid = conversation_of(store, "a@x")
    conversations.set_status(store, cid, Status.CLOSED, actor="ann", at=later(1))
    ingest(store, our_reply("<o@x>", "<a@x>", 2))
    closed = assert_one_conversation(store, "a@x", "o@x")
    assert (closed.status, closed.awaiting_reply) == (Status.CLOSED, False)
    assert [e.kind for e in events.events_for(store, cid)] == ["closed"]


def test_message_from_before_closing_does_not_reopen(store: Store) -> None:
    ingest(store, mail(message_id="<a@x>", date=later(0)))
    cid = conversation_of(store, "a@x")
    conversations.set_status(store, cid, Status.CLOSED, actor="ann", at=later(5))
    # An older message of the thread, imported late (another folder), is history, not news.
    ingest(store, mail(message_id="<b@x>", in_reply_to="<a@x>", date=later(1)))
    assert conversations.get(store, cid).status == Status.CLOSED
    assert conversations.get(store, cid).message_count == 2
