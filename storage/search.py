"""Full-text search over subject, sender and body (SQLite FTS5), best matches first.

The query language: words (all must match), "exact phrases", prefix*, OR, NOT, and
parentheses. Anything else (an address, punctuation) is searched as a phrase, so a query
never fails on FTS5 syntax.
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


def search(store: Store, text: str, limit: int = 50) -> list[SearchHit]:
    """The best-matching message of each matching conversation, best first."""
    query = fts_query(text)
    if not query:
        raise SearchError("empty search: type some words to look for")
    try:
        rows = store.conn.execute(
            """
            WITH hits AS (
                SELECT rowid, rank,
                       snippet(messages_fts, 3, '', '', ' … ', 12) AS snip
                FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rank LIMIT ?
            )
            SELECT m.conversation_id, m.id, m.subject, m.from_addr, m.from_name, m.date,
                   hits.snip, min(hits.rank)
            FROM hits JOIN messages m ON m.id = hits.rowid
            GROUP BY m.conversation_id ORDER BY min(hits.rank) LIMIT ?
            """,
            (query, limit * 20, limit),
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
