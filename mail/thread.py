"""Threading: which conversation a message belongs to.

Message-ID, In-Reply-To and References first (JWZ's idea, with the id-to-conversation map kept in
the store, so parents arriving after their replies, missing links and reference loops all land
in one conversation); then, for a reply that lost its headers, the same customer's conversation
with the same subject within a bounded window. Two customers writing "Help" never merge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from mail.parse import has_reply_prefix, subject_key
from storage import conversations, customers
from storage.db import Store
from storage.models import Address, IncomingMessage

DEFAULT_SUBJECT_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class Placement:
    conversation_id: int
    is_ours: bool
    created: bool


def customer_address(msg: IncomingMessage, ours: set[str]) -> Address | None:
    """Who the customer is: the sender, or for our own mail, the first recipient not ours."""
    if msg.sender is not None and msg.sender.addr not in ours:
        return msg.sender
    for address in (*msg.to, *msg.cc):
        if address.addr not in ours:
            return address
    return None


def place(
    store: Store,
    msg: IncomingMessage,
    ours: set[str],
    subject_window: timedelta = DEFAULT_SUBJECT_WINDOW,
) -> Placement:
    """Finds (or creates) the conversation of `msg`, merging conversations it links."""
    is_ours = msg.sender is not None and msg.sender.addr in ours
    customer = customer_address(msg, ours)
    customer_id = customers.customer_for_address(store, customer) if customer else None
    ids = [msg.message_id, *msg.references]
    linked = conversations.for_message_ids(store, ids)
    created = False
    if linked:
        conversation_id = min(linked)
        conversations.merge(store, conversation_id, linked - {conversation_id})
    else:
        key = subject_key(msg.subject)
        found = None
        if customer_id is not None and key and has_reply_prefix(msg.subject):
            found = conversations.find_by_subject(
                store, customer_id, key, msg.date - subject_window
            )
        if found is None:
            found = conversations.create(store, msg.subject, key, customer, customer_id)
            created = True
        conversation_id = found
    conversations.remember_message_ids(store, conversation_id, ids)
    return Placement(conversation_id, is_ours, created)
