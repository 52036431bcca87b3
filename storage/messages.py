"""Messages: stored with their raw bytes and attachment metadata, read back as `Message`."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from storage.db import Store
from storage.models import Address, Attachment, IncomingMessage, Message
from storage.timeutil import from_epoch, to_epoch

_COMPRESSION_LEVEL = 1  # fast: mail text still shrinks to about a third


def find_duplicate(store: Store, message_id: str, content_hash: str) -> int | None:
    """The row id of a stored message with this Message-ID and the same content, if any."""
    row = store.conn.execute(
        "SELECT id FROM messages WHERE message_id = ? AND content_hash = ?",
        (message_id, content_hash),
    ).fetchone()
    return None if row is None else int(row[0])


def _store_raw(store: Store, raw: bytes) -> int:
    digest = hashlib.sha256(raw).hexdigest()
    row = store.conn.execute("SELECT id FROM raw_messages WHERE sha256 = ?", (digest,)).fetchone()
    if row is not None:
        return int(row[0])
    cursor = store.conn.execute(
        "INSERT INTO raw_messages (sha256, size, data) VALUES (?, ?, ?)",
        (digest, len(raw), zlib.compress(raw, _COMPRESSION_LEVEL)),
    )
    return int(cursor.lastrowid or 0)


def _addresses_json(addresses: tuple[Address, ...]) -> str:
    return json.dumps([[a.addr, a.name] for a in addresses], ensure_ascii=False)


def _addresses_from(text: str) -> tuple[Address, ...]:
    return tuple(Address(addr, name) for addr, name in json.loads(text))


def _parsed_columns(msg: IncomingMessage) -> dict[str, Any]:
    """The columns derived from parsing: what `frontdesk reindex` rewrites."""
    return {
        "message_id": msg.message_id,
        "synthetic_id": int(msg.synthetic_id),
        "content_hash": msg.content_hash,
        "from_addr": msg.sender.addr if msg.sender else None,
        "from_name": msg.sender.name if msg.sender else "",
        "to_json": _addresses_json(msg.to),
        "cc_json": _addresses_json(msg.cc),
        "reply_to_json": _addresses_json(msg.reply_to),
        "subject": msg.subject,
        "date": to_epoch(msg.date),
        "date_flagged": int(msg.date_flagged),
        "in_reply_to": msg.in_reply_to,
        "references_json": json.dumps(list(msg.references)),
        "body_text": msg.body_text,
        "new_text": msg.new_text,
        "html_only": int(msg.html_only),
        "parse_error": msg.parse_error,
    }


def insert_message(store: Store, msg: IncomingMessage, conversation_id: int, is_ours: bool) -> int:
    """Stores one message (its raw bytes, fields and attachments); returns its row id."""
    columns = _parsed_columns(msg)
    columns.update(
        conversation_id=conversation_id,
        raw_id=_store_raw(store, msg.raw),
        received_at=to_epoch(msg.received_at),
        is_ours=int(is_ours),
    )
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    cursor = store.conn.execute(
        f"INSERT INTO messages ({names}) VALUES ({marks})", tuple(columns.values())
    )
    row_id = int(cursor.lastrowid or 0)
    _insert_attachments(store, row_id, msg)
    return row_id


def _insert_attachments(store: Store, row_id: int, msg: IncomingMessage) -> None:
    store.conn.executemany(
        "INSERT INTO attachments (message_id, filename, original_filename, content_type, size,"
        " part_path, content_id, inline) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                row_id,
                a.filename,
                a.original_filename,
                a.content_type,
                a.size,
                a.part_path,
                a.content_id,
                int(a.inline),
            )
            for a in msg.attachments
        ],
    )


def update_parsed(store: Store, row_id: int, msg: IncomingMessage, is_ours: bool) -> None:
    """Rewrites what parsing derived for a stored message (after a parser change)."""
    columns = _parsed_columns(msg)
    columns["is_ours"] = int(is_ours)
    assignments = ", ".join(f"{name} = ?" for name in columns)
    store.conn.execute(
        f"UPDATE messages SET {assignments} WHERE id = ?", (*columns.values(), row_id)
    )
    store.conn.execute("DELETE FROM attachments WHERE message_id = ?", (row_id,))
    _insert_attachments(store, row_id, msg)


def iter_raw(store: Store, batch: int = 500) -> Iterator[tuple[int, bytes, int]]:
    """Every stored message as (row id, raw bytes, received_at epoch), in row order."""
    last = 0
    while True:
        rows = store.conn.execute(
            "SELECT m.id, r.data, m.received_at FROM messages m JOIN raw_messages r"
            " ON r.id = m.raw_id WHERE m.id > ? ORDER BY m.id LIMIT ?",
            (last, batch),
        ).fetchall()
        if not rows:
            return
        for row_id, data, received_at in rows:
            yield row_id, zlib.decompress(data), received_at
        last = rows[-1][0]


def raw_message(store: Store, row_id: int) -> bytes:
    row = store.conn.execute(
        "SELECT r.data FROM messages m JOIN raw_messages r ON r.id = m.raw_id WHERE m.id = ?",
        (row_id,),
    ).fetchone()
    if row is None:
        raise KeyError(row_id)
    return zlib.decompress(row[0])


_MESSAGE_COLUMNS = (
    "id, conversation_id, message_id, from_addr, from_name, to_json, cc_json, reply_to_json,"
    " subject, date, date_flagged, received_at, in_reply_to, references_json, is_ours,"
    " body_text, new_text, html_only, parse_error"
)


def _message(row: tuple[Any, ...], attachments: tuple[Attachment, ...]) -> Message:
    return Message(
        id=row[0],
        conversation_id=row[1],
        message_id=row[2],
        sender=Address(row[3], row[4]) if row[3] else None,
        to=_addresses_from(row[5]),
        cc=_addresses_from(row[6]),
        reply_to=_addresses_from(row[7]),
        subject=row[8],
        date=from_epoch(row[9]),
        date_flagged=bool(row[10]),
        received_at=from_epoch(row[11]),
        in_reply_to=row[12],
        references=tuple(json.loads(row[13])),
        is_ours=bool(row[14]),
        body_text=row[15],
        new_text=row[16],
        html_only=bool(row[17]),
        parse_error=row[18],
        attachments=attachments,
    )


def messages_of(store: Store, conversation_id: int) -> list[Message]:
    """The messages of a conversation, oldest first, with their attachments."""
    rows = store.conn.execute(
        f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY date, id",
        (conversation_id,),
    ).fetchall()
    by_message: dict[int, list[Attachment]] = {}
    for a in store.conn.execute(
        "SELECT a.id, a.message_id, a.filename, a.original_filename, a.content_type, a.size,"
        " a.part_path, a.inline FROM attachments a JOIN messages m ON m.id = a.message_id"
        " WHERE m.conversation_id = ? ORDER BY a.id",
        (conversation_id,),
    ):
        by_message.setdefault(a[1], []).append(
            Attachment(a[0], a[1], a[2], a[3], a[4], a[5], a[6], bool(a[7]))
        )
    return [_message(row, tuple(by_message.get(row[0], ()))) for row in rows]


def rows_by_gm_msgid(store: Store, gm_msgids: Iterable[int]) -> dict[int, int]:
    """Stored rows by Gmail's message id: the same message under another label."""
    wanted = list(gm_msgids)
    found: dict[int, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for gm_msgid, row_id in store.conn.execute(
            f"SELECT gm_msgid, id FROM messages WHERE gm_msgid IN ({marks})", chunk
        ):
            found[gm_msgid] = row_id
    return found


def set_gm_msgid(store: Store, row_id: int, gm_msgid: int) -> None:
    store.conn.execute(
        "UPDATE messages SET gm_msgid = ? WHERE id = ? AND gm_msgid IS NULL", (gm_msgid, row_id)
    )


def flagged_count(store: Store) -> int:
    """How many stored messages could not be parsed."""
    return int(store.scalar("SELECT count(*) FROM messages WHERE parse_error IS NOT NULL") or 0)
