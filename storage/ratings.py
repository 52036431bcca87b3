"""Customer satisfaction ratings: recorded as rating mail comes in, read back per conversation,
and summed up for a period (the reports' `satisfaction`).

In a period, each conversation counts once, with its newest rating made in the period; the
share satisfied is the usual CSAT: good ratings over all of them, as a percentage.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from storage import settings
from storage.db import Store
from storage.timeutil import from_epoch, to_epoch

RATINGS = ("good", "ok", "bad")
MAX_COMMENTS_LISTED = 100
ASKS_NOTHING = "SELECT message_row_id FROM ratings WHERE comment = '' OR rating != 'bad'"
"""The rating messages that ask nothing of us: a bare click on a link, or a Good or OK with
words (shown in the report). They neither reopen a conversation nor make it wait for us; a Bad
with words does, as any message would: someone should read it."""
_KEY_SETTING = "csat.link_key"  # in `settings`, hex


@dataclass(frozen=True)
class Rating:
    """One rating message: what the customer chose, what they wrote with it, and when."""

    id: int
    conversation_id: int
    message_row_id: int
    rating: str  # good, ok or bad
    comment: str
    customer: str  # the customer's name, else the address the rating came from
    rated_at: datetime


@dataclass(frozen=True)
class Satisfaction:
    """The ratings counted in a period: `percent_satisfied` is `good` over `ratings`, times
    100 (None without ratings); `comments` are those of the counted ratings, newest first."""

    ratings: int = 0
    good: int = 0
    ok: int = 0
    bad: int = 0
    percent_satisfied: float | None = None
    comments: tuple[Rating, ...] = ()


NO_RATINGS = Satisfaction()


def record(
    store: Store,
    message_row_id: int,
    rating: str,
    comment: str,
    *,
    customer_id: int | None,
    customer_addr: str | None,
    rated_at: datetime,
) -> int:
    """Records the rating carried by a stored message; its id. A message rates once: storing
    it again (a re-sync) changes nothing."""
    if rating not in RATINGS:
        raise ValueError(f"a rating is one of {', '.join(RATINGS)}, not {rating!r}")
    cursor = store.conn.execute(
        "INSERT INTO ratings (message_row_id, rating, comment, customer_id, customer_addr,"
        " rated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (message_row_id) DO NOTHING",
        (message_row_id, rating, comment, customer_id, customer_addr, to_epoch(rated_at)),
    )
    return int(cursor.lastrowid or 0)


_SELECT = """
    SELECT r.id, m.conversation_id, r.message_row_id, r.rating, r.comment,
           coalesce(nullif(cu.name, ''), r.customer_addr, ''), r.rated_at
    FROM ratings r JOIN messages m ON m.id = r.message_row_id
    LEFT JOIN customers cu ON cu.id = r.customer_id
"""


def _rating(row: tuple[int, int, int, str, str, str, int]) -> Rating:
    return Rating(row[0], row[1], row[2], row[3], row[4], row[5], from_epoch(row[6]))


def ratings_of(store: Store, conversation_id: int) -> list[Rating]:
    """Every rating of the conversation, oldest first (the last one is the one that counts)."""
    rows = store.conn.execute(
        f"{_SELECT} WHERE m.conversation_id = ? ORDER BY r.rated_at, r.id", (conversation_id,)
    )
    return [_rating(row) for row in rows]


def counted(store: Store, start: datetime, end: datetime) -> list[Rating]:
    """The ratings that count in [start, end): each conversation's newest made in it, newest
    first."""
    rows = store.conn.execute(
        f"""{_SELECT} WHERE r.id IN (
                SELECT id FROM (
                    SELECT r2.id, row_number() OVER (
                        PARTITION BY m2.conversation_id ORDER BY r2.rated_at DESC, r2.id DESC
                    ) AS newest
                    FROM ratings r2 JOIN messages m2 ON m2.id = r2.message_row_id
                    WHERE r2.rated_at >= ? AND r2.rated_at < ?
                ) WHERE newest = 1
            )
            ORDER BY r.rated_at DESC, r.id DESC""",
        (to_epoch(start), to_epoch(end)),
    )
    return [_rating(row) for row in rows]


def satisfaction(store: Store, start: datetime, end: datetime) -> Satisfaction:
    """The counts, the share satisfied and the comments of the ratings counted in
    [start, end)."""
    found = counted(store, start, end)
    if not found:
        return NO_RATINGS
    good, ok, bad = (sum(1 for r in found if r.rating == word) for word in RATINGS)
    return Satisfaction(
        ratings=len(found),
        good=good,
        ok=ok,
        bad=bad,
        percent_satisfied=100 * good / len(found),
        comments=tuple(r for r in found if r.comment)[:MAX_COMMENTS_LISTED],
    )


def rating_secret(store: Store) -> bytes:
    """The store's key for the rating links' tokens, made on first use: a rating can only
    name a conversation with a token this key signed."""
    with store.atomic():
        # Two processes making it at once: the first one written is the one kept by both.
        store.conn.execute(
            "INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)",
            (_KEY_SETTING, json.dumps(secrets.token_hex(32))),
        )
    return bytes.fromhex(settings.read(store, _KEY_SETTING))
