"""What reports read of each conversation's timeline, kept as rows so a report reads only its
period: the waits for our reply (from a customer's message to our next reply, or still open;
first or not; their length in the business time of the policy the store last measured them
under) and our replies with the teammate who sent each.

Triggers (schema m009, m010) mark a conversation stale whenever its messages, handoff notes,
customer, close, ratings or `replied` events change (a rating that asks nothing starts no wait:
storage/ratings.py); `refresh` recomputes the stale ones from their messages, in order, and is
cheap when nothing changed."""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import time, timedelta, tzinfo
from itertools import accumulate
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from storage import ratings, settings
from storage.db import Store
from storage.sla import SlaPolicy, business_windows
from storage.timeutil import from_epoch

POLICY_KEY = "waits.business_policy"
OTHER_CLIENTS = "other clients"
"""The teammate a reply synced from the Sent folder counts under when it has no From name."""
_BATCH = 5000  # conversations recomputed per statement


class Wait(NamedTuple):
    conversation_id: int
    started_at: int  # the customer's message that started it
    answered_at: int | None  # our reply; None while unanswered
    first: bool  # the conversation's first wait: a first response


class Clock:
    """Seconds between two epoch instants: calendar time, or business time from precomputed
    working windows and their running totals (one bisect per instant)."""

    def __init__(self, policy: SlaPolicy | None, zone: tzinfo, lo: int, hi: int) -> None:
        self.business = policy is not None and policy.business_hours is not None
        self.seconds: Callable[[int, int], int] = calendar_seconds
        if policy is None or policy.business_hours is None:
            return
        first_day = from_epoch(lo).astimezone(zone).date() - timedelta(days=1)
        last_day = from_epoch(hi).astimezone(zone).date() + timedelta(days=1)
        windows = business_windows(
            first_day, last_day, policy.business_hours, policy.business_days, zone
        )
        opens = [w[0] for w in windows]
        closes = [w[1] for w in windows]
        before = [0, *accumulate(c - o for o, c in windows)]

        # Called once per wait over long periods: one closure, no attribute lookups and no
        # call to min() (a third of its time when it had them).
        def business_seconds(start: int, end: int) -> int:
            if end <= start:
                return 0
            index = bisect_right(opens, end) - 1
            if index < 0:
                return 0
            close = closes[index]
            worked = before[index] + (end if end < close else close) - opens[index]
            index = bisect_right(opens, start) - 1
            if index >= 0:
                close = closes[index]
                worked -= before[index] + (start if start < close else close) - opens[index]
            return worked

        self.seconds = business_seconds


def calendar_seconds(start: int, end: int) -> int:
    return end - start if end > start else 0


def business_key(policy: SlaPolicy | None) -> dict[str, Any] | None:
    """What of a policy the business time depends on (None: calendar time)."""
    if policy is None or policy.business_hours is None:
        return None
    return {
        "hours": [t.isoformat("minutes") for t in policy.business_hours],
        "days": sorted(policy.business_days),
        "timezone": policy.timezone,
    }


def _policy_of(key: dict[str, Any]) -> SlaPolicy:
    opens, closes = (time.fromisoformat(t) for t in key["hours"])
    return SlaPolicy(
        business_hours=(opens, closes),
        business_days=frozenset(int(d) for d in key["days"]),
        timezone=str(key["timezone"]),
    )


# The handoff notes to a colleague: `is_ours`, but not replies to the customer.
_NOTES = "SELECT m.id FROM handoffs h JOIN messages m ON m.message_id = h.note_message_id"


def walk(rows: Iterator[tuple[int, int, int]]) -> Iterator[Wait]:
    """The waits in (conversation, date, ours) rows ordered by conversation, then date, the
    customer's message first at the same second. A customer's second message before our reply
    does not start a new wait."""
    current = -1
    waiting_since: int | None = None
    answered_before = False
    for conversation_id, moment, ours in rows:
        if conversation_id != current:
            if waiting_since is not None:
                yield Wait(current, waiting_since, None, not answered_before)
            current, waiting_since, answered_before = conversation_id, None, False
        if ours:
            if waiting_since is not None:
                yield Wait(conversation_id, waiting_since, moment, not answered_before)
                waiting_since, answered_before = None, True
        elif waiting_since is None:
            waiting_since = moment
    if waiting_since is not None:
        yield Wait(current, waiting_since, None, not answered_before)


@contextmanager
def _write_transaction(store: Store) -> Iterator[None]:
    """A transaction that holds the write lock from its start, so the messages read in it are
    still those of the store when its waits are written (or a savepoint inside an open one)."""
    if store.conn.in_transaction:
        with store.atomic():
            yield
        return
    store.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        store.conn.rollback()
        raise
    store.conn.commit()


def refresh(store: Store, policy: SlaPolicy | None = None) -> int:
    """Brings the waits up to date: recomputes those of stale conversations and, when `policy`
    counts business time under other hours than the stored lengths, every length. Returns how
    many conversations were recomputed."""
    wanted = business_key(policy)
    done = 0
    while True:
        with _write_transaction(store):
            stored = settings.read(store, POLICY_KEY)
            if wanted is not None and wanted != stored:
                _measure_all(store, _policy_of(wanted))
                settings.write(store, POLICY_KEY, wanted)
                stored = wanted
            ids = [
                int(r[0])
                for r in store.conn.execute(
                    "SELECT conversation_id FROM waits_stale LIMIT ?", (_BATCH,)
                )
            ]
            if not ids:
                return done
            _recompute(store, ids, None if stored is None else _policy_of(stored))
            done += len(ids)


def _recompute(store: Store, ids: Sequence[int], policy: SlaPolicy | None) -> None:
    batch = json.dumps(list(ids))
    notes = f"{_NOTES} WHERE h.conversation_id IN (SELECT value FROM json_each(?1))"
    rows = store.conn.execute(
        "SELECT m.conversation_id, m.date, m.is_ours FROM messages m"
        " WHERE m.conversation_id IN (SELECT value FROM json_each(?1))"
        f" AND NOT (m.is_ours AND m.id IN ({notes})) AND m.id NOT IN ({ratings.ASKS_NOTHING})"
        " ORDER BY m.conversation_id, m.date, m.is_ours, m.id",
        (batch,),
    )
    found = list(walk(rows))
    conversations = store.conn.execute(
        "SELECT id, customer_id, first_message_at, last_message_at, closed_at FROM conversations"
        " WHERE id IN (SELECT value FROM json_each(?))",
        (batch,),
    ).fetchall()
    customers = {cid: customer for cid, customer, _first, _last, _closed in conversations}
    # Lengths are stored in business time only (calendar time is a subtraction), on working
    # windows spanning the conversations' own first and last instants.
    measured = policy is not None
    seconds = _seconds(policy, [t for row in conversations for t in row[2:] if t is not None])
    # A reply sent from frontdesk is its `replied` event's actor's; one synced from another
    # client (the Sent folder) its From name's.
    actors = {
        str(message_id): str(actor)
        for actor, message_id in store.conn.execute(
            "SELECT actor, json_extract(detail, '$.message_id') FROM events"
            " WHERE conversation_id IN (SELECT value FROM json_each(?)) AND kind = 'replied'",
            (batch,),
        )
        if message_id
    }
    replies = [
        (cid, date, actors.get(message_id or "") or (from_name or "").strip() or OTHER_CLIENTS)
        for cid, date, message_id, from_name in store.conn.execute(
            "SELECT m.conversation_id, m.date, m.message_id, m.from_name FROM messages m"
            " WHERE m.conversation_id IN (SELECT value FROM json_each(?1)) AND m.is_ours"
            f" AND m.id NOT IN ({notes})",
            (batch,),
        )
    ]
    closed = [
        (cid, customer, first_at, closed_at, seconds(first_at, closed_at) if measured else None)
        for cid, customer, first_at, _last, closed_at in conversations
        if closed_at is not None
    ]
    for table in ("waits", "replies", "closes", "waits_stale"):
        store.conn.execute(
            f"DELETE FROM {table} WHERE conversation_id IN (SELECT value FROM json_each(?))",
            (batch,),
        )
    store.conn.executemany(
        "INSERT INTO waits (conversation_id, customer_id, started_at, answered_at, first,"
        " business_seconds) VALUES (?, ?, ?, ?, ?, ?)",
        (
            (
                w.conversation_id, customers.get(w.conversation_id), w.started_at,
                w.answered_at, w.first,
                seconds(w.started_at, w.answered_at)
                if measured and w.answered_at is not None
                else None,
            )
            for w in found
        ),
    )  # fmt: skip
    store.conn.executemany(
        "INSERT INTO replies (conversation_id, sent_at, agent) VALUES (?, ?, ?)", replies
    )
    store.conn.executemany(
        "INSERT INTO closes (conversation_id, customer_id, first_message_at, closed_at,"
        " business_seconds) VALUES (?, ?, ?, ?, ?)",
        closed,
    )


def _seconds(policy: SlaPolicy | None, instants: Sequence[int]) -> Callable[[int, int], int]:
    """The business time between two instants within `instants`' span (calendar time without a
    policy or instants)."""
    if policy is None or not instants:
        return calendar_seconds
    return Clock(policy, ZoneInfo(policy.timezone), min(instants), max(instants)).seconds


def _measure_all(store: Store, policy: SlaPolicy) -> None:
    """Measures every stored wait and close again, under `policy`."""
    span = store.conn.execute(
        "SELECT min(lo), max(hi) FROM (SELECT min(started_at) AS lo, max(answered_at) AS hi"
        " FROM waits UNION ALL SELECT min(first_message_at), max(closed_at) FROM closes)"
    ).fetchone()
    if span[0] is None:
        return
    seconds = Clock(policy, ZoneInfo(policy.timezone), span[0], span[1] or span[0]).seconds
    store.conn.executemany(
        "UPDATE waits SET business_seconds = ? WHERE rowid = ?",
        (
            (seconds(start, end), rowid)
            for rowid, start, end in store.conn.execute(
                "SELECT rowid, started_at, answered_at FROM waits WHERE answered_at IS NOT NULL"
            ).fetchall()
        ),
    )
    store.conn.executemany(
        "UPDATE closes SET business_seconds = ? WHERE conversation_id = ?",
        (
            (seconds(first_at, closed_at), cid)
            for cid, first_at, closed_at in store.conn.execute(
                "SELECT conversation_id, first_message_at, closed_at FROM closes"
            ).fetchall()
        ),
    )
