"""`frontdesk tag` and `frontdesk tags`: tag conversations, and list, rename, merge tags or
name their owner from a script. The configured tags and owners are written to the store first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mail.config import Config
from mail.sanitize import clean_line
from storage.errors import FrontdeskError
from tui.context import Context

if TYPE_CHECKING:
    from storage.db import Store

CATEGORY, MODIFIER, OTHER = "category", "modifier", "other"


def register(sub: Any) -> None:
    p = sub.add_parser("tag", help="put tags on a conversation, or take them off")
    p.add_argument("id", type=int, metavar="ID", help="the conversation's number")
    p.add_argument("tags", nargs="+", metavar="TAG", help="tag names (quote names with spaces)")
    p.add_argument("--remove", action="store_true", help="take the tags off instead")
    p.set_defaults(run=cmd_tag)

    p = sub.add_parser("tags", help="list, rename or merge tags")
    actions = p.add_subparsers(
        dest="tags_command", metavar="ACTION", required=True, help="list, rename, merge, owner"
    )
    listing = actions.add_parser("list", help="every tag with its owner, kind and use counts")
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    listing.set_defaults(run=cmd_list)
    rename = actions.add_parser("rename", help="rename a tag everywhere, saved replies too")
    rename.add_argument("old", metavar="OLD", help="the tag's name now")
    rename.add_argument("new", metavar="NEW", help="its new name")
    rename.add_argument("--merge", action="store_true", help="if NEW exists, merge OLD into it")
    rename.set_defaults(run=cmd_rename)
    merge = actions.add_parser("merge", help="fold several tags into one")
    merge.add_argument("sources", nargs="+", metavar="TAG", help="the tags to fold in")
    merge.add_argument("--into", required=True, metavar="TAG", help="the tag they become")
    merge.set_defaults(run=cmd_merge)
    owner = actions.add_parser("owner", help="name the team that owns a tag's root cause")
    owner.add_argument("tag", metavar="TAG", help="the tag")
    owner.add_argument("owner", nargs="?", default="", metavar="OWNER", help="empty: nobody")
    owner.set_defaults(run=cmd_owner)


def configured_store(ctx: Context) -> Store:
    """The store, with the configured tags and owners in it."""
    from storage.tags import ensure_tags

    tags = ctx.config.tags
    ensure_tags(ctx.store, tags.categories, tags.modifiers)
    return ctx.store


def kind_of(config: Config, name: str) -> str:
    from storage.work import normalize_tag

    if name in {normalize_tag(c) for c in config.tags.categories}:
        return CATEGORY
    if name in {normalize_tag(m) for m in config.tags.modifiers}:
        return MODIFIER
    return OTHER


def _actor(ctx: Context) -> str:
    return ctx.config.team.me or "me"


def cmd_tag(ctx: Context) -> int:
    from storage import conversations, work

    store = configured_store(ctx)
    conversation = conversations.get(store, ctx.args.id)
    change = work.remove_tag if ctx.args.remove else work.add_tag
    for name in ctx.args.tags:
        change(store, [conversation.id], name, actor=_actor(ctx))
    now = conversations.get(store, conversation.id).tags
    shown = " ".join(f"#{clean_line(t)}" for t in now) or "no tags"
    print(f"#{conversation.id}: {shown}")
    return 0


def cmd_list(ctx: Context) -> int:
    from storage.tags import list_tags

    store = configured_store(ctx)
    found = [(tag, kind_of(ctx.config, tag.name)) for tag in list_tags(store)]
    order = {CATEGORY: 0, MODIFIER: 1, OTHER: 2}
    found.sort(key=lambda item: order[item[1]])
    if ctx.args.json:
        from tui.cli import print_json

        print_json(
            [
                {
                    "name": tag.name,
                    "owner": tag.owner,
                    "kind": kind,
                    "open": tag.open_count,
                    "total": tag.total_count,
                }
                for tag, kind in found
            ]
        )
        return 0
    if not found:
        print("No tags.")
    for tag, kind in found:
        print(
            f"{_fit(tag.name, 28):<28} {_fit(tag.owner or '', 12):<12} {kind:<9}"
            f" {tag.open_count:>6} open {tag.total_count:>6} total"
        )
    return 0


def cmd_rename(ctx: Context) -> int:
    from storage.tags import rename_tag

    store = configured_store(ctx)
    count = rename_tag(store, ctx.args.old, ctx.args.new, actor=_actor(ctx), merge=ctx.args.merge)
    print(f"Renamed on {count} conversation{'' if count == 1 else 's'}.")
    return 0


def cmd_merge(ctx: Context) -> int:
    from storage.tags import merge_tags

    store = configured_store(ctx)
    gained = merge_tags(store, ctx.args.sources, ctx.args.into, actor=_actor(ctx))
    print(f"Merged: {gained} more conversation{'' if gained == 1 else 's'} tagged.")
    return 0


def cmd_owner(ctx: Context) -> int:
    from storage.tags import set_owner
    from storage.work import normalize_tag

    store = configured_store(ctx)
    name = normalize_tag(ctx.args.tag)
    if kind_of(ctx.config, name) == CATEGORY:
        raise FrontdeskError(
            f"{name!r} is a category: its owner is set in the config, [tags.categories]"
        )
    set_owner(store, name, ctx.args.owner)
    return 0


def _fit(text: str, width: int) -> str:
    text = clean_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"
