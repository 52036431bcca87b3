"""Full-text search over subject, sender and body (SQLite FTS5), best matches first.

The query language: words (all must match), "exact phrases", prefix*, OR, NOT, and
parentheses. Anything else (an address, punctuation) is searched as a phrase, so a query
never fails on FTS5 syntax.

Order: the index's own ranking (BM25, a subject match weighing most; see the
m011_query_plan_indexes migration), because a help desk searching "refund" wants the threads
about refunds, not the latest mail that mentions one. Ranking costs a little for every
matching message, so the matches of a query are ranked RANKED_MATCHES at a time, newest first:
a word in most messages (a greeting, the product's name) shows its best matches in recent mail,
and a search costs the same at 100,000 conversations as at 10,000. The command line ranks the
newest window only; a queue search moves on to older windows until it has enough
conversations that pass its other conditions (storage.queues.search).
"""

from __future__ import annotations

import re
import sqlite3

from storage.db import Store
from storage.errors import FrontdeskError
from storage.models import Address, SearchHit
from storage.timeutil import from_epoch

_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
_OPERATORS = {"AND", "OR", "NOT"}
_OPEN, _CLOSE = "(", ")"
_BAREWORD = re.compile(r"^\w+\*?$")


# The most matching messages a search ranks: the newest ones (by when they were stored).
RANKED_MATCHES = 5_000
ABOVE_EVERY_ROW = 2**63 - 1  # SQLite's largest row id: where the newest window starts


class SearchError(FrontdeskError):
    """The search query cannot be run."""


def fts_query(text: str) -> str:
    """Turns what the user typed into a valid FTS5 query."""
    parts: list[str] = []
    depth = 0

    def operand(part: str) -> None:
        # FTS5 joins two phrases by an implicit AND, but not a group and its neighbour.
        after_operand = bool(parts) and parts[-1] not in _OPERATORS and parts[-1] != _OPEN
        if after_operand and (parts[-1] == _CLOSE or part == _OPEN):
            parts.append("AND")
        parts.append(part)

    # NUL would end the query string early; a lone surrogate (undecodable bytes in argv) cannot
    # be encoded for SQLite at all.
    text = text.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")
    for token in _TOKEN.findall(text):
        if token in _OPERATORS:
            if parts and parts[-1] not in _OPERATORS and parts[-1] != "(":
                parts.append(token)
        elif token == _OPEN:
            depth += 1
            operand(token)
        elif token == _CLOSE:
            while parts and parts[-1] in _OPERATORS:
                parts.pop()
            if depth and parts and parts[-1] != "(":
                depth -= 1
                parts.append(token)
        elif token.startswith('"'):
            phrase = token.strip('"').replace('"', "")
            if phrase.strip():
                operand(f'"{phrase}"')
        elif _BAREWORD.match(token) and token.rstrip("*") not in _OPERATORS:
            operand(token)
        else:
            words = [w.rstrip("*") for w in re.sub(r"[^\w*]+", " ", token).split()]
            if any(words):
                operand('"' + " ".join(w for w in words if w) + '"')
    while parts and parts[-1] in _OPERATORS | {"("}:
        parts.pop()
    parts.extend(")" * max(0, parts.count("(") - parts.count(")")))
    return " ".join(parts)


def sender_query(text: str) -> str:
    """An FTS5 query for messages whose sender's name or address has these words, the last
    one as a prefix (`dana@exa` finds dana@example.com); empty when `text` has no word."""
    words = re.findall(r"\w+", text.replace("\x00", " "))
    return '{from_name from_addr} : "' + " ".join(words) + '" *' if words else ""


def ranked_floor(store: Store, query: str, below: int = ABOVE_EVERY_ROW) -> int:
    """The lowest message row id worth ranking for an FTS5 query: that of its RANKED_MATCHES-th
    newest match below row `below`, or 0 when fewer match. FTS5 reads its matches newest first
    and stops there."""
    found = store.conn.execute(
        "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? AND rowid < ?"
        " ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        (query, below, RANKED_MATCHES - 1),
    ).fetchone()
    return 0 if found is None else int(found[0])


def search(store: Store, text: str, limit: int = 50) -> list[SearchHit]:
    """The best-matching message of each matching conversation, best first."""
    query = fts_query(text)
    if not query:
        raise SearchError("empty search: type some words to look for")
    try:
        # The index ranks and cuts its matches itself (enough messages for `limit`
        # conversations, most often); only the conversations shown get a snippet.
        rows = store.conn.execute(
            """
            WITH hits AS (
                SELECT rowid AS id, rank FROM messages_fts
                WHERE messages_fts MATCH :query AND rowid >= :floor ORDER BY rank LIMIT :hits
            ), best AS (
                SELECT m.conversation_id, m.id, min(hits.rank) AS rank
                FROM hits JOIN messages m INDEXED BY messages_conversation_of ON m.id = hits.id
                GROUP BY m.conversation_id ORDER BY rank LIMIT :limit
            )
            SELECT best.conversation_id, m.id, m.subject, m.from_addr, m.from_name, m.date,
                   (SELECT snippet(messages_fts, 3, '', '', ' … ', 12) FROM messages_fts
                    WHERE messages_fts MATCH :query AND rowid = best.id)
            FROM best JOIN messages m ON m.id = best.id
            ORDER BY best.rank
            """,
            {
                "query": query,
                "floor": ranked_floor(store, query),
                "hits": limit * 20,
                "limit": limit,
            },
        ).fetchall()
    except sqlite3.OperationalError as exc:
        raise SearchError(f"cannot search for {text!r}: {exc}") from exc
    return [
        SearchHit(
            conversation_id=row[0],
            message_id=row[1],
            subject=row[2],
            sender=Address(row[3], row[4]) if row[3] else None,
            date=from_epoch(row[5]),
            snippet=" ".join(row[6].split()),
        )
        for row in rows
    ]
