"""The tag catalogue: which tags exist, who owns each one's root cause, how much each is used;
renaming and merging them everywhere (conversations, saved replies), journaled.

Putting a tag on a conversation or taking it off is work on that conversation: see
`storage.work.add_tag` / `remove_tag`. Which tags are categories or modifiers is the config's
business; the configured ones are written here by `ensure_tags` as plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from storage import events, replies
from storage.db import Store
from storage.errors import NotFoundError
from storage.timeutil import from_epoch, now_epoch, to_epoch
from storage.work import WorkError, normalize_tag


class TagError(WorkError):
    """A tag cannot be renamed, merged or given an owner as asked."""


@dataclass(frozen=True)
class TagInfo:
    """One tag with its use: `open_count` conversations not closed, `total_count` all."""

    name: str
    owner: str | None
    open_count: int
    total_count: int


def list_tags(store: Store, *, open_counts: bool = True) -> list[TagInfo]:
    """Every tag, most used first (then by name); without `open_counts`, each `open_count` is
    0 and the conversations are not read (the tag picker shows the totals alone)."""
    # Counted apart, each from an index: all the uses from the tag's own (the links alone,
    # no conversation read), the open ones from the conversations in play (a fraction of
    # them). One join of every link to its conversation took ten times as long at 100,000.
    total = dict(
        store.conn.execute(
            "SELECT tag_id, count(*) FROM conversation_tags GROUP BY tag_id"
        ).fetchall()
    )
    in_play = (
        dict(
            store.conn.execute(
                "SELECT ct.tag_id, count(*) FROM conversations c"
                " JOIN conversation_tags ct ON ct.conversation_id = c.id"
                " WHERE c.status IN ('open', 'pending') GROUP BY ct.tag_id"
            ).fetchall()
        )
        if open_counts
        else {}
    )
    found = [
        TagInfo(str(name), owner, int(in_play.get(tag_id, 0)), int(total.get(tag_id, 0)))
        for tag_id, name, owner in store.conn.execute("SELECT id, name, owner FROM tags")
    ]
    return sorted(found, key=lambda tag: (-tag.total_count, tag.name))


def ensure_tags(store: Store, categories: Mapping[str, str], modifiers: Iterable[str]) -> int:
    """Creates the configured tags that do not exist yet and gives each category the owner the
    config names (the config is where category owners live). Returns how many tags were
    created or changed."""
    owners = {
        normalize_tag(name): " ".join(owner.split()) or None for name, owner in categories.items()
    }
    plain = [normalize_tag(name) for name in modifiers]
    # Read first: when all is as configured (nearly always), no write waits for the lock a
    # sync may be holding (the tag picker opens through here).
    stored = dict(store.conn.execute("SELECT name, owner FROM tags").fetchall())
    missing = object()
    if all(name in stored for name in plain) and all(
        stored.get(name, missing) == owner for name, owner in owners.items()
    ):
        return 0
    changed = 0
    with store.atomic():
        for tag in plain:
            changed += store.conn.execute(
                "INSERT OR IGNORE INTO tags (name) VALUES (?)", (tag,)
            ).rowcount
        for tag, team in owners.items():
            changed += store.conn.execute(
                "INSERT INTO tags (name, owner) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner"
                " WHERE owner IS NOT excluded.owner",
                (tag, team),
            ).rowcount
    return changed


def set_owner(store: Store, name: str, owner: str | None) -> None:
    """Names the team that owns the tag's root cause (None or empty: nobody)."""
    tag_id = _tag_id(store, name)
    with store.atomic():
        store.conn.execute(
            "UPDATE tags SET owner = ? WHERE id = ?",
            (" ".join((owner or "").split()) or None, tag_id),
        )


def tags_of(store: Store, conversation_id: int) -> tuple[str, ...]:
    rows = store.conn.execute(
        "SELECT t.name FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id"
        " WHERE ct.conversation_id = ? ORDER BY t.name",
        (conversation_id,),
    )
    return tuple(str(row[0]) for row in rows)


def rename_tag(
    store: Store,
    old: str,
    new: str,
    *,
    actor: str,
    merge: bool = False,
    at: datetime | None = None,
) -> int:
    """Renames `old` to `new` on every conversation and saved reply. When `new` already
    exists this is an error, unless `merge`: then `old` is merged into it. Returns how many
    conversations carry the renamed tag."""
    old_name, new_name = normalize_tag(old), normalize_tag(new)
    old_id = _tag_id(store, old_name)
    if old_name == new_name:
        return 0
    if store.scalar("SELECT id FROM tags WHERE name = ?", (new_name,)) is not None:
        if not merge:
            raise TagError(
                f"a tag named {new_name!r} exists already: merge {old_name!r} into it instead"
                " (frontdesk tags merge)"
            )
        return merge_tags(store, [old_name], new_name, actor=actor, at=at)
    moment = now_epoch() if at is None else to_epoch(at)
    with store.atomic():
        store.conn.execute("UPDATE tags SET name = ? WHERE id = ?", (new_name, old_id))
        carrying = _conversations_with(store, old_id)
        journaled: list[int | None] = list(carrying) or [None]
        for conversation_id in journaled:
            events.record(
                store,
                "tag_renamed",
                conversation_id,
                actor=actor,
                at=from_epoch(moment),
                tag=new_name,
                previous=old_name,
            )
        replies.replace_tag(store, old_name, new_name)
    return len(carrying)


def merge_tags(
    store: Store,
    sources: Iterable[str],
    into: str,
    *,
    actor: str,
    at: datetime | None = None,
) -> int:
    """Folds every tag of `sources` into `into` (created if needed, keeping its owner, else
    taking the first source's): a conversation that had any of them has `into` once; the
    sources are gone, from saved replies too. Returns how many conversations carry `into`
    because of the merge (those that had it already are not counted)."""
    target = normalize_tag(into)
    names = [n for n in dict.fromkeys(normalize_tag(s) for s in sources) if n != target]
    source_ids = [_tag_id(store, name) for name in names]
    if not source_ids:
        raise TagError("name at least one tag other than the one to merge into")
    moment = now_epoch() if at is None else to_epoch(at)
    gained = 0
    with store.atomic():
        owner = store.scalar("SELECT owner FROM tags WHERE id = ?", (source_ids[0],))
        store.conn.execute(
            "INSERT OR IGNORE INTO tags (name, owner) VALUES (?, ?)", (target, owner)
        )
        target_id = store.scalar("SELECT id FROM tags WHERE name = ?", (target,))
        had = set(_conversations_with(store, target_id))
        touched: set[int] = set()
        for source_id in source_ids:
            touched.update(_conversations_with(store, source_id))
            store.conn.execute(
                "INSERT OR IGNORE INTO conversation_tags (conversation_id, tag_id)"
                " SELECT conversation_id, ? FROM conversation_tags WHERE tag_id = ?",
                (target_id, source_id),
            )
            store.conn.execute("DELETE FROM tags WHERE id = ?", (source_id,))
        journaled: list[int | None] = [*sorted(touched)] or [None]
        for conversation_id in journaled:
            events.record(
                store,
                "tags_merged",
                conversation_id,
                actor=actor,
                at=from_epoch(moment),
                tag=target,
                merged=names,
            )
        for name in names:
            replies.replace_tag(store, name, target)
        gained = len(touched - had)
    return gained


def _tag_id(store: Store, name: str) -> int:
    tag = normalize_tag(name)
    tag_id = store.scalar("SELECT id FROM tags WHERE name = ?", (tag,))
    if tag_id is None:
        raise NotFoundError(f"no tag named {tag!r} (see: frontdesk tags list)")
    return int(tag_id)


def _conversations_with(store: Store, tag_id: int) -> list[int]:
    rows = store.conn.execute(
        "SELECT conversation_id FROM conversation_tags WHERE tag_id = ? ORDER BY conversation_id",
        (tag_id,),
    )
    return [int(row[0]) for row in rows]


def removed_here(store: Store, conversation_id: int, name: str) -> bool:
    """Whether the tag's last change on the conversation took it off: a keyword for it on a
    message arriving later is then an old copy, not someone adding it again."""
    last = store.scalar(
        "SELECT kind FROM events WHERE conversation_id = ? AND kind IN ('tagged', 'untagged')"
        " AND json_extract(detail, '$.tag') = ? ORDER BY at DESC, id DESC LIMIT 1",
        (conversation_id, normalize_tag(name)),
    )
    return bool(last == "untagged")
