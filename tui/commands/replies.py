"""`frontdesk replies`: the saved replies, listed, or kept as one Markdown file each in a
folder (export/import), so a team can review changes to them in git."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mail.sanitize import clean_line
from tui.context import Context

EXIT_SOME_NOT_IMPORTED = 1


def register(sub: Any) -> None:
    p = sub.add_parser("replies", help="list, export or import the saved replies")
    actions = p.add_subparsers(dest="replies_command", metavar="ACTION", help="export or import")
    export = actions.add_parser("export", help="write one Markdown file per reply into DIR")
    export.add_argument("folder", type=Path, metavar="DIR", help="where the files go")
    imported = actions.add_parser(
        "import", help="create or update replies (by name) from DIR's *.md files"
    )
    imported.add_argument("folder", type=Path, metavar="DIR", help="where the files are")
    listed = actions.add_parser("list", help="name, tags, status and uses of each reply")
    listed.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_replies)


def cmd_replies(ctx: Context) -> int:
    action = ctx.args.replies_command
    if action == "export":
        return _export(ctx, ctx.args.folder)
    if action == "import":
        return _import(ctx, ctx.args.folder)
    return _list(ctx)


def _list(ctx: Context) -> int:
    from storage import replies
    from tui.cli import print_json

    saved = replies.all_replies(ctx.store)
    if getattr(ctx.args, "json", False):
        print_json(
            [
                {
                    "name": r.name,
                    "tags": list(r.tags),
                    "status": r.set_status,
                    "uses": r.use_count,
                    "last_used_at": r.last_used_at,
                }
                for r in saved
            ]
        )
        return 0
    if not saved:
        print("No saved replies yet: write one in the app (palette: Saved replies).")
    width = max((len(clean_line(r.name)) for r in saved), default=0)
    for reply in saved:
        status = reply.set_status.value if reply.set_status else "-"
        tags = " ".join(f"#{clean_line(tag)}" for tag in reply.tags)
        name = clean_line(reply.name)
        print(f"{name:<{width}}  {reply.use_count:>5} uses  {status:<7}  {tags}".rstrip())
    return 0


def _export(ctx: Context, folder: Path) -> int:
    from mail.replies import export_dir

    written = export_dir(ctx.store, folder.expanduser())
    print(f"Wrote {len(written)} saved repl{'y' if len(written) == 1 else 'ies'} to {folder}")
    return 0


def _import(ctx: Context, folder: Path) -> int:
    from mail.replies import import_dir

    report = import_dir(ctx.store, folder.expanduser())
    for verb, names in (
        ("created", report.created),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
    ):
        for name in names:
            print(f"{verb:<9}  {clean_line(name)}")
    for file_name, why in report.errors:
        print(
            f"frontdesk: {clean_line(file_name)}: {clean_line(why)} (not imported)", file=sys.stderr
        )
    print(
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.errors)} not imported"
    )
    return EXIT_SOME_NOT_IMPORTED if report.errors else 0
