"""IMAP folders as the store knows them: sync state, where each message lives (folder, UID),
its flags there, and local flag changes waiting to be pushed to the server."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from storage.db import Store
from storage.timeutil import now_epoch


@dataclass(frozen=True)
class FolderState:
    id: int
    name: str
    uidvalidity: int | None
    uidnext: int | None
    highestmodseq: int | None
    last_sync_at: int | None


@dataclass(frozen=True)
class Location:
    """One copy of a message on the server."""

    uid: int
    message_id: int  # the message's row id in the store
    flags: frozenset[str]
    modseq: int | None


@dataclass(frozen=True)
class FlagChange:
    id: int
    folder_id: int
    uid: int
    add: frozenset[str]
    remove: frozenset[str]


def _flags_text(flags: Iterable[str]) -> str:
    return " ".join(sorted(set(flags)))


def _flags(text: str) -> frozenset[str]:
    return frozenset(text.split())


def folder(store: Store, name: str) -> FolderState:
    """The folder's state, created empty on first use."""
    store.conn.execute("INSERT OR IGNORE INTO folders (name) VALUES (?)", (name,))
    row = store.conn.execute(
        "SELECT id, name, uidvalidity, uidnext, highestmodseq, last_sync_at FROM folders"
        " WHERE name = ?",
        (name,),
    ).fetchone()
    return FolderState(*row)


def all_folders(store: Store) -> list[FolderState]:
    rows = store.conn.execute(
        "SELECT id, name, uidvalidity, uidnext, highestmodseq, last_sync_at FROM folders"
        " ORDER BY name"
    )
    return [FolderState(*row) for row in rows]


def save_state(
    store: Store,
    folder_id: int,
    *,
    uidvalidity: int | None,
    uidnext: int | None,
    highestmodseq: int | None,
) -> None:
    store.conn.execute(
        "UPDATE folders SET uidvalidity = ?, uidnext = ?, highestmodseq = ?, last_sync_at = ?"
        " WHERE id = ?",
        (uidvalidity, uidnext, highestmodseq, now_epoch(), folder_id),
    )


def locations(store: Store, folder_id: int) -> dict[int, Location]:
    """Every message the store knows in this folder, by UID."""
    rows = store.conn.execute(
        "SELECT uid, message_id, flags, modseq FROM folder_messages WHERE folder_id = ?",
        (folder_id,),
    )
    return {row[0]: Location(row[0], row[1], _flags(row[2]), row[3]) for row in rows}


def known_uids(store: Store, folder_id: int) -> set[int]:
    rows = store.conn.execute("SELECT uid FROM folder_messages WHERE folder_id = ?", (folder_id,))
    return {row[0] for row in rows}


def add_locations(store: Store, folder_id: int, found: Iterable[Location]) -> None:
    store.conn.executemany(
        "INSERT OR REPLACE INTO folder_messages (folder_id, uid, message_id, flags, modseq)"
        " VALUES (?, ?, ?, ?, ?)",
        [(folder_id, loc.uid, loc.message_id, _flags_text(loc.flags), loc.modseq) for loc in found],
    )


def remove_locations(store: Store, folder_id: int, uids: Iterable[int]) -> int:
    """Forgets copies that left the server folder; the messages themselves stay in the store."""
    uid_list = list(uids)
    store.conn.executemany(
        "DELETE FROM folder_messages WHERE folder_id = ? AND uid = ?",
        [(folder_id, uid) for uid in uid_list],
    )
    store.conn.executemany(
        "DELETE FROM flag_changes WHERE folder_id = ? AND uid = ?",
        [(folder_id, uid) for uid in uid_list],
    )
    return len(uid_list)


def forget_folder_uids(store: Store, folder_id: int) -> None:
    """Drops every (UID → message) link of a folder: its UIDs no longer mean anything."""
    store.conn.execute("DELETE FROM folder_messages WHERE folder_id = ?", (folder_id,))
    store.conn.execute("DELETE FROM flag_changes WHERE folder_id = ?", (folder_id,))


def set_flags(
    store: Store, folder_id: int, changes: Iterable[tuple[int, frozenset[str], int | None]]
) -> None:
    """Records the server's flags for (uid, flags, modseq) triples."""
    store.conn.executemany(
        "UPDATE folder_messages SET flags = ?, modseq = coalesce(?, modseq)"
        " WHERE folder_id = ? AND uid = ?",
        [(_flags_text(flags), modseq, folder_id, uid) for uid, flags, modseq in changes],
    )


def message_header_ids(store: Store, folder_id: int) -> dict[int, str]:
    """UID → Message-ID header of each message known in the folder (for UIDVALIDITY checks)."""
    rows = store.conn.execute(
        "SELECT fm.uid, m.message_id FROM folder_messages fm JOIN messages m"
        " ON m.id = fm.message_id WHERE fm.folder_id = ?",
        (folder_id,),
    )
    return {row[0]: row[1] for row in rows}


def queue_flag_change(
    store: Store,
    message_row_id: int,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
) -> int:
    """Asks the next sync to change a message's flags on the server, in every folder holding
    it; the local copy of the flags changes at once. Returns how many copies it applies to."""
    add_set, remove_set = frozenset(add), frozenset(remove)
    rows = store.conn.execute(
        "SELECT folder_id, uid, flags FROM folder_messages WHERE message_id = ?",
        (message_row_id,),
    ).fetchall()
    with store.atomic():
        for folder_id, uid, flags in rows:
            store.conn.execute(
                "INSERT INTO flag_changes (folder_id, uid, add_flags, remove_flags, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (folder_id, uid, _flags_text(add_set), _flags_text(remove_set), now_epoch()),
            )
            new_flags = (_flags(flags) | add_set) - remove_set
            store.conn.execute(
                "UPDATE folder_messages SET flags = ? WHERE folder_id = ? AND uid = ?",
                (_flags_text(new_flags), folder_id, uid),
            )
    return len(rows)


def pending_flag_changes(store: Store, folder_id: int) -> list[FlagChange]:
    rows = store.conn.execute(
        "SELECT id, folder_id, uid, add_flags, remove_flags FROM flag_changes"
        " WHERE folder_id = ? ORDER BY id",
        (folder_id,),
    )
    return [FlagChange(r[0], r[1], r[2], _flags(r[3]), _flags(r[4])) for r in rows]


def undo_flag_change(store: Store, change: FlagChange) -> None:
    """Puts a copy's flags back as they were before a change the server refused."""
    flags = store.scalar(
        "SELECT flags FROM folder_messages WHERE folder_id = ? AND uid = ?",
        (change.folder_id, change.uid),
    )
    if flags is not None:
        store.conn.execute(
            "UPDATE folder_messages SET flags = ? WHERE folder_id = ? AND uid = ?",
            (
                _flags_text((_flags(flags) - change.add) | change.remove),
                change.folder_id,
                change.uid,
            ),
        )


def clear_flag_changes(store: Store, change_ids: Iterable[int]) -> None:
    store.conn.executemany("DELETE FROM flag_changes WHERE id = ?", [(i,) for i in change_ids])


def locations_of_message(store: Store, message_row_id: int) -> list[tuple[str, Location]]:
    rows = store.conn.execute(
        "SELECT f.name, fm.uid, fm.message_id, fm.flags, fm.modseq FROM folder_messages fm"
        " JOIN folders f ON f.id = fm.folder_id WHERE fm.message_id = ? ORDER BY f.name",
        (message_row_id,),
    )
    return [(r[0], Location(r[1], r[2], _flags(r[3]), r[4])) for r in rows]


@dataclass(frozen=True)
class TaggedLocation:
    """A copy of a message whose keywords may carry tags: its flags on the server as last
    seen (plus local changes not yet pushed), and its conversation's tags in the store."""

    uid: int
    conversation_id: int
    flags: frozenset[str]
    conversation_tags: frozenset[str]


def tagged_locations(store: Store, folder_id: int) -> list[TaggedLocation]:
    """The folder's copies whose conversation has tags or whose flags hold a keyword (a flag
    starting with neither `\\` nor `$`): those where tags and keywords can disagree."""
    rows = store.conn.execute(
        "SELECT fm.uid, m.conversation_id, fm.flags,"
        " (SELECT group_concat(t.name, char(31)) FROM conversation_tags ct"
        "   JOIN tags t ON t.id = ct.tag_id WHERE ct.conversation_id = m.conversation_id)"
        " FROM folder_messages fm JOIN messages m ON m.id = fm.message_id"
        " WHERE fm.folder_id = ? AND (' ' || fm.flags GLOB '* [^\\$]*'"
        "   OR EXISTS (SELECT 1 FROM conversation_tags ct"
        "     WHERE ct.conversation_id = m.conversation_id))",
        (folder_id,),
    )
    return [
        TaggedLocation(r[0], r[1], _flags(r[2]), frozenset(r[3].split("\x1f") if r[3] else ()))
        for r in rows
    ]


def conversations_of(store: Store, folder_id: int, uids: Iterable[int]) -> dict[int, int]:
    """UID → conversation id, for copies the store knows in the folder."""
    wanted = list(uids)
    found: dict[int, int] = {}
    for start in range(0, len(wanted), 500):
        batch = wanted[start : start + 500]
        marks = ", ".join("?" for _ in batch)
        rows = store.conn.execute(
            "SELECT fm.uid, m.conversation_id FROM folder_messages fm"
            " JOIN messages m ON m.id = fm.message_id"
            f" WHERE fm.folder_id = ? AND fm.uid IN ({marks})",
            [folder_id, *batch],
        )
        found.update({int(r[0]): int(r[1]) for r in rows})
    return found


def queue_location_changes(
    store: Store, folder_id: int, changes: Iterable[tuple[int, frozenset[str], frozenset[str]]]
) -> int:
    """Like `queue_flag_change`, for single copies: (uid, add, remove) in one folder."""
    count = 0
    with store.atomic():
        for uid, add, remove in changes:
            flags = store.scalar(
                "SELECT flags FROM folder_messages WHERE folder_id = ? AND uid = ?",
                (folder_id, uid),
            )
            if flags is None:
                continue
            store.conn.execute(
                "INSERT INTO flag_changes (folder_id, uid, add_flags, remove_flags, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (folder_id, uid, _flags_text(add), _flags_text(remove), now_epoch()),
            )
            store.conn.execute(
                "UPDATE folder_messages SET flags = ? WHERE folder_id = ? AND uid = ?",
                (_flags_text((_flags(flags) | add) - remove), folder_id, uid),
            )
            count += 1
    return count


def pending_additions(store: Store, conversation_id: int) -> frozenset[str]:
    """The flags local changes not yet pushed add to any copy of the conversation's messages."""
    rows = store.conn.execute(
        "SELECT fc.add_flags FROM flag_changes fc JOIN folder_messages fm"
        " ON fm.folder_id = fc.folder_id AND fm.uid = fc.uid"
        " JOIN messages m ON m.id = fm.message_id WHERE m.conversation_id = ?",
        (conversation_id,),
    )
    return frozenset(flag for row in rows for flag in _flags(row[0]))
