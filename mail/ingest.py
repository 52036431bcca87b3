"""Ingest: raw messages from any source become stored, threaded conversations.

Parsing happens outside the transaction; each batch is stored in one transaction, so a kill
loses at most the batch in flight, which the next run stores again (duplicates are skipped).
A customer's new text is read for churn words and sales signals as it is stored, or beforehand
by a `Reader` beside the parsing (a sync's parse worker does it: the storing process is the
busier one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice

from mail import csat
from mail import customers as customer_rules
from mail.config import Config
from mail.parse import parse_message
from mail.signals import SalesRules, SalesSignal, churn_reasons, sales_signal
from mail.thread import DEFAULT_SUBJECT_WINDOW, place
from storage import conversations, customers, handoffs, messages, sla
from storage.db import Store
from storage.models import IncomingMessage

BATCH_SIZE = 500


@dataclass(frozen=True)
class RawMail:
    """One message as read from a source, with when it arrived there."""

    data: bytes
    received_at: datetime | None = None
    origin: str = ""


@dataclass(frozen=True)
class Reading:
    """What the detectors found in a customer's new text."""

    churn_reasons: tuple[str, ...]
    sale: SalesSignal


@dataclass(frozen=True)
class Reader:
    """The churn and sales detectors as the store's config set them, and whose mail is ours
    (not read). Plain data, so a parse worker can be given one."""

    ours: frozenset[str]
    churn_phrases: tuple[str, ...]
    sales_rules: SalesRules

    def read(self, text: str) -> Reading:
        return Reading(
            churn_reasons(text, self.churn_phrases), sales_signal(text, self.sales_rules)
        )

    def read_message(self, msg: IncomingMessage) -> Reading | None:
        """The reading of a customer's message that parsed; None for ours and the rest."""
        if msg.parse_error is not None or (msg.sender is not None and msg.sender.addr in self.ours):
            return None
        return self.read(msg.new_text)


@dataclass
class IngestReport:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    flagged: int = 0
    flagged_origins: list[str] = field(default_factory=list)
    conversations: set[int] = field(default_factory=set)
    # The stored row of each message read, in input order (a duplicate's is the earlier copy).
    message_rows: list[int] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        self.read += other.read
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.flagged += other.flagged
        self.flagged_origins.extend(other.flagged_origins)
        self.conversations |= other.conversations
        self.message_rows.extend(other.message_rows)

    def summary(self) -> str:
        return (
            f"{self.read} read, {self.stored} stored, {self.duplicates} duplicates, "
            f"{self.flagged} flagged"
        )


class Ingestor:
    """Stores messages in `store`, treating mail from `support_addresses` as our replies.

    With a `config`, its customer rules and SLA policy are applied to the store first; without,
    the store keeps those it last applied (the defaults, if it never had any)."""

    def __init__(
        self,
        store: Store,
        support_addresses: Iterable[str] = (),
        subject_window: timedelta = DEFAULT_SUBJECT_WINDOW,
        config: Config | None = None,
    ) -> None:
        self.store = store
        self.ours = {a.lower() for a in support_addresses} | customers.support_addresses(store)
        self.subject_window = subject_window
        if config is not None or sla.saved_policy(store) is None:
            customer_rules.apply_config(store, config or Config())
        self.reader = Reader(
            frozenset(self.ours),
            customer_rules.churn_phrases(store),
            customer_rules.sales_rules(store),
        )

    def ingest(
        self,
        mails: Iterable[RawMail | bytes],
        progress: Callable[[IngestReport], None] | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> IngestReport:
        total = IngestReport()
        iterator: Iterator[RawMail | bytes] = iter(mails)
        while batch := list(islice(iterator, batch_size)):
            parsed = [_parse(item) for item in batch]
            total.add(self.store_batch(parsed))
            if progress is not None:
                progress(total)
        return total

    def store_batch(
        self,
        parsed: list[tuple[IncomingMessage, str]],
        close_before: datetime | None = None,
        readings: Sequence[Reading | None] = (),
    ) -> IngestReport:
        """Stores already-parsed messages in one transaction. Conversations whose last message
        is older than `close_before` are closed: history, not work (a first sync). `readings`,
        when given, are `self.reader`'s of each message, made beforehand (None: read here)."""
        report = IngestReport(read=len(parsed))
        made = list(readings) or [None] * len(parsed)
        with self.store.atomic():
            for (msg, origin), reading in zip(parsed, made, strict=True):
                duplicate = messages.find_duplicate(self.store, msg.message_id, msg.content_hash)
                if duplicate is not None:
                    report.duplicates += 1
                    report.message_rows.append(duplicate)
                    continue
                # A rating mail (csat's links) goes to the conversation it rates.
                rating = csat.recognise(self.store, msg, self.ours)
                if rating is not None and rating.refused is None:
                    placement = csat.place_rating(self.store, msg, rating)
                else:
                    placement = place(self.store, msg, self.ours, self.subject_window)
                row_id = messages.insert_message(
                    self.store, msg, placement.conversation_id, placement.is_ours
                )
                if rating is not None:
                    csat.record(self.store, rating, msg, row_id, placement.conversation_id)
                report.message_rows.append(row_id)
                report.stored += 1
                report.conversations.add(placement.conversation_id)
                if not placement.is_ours and msg.parse_error is None:
                    found = reading or self.reader.read(msg.new_text)
                    conversations.add_churn_reasons(
                        self.store, placement.conversation_id, found.churn_reasons
                    )
                    sale = found.sale
                    if sale.is_signal:
                        handoffs.record_detection(
                            self.store, placement.conversation_id, sale.score, sale.reasons
                        )
                if msg.parse_error is not None:
                    report.flagged += 1
                    report.flagged_origins.append(f"{origin or msg.message_id}: {msg.parse_error}")
            live = {c for c in report.conversations if _exists(self.store, c)}
            conversations.refresh(self.store, sorted(live))
            if close_before is not None:
                conversations.close_history(self.store, live, close_before)
            report.conversations = live
        return report


def _exists(store: Store, conversation_id: int) -> bool:
    return store.scalar("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)) is not None


def _parse(item: RawMail | bytes) -> tuple[IncomingMessage, str]:
    mail = item if isinstance(item, RawMail) else RawMail(item)
    received = mail.received_at or datetime.now(UTC)
    return parse_message(mail.data, received), mail.origin
