"""What the screens ask of the store, as plain functions of a `Backend`.

Every method opens its own `Store` (SQLite connections belong to one thread) and is meant to
run inside a thread worker: nothing here touches a widget. Times come from the app's clock,
so a test with a fixed clock sees the same screen every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mail import attachments
from mail.config import Config
from storage import conversations, drafts, messages, outbox, queues, work
from storage.db import Store
from storage.errors import NotFoundError
from storage.models import Message, Status
from storage.queues import CustomerOverview, QueueKey, QueueRow
from storage.timeutil import from_epoch

if TYPE_CHECKING:
    from mail.send import OutboxItem


@dataclass(frozen=True)
class QueueView:
    """One queue's rows, with every queue's count: what the queue screen shows."""

    rows: tuple[QueueRow, ...]
    counts: dict[QueueKey, int]
    search: str | None = None  # the query, when the rows are search results


@dataclass(frozen=True)
class ConversationView:
    row: QueueRow
    messages: tuple[Message, ...]
    customer: CustomerOverview | None
    draft: drafts.Draft | None


@dataclass(frozen=True)
class Figures:
    """The status bar's numbers."""

    unread: int
    outbox: int
    failed: int
    last_sync: datetime | None


class Backend:
    def __init__(self, db_path: Path, config: Config, now: Callable[[], datetime]) -> None:
        self.db_path = db_path
        self.config = config
        self.now = now

    @property
    def me(self) -> str:
        return self.config.team.me or "me"

    @contextmanager
    def store(self) -> Iterator[Store]:
        with Store.open(self.db_path) as store:
            yield store

    # -- reading ----------------------------------------------------------------------------

    def queue_view(self, queue: QueueKey, search: str | None = None) -> QueueView:
        now = self.now()
        with self.store() as store:
            counts = queues.counts(store, me=self.me, now=now)
            if search is not None:
                query = queues.parse_query(search, now=now)
                rows = queues.search(store, query, me=self.me, now=now)
            else:
                rows = queues.rows(store, queue, me=self.me, now=now)
        return QueueView(tuple(rows), counts, search)

    def conversation_view(self, conversation_id: int, mark_viewed: bool = True) -> ConversationView:
        now = self.now()
        with self.store() as store:
            if mark_viewed:
                work.mark_viewed(store, conversation_id, at=now)
            row = queues.get_row(store, conversation_id, now=now)
            if row is None:
                raise NotFoundError(f"conversation {conversation_id} is gone")
            thread = messages.messages_of(store, conversation_id)
            overview = queues.customer_overview(store, conversation_id, now=now)
            draft = drafts.get(store, conversation_id)
        return ConversationView(row, tuple(thread), overview, draft)

    def figures(self) -> Figures:
        with self.store() as store:
            unread = queues.unread_count(store, now=self.now())
            pending = outbox.items(store, outbox.PENDING_STATES)
            synced = store.scalar("SELECT max(last_sync_at) FROM folders")
        failed = sum(1 for item in pending if item.state == outbox.FAILED)
        last_sync = from_epoch(int(synced)) if synced else None
        return Figures(unread, len(pending), failed, last_sync)

    def fingerprint(self) -> tuple[int, ...]:
        """Changes whenever another process (a sync, a sender) changed what screens show."""
        with self.store() as store:
            found = store.conn.execute(
                "SELECT (SELECT coalesce(max(id), 0) FROM messages),"
                " (SELECT coalesce(max(id), 0) FROM events),"
                " (SELECT coalesce(max(updated_at), 0) FROM outbox),"
                " (SELECT count(*) FROM outbox)"
            ).fetchone()
        return tuple(int(value) for value in found)

    def all_tags(self) -> list[str]:
        with self.store() as store:
            return work.all_tags(store)

    # -- changing ---------------------------------------------------------------------------

    def set_status(self, ids: Sequence[int], status: Status) -> int:
        now = self.now()
        changed = 0
        with self.store() as store, store.atomic():
            for conversation_id in ids:
                current = conversations.get(store, conversation_id).status
                if (current == Status.CLOSED) == (status == Status.CLOSED):
                    continue
                conversations.set_status(store, conversation_id, status, actor=self.me, at=now)
                changed += 1
        return changed

    def assign(self, ids: Sequence[int], assignee: str | None) -> int:
        with self.store() as store:
            return work.assign(store, ids, assignee, actor=self.me, at=self.now())

    def snooze(self, ids: Sequence[int], until: datetime) -> int:
        with self.store() as store:
            return work.snooze(store, ids, until, actor=self.me, at=self.now())

    def unsnooze(self, ids: Sequence[int]) -> int:
        with self.store() as store:
            return work.unsnooze(store, ids, actor=self.me, at=self.now())

    def tag(self, ids: Sequence[int], name: str, add: bool) -> int:
        change = work.add_tag if add else work.remove_tag
        with self.store() as store:
            return change(store, ids, name, actor=self.me, at=self.now())

    def save_draft(self, conversation_id: int, body: str, cc: str = "") -> None:
        with self.store() as store:
            drafts.save(store, conversation_id, body, cc, at=self.now())

    def discard_draft(self, conversation_id: int) -> bool:
        with self.store() as store:
            return drafts.discard(store, conversation_id)

    def send(self, conversation_id: int, body: str, cc: Sequence[str], close: bool) -> OutboxItem:
        """Queues the reply in the outbox (the draft goes with it); the sender worker delivers
        it once the undo window has passed."""
        from mail.send import queue_reply

        with self.store() as store:
            return queue_reply(
                store,
                self.config,
                conversation_id,
                body,
                cc=cc,
                close=close,
                actor=self.me,
                now=self.now(),
            )

    def undo_send(self, outbox_id: int, conversation_id: int | None, body: str, cc: str) -> bool:
        """Stops a queued reply; its text goes back into the draft. False when it already left."""
        from mail.send import cancel

        with self.store() as store:
            if not cancel(store, outbox_id):
                return False
            if conversation_id is not None:
                drafts.save(store, conversation_id, body, cc, at=self.now())
        return True

    def save_attachment(self, message_row_id: int, part_path: str, name: str, to: Path) -> Path:
        with self.store() as store:
            raw = messages.raw_message(store, message_row_id)
        return attachments.save(attachments.part_bytes(raw, part_path), name, to)
