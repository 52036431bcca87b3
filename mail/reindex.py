"""`frontdesk reindex`: re-derive everything from the stored raw bytes after a parser change.

Conversations, tags and events stay as they are; a message that failed to parse before and
parses now is threaded afresh.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from mail.parse import parse_message
from mail.thread import DEFAULT_SUBJECT_WINDOW, place
from storage import conversations, customers, messages
from storage.db import Store
from storage.timeutil import from_epoch

_BATCH = 500


@dataclass
class ReindexReport:
    messages: int = 0
    flagged: int = 0
    rethreaded: int = 0
    conflicts: int = 0

    def summary(self) -> str:
        return (
            f"{self.messages} messages re-parsed, {self.flagged} still flagged, "
            f"{self.rethreaded} re-threaded, {self.conflicts} left as they were (duplicate ids)"
        )


def reindex(
    store: Store,
    support_addresses: set[str],
    subject_window: timedelta = DEFAULT_SUBJECT_WINDOW,
) -> ReindexReport:
    ours = {a.lower() for a in support_addresses} | customers.support_addresses(store)
    report = ReindexReport()
    touched: set[int] = set()
    batch: list[tuple[int, bytes, int]] = []

    def flush() -> None:
        with store.atomic():
            for row_id, raw, received_at in batch:
                _reindex_one(store, row_id, raw, received_at, ours, subject_window, report, touched)
            conversations.refresh(store, sorted(touched))
        touched.clear()
        batch.clear()

    for item in messages.iter_raw(store):
        batch.append(item)
        if len(batch) >= _BATCH:
            flush()
    if batch:
        flush()
    return report


def _reindex_one(
    store: Store,
    row_id: int,
    raw: bytes,
    received_at: int,
    ours: set[str],
    subject_window: timedelta,
    report: ReindexReport,
    touched: set[int],
) -> None:
    row: Any = store.conn.execute(
        "SELECT conversation_id, parse_error FROM messages WHERE id = ?", (row_id,)
    ).fetchone()
    old_conversation, old_error = row
    msg = parse_message(raw, from_epoch(received_at))
    report.messages += 1
    report.flagged += msg.parse_error is not None
    is_ours = msg.sender is not None and msg.sender.addr in ours
    try:
        with store.atomic():
            messages.update_parsed(store, row_id, msg, is_ours)
    except sqlite3.IntegrityError:
        report.conflicts += 1  # another stored message already has this id and content
        return
    touched.add(old_conversation)
    if old_error is not None and msg.parse_error is None:
        placement = place(store, msg, ours, subject_window)
        if placement.conversation_id != old_conversation:
            store.conn.execute(
                "UPDATE messages SET conversation_id = ? WHERE id = ?",
                (placement.conversation_id, row_id),
            )
            report.rethreaded += 1
        touched.add(placement.conversation_id)
    else:
        conversations.remember_message_ids(
            store, old_conversation, [msg.message_id, *msg.references]
        )

