"""Saved replies: named texts with {variables}, tags to apply and a status to set when used;
and the record of each use, which gives the use counts and what the ranking learns from.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage import events
from storage.db import Store
from storage.errors import FrontdeskError, NotFoundError
from storage.models import Status
from storage.timeutil import from_epoch, now_epoch, to_epoch
from storage.work import normalize_tag

MAX_NAME_CHARS = 80
USED_EVENT = "saved_reply_used"


class ReplyError(FrontdeskError):
    """A saved reply cannot be created or changed as asked (name taken, empty body...)."""


@dataclass(frozen=True)
class SavedReply:
    id: int
    name: str
    body: str
    tags: tuple[str, ...]
    set_status: Status | None  # what using it sets the conversation to, once the reply is sent
    use_count: int
    last_used_at: datetime | None


_SELECT = """
    SELECT r.id, r.name, r.body, r.tags_json, r.set_status,
           (SELECT count(*) FROM saved_reply_uses u WHERE u.reply_id = r.id),
           (SELECT max(u.at) FROM saved_reply_uses u WHERE u.reply_id = r.id)
    FROM saved_replies r
"""


def _reply(row: tuple[object, ...]) -> SavedReply:
    reply_id, name, body, tags_json, set_status, uses, last = row
    return SavedReply(
        id=int(str(reply_id)),
        name=str(name),
        body=str(body),
        tags=tuple(json.loads(str(tags_json))),
        set_status=Status(str(set_status)) if set_status else None,
        use_count=int(str(uses)),
        last_used_at=from_epoch(int(str(last))) if last is not None else None,
    )


def clean_name(name: str) -> str:
    """A reply's name as stored: one line, surrounding space trimmed, 1 to 80 characters."""
    if "\n" in name or "\r" in name:
        raise ReplyError("a saved reply's name is one line")
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ReplyError("a saved reply needs a name")
    if len(cleaned) > MAX_NAME_CHARS:
        raise ReplyError(f"a saved reply's name is at most {MAX_NAME_CHARS} characters long")
    return cleaned


def clean_body(body: str) -> str:
    """Line endings made `\\n`, trailing space and blank lines at either end dropped."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    if not text.strip():
        raise ReplyError("a saved reply needs some text")
    return text


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Normalized as conversation tags are, duplicates dropped, first spelling's order kept."""
    return tuple(dict.fromkeys(normalize_tag(tag) for tag in tags))


def _moment(at: datetime | None) -> int:
    return now_epoch() if at is None else to_epoch(at)


def _taken(store: Store, name: str, except_id: int | None = None) -> None:
    other = store.scalar("SELECT id FROM saved_replies WHERE name = ?", (name,))
    if other is not None and other != except_id:
        raise ReplyError(f"a saved reply named {name!r} already exists")


def create(
    store: Store,
    name: str,
    body: str,
    *,
    tags: Iterable[str] = (),
    set_status: Status | None = None,
    at: datetime | None = None,
) -> SavedReply:
    name = clean_name(name)
    text = clean_body(body)
    tag_list = clean_tags(tags)
    moment = _moment(at)
    try:
        with store.atomic():
            _taken(store, name)
            cursor = store.conn.execute(
                "INSERT INTO saved_replies"
                " (name, body, tags_json, set_status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (name, text, json.dumps(tag_list), _status(set_status), moment, moment),
            )
    except sqlite3.IntegrityError as exc:  # created by another process since the check
        raise ReplyError(f"a saved reply named {name!r} already exists") from exc
    return get(store, int(cursor.lastrowid or 0))


def update(
    store: Store,
    reply_id: int,
    *,
    body: str,
    tags: Iterable[str],
    set_status: Status | None,
    at: datetime | None = None,
) -> SavedReply:
    """Replaces the reply's body, tags and status (its name and uses stay)."""
    text = clean_body(body)
    tag_list = clean_tags(tags)
    get(store, reply_id)
    with store.atomic():
        store.conn.execute(
            "UPDATE saved_replies SET body = ?, tags_json = ?, set_status = ?, updated_at = ?"
            " WHERE id = ?",
            (text, json.dumps(tag_list), _status(set_status), _moment(at), reply_id),
        )
    return get(store, reply_id)


def rename(store: Store, reply_id: int, name: str, at: datetime | None = None) -> SavedReply:
    """Gives the reply a new name; changing only its case is allowed."""
    new_name = clean_name(name)
    get(store, reply_id)
    with store.atomic():
        _taken(store, new_name, except_id=reply_id)
        store.conn.execute(
            "UPDATE saved_replies SET name = ?, updated_at = ? WHERE id = ?",
            (new_name, _moment(at), reply_id),
        )
    return get(store, reply_id)


def delete(store: Store, reply_id: int) -> bool:
    """Removes the reply and its uses (the journal keeps its `saved_reply_used` events)."""
    with store.atomic():
        cursor = store.conn.execute("DELETE FROM saved_replies WHERE id = ?", (reply_id,))
    return cursor.rowcount > 0


def get(store: Store, reply_id: int) -> SavedReply:
    row = store.conn.execute(f"{_SELECT} WHERE r.id = ?", (reply_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"saved reply {reply_id} does not exist (it may have been deleted)")
    return _reply(row)


def by_name(store: Store, name: str) -> SavedReply | None:
    """The reply of that name, compared case-insensitively; None when there is none."""
    row = store.conn.execute(f"{_SELECT} WHERE r.name = ?", (" ".join(name.split()),)).fetchone()
    return None if row is None else _reply(row)


def all_replies(store: Store) -> list[SavedReply]:
    """Every saved reply, by name."""
    return [_reply(row) for row in store.conn.execute(f"{_SELECT} ORDER BY r.name")]


def record_use(
    store: Store,
    reply_id: int,
    conversation_id: int | None,
    actor: str,
    at: datetime | None = None,
) -> None:
    """Counts one insertion of the reply into an answer to `conversation_id`, and journals it
    (`saved_reply_used`, with the reply's name, which outlives the reply for the reports)."""
    reply = get(store, reply_id)
    moment = _moment(at)
    with store.atomic():
        store.conn.execute(
            "INSERT INTO saved_reply_uses (reply_id, conversation_id, actor, at)"
            " VALUES (?, ?, ?, ?)",
            (reply_id, conversation_id, actor, moment),
        )
        events.record(
            store,
            USED_EVENT,
            conversation_id,
            actor=actor,
            at=from_epoch(moment),
            reply_id=reply_id,
            name=reply.name,
        )


def replace_tag(store: Store, old: str, new: str | None) -> int:
    """Renames the tag `old` to `new` in every saved reply (None: takes it off them), merging
    with `new` where a reply had both. Returns how many replies changed."""
    old_tag = normalize_tag(old)
    new_tag = normalize_tag(new) if new is not None else None
    changed = 0
    with store.atomic():
        rows = store.conn.execute("SELECT id, tags_json FROM saved_replies").fetchall()
        for reply_id, tags_json in rows:
            tags: list[str] = json.loads(tags_json)
            if old_tag not in tags:
                continue
            swapped = [new_tag if tag == old_tag else tag for tag in tags]
            kept = tuple(dict.fromkeys(tag for tag in swapped if tag is not None))
            store.conn.execute(
                "UPDATE saved_replies SET tags_json = ? WHERE id = ?",
                (json.dumps(kept), reply_id),
            )
            changed += 1
    return changed


def use_history(store: Store, *, per_reply: int = 25) -> dict[int, list[int]]:
    """For each reply, the conversations it was last used on (distinct, latest first, at most
    `per_reply`): what the ranking compares a new conversation with."""
    found: dict[int, list[int]] = {}
    rows = store.conn.execute(
        "SELECT reply_id, conversation_id, max(at) AS last FROM saved_reply_uses"
        " WHERE conversation_id IS NOT NULL GROUP BY reply_id, conversation_id"
        " ORDER BY reply_id, last DESC, conversation_id DESC"
    )
    for reply_id, conversation_id, _last in rows:
        taken = found.setdefault(int(reply_id), [])
        if len(taken) < per_reply:
            taken.append(int(conversation_id))
    return found


def customer_words(store: Store, conversation_ids: Iterable[int]) -> dict[int, str]:
    """What the customer wrote in each conversation (their new text, not what they quoted)."""
    wanted = sorted(set(conversation_ids))
    found: dict[int, str] = {}
    # SQLite limits the number of parameters of one statement: ask in slices.
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = store.conn.execute(
            "SELECT conversation_id,"
            " group_concat(CASE WHEN new_text != '' THEN new_text ELSE body_text END, char(10))"
            f" FROM messages WHERE is_ours = 0 AND conversation_id IN ({marks})"
            " GROUP BY conversation_id",
            chunk,
        )
        found.update({int(row[0]): str(row[1] or "") for row in rows})
    return found


def _status(status: Status | None) -> str | None:
    return None if status is None else Status(status).value
