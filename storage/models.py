"""Domain types of the store: frozen dataclasses, converted from rows in one place each.

`IncomingMessage` is what ingest hands the store; the others are what queries return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Status(StrEnum):
    """Where a conversation stands: `open` waits on us, `pending` on the customer."""

    OPEN = "open"
    PENDING = "pending"
    CLOSED = "closed"


@dataclass(frozen=True)
class Address:
    """One mailbox: `addr` is lower-cased for identity; `name` is the decoded display name."""

    addr: str
    name: str = ""

    def display(self) -> str:
        return f"{self.name} <{self.addr}>" if self.name else self.addr


@dataclass(frozen=True)
class AttachmentInfo:
    """Metadata of one attachment; its bytes stay in the raw message at `part_path`."""

    filename: str
    content_type: str
    size: int
    part_path: str
    original_filename: str = ""
    content_id: str = ""
    inline: bool = False


@dataclass(frozen=True)
class IncomingMessage:
    """A message as parsed from its raw bytes, ready to be threaded and stored.

    Every text field is already decoded and passed through `mail.sanitize`.
    `parse_error` is set when the message could not be parsed: it is stored raw and flagged.
    """

    raw: bytes
    message_id: str
    synthetic_id: bool
    content_hash: str
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    subject: str
    date: datetime
    date_flagged: bool
    received_at: datetime
    in_reply_to: str | None
    references: tuple[str, ...]
    body_text: str
    new_text: str
    html_only: bool
    attachments: tuple[AttachmentInfo, ...]
    parse_error: str | None = None
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Attachment:
    id: int
    message_id: int
    filename: str
    original_filename: str
    content_type: str
    size: int
    part_path: str
    inline: bool


@dataclass(frozen=True)
class Message:
    """A stored message. `id` is the row id; `message_id` is the Message-ID header value."""

    id: int
    conversation_id: int
    message_id: str
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    subject: str
    date: datetime
    date_flagged: bool
    received_at: datetime
    in_reply_to: str | None
    references: tuple[str, ...]
    is_ours: bool
    body_text: str
    new_text: str
    html_only: bool
    parse_error: str | None
    attachments: tuple[Attachment, ...] = ()

    @property
    def flagged(self) -> bool:
        return self.parse_error is not None or self.date_flagged


@dataclass(frozen=True)
class Customer:
    """Someone who writes to us: `email` is their first address; `tier_source` says where the
    tier came from (`default`, `rule`, `domain`, `import`, `manual`)."""

    id: int
    email: str
    name: str
    company: str | None
    tier: str
    plan: str | None = None
    mrr_cents: int | None = None  # monthly revenue
    trial_ends: date | None = None
    note: str = ""
    tier_source: str = "default"


@dataclass(frozen=True)
class Conversation:
    """One conversation: its customer is whoever started it (or whom we wrote to first)."""

    id: int
    subject: str
    customer: Address | None
    status: Status
    message_count: int
    first_message_at: datetime
    last_message_at: datetime
    last_customer_message_at: datetime | None
    awaiting_reply: bool
    preview: str
    flagged_count: int
    tags: tuple[str, ...] = ()
    # When the customer's wait for our reply began (None when nothing waits on us).
    waiting_since: datetime | None = None

    @property
    def flagged(self) -> bool:
        return self.flagged_count > 0


@dataclass(frozen=True)
class Event:
    id: int
    conversation_id: int | None
    at: datetime
    actor: str
    kind: str
    detail: str


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int
    message_id: int
    subject: str
    sender: Address | None
    date: datetime
    snippet: str
