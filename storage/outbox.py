"""The outbox: every reply is written here before anything is sent, and its state records how
far it got, so a crash at any moment leaves something the next run can finish."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Store
from storage.errors import NotFoundError
from storage.timeutil import from_epoch, now_epoch, to_epoch

QUEUED, SENDING, DELIVERED, SENT, FAILED, CANCELLED = (
    "queued", "sending", "delivered", "sent", "failed", "cancelled"
)  # fmt: skip
PENDING_STATES = (QUEUED, SENDING, DELIVERED, FAILED)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    conversation_id: int | None
    message_id: str
    state: str
    raw: bytes
    envelope_from: str
    recipients: tuple[str, ...]
    close_after: bool
    actor: str
    send_after: datetime
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    permanent_error: bool
    created_at: datetime
    sent_at: datetime | None
    kind: str = "reply"  # or "handoff": a note to a colleague, not a reply to the customer


_COLUMNS = (
    "id, conversation_id, message_id, state, raw, envelope_from, recipients_json, close_after,"
    " actor, send_after, attempts, next_attempt_at, last_error, permanent_error, created_at,"
    " sent_at, kind"
)


def _row(row: tuple[Any, ...]) -> OutboxRow:
    return OutboxRow(
        id=row[0],
        conversation_id=row[1],
        message_id=row[2],
        state=row[3],
        raw=bytes(row[4]),
        envelope_from=row[5],
        recipients=tuple(json.loads(row[6])),
        close_after=bool(row[7]),
        actor=row[8],
        send_after=from_epoch(row[9]),
        attempts=row[10],
        next_attempt_at=from_epoch(row[11]) if row[11] is not None else None,
        last_error=row[12],
        permanent_error=bool(row[13]),
        created_at=from_epoch(row[14]),
        sent_at=from_epoch(row[15]) if row[15] is not None else None,
        kind=row[16],
    )


def add(
    store: Store,
    *,
    conversation_id: int | None,
    message_id: str,
    raw: bytes,
    envelope_from: str,
    recipients: Sequence[str],
    close_after: bool,
    actor: str,
    send_after: datetime,
    kind: str = "reply",
) -> int:
    """Queues a reply, or a handoff note (`kind`), committed before this returns."""
    now = now_epoch()
    with store.atomic():
        cursor = store.conn.execute(
            "INSERT INTO outbox (conversation_id, message_id, state, raw, envelope_from,"
            " recipients_json, close_after, actor, send_after, created_at, updated_at, kind)"
            " VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conversation_id, message_id, raw, envelope_from, json.dumps(list(recipients)),
             int(close_after), actor, to_epoch(send_after), now, now, kind),
        )  # fmt: skip
    return int(cursor.lastrowid or 0)


def get(store: Store, outbox_id: int) -> OutboxRow:
    row = store.conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (outbox_id,))
    found = row.fetchone()
    if found is None:
        raise NotFoundError(f"no outbox item {outbox_id}")
    return _row(found)


def items(store: Store, states: Sequence[str] = PENDING_STATES) -> list[OutboxRow]:
    marks = ", ".join("?" for _ in states)
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE state IN ({marks}) ORDER BY id", tuple(states)
    )
    return [_row(row) for row in rows]


def due(store: Store, now: datetime) -> list[OutboxRow]:
    """What a sender should work on now: queued replies past their undo window, failures due
    for a retry, and anything a crashed sender left half-way (sending, delivered)."""
    moment = to_epoch(now)
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE state IN ('sending', 'delivered')"
        " OR (state = 'queued' AND send_after <= ?)"
        " OR (state = 'failed' AND permanent_error = 0 AND coalesce(next_attempt_at, 0) <= ?)"
        " ORDER BY id",
        (moment, moment),
    )
    return [_row(row) for row in rows]


def move(
    store: Store, outbox_id: int, from_states: Sequence[str], to_state: str, **fields: Any
) -> bool:
    """Moves an item to `to_state` if it is in one of `from_states`, setting `fields`, in one
    committed step; False when it was not (someone else moved it first)."""
    assignments = ["state = ?", "updated_at = ?"]
    values: list[Any] = [to_state, now_epoch()]
    for name, value in fields.items():
        assignments.append(f"{name} = ?")
        values.append(to_epoch(value) if isinstance(value, datetime) else value)
    marks = ", ".join("?" for _ in from_states)
    with store.atomic():
        cursor = store.conn.execute(
            f"UPDATE outbox SET {', '.join(assignments)} WHERE id = ? AND state IN ({marks})",
            (*values, outbox_id, *from_states),
        )
    return cursor.rowcount == 1


def count_pending(store: Store) -> int:
    marks = ", ".join("?" for _ in PENDING_STATES)
    return int(
        store.scalar(f"SELECT count(*) FROM outbox WHERE state IN ({marks})", PENDING_STATES) or 0
    )
