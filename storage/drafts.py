"""Drafts: the reply being written to a conversation, kept so it survives closing the app.

One draft per conversation; saving replaces it, sending or discarding removes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Store
from storage.timeutil import from_epoch, now_epoch, to_epoch


@dataclass(frozen=True)
class Draft:
    conversation_id: int
    body: str
    cc: str
    updated_at: datetime


def save(
    store: Store, conversation_id: int, body: str, cc: str = "", at: datetime | None = None
) -> None:
    """Keeps `body` as the conversation's draft; a blank body removes the draft instead."""
    with store.atomic():
        if not body.strip() and not cc.strip():
            store.conn.execute("DELETE FROM drafts WHERE conversation_id = ?", (conversation_id,))
            return
        store.conn.execute(
            "INSERT INTO drafts (conversation_id, body, cc, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (conversation_id) DO UPDATE SET body = excluded.body,"
            " cc = excluded.cc, updated_at = excluded.updated_at",
            (conversation_id, body, cc, now_epoch() if at is None else to_epoch(at)),
        )


def get(store: Store, conversation_id: int) -> Draft | None:
    row = store.conn.execute(
        "SELECT conversation_id, body, cc, updated_at FROM drafts WHERE conversation_id = ?",
        (conversation_id,),
    ).fetchone()
    return None if row is None else Draft(row[0], row[1], row[2], from_epoch(row[3]))


def discard(store: Store, conversation_id: int) -> bool:
    """Removes the conversation's draft; True when there was one."""
    with store.atomic():
        cursor = store.conn.execute(
            "DELETE FROM drafts WHERE conversation_id = ?", (conversation_id,)
        )
    return cursor.rowcount > 0
