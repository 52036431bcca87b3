"""`frontdesk reindex`: re-derive everything from the stored raw bytes after a parser change.

Conversations, tags and events stay as they are; a message that failed to parse before and
parses now is threaded afresh.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import timedelta

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
    """Re-parses every stored message, batch by batch, each batch in one transaction."""
    run = _Reindex(store, support_addresses, subject_window)
    batch: list[tuple[int, bytes, int]] = []
    for item in messages.iter_raw(store):
        batch.append(item)
        if len(batch) >= _BATCH:
            run.batch(batch)
            batch = []
    if batch:
        run.batch(batch)
    return run.report


class _Reindex:
    def __init__(self, store: Store, support_addresses: set[str], window: timedelta) -> None:
        self.store = store
        self.ours = {a.lower() for a in support_addresses} | customers.support_addresses(store)
        self.window = window
        self.report = ReindexReport()

    def batch(self, rows: list[tuple[int, bytes, int]]) -> None:
        touched: set[int] = set()
        with self.store.atomic():
            for row_id, raw, received_at in rows:
                touched |= self.one(row_id, raw, received_at)
            conversations.refresh(self.store, sorted(touched))

    def one(self, row_id: int, raw: bytes, received_at: int) -> set[int]:
        """Re-parses one message; returns the conversations whose summary may have changed."""
        store, report = self.store, self.report
        old_conversation, old_error = store.conn.execute(
            "SELECT conversation_id, parse_error FROM messages WHERE id = ?", (row_id,)
        ).fetchone()
        msg = parse_message(raw, from_epoch(received_at))
        report.messages += 1
        report.flagged += msg.parse_error is not None
        is_ours = msg.sender is not None and msg.sender.addr in self.ours
        try:
            with store.atomic():
                messages.update_parsed(store, row_id, msg, is_ours)
        except sqlite3.IntegrityError:
            report.conflicts += 1  # another stored message already has this id and content
            return set()
        if old_error is None or msg.parse_error is not None:
            conversations.remember_message_ids(
                store, old_conversation, [msg.message_id, *msg.references]
            )
            return {old_conversation}
        # It failed to parse before and parses now: thread it as if it had just arrived.
        placement = place(store, msg, self.ours, self.window)
        if placement.conversation_id != old_conversation:
            store.conn.execute(
                "UPDATE messages SET conversation_id = ? WHERE id = ?",
                (placement.conversation_id, row_id),
            )
            report.rethreaded += 1
            left = store.scalar(
                "SELECT count(*) FROM messages WHERE conversation_id = ?", (old_conversation,)
            )
            if not left:
                # Its old conversation is now empty: fold it (ids, tags, events) into the new one.
                conversations.merge(store, placement.conversation_id, [old_conversation])
        return {old_conversation, placement.conversation_id}
