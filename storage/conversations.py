"""Conversations: created and merged by threading, summarized after each change, listed in
queue order, read back as `Conversation`."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from storage import events, ratings, sla
from storage.db import Store
from storage.errors import NotFoundError
from storage.models import Address, Conversation, Status
from storage.timeutil import from_epoch, now_epoch, to_epoch

_PREVIEW_CHARS = 300


def create(
    store: Store, subject: str, subject_key: str, customer: Address | None, customer_id: int | None
) -> int:
    cursor = store.conn.execute(
        "INSERT INTO conversations (subject, subject_key, customer_id, customer_addr, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (subject, subject_key, customer_id, customer.addr if customer else None, now_epoch()),
    )
    return int(cursor.lastrowid or 0)


def for_message_ids(store: Store, message_ids: Collection[str]) -> set[int]:
    """The conversations that have seen any of these Message-IDs (own or referenced)."""
    if not message_ids:
        return set()
    marks = ", ".join("?" for _ in message_ids)
    rows = store.conn.execute(
        f"SELECT DISTINCT conversation_id FROM thread_ids WHERE message_id IN ({marks})",
        tuple(message_ids),
    )
    return {int(row[0]) for row in rows}


def remember_message_ids(store: Store, conversation_id: int, message_ids: Iterable[str]) -> None:
    store.conn.executemany(
        "INSERT OR IGNORE INTO thread_ids (message_id, conversation_id) VALUES (?, ?)",
        [(message_id, conversation_id) for message_id in message_ids],
    )


def find_by_subject(
    store: Store, customer_id: int, subject_key: str, since: datetime
) -> int | None:
    """The customer's most recent conversation with this subject active since `since`."""
    # From the messages, not `last_message_at`: summaries are refreshed only at the end of an
    # ingest batch, and a conversation created earlier in the same batch must be found too.
    row = store.conn.execute(
        "SELECT c.id, (SELECT max(m.date) FROM messages m WHERE m.conversation_id = c.id) AS last"
        " FROM conversations c WHERE c.customer_id = ? AND c.subject_key = ? AND last >= ?"
        " ORDER BY last DESC, c.id DESC LIMIT 1",
        (customer_id, subject_key, to_epoch(since)),
    ).fetchone()
    return None if row is None else int(row[0])


def merge(store: Store, keep: int, others: Iterable[int]) -> None:
    """Moves everything of `others` into `keep` (a reply linked two threads) and drops them."""
    for other in others:
        if other == keep:
            continue
        for table in ("messages", "thread_ids", "events"):
            store.conn.execute(
                f"UPDATE {table} SET conversation_id = ? WHERE conversation_id = ?", (keep, other)
            )
        store.conn.execute(
            "INSERT OR IGNORE INTO conversation_tags (conversation_id, tag_id)"
            " SELECT ?, tag_id FROM conversation_tags WHERE conversation_id = ?",
            (keep, other),
        )
        add_churn_reasons(store, keep, churn_reasons(store, other))
        store.conn.execute("DELETE FROM conversations WHERE id = ?", (other,))
        events.record(store, "merged", keep, merged_from=other)


def churn_reasons(store: Store, conversation_id: int) -> tuple[str, ...]:
    """The words by which the customer said they are leaving, as ingest found them."""
    found = store.scalar("SELECT churn_reasons FROM conversations WHERE id = ?", (conversation_id,))
    return tuple(json.loads(found)) if found else ()


def add_churn_reasons(store: Store, conversation_id: int, reasons: Sequence[str]) -> None:
    """Adds to the conversation's churn reasons (kept until the conversation is gone: a closed
    one is not at risk, but the words stay on record)."""
    known = churn_reasons(store, conversation_id)
    merged = known + tuple(r for r in dict.fromkeys(reasons) if r not in known)
    if merged != known:
        store.conn.execute(
            "UPDATE conversations SET churn_reasons = ? WHERE id = ?",
            (json.dumps(merged), conversation_id),
        )


def refresh(store: Store, conversation_ids: Iterable[int]) -> None:
    """Recomputes each conversation's summary from its messages: counts, times, subject,
    customer preview, status (a customer's message after closing reopens it), and its SLA
    clock and priority."""
    ids = list(conversation_ids)
    for conversation_id in ids:
        _refresh_one(store, conversation_id)
    sla.recompute(store, ids)


def _refresh_one(store: Store, conversation_id: int) -> None:
    conn = store.conn
    state = conn.execute(
        "SELECT status, closed_at FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    if state is None:
        return
    status, closed_at = state
    # Most ratings (a click on a rating link, a Good with words) are the customer's, but ask
    # nothing of us (storage/ratings.py).
    summary = conn.execute(
        f"""SELECT count(*), sum(parse_error IS NOT NULL OR date_flagged), min(date), max(date),
                  max(CASE WHEN is_ours OR id IN ({ratings.ASKS_NOTHING}) THEN NULL ELSE date END),
                  max(CASE WHEN is_ours THEN date END)
           FROM messages WHERE conversation_id = ?""",
        (conversation_id,),
    ).fetchone()
    count, flagged, first_at, last_at, last_customer_at, last_ours_at = summary
    if not count:
        conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return
    first = conn.execute(
        "SELECT subject FROM messages WHERE conversation_id = ? AND subject != ''"
        " ORDER BY date, id LIMIT 1",
        (conversation_id,),
    ).fetchone()
    latest_customer = conn.execute(
        "SELECT new_text, body_text FROM messages WHERE conversation_id = ? AND is_ours = 0"
        f" AND id NOT IN ({ratings.ASKS_NOTHING}) ORDER BY date DESC, id DESC LIMIT 1",
        (conversation_id,),
    ).fetchone()
    preview = ""
    if latest_customer is not None:
        preview = " ".join((latest_customer[0] or latest_customer[1]).split())[:_PREVIEW_CHARS]
    waiting_on_us = last_customer_at is not None and (
        last_ours_at is None or last_customer_at > last_ours_at
    )
    reopened = status == Status.CLOSED and closed_at is not None and waiting_on_us
    if reopened and last_customer_at > closed_at:
        status, closed_at = Status.OPEN, None
        events.record(store, "reopened", conversation_id, at=from_epoch(last_customer_at))
    if status != Status.CLOSED:
        status = Status.OPEN if waiting_on_us else Status.PENDING
    # The customer has waited since their first message after our last reply: follow-ups
    # ("any news?") do not reset the clock.
    waiting_since = None
    if waiting_on_us:
        waiting_since = conn.execute(
            "SELECT min(date) FROM messages WHERE conversation_id = ? AND is_ours = 0 AND date > ?"
            f" AND id NOT IN ({ratings.ASKS_NOTHING})",
            (conversation_id, last_ours_at if last_ours_at is not None else -1),
        ).fetchone()[0]
    conn.execute(
        """UPDATE conversations SET subject = ?, message_count = ?, flagged_count = ?,
               first_message_at = ?, last_message_at = ?, last_customer_message_at = ?,
               last_our_message_at = ?, awaiting_reply = ?, preview = ?, status = ?,
               closed_at = ?, waiting_since = ?
           WHERE id = ?""",
        (
            first[0] if first else "",
            count,
            flagged or 0,
            first_at,
            last_at,
            last_customer_at,
            last_ours_at,
            int(waiting_on_us and status != Status.CLOSED),
            preview,
            str(status),
            closed_at,
            waiting_since,
            conversation_id,
        ),
    )


def close_history(store: Store, conversation_ids: Iterable[int], before: datetime) -> int:
    """Closes those of the conversations whose last message is older than `before` and that
    never were closed by hand: old history imported by a first sync is not work to do."""
    closed: list[int] = []
    for conversation_id in conversation_ids:
        cursor = store.conn.execute(
            "UPDATE conversations SET status = 'closed', awaiting_reply = 0, closed_at = ?"
            " WHERE id = ? AND status != 'closed' AND last_message_at < ?",
            (now_epoch(), conversation_id, to_epoch(before)),
        )
        if cursor.rowcount:
            closed.append(conversation_id)
    sla.recompute(store, closed)
    return len(closed)


def set_status(
    store: Store, conversation_id: int, status: Status, *, actor: str, at: datetime | None = None
) -> None:
    """Closes or reopens a conversation by hand, and journals it."""
    moment = now_epoch() if at is None else to_epoch(at)
    with store.atomic():
        get(store, conversation_id)
        closing = status == Status.CLOSED
        # A closed conversation waits on no one (as `_refresh_one` computes it too).
        store.conn.execute(
            "UPDATE conversations SET status = ?, closed_at = ?,"
            " awaiting_reply = CASE WHEN ? THEN 0 ELSE awaiting_reply END WHERE id = ?",
            (str(status), moment if closing else None, int(closing), conversation_id),
        )
        kind = "closed" if status == Status.CLOSED else "reopened"
        events.record(store, kind, conversation_id, actor=actor, at=from_epoch(moment))
        if status != Status.CLOSED:
            _refresh_one(store, conversation_id)
        sla.recompute(store, [conversation_id])


_SELECT = """
    SELECT c.id, c.subject, c.customer_addr, coalesce(nullif(cu.name, ''), a.name, ''), c.status,
           c.message_count, c.first_message_at, c.last_message_at, c.last_customer_message_at,
           c.awaiting_reply, c.preview, c.flagged_count, c.waiting_since,
           (SELECT group_concat(t.name, char(31)) FROM conversation_tags ct
              JOIN tags t ON t.id = ct.tag_id WHERE ct.conversation_id = c.id)
    FROM conversations c
    LEFT JOIN customers cu ON cu.id = c.customer_id
    LEFT JOIN addresses a ON a.addr = c.customer_addr
"""

# The priority order of storage.queues: at risk, then what waits on us by due time minus the
# tier's head start, then the rest most recent first.
_QUEUE_ORDER = """
    ORDER BY c.at_risk DESC, c.awaiting_reply DESC, c.priority_at ASC,
             c.last_message_at DESC, c.id DESC
"""


def _conversation(row: tuple[Any, ...]) -> Conversation:
    return Conversation(
        id=row[0],
        subject=row[1],
        customer=Address(row[2], row[3]) if row[2] else None,
        status=Status(row[4]),
        message_count=row[5],
        first_message_at=from_epoch(row[6]),
        last_message_at=from_epoch(row[7]),
        last_customer_message_at=from_epoch(row[8]) if row[8] is not None else None,
        awaiting_reply=bool(row[9]),
        waiting_since=from_epoch(row[12]) if row[12] is not None else None,
        preview=row[10],
        flagged_count=row[11],
        tags=tuple(sorted(row[13].split("\x1f"))) if row[13] else (),
    )


def queue(store: Store, status: str = "open", limit: int | None = None) -> list[Conversation]:
    """Conversations in queue order. `status` is open, pending, closed, or all."""
    where = ""
    params: tuple[str, ...] = ()
    if status != "all":
        where, params = "WHERE c.status = ?", (Status(status).value,)
    sql = f"{_SELECT} {where} {_QUEUE_ORDER}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_conversation(row) for row in store.conn.execute(sql, params)]


def get(store: Store, conversation_id: int) -> Conversation:
    row = store.conn.execute(f"{_SELECT} WHERE c.id = ?", (conversation_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no conversation {conversation_id}")
    return _conversation(row)


def count(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM conversations") or 0)
