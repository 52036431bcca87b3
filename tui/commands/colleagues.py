"""`frontdesk colleagues add|list`: the people a conversation can be handed to, kept in the
config file's `[[colleagues]]` tables."""

from __future__ import annotations

from typing import Any

from mail.config import COLLEAGUE_ROLES, ConfigError
from mail.sanitize import clean_line
from tui.context import Context


def register(sub: Any) -> None:
    from tui.cli import _Parser

    p = sub.add_parser("colleagues", help="the colleagues conversations are handed to")
    actions = p.add_subparsers(
        dest="action", metavar="ACTION", parser_class=_Parser, help="add or list"
    )
    actions.required = True
    add = actions.add_parser("add", help="add a colleague to the config file (or update one)")
    add.add_argument("--name", required=True, help="their name as customers will read it")
    add.add_argument("--email", required=True, metavar="ADDR", help="their email address")
    add.add_argument("--role", default="sales", choices=COLLEAGUE_ROLES, help="default: sales")
    add.add_argument(
        "--description", default="", metavar="TEXT", help="what they look after, e.g. 'plans'"
    )
    add.add_argument("--hours", default="", metavar="HH:MM-HH:MM", help="when they work")
    add.set_defaults(run=cmd_colleagues_add, creates_config=True)
    listing = actions.add_parser("list", help="list the colleagues")
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    listing.set_defaults(run=cmd_colleagues_list)


def cmd_colleagues_add(ctx: Context) -> int:
    from mail.config_file import update_config

    args = ctx.args
    entry = {
        "name": " ".join(args.name.split()),
        "email": args.email.strip(),
        "role": args.role,
        "description": args.description.strip(),
        "hours": args.hours.strip(),
    }
    replaced = False

    def change(data: dict[str, Any]) -> None:
        nonlocal replaced
        colleagues = data.setdefault("colleagues", [])
        if not isinstance(colleagues, list):
            raise ConfigError(f"{ctx.config_path}: 'colleagues' must be a list of tables")
        for index, existing in enumerate(colleagues):
            if isinstance(existing, dict) and (
                str(existing.get("name", "")).lower() == entry["name"].lower()
            ):
                colleagues[index] = {k: v for k, v in entry.items() if v}
                replaced = True
                return
        colleagues.append({k: v for k, v in entry.items() if v})

    update_config(ctx.config_path, change)
    verb = "Updated" if replaced else "Added"
    print(f"{verb} {clean_line(entry['name'])} ({entry['role']}) in {ctx.config_path}.")
    return 0


def cmd_colleagues_list(ctx: Context) -> int:
    from tui.cli import print_json

    colleagues = ctx.config.colleagues
    if ctx.args.json:
        print_json(list(colleagues))
        return 0
    if not colleagues:
        print("No colleagues yet: frontdesk colleagues add --name NAME --email ADDR --role sales")
        return 0
    for c in colleagues:
        about = f" — {clean_line(c.description)}" if c.description else ""
        hours = f" ({c.hours})" if c.hours else ""
        print(f"{clean_line(c.name)} <{clean_line(c.email)}> {c.role}{hours}{about}")
    return 0
