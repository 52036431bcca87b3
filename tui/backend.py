"""What the screens ask of the store, as plain functions of a `Backend`.

Every method uses its thread's own `Store` (SQLite connections belong to one thread), opened
at the thread's first call and kept, and is meant to run inside a thread worker: nothing here
touches a widget. Times come from the app's clock, so a test with a fixed clock sees the same
screen every run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from mail import attachments, customers
from mail.config import ColleagueConfig, Config
from storage import (
    conversations,
    drafts,
    handoffs,
    messages,
    outbox,
    queues,
    replies,
    sla,
    tags,
    work,
)
from storage.db import Store
from storage.errors import NotFoundError
from storage.handoffs import HandoffRow, SalesState
from storage.models import Customer, Message, Status
from storage.queues import CustomerOverview, QueueKey, QueueRow
from storage.timeutil import from_epoch

if TYPE_CHECKING:
    from mail.handoff import Handoff
    from mail.replies import Ranked
    from mail.send import OutboxItem
    from storage.metrics import Period, Report
    from storage.replies import SavedReply


@dataclass(frozen=True)
class TagChoice:
    """A tag as the picker lists it."""

    name: str
    owner: str | None
    kind: str  # category, modifier or other
    total_count: int


@dataclass(frozen=True)
class HandoffPlan:
    """A handoff being written: to whom, `pass` or `cc`, and the note for them (pass)."""

    colleague: ColleagueConfig
    mode: str
    note: str = ""


@dataclass(frozen=True)
class HandoffStatus:
    """A handoff and where its follow-up stands: `overdue` once the colleague has not written
    in the thread for `handoff.follow_up_days` working days (only while it is current)."""

    handoff: HandoffRow
    follow_up_at: datetime
    overdue: bool


@dataclass(frozen=True)
class HandoffDraft:
    """What the composer opens with for a handoff, and the variables it could not fill."""

    body: str
    problems: tuple[str, ...]
    kept_draft: bool = False  # a pass: the agent's draft is kept below the pass reply


@dataclass(frozen=True)
class RowPage:
    """Some rows of a queue, fetched by id (those that still exist), with the current handoff
    of each one handed off or shared, by conversation id."""

    rows: Mapping[int, QueueRow]
    handoffs: Mapping[int, HandoffStatus] = field(default_factory=dict)


@dataclass(frozen=True)
class ConversationView:
    row: QueueRow
    messages: tuple[Message, ...]
    customer: CustomerOverview | None
    draft: drafts.Draft | None
    sales: SalesState | None = None
    handoffs: tuple[HandoffStatus, ...] = ()  # newest first


@dataclass(frozen=True)
class Figures:
    """The status bar's numbers."""

    unread: int
    outbox: int
    failed: int
    last_sync: datetime | None
    # When the read began (time.monotonic()): of two reads, the one begun later has every
    # change the other has, whichever of them arrives first.
    read_at: float = 0.0


class Backend:
    def __init__(self, db_path: Path, config: Config, now: Callable[[], datetime]) -> None:
        self.db_path = db_path
        self.config = config
        self.now = now
        self._kept = threading.local()
        # When each conversation's read mark was settled (stored, or failed), by
        # time.monotonic(): the figures read before it still count that one unread.
        self.marked_at: dict[int, float] = {}

    @property
    def me(self) -> str:
        return self.config.team.me or "me"

    @contextmanager
    def store(self) -> Iterator[Store]:
        """This thread's connection to the store, kept from one call to the next: the workers
        run on a pool of threads, and a kept connection has the pages it read last time in
        its cache (a search reads its index in 10 ms, against 30 on a new connection each
        time). A transaction left open by an error is rolled back, as closing would have."""
        store: Store | None = getattr(self._kept, "store", None)
        if store is None:
            store = Store.open(self.db_path)
            self._kept.store = store
        try:
            yield store
        finally:
            if store.conn.in_transaction:
                store.conn.rollback()

    # -- reading ----------------------------------------------------------------------------

    def queue_ids(
        self, queue: QueueKey, search: str | None = None, limit: int | None = None
    ) -> list[int]:
        """Every conversation of the queue in its order (its first `limit`, when given), or of
        the search's results."""
        now = self.now()
        with self.store() as store:
            if search is None:
                return queues.ids(store, queue, me=self.me, now=now, limit=limit)
            query = queues.parse_query(search, now=now)
            return queues.search_ids(store, query, me=self.me, now=now)

    def queue_rows(self, conversation_ids: Sequence[int]) -> RowPage:
        """The queue rows of these conversations: the page of a queue on screen."""
        now = self.now()
        with self.store() as store:
            rows = queues.rows_by_id(store, conversation_ids, now=now)
            passed = {i for i, r in rows.items() if r.handed_off_to or r.shared_with}
            current = self._handoff_statuses(store, passed, now) if passed else {}
        return RowPage(rows, current)

    def queue_counts(self) -> dict[QueueKey, int]:
        with self.store() as store:
            return queues.counts(store, me=self.me, now=self.now())

    def _handoff_statuses(
        self, store: Store, conversation_ids: set[int], now: datetime
    ) -> dict[int, HandoffStatus]:
        """The current handoff of each of these conversations."""
        found: dict[int, HandoffStatus] = {}
        for conversation_id in conversation_ids:
            history = handoffs.handoffs(store, conversation_id=conversation_id)
            current = next((row for row in history if row.current), None)
            if current is not None:
                found[conversation_id] = self._status(current, now)
        return found

    def _status(self, row: HandoffRow, now: datetime) -> HandoffStatus:
        from zoneinfo import ZoneInfo

        policy = customers.sla_policy(self.config)
        zone, days = ZoneInfo(policy.timezone), policy.business_days
        working_days = self.config.handoff.follow_up_days
        overdue = row.current and row.overdue(now, working_days, days, zone)
        return HandoffStatus(row, row.follow_up_due(working_days, days, zone), overdue)

    def conversation_view(self, conversation_id: int) -> ConversationView:
        now = self.now()
        with self.store() as store:
            row = queues.get_row(store, conversation_id, now=now)
            if row is None:
                raise NotFoundError(f"conversation {conversation_id} is gone")
            thread = messages.messages_of(store, conversation_id)
            overview = queues.customer_overview(store, conversation_id, now=now)
            draft = drafts.get(store, conversation_id)
            sales = handoffs.sales_state(store, conversation_id)
            history = handoffs.handoffs(store, conversation_id=conversation_id)
        statuses = tuple(self._status(h, now) for h in history)
        return ConversationView(row, tuple(thread), overview, draft, sales, statuses)

    def mark_viewed(self, conversation_id: int) -> None:
        """Remembers the conversation was read (`marked_at` says when, for the figures)."""
        try:
            with self.store() as store, store.atomic():
                work.mark_viewed(store, conversation_id, at=self.now())
        finally:
            self.marked_at[conversation_id] = time.monotonic()

    def figures(self) -> Figures:
        read_at = time.monotonic()
        with self.store() as store:
            unread = queues.unread_count(store, now=self.now())
            pending = outbox.items(store, outbox.PENDING_STATES)
            synced = store.scalar("SELECT max(last_sync_at) FROM folders")
        failed = sum(1 for item in pending if item.state == outbox.FAILED)
        last_sync = from_epoch(int(synced)) if synced else None
        return Figures(unread, len(pending), failed, last_sync, read_at)

    def tag_choices(self) -> list[TagChoice]:
        """Every tag for the picker: the configured categories in the config's order (with
        their owners), then the modifiers, then the others most used first."""
        config = self.config.tags
        categories = [work.normalize_tag(name) for name in config.categories]
        modifiers = [work.normalize_tag(name) for name in config.modifiers]
        with self.store() as store:
            tags.ensure_tags(store, config.categories, config.modifiers)
            found = {info.name: info for info in tags.list_tags(store, open_counts=False)}
        rank = {name: index for index, name in enumerate(categories + modifiers)}
        ordered = sorted(found.values(), key=lambda info: rank.get(info.name, len(rank)))
        return [
            TagChoice(
                info.name,
                info.owner,
                "category"
                if info.name in categories
                else "modifier"
                if info.name in modifiers
                else "other",
                info.total_count,
            )
            for info in ordered
        ]

    def tags_of(self, ids: Sequence[int]) -> list[tuple[str, ...]]:
        with self.store() as store:
            return [tags.tags_of(store, conversation_id) for conversation_id in ids]

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

    def retag(self, ids: Sequence[int], add: Sequence[str], remove: Sequence[str]) -> int:
        """Puts the tags `add` on every conversation and takes `remove` off, in one go.
        Returns how many (conversation, tag) pairs changed."""
        changed = 0
        with self.store() as store, store.atomic():
            for name in add:
                changed += work.add_tag(store, ids, name, actor=self.me, at=self.now())
            for name in remove:
                changed += work.remove_tag(store, ids, name, actor=self.me, at=self.now())
        return changed

    def rename_tag(self, old: str, new: str) -> int:
        """Renames a tag everywhere, or merges it into `new` when that exists."""
        with self.store() as store:
            return tags.rename_tag(store, old, new, actor=self.me, merge=True, at=self.now())

    def customer_of(self, conversation_id: int) -> Customer:
        """The customer behind a conversation, for the customer editor."""
        with self.store() as store:
            overview = queues.customer_overview(store, conversation_id, now=self.now(), limit=0)
        if overview is None:
            raise NotFoundError("This conversation has no customer on record")
        return overview.customer

    def set_tier(self, conversation_ids: Sequence[int], tier: str) -> int:
        """Sets the tier of the customers of these conversations (each customer once); their
        SLA clocks and places in the queues follow."""
        with self.store() as store:
            customer_ids: list[int] = []
            for conversation_id in conversation_ids:
                overview = queues.customer_overview(store, conversation_id, now=self.now(), limit=0)
                if overview is not None and overview.customer.id not in customer_ids:
                    customer_ids.append(overview.customer.id)
            if not customer_ids:
                raise NotFoundError("No customer on record for that conversation")
            return customers.set_tier(
                store, self.config, customer_ids, tier, actor=self.me, at=self.now()
            )

    def update_customer(self, customer_id: int, changes: Mapping[str, Any]) -> None:
        """`changes`: the customer editor's changed fields, by update_customer's keywords."""
        with self.store() as store:
            customers.update_customer(store, self.config, customer_id, actor=self.me, **changes)

    def apply_config(self) -> None:
        """Makes the store run on the config's customer rules and SLA targets (cheap when
        nothing changed since it last did)."""
        with self.store() as store:
            customers.apply_config(store, self.config)

    def record_breaches(self) -> int:
        """Journals the SLA breaches that happened since the last look (for the reports)."""
        with self.store() as store:
            return sla.record_breaches(store, self.now())

    def report_zone(self) -> tzinfo:
        """The time zone of the reports' days and hours: the SLA's, else this machine's."""
        return ZoneInfo(customers.sla_policy(self.config).timezone)

    def report(self, period: Period) -> Report:
        """The reports' figures for `period` (and the period before it), on the config's SLA
        policy (business hours, targets) and tag owners."""
        from storage import metrics

        with self.store() as store:
            return metrics.report(
                store,
                period,
                policy=customers.sla_policy(self.config),
                owners=self.config.tags.categories,
                now=self.now(),
            )

    def record_handle_time(self, conversation_id: int, seconds: int) -> None:
        """Journals how long the composer was open for the conversation (the reports' handle
        time), as spent by me, now."""
        from storage import metrics

        with self.store() as store, store.atomic():
            metrics.record_handle_time(
                store, conversation_id, seconds, actor=self.me, at=self.now()
            )

    def save_draft(self, conversation_id: int, body: str, cc: str = "") -> None:
        with self.store() as store:
            drafts.save(store, conversation_id, body, cc, at=self.now())

    def discard_draft(self, conversation_id: int) -> bool:
        with self.store() as store:
            return drafts.discard(store, conversation_id)

    # -- saved replies ----------------------------------------------------------------------

    def ranked_replies(self, conversation_id: int) -> list[Ranked]:
        """Every saved reply, the likeliest fit for this conversation first."""
        from mail.replies import ranked_for

        with self.store() as store:
            thread = messages.messages_of(store, conversation_id)
            return ranked_for(store, conversation_id, thread)

    def saved_replies(self) -> list[SavedReply]:
        with self.store() as store:
            return replies.all_replies(store)

    def use_saved_reply(self, reply_id: int, conversation_id: int, tags: Sequence[str]) -> None:
        """Counts the use and applies the reply's tags to the conversation."""
        now = self.now()
        with self.store() as store, store.atomic():
            replies.record_use(store, reply_id, conversation_id, self.me, at=now)
            for tag in tags:
                work.add_tag(store, [conversation_id], tag, actor=self.me, at=now)

    def create_saved_reply(
        self, name: str, body: str, tags: Sequence[str] = (), set_status: Status | None = None
    ) -> SavedReply:
        with self.store() as store:
            return replies.create(
                store, name, body, tags=tags, set_status=set_status, at=self.now()
            )

    def update_saved_reply(
        self, reply_id: int, body: str, tags: Sequence[str], set_status: Status | None
    ) -> SavedReply:
        with self.store() as store:
            return replies.update(
                store, reply_id, body=body, tags=tags, set_status=set_status, at=self.now()
            )

    def rename_saved_reply(self, reply_id: int, name: str) -> SavedReply:
        with self.store() as store:
            return replies.rename(store, reply_id, name, at=self.now())

    def delete_saved_reply(self, reply_id: int) -> bool:
        with self.store() as store:
            return replies.delete(store, reply_id)

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

    # -- handoffs and sales signals ---------------------------------------------------------

    def colleague_suggestions(self, sales_signal: bool) -> list[ColleagueConfig]:
        """The colleagues in the order the picker offers them (sales first for a sale)."""
        from mail.handoff import suggestions

        return suggestions(self.config, sales_signal)

    def handoff_draft(self, conversation_id: int, plan: HandoffPlan, body: str) -> HandoffDraft:
        """The composer's text for a handoff: for `pass`, the pass template filled in for this
        customer and colleague (any draft `body` kept below it, never lost); for `cc`, `body`
        (the answer so far) with the cc line added."""
        from mail.handoff import cc_line, pass_reply, with_cc_line

        now = self.now()
        with self.store() as store:
            if plan.mode == "pass":
                rendered = pass_reply(store, self.config, conversation_id, plan.colleague, now)
                kept = bool(body.strip())
                text = f"{rendered.text}\n\n{body.strip()}" if kept else rendered.text
            else:
                rendered = cc_line(store, self.config, conversation_id, plan.colleague, now)
                # An empty draft: the line waits below the place where the answer goes.
                text = with_cc_line(body, rendered.text) if body.strip() else f"\n\n{rendered.text}"
                kept = False
        return HandoffDraft(text, tuple(p.describe() for p in rendered.problems), kept)

    def hand_off(self, conversation_id: int, plan: HandoffPlan, body: str) -> Handoff:
        """Queues the customer's reply (and, for `pass`, the colleague's note) with the undo
        window, and records the handoff; the draft goes with it."""
        from mail.handoff import hand_off

        with self.store() as store:
            return hand_off(
                store,
                self.config,
                conversation_id,
                plan.colleague.name,
                mode=plan.mode,
                note=plan.note,
                body=body,
                actor=self.me,
                now=self.now(),
            )

    def undo_handoff(
        self, outbox_ids: Sequence[int], conversation_id: int, body: str, cc: str
    ) -> bool:
        """Stops a handoff still in its undo window: its reply and note stay unsent, the
        conversation comes back to support alone, the reply goes back into the draft. False
        when the reply already left."""
        from mail.send import cancel

        with self.store() as store:
            reply_id, *rest = outbox_ids
            if not cancel(store, reply_id):
                return False
            for outbox_id in rest:
                cancel(store, outbox_id)  # the note leaves with the reply: it is still queued
            handoffs.take_back(store, conversation_id, actor=self.me, at=self.now())
            drafts.save(store, conversation_id, body, cc, at=self.now())
        return True

    def set_sales_verdict(self, ids: Sequence[int], verdict: bool) -> int:
        """The agent's word on the sales detector: a sale (True) or not (False)."""
        with self.store() as store:
            for conversation_id in ids:
                handoffs.set_sales_verdict(
                    store, conversation_id, verdict, actor=self.me, at=self.now()
                )
        return len(ids)

    def save_attachment(self, message_row_id: int, part_path: str, name: str, to: Path) -> Path:
        with self.store() as store:
            raw = messages.raw_message(store, message_row_id)
        return attachments.save(attachments.part_bytes(raw, part_path), name, to)
