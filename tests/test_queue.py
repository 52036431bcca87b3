"""Queue order: what waits on us longest comes first; follow-ups don't reset the clock."""

from __future__ import annotations

from mail.ingest import Ingestor
from storage import conversations
from storage.db import Store
from tests.conftest import SUPPORT, later, mail


def test_a_follow_up_keeps_the_customer_waiting_since_their_first_message(store: Store) -> None:
    Ingestor(store, [SUPPORT]).ingest(
        [
            mail(sender="a@one.test", subject="A", message_id="<a1@one.test>", date=later(0)),
            mail(sender="b@two.test", subject="B", message_id="<b1@two.test>", date=later(2)),
            mail(
                sender="a@one.test",
                subject="Re: A",
                message_id="<a2@one.test>",
                in_reply_to="<a1@one.test>",
                references="<a1@one.test>",
                date=later(5),
                body="Any news?\n",
            ),
        ]
    )
    queue = conversations.queue(store)
    assert [c.subject for c in queue] == ["A", "B"]
    assert queue[0].waiting_since == later(0)
    assert queue[0].preview == "Any news?"


def test_our_reply_restarts_the_wait_at_the_next_customer_message(store: Store) -> None:
    Ingestor(store, [SUPPORT]).ingest(
        [
            mail(sender="a@one.test", subject="A", message_id="<a1@one.test>", date=later(0)),
            mail(
                sender=SUPPORT,
                to="a@one.test",
                subject="Re: A",
                message_id="<r1@acme.test>",
                in_reply_to="<a1@one.test>",
                date=later(1),
            ),
            mail(sender="b@two.test", subject="B", message_id="<b1@two.test>", date=later(2)),
            mail(
                sender="a@one.test",
                subject="Re: A",
                message_id="<a2@one.test>",
                in_reply_to="<r1@acme.test>",
                references="<a1@one.test> <r1@acme.test>",
                date=later(3),
            ),
        ]
    )
    queue = conversations.queue(store)
    assert [c.subject for c in queue] == ["B", "A"]
    assert queue[1].waiting_since == later(3)
    pending = conversations.queue(store, "pending")
    assert pending == []
