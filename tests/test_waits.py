"""The stored waits, replies and closes that reports read (storage/waits.py): what they hold
for a timeline, and that every change of their inputs (a new message, a merge, a handoff note
journaled after its message, a `replied` event, a close, a new business policy) marks the
conversation stale and a refresh brings the rows back in line; an interrupted refresh leaves
the conversations stale for the next one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

import pytest

from storage import conversations, events, settings, waits
from storage.db import Store
from storage.models import Status
from storage.sla import SlaPolicy, business_seconds_between
from storage.timeutil import to_epoch
from tests.test_metrics import BERLIN, Timeline, at

BUSINESS = SlaPolicy(business_hours=(time(9), time(17)), timezone="Europe/Berlin")


def rows(store: Store, conversation_id: int) -> list[tuple[int, int | None, int]]:
    return [
        (int(start), None if end is None else int(end), int(first))
        for start, end, first in store.conn.execute(
            "SELECT started_at, answered_at, first FROM waits WHERE conversation_id = ?"
            " ORDER BY started_at",
            (conversation_id,),
        )
    ]


def agents(store: Store, conversation_id: int) -> list[str]:
    return [
        str(agent)
        for (agent,) in store.conn.execute(
            "SELECT agent FROM replies WHERE conversation_id = ? ORDER BY sent_at",
            (conversation_id,),
        )
    ]


def stale(store: Store) -> set[int]:
    return {int(r[0]) for r in store.conn.execute("SELECT conversation_id FROM waits_stale")}


def e(moment: datetime) -> int:
    return to_epoch(moment)


def test_the_waits_of_a_timeline(store: Store) -> None:
    t = Timeline(store)
    t.ask("a", at(16, 9))
    t.ask("a", at(16, 9, 30))  # before our reply: the same wait
    t.answer("a", at(16, 10), name="Sam Rivera")
    t.ask("a", at(16, 11))  # not answered yet
    ids = t.store_all()
    assert ids["a"] in stale(store)

    assert waits.refresh(store) == 1
    assert rows(store, ids["a"]) == [(e(at(16, 9)), e(at(16, 10)), 1), (e(at(16, 11)), None, 0)]
    assert agents(store, ids["a"]) == ["Sam Rivera"]
    assert stale(store) == set()
    assert waits.refresh(store) == 0  # nothing changed: nothing recomputed


def test_a_reply_arriving_later_answers_the_wait(store: Store) -> None:
    t = Timeline(store)
    t.ask("a", at(16, 9))
    ids = t.store_all()
    waits.refresh(store)
    assert rows(store, ids["a"]) == [(e(at(16, 9)), None, 1)]

    later = Timeline(store)
    later.last = dict(t.last)
    later.count = t.count
    later.answer("a", at(16, 12))
    later.store_all()
    assert stale(store) == {ids["a"]}
    waits.refresh(store)
    assert rows(store, ids["a"]) == [(e(at(16, 9)), e(at(16, 12)), 1)]


def test_a_merge_moves_the_waits_with_the_messages(store: Store) -> None:
    t = Timeline(store)
    t.ask("a", at(16, 9))
    t.ask("b", at(16, 10))
    t.answer("b", at(16, 11))
    ids = t.store_all()
    waits.refresh(store)

    conversations.merge(store, ids["a"], [ids["b"]])
    assert {ids["a"], ids["b"]} <= stale(store)
    waits.refresh(store)
    assert rows(store, ids["b"]) == []
    # One conversation now: asked at 9, asked again at 10 (same wait), answered at 11.
    assert rows(store, ids["a"]) == [(e(at(16, 9)), e(at(16, 11)), 1)]


def test_a_handoff_note_journaled_after_its_message_is_not_an_answer(store: Store) -> None:
    t = Timeline(store)
    t.ask("c", at(18, 8))
    note = t.note("c", at(18, 9))
    ids = t.store_all()
    waits.refresh(store)
    # Until the handoff is journaled, the note looks like a reply of ours.
    assert rows(store, ids["c"]) == [(e(at(18, 8)), e(at(18, 9)), 1)]

    store.conn.execute(
        "INSERT INTO handoffs (conversation_id, colleague, colleague_email, mode,"
        " note_message_id, at) VALUES (?, 'Pete', 'pete@acme.test', 'pass', ?, ?)",
        (ids["c"], note, e(at(18, 9))),
    )
    assert stale(store) == {ids["c"]}
    waits.refresh(store)
    assert rows(store, ids["c"]) == [(e(at(18, 8)), None, 1)]
    assert agents(store, ids["c"]) == []


def test_a_replied_event_names_the_teammate_of_a_reply(store: Store) -> None:
    t = Timeline(store)
    t.ask("a", at(16, 9))
    reply = t.answer("a", at(16, 10), name="Trellis Support")
    ids = t.store_all()
    waits.refresh(store)
    assert agents(store, ids["a"]) == ["Trellis Support"]  # its From name until journaled

    events.record(store, "replied", ids["a"], actor="Dana", at=at(16, 10), message_id=reply)
    assert stale(store) == {ids["a"]}
    waits.refresh(store)
    assert agents(store, ids["a"]) == ["Dana"]


def test_closing_keeps_the_time_to_close(store: Store) -> None:
    t = Timeline(store)
    t.ask("a", at(16, 9))
    t.answer("a", at(16, 10))
    ids = t.store_all()
    waits.refresh(store, BUSINESS)
    assert store.scalar("SELECT count(*) FROM closes") == 0

    conversations.set_status(store, ids["a"], Status.CLOSED, actor="Dana", at=at(17, 10))
    assert stale(store) == {ids["a"]}
    waits.refresh(store, BUSINESS)
    closed = store.conn.execute(
        "SELECT first_message_at, closed_at, business_seconds FROM closes WHERE conversation_id = ?",
        (ids["a"],),
    ).fetchone()
    # Mon 10:00 Berlin to Tue 11:00 Berlin: 7 working hours Monday, 2 on Tuesday.
    assert closed == (e(at(16, 9)), e(at(17, 10)), 9 * 3600)

    conversations.set_status(store, ids["a"], Status.OPEN, actor="Dana", at=at(17, 11))
    waits.refresh(store, BUSINESS)
    assert store.scalar("SELECT count(*) FROM closes") == 0


def test_lengths_are_measured_again_when_the_business_hours_change(store: Store) -> None:
    t = Timeline(store)
    t.ask("a", at(20, 15))  # Friday 16:00 in Berlin
    t.answer("a", at(23, 9))  # Monday 10:00 in Berlin
    ids = t.store_all()
    waits.refresh(store)
    assert store.scalar("SELECT business_seconds FROM waits") is None  # calendar only

    assert waits.refresh(store, BUSINESS) == 0  # nothing stale, every length measured
    expected = business_seconds_between(
        at(20, 15), at(23, 9), (time(9), time(17)), BUSINESS.business_days, BERLIN
    )
    assert expected == 2 * 3600
    assert store.scalar("SELECT business_seconds FROM waits") == expected
    assert settings.read(store, waits.POLICY_KEY) == waits.business_key(BUSINESS)

    longer = replace(BUSINESS, business_hours=(time(8), time(18)))
    assert waits.refresh(store, longer) == 0
    assert store.scalar("SELECT business_seconds FROM waits") == 4 * 3600
    assert rows(store, ids["a"]) == [(e(at(20, 15)), e(at(23, 9)), 1)]


def test_an_interrupted_refresh_leaves_the_conversations_stale(store: Store) -> None:
    t = Timeline(store)
    t.ask("a", at(16, 9))
    t.answer("a", at(16, 10))
    ids = t.store_all()

    with pytest.raises(RuntimeError), store.atomic():
        waits.refresh(store)
        raise RuntimeError("killed")
    assert stale(store) == {ids["a"]}
    assert store.scalar("SELECT count(*) FROM waits") == 0

    waits.refresh(store)
    assert rows(store, ids["a"]) == [(e(at(16, 9)), e(at(16, 10)), 1)]


def test_the_walk_ignores_order_of_equal_seconds_for_the_customer_first() -> None:
    moment = int(datetime(2026, 11, 16, 9, tzinfo=UTC).timestamp())
    # At the same second the customer's message comes first (the query orders it so).
    found = list(waits.walk(iter([(1, moment, 0), (1, moment, 1), (1, moment, 0)])))
    assert found == [
        waits.Wait(1, moment, moment, True),
        waits.Wait(1, moment, None, False),
    ]
