"""The agent's work on conversations: who has them (assign), when they come back (snooze),
how they are labelled (tags), and what was last looked at (viewed). Each change is journaled.

Snoozing records a `snoozed` event: a customer message after that moment wakes the
conversation early (see `storage.queues`), without anyone having to clear `snoozed_until`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from storage import events
from storage.db import Store
from storage.errors import FrontdeskError
from storage.timeutil import from_epoch, now_epoch, to_epoch


class WorkError(FrontdeskError):
    """A change to a conversation's work state cannot be made as asked."""


_MAX_TAG_CHARS = 40


def _moment(at: datetime | None) -> int:
    return now_epoch() if at is None else to_epoch(at)


def _existing(store: Store, conversation_ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(conversation_ids))
    if not wanted:
        return []
    marks = ", ".join("?" for _ in wanted)
    rows = store.conn.execute(f"SELECT id FROM conversations WHERE id IN ({marks})", wanted)
    return sorted(int(row[0]) for row in rows)


def assign(
    store: Store,
    conversation_ids: Iterable[int],
    assignee: str | None,
    *,
    actor: str,
    at: datetime | None = None,
) -> int:
    """Gives the conversations to `assignee` (None or empty: to no one). Returns how many
    changed hands; a conversation already with `assignee` is left alone and not journaled."""
    who = " ".join((assignee or "").split()) or None
    moment = _moment(at)
    changed = 0
    with store.atomic():
        for conversation_id in _existing(store, conversation_ids):
            previous = store.scalar(
                "SELECT assignee FROM conversations WHERE id = ?", (conversation_id,)
            )
            if previous == who:
                continue
            store.conn.execute(
                "UPDATE conversations SET assignee = ? WHERE id = ?", (who, conversation_id)
            )
            kind = "assigned" if who else "unassigned"
            events.record(
                store,
                kind,
                conversation_id,
                actor=actor,
                at=from_epoch(moment),
                assignee=who,
                previous=previous,
            )
            changed += 1
    return changed


def snooze(
    store: Store,
    conversation_ids: Iterable[int],
    until: datetime,
    *,
    actor: str,
    at: datetime | None = None,
) -> int:
    """Hides the conversations from the queues until `until`, or until the customer writes
    again, whichever comes first."""
    moment = _moment(at)
    wake = to_epoch(until)
    if wake <= moment:
        raise WorkError("snooze until a time in the future")
    ids = _existing(store, conversation_ids)
    with store.atomic():
        for conversation_id in ids:
            store.conn.execute(
                "UPDATE conversations SET snoozed_until = ? WHERE id = ?", (wake, conversation_id)
            )
            events.record(
                store,
                "snoozed",
                conversation_id,
                actor=actor,
                at=from_epoch(moment),
                until=until.isoformat(),
            )
    return len(ids)


def unsnooze(
    store: Store, conversation_ids: Iterable[int], *, actor: str, at: datetime | None = None
) -> int:
    """Brings snoozed conversations back now. Returns how many were snoozed."""
    moment = _moment(at)
    changed = 0
    with store.atomic():
        for conversation_id in _existing(store, conversation_ids):
            cursor = store.conn.execute(
                "UPDATE conversations SET snoozed_until = NULL"
                " WHERE id = ? AND snoozed_until IS NOT NULL",
                (conversation_id,),
            )
            if cursor.rowcount:
                events.record(
                    store,
                    "unsnoozed",
                    conversation_id,
                    actor=actor,
                    at=from_epoch(moment),
                )
                changed += 1
    return changed


def mark_viewed(store: Store, conversation_id: int, at: datetime | None = None) -> None:
    """Remembers that the conversation was read: what arrives later is unread. Not journaled:
    reading changes no one's work."""
    with store.atomic():
        store.conn.execute(
            "UPDATE conversations SET last_viewed_at = ? WHERE id = ?",
            (_moment(at), conversation_id),
        )


def normalize_tag(name: str) -> str:
    """Tags compare case-insensitively and without surrounding or repeated spaces."""
    tag = " ".join(name.split()).lower()
    if not tag:
        raise WorkError("a tag needs at least one letter")
    if '"' in tag or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in tag):
        # A quote would end `tag:"…"` in a search; a control character is never a name.
        raise WorkError('a tag cannot contain " or control characters')
    if len(tag) > _MAX_TAG_CHARS:
        raise WorkError(f"a tag is at most {_MAX_TAG_CHARS} characters long")
    return tag


def add_tag(
    store: Store,
    conversation_ids: Iterable[int],
    name: str,
    *,
    actor: str,
    at: datetime | None = None,
) -> int:
    """Tags the conversations (creating the tag on first use). Returns how many were tagged
    now (those that had it already are not journaled again)."""
    tag = normalize_tag(name)
    moment = _moment(at)
    changed = 0
    with store.atomic():
        store.conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (tag,))
        tag_id = store.scalar("SELECT id FROM tags WHERE name = ?", (tag,))
        for conversation_id in _existing(store, conversation_ids):
            cursor = store.conn.execute(
                "INSERT OR IGNORE INTO conversation_tags (conversation_id, tag_id) VALUES (?, ?)",
                (conversation_id, tag_id),
            )
            if cursor.rowcount:
                events.record(
                    store,
                    "tagged",
                    conversation_id,
                    actor=actor,
                    at=from_epoch(moment),
                    tag=tag,
                )
                changed += 1
    return changed


def remove_tag(
    store: Store,
    conversation_ids: Iterable[int],
    name: str,
    *,
    actor: str,
    at: datetime | None = None,
) -> int:
    """Takes the tag off the conversations. Returns how many had it."""
    tag = normalize_tag(name)
    moment = _moment(at)
    changed = 0
    tag_id = store.scalar("SELECT id FROM tags WHERE name = ?", (tag,))
    if tag_id is None:
        return 0
    with store.atomic():
        for conversation_id in _existing(store, conversation_ids):
            cursor = store.conn.execute(
                "DELETE FROM conversation_tags WHERE conversation_id = ? AND tag_id = ?",
                (conversation_id, tag_id),
            )
            if cursor.rowcount:
                events.record(
                    store,
                    "untagged",
                    conversation_id,
                    actor=actor,
                    at=from_epoch(moment),
                    tag=tag,
                )
                changed += 1
    return changed
