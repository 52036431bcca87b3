"""Customer satisfaction by mail: the Good / OK / Bad links a reply ends with, the token in
their subjects that names the conversation, and recognising the ratings that come back.

A link is a `mailto:` URI whose subject is `Rating: good [fd-42-<mac>]`: 42 is the
conversation, the mac an HMAC of it under the store's secret, so editing the number rates
nothing. The rating mail is filed in the conversation it rates, as the customer's message;
its new text (the quoted comment prompt cut) is the comment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from mail.compose import validate_address
from mail.config import Config, CsatConfig
from mail.sanitize import clean_line, clean_text
from mail.thread import Placement
from storage import conversations, customers, events, ratings
from storage.db import Store
from storage.models import IncomingMessage

log = logging.getLogger(__name__)

REFUSED_EVENT = "rating_refused"
_MAC_BYTES = 10  # 80 bits: 16 base32 characters, no padding

# The token as we write it, and as clients may give it back: upper-cased, its brackets lost.
_TOKEN = re.compile(r"\bfd-(\d{1,12})-([a-z2-7]{16})(?![a-z0-9])", re.IGNORECASE)
# Anything shaped like one: a rating mail whose token was damaged is still said to be refused.
_TOKEN_LIKE = re.compile(r"\bfd-\d+-\w", re.IGNORECASE)
_RATED = re.compile(r"\brating\W{0,3}(good|okay|ok|bad)\b", re.IGNORECASE)
_WORD = re.compile(r"\b(good|okay|ok|bad)\b", re.IGNORECASE)


def token(secret: bytes, conversation_id: int) -> str:
    """`fd-<conversation>-<mac>`: stable for the conversation, unforgeable without `secret`."""
    return f"fd-{conversation_id}-{_mac(secret, conversation_id)}"


def _mac(secret: bytes, conversation_id: int) -> str:
    digest = hmac.new(secret, f"conversation {conversation_id}".encode(), hashlib.sha256)
    return base64.b32encode(digest.digest()[:_MAC_BYTES]).decode("ascii").lower()


def conversation_of(secret: bytes, text: str) -> int | None:
    """The conversation a token in `text` names, if its mac is right; None otherwise."""
    found = _TOKEN.search(text)
    if found is None:
        return None
    conversation_id = int(found.group(1))
    good = hmac.compare_digest(found.group(2).lower(), _mac(secret, conversation_id))
    return conversation_id if good else None


def rating_subject(rating: str, conversation_token: str) -> str:
    return f"Rating: {rating} [{conversation_token}]"


def mailto(address: str, subject: str, body: str) -> str:
    """A `mailto:` URI (RFC 6068): every reserved character of subject and body
    percent-encoded, line breaks as CRLF."""
    fields = {"subject": subject, "body": body.replace("\n", "\r\n")}
    query = "&".join(f"{key}={quote(value, safe='')}" for key, value in fields.items())
    return f"mailto:{quote(address, safe='@')}?{query}"


def rating_links(address: str, conversation_token: str, csat: CsatConfig) -> str:
    """The question, then one line a rating: `Good: <mailto:…>`. The comment prompt is put
    in the body quoted, so the comment read back leaves it out."""
    body = f"> {clean_line(csat.comment_prompt)}\n\n"
    labels = (csat.good, csat.ok, csat.bad)
    lines = [clean_line(csat.question)]
    for rating, label in zip(ratings.RATINGS, labels, strict=True):
        uri = mailto(address, rating_subject(rating, conversation_token), body)
        lines.append(f"{clean_line(label)}: <{uri}>")
    return "\n".join(lines)


def rating_line(store: Store, config: Config, conversation_id: int) -> str:
    """What a reply to the conversation ends with: the rating links when `[csat]` is
    enabled, else nothing."""
    if not config.csat.enabled:
        return ""
    address = validate_address(config.csat.address or config.account.email).addr
    secret = ratings.rating_secret(store)
    return rating_links(address, token(secret, conversation_id), config.csat)


# -- ratings coming back ------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingMail:
    """A message whose subject carries a rating token: the conversation and rating when it
    counts; otherwise `refused` says why it is an ordinary message."""

    conversation_id: int | None
    rating: str | None
    refused: str | None = None


def recognise(store: Store, msg: IncomingMessage, ours: set[str]) -> RatingMail | None:
    """What `msg`'s subject says about a rating; None when it is no rating mail at all.

    Tolerates `Re:`/`Fwd:`, any case, lost brackets and a subject left percent-encoded."""
    if "fd-" not in msg.subject.lower():  # most mail: no regular expression needed
        return None
    subject = unquote(msg.subject) if "%" in msg.subject else msg.subject
    if not _TOKEN_LIKE.search(subject) or msg.parse_error is not None:
        return None
    if msg.sender is None or msg.sender.addr in ours:
        return RatingMail(None, None, "it was not sent by a customer")
    conversation_id = conversation_of(ratings.rating_secret(store), subject)
    if conversation_id is None:
        return RatingMail(None, None, "its token does not match the conversation it names")
    if store.scalar("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)) is None:
        return RatingMail(None, None, f"conversation {conversation_id} no longer exists")
    # A conversation's number can be given again once it is merged away: the rating counts
    # only from someone who wrote in it.
    wrote = store.scalar(
        "SELECT 1 FROM messages WHERE conversation_id = ? AND NOT is_ours AND from_addr = ?",
        (conversation_id, msg.sender.addr),
    )
    if wrote is None:
        return RatingMail(None, None, f"its sender never wrote in conversation {conversation_id}")
    rating = _rating_word(_TOKEN.sub(" ", subject))
    if rating is None:
        return RatingMail(conversation_id, None, "its subject has no one rating: good, ok or bad")
    return RatingMail(conversation_id, rating)


def _rating_word(subject: str) -> str | None:
    named = _RATED.search(subject)
    words = {w.lower() for w in _WORD.findall(subject)} if named is None else {named.group(1)}
    if len(words) != 1:
        return None
    word = words.pop().lower()
    return "ok" if word == "okay" else word


def place_rating(store: Store, msg: IncomingMessage, found: RatingMail) -> Placement:
    """Files a counted rating mail in the conversation it rates (a mailto: message has no
    threading headers to take it there)."""
    assert found.conversation_id is not None and found.refused is None
    conversations.remember_message_ids(store, found.conversation_id, [msg.message_id])
    return Placement(found.conversation_id, is_ours=False, created=False)


def record(
    store: Store, found: RatingMail, msg: IncomingMessage, row_id: int, conversation_id: int
) -> None:
    """Records the rating of a stored rating mail; or, refused, journals why on the
    conversation it went to (`rating_refused`) and logs it."""
    if found.refused is not None or found.rating is None or msg.sender is None:
        reason = found.refused or "it has no rating"
        log.warning("rating mail %s not counted: %s", msg.message_id, reason)
        events.record(store, REFUSED_EVENT, conversation_id, at=msg.date, reason=reason)
        return
    ratings.record(
        store,
        row_id,
        found.rating,
        clean_text(msg.new_text).strip(),
        customer_id=customers.customer_for_address(store, msg.sender),
        customer_addr=msg.sender.addr,
        rated_at=msg.date,
    )
