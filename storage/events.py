"""The events journal: who did what to which conversation, and when. Metrics read it."""

from __future__ import annotations

import json
from datetime import datetime

from storage.db import Store
from storage.models import Event
from storage.timeutil import from_epoch, now_epoch, to_epoch

SYSTEM = "frontdesk"


def record(
    store: Store,
    kind: str,
    conversation_id: int | None,
    *,
    actor: str = SYSTEM,
    at: datetime | None = None,
    **detail: object,
) -> int:
    """Appends one event (`replied`, `closed`, `reopened`, `tagged`...) and returns its id."""
    cursor = store.conn.execute(
        "INSERT INTO events (conversation_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, ?)",
        (
            conversation_id,
            now_epoch() if at is None else to_epoch(at),
            actor,
            kind,
            json.dumps(detail, sort_keys=True, default=str),
        ),
    )
    return int(cursor.lastrowid or 0)


def events_for(store: Store, conversation_id: int) -> list[Event]:
    rows = store.conn.execute(
        "SELECT id, conversation_id, at, actor, kind, detail FROM events"
        " WHERE conversation_id = ? ORDER BY at, id",
        (conversation_id,),
    )
    return [Event(row[0], row[1], from_epoch(row[2]), row[3], row[4], row[5]) for row in rows]
