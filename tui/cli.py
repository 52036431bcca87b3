"""The `frontdesk` command: global options, subcommands, and errors as one line on stderr.

Subcommands import what they need when they run (the store, the app), so `frontdesk --help`
stays instant and a script's `frontdesk list` never loads the TUI.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, is_dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from mail.sanitize import clean_line, clean_text
from storage.errors import FrontdeskError
from tui.commands import account as account_commands
from tui.commands import colleagues as colleague_commands
from tui.commands import customers as customer_commands
from tui.commands import handoff as handoff_commands
from tui.commands import replies as replies_commands
from tui.commands import reply as reply_commands
from tui.commands import report as report_commands
from tui.commands import sync as sync_commands
from tui.commands import tags as tags_commands
from tui.context import Context

if TYPE_CHECKING:
    from storage.queues import QueueKey, QueueRow

EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (and exit 2), not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        return clean_text(value)
    return value


def print_json(value: Any) -> None:
    json.dump(_jsonable(value), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _age(moment: datetime, now: datetime) -> str:
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return "now"


def _fit(text: str, width: int) -> str:
    text = clean_line(text)
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


# -- import ---------------------------------------------------------------------------------


def cmd_import(ctx: Context) -> int:
    from mail.ingest import Ingestor, IngestReport
    from mail.sources import SourceError, count_messages, read_path
    from storage.customers import remember_support_addresses

    paths = [Path(p).expanduser() for p in ctx.args.paths]
    for path in paths:
        if not path.exists():
            raise SourceError(f"{path}: no such file or folder")
    extra = [a.strip().lower() for a in ctx.args.support_address]
    for addr in extra:
        if "@" not in addr or any(c.isspace() for c in addr):
            raise FrontdeskError(f"--support-address {addr!r} is not an email address")
    store = ctx.store
    if extra:
        remember_support_addresses(store, extra, "import")
    ingestor = Ingestor(
        store, ctx.config.support_addresses() | set(extra), ctx.subject_window(), ctx.config
    )
    expected = count_messages(paths)
    show_progress = sys.stderr.isatty()

    def progress(report: IngestReport) -> None:
        if show_progress:
            sys.stderr.write("\r" + _progress_line(report.read, expected))
            sys.stderr.flush()

    def mails() -> Any:
        for path in paths:
            yield from read_path(path)

    report = ingestor.ingest(mails(), progress=progress)
    if report.conversations:
        from mail.customers import refresh_waits

        refresh_waits(store, ctx.config)  # as a sync does: a report then reads them stored
    if show_progress:
        sys.stderr.write("\r\x1b[K")
    for origin in report.flagged_origins[:20]:
        print(f"flagged: {clean_line(origin)}", file=sys.stderr)
    print(f"Imported: {report.summary()}; {len(report.conversations)} conversations touched.")
    return 0


def _progress_line(done: int, total: int | None, width: int = 30) -> str:
    if not total:
        return f"Importing… {done} messages"
    share = min(1.0, done / total)
    filled = int(share * width)
    return f"Importing [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {share:4.0%}"


# -- list, show, search ---------------------------------------------------------------------


def queue_names() -> dict[str, QueueKey]:
    """`--queue` names: the queue keys, with dashes."""
    from storage.queues import QueueKey

    return {key.value.replace("_", "-"): key for key in QueueKey}


class _QueueChoices:
    """`list --queue`'s choices, read when argparse checks a value or prints help: the queues
    live with the store's queries, whose imports `frontdesk --help` should not pay for."""

    def __iter__(self) -> Iterator[str]:
        return iter(queue_names())

    def __contains__(self, name: object) -> bool:
        return name in queue_names()


def cmd_list(ctx: Context) -> int:
    from mail.customers import record_breaches
    from storage import queues
    from storage.models import Status

    store, now = ctx.store, datetime.now(UTC)
    record_breaches(store, now)
    queue = queue_names()[ctx.args.queue] if ctx.args.queue else queues.QueueKey.ALL
    # Without --queue, what it always listed: the open conversations, by priority.
    status = ctx.args.status or ("all" if ctx.args.queue else "open")
    rows = queues.rows(
        store,
        queue,
        me=ctx.config.team.me or "me",
        now=now,
        limit=ctx.args.limit,
        status=None if status == "all" else Status(status),
        by_priority=not ctx.args.queue,
    )
    if ctx.args.json:
        print_json([_queue_json(row, priority, now) for priority, row in enumerate(rows, 1)])
        return 0
    print_queue(rows, now)
    return 0


def _conversation_json(c: Any) -> dict[str, Any]:
    return {
        "id": c.id,
        "subject": c.subject,
        "customer": c.customer.addr if c.customer else None,
        "customer_name": c.customer.name if c.customer else None,
        "status": c.status,
        "message_count": c.message_count,
        "first_message_at": c.first_message_at,
        "last_message_at": c.last_message_at,
        "awaiting_reply": c.awaiting_reply,
        "tags": list(c.tags),
        "flagged": c.flagged,
        "preview": c.preview,
    }


def _queue_json(row: QueueRow, priority: int, now: datetime) -> dict[str, Any]:
    """A queue row: the conversation, its customer, and where it stands in the order."""
    return _conversation_json(row) | {
        "tier": row.tier,
        "company": row.company,
        "plan": row.plan,
        "trial_ends": row.trial_ends.isoformat() if row.trial_ends else None,
        "priority": priority,
        "sla_due_at": row.sla_due_at,
        "sla_state": row.sla_state(now),
        "at_risk": row.at_risk,
        "churn_reasons": list(row.churn_reasons),
        "sales_signal": row.sales_signal,
        "sales_score": row.sales_score,
        "sales_reasons": list(row.sales_reasons),
        "handed_off_to": row.handed_off_to,
        "shared_with": row.shared_with,
    }


def _sla_clock(row: QueueRow, now: datetime) -> str:
    """Time left on the SLA clock; `+` and the time over once breached; blank when not owed."""
    from storage.queues import SlaState

    state = row.sla_state(now)
    if state == SlaState.NONE or row.sla_due_at is None:
        return ""
    if state == SlaState.BREACHED:
        return "+" + _age(row.sla_due_at, now)
    return _age(now, row.sla_due_at)


def print_queue(rows: Sequence[QueueRow], now: datetime) -> None:
    width = shutil.get_terminal_size((100, 24)).columns
    if not rows:
        print("No conversations.")
        return
    subject_width = max(20, width - 64)
    for c in rows:
        mark = "!" if c.at_risk else "●" if c.awaiting_reply else " "
        flag = "!" if c.flagged else " "
        who = c.customer.name or c.customer.addr if c.customer else "(unknown)"
        print(
            f"{c.id:>6} {mark}{flag} {c.status:<7} {c.tier:<7} {_sla_clock(c, now):>5} "
            f"{_age(c.last_message_at, now):>4} "
            f"{_fit(who, 22):<22} {_fit(c.subject or '(no subject)', subject_width)}"
        )


def cmd_show(ctx: Context) -> int:
    from storage import conversations, messages

    conversation = conversations.get(ctx.store, ctx.args.id)
    thread = messages.messages_of(ctx.store, conversation.id)
    if ctx.args.json:
        data = _conversation_json(conversation)
        data["messages"] = [
            {
                "id": m.id,
                "message_id": m.message_id,
                "from": m.sender.addr if m.sender else None,
                "from_name": m.sender.name if m.sender else None,
                "date": m.date,
                "ours": m.is_ours,
                "subject": m.subject,
                "new_text": m.new_text,
                "flagged": m.flagged,
                "parse_error": m.parse_error,
                "attachments": [
                    {"filename": a.filename, "content_type": a.content_type, "size": a.size}
                    for a in m.attachments
                ],
            }
            for m in thread
        ]
        print_json(data)
        return 0
    print(f"#{conversation.id} {clean_line(conversation.subject)}  [{conversation.status}]")
    for m in thread:
        sender = m.sender.display() if m.sender else "(unknown sender)"
        ours = " (us)" if m.is_ours else ""
        print(f"\n── {clean_line(sender)}{ours} · {m.date:%Y-%m-%d %H:%M} UTC")
        if m.parse_error:
            print(f"   ! could not be parsed: {clean_line(m.parse_error)}")
        print(clean_text(m.new_text or m.body_text))
        for a in m.attachments:
            print(f"   📎 {clean_line(a.filename)} ({a.content_type}, {a.size} bytes)")
    return 0


def cmd_search(ctx: Context) -> int:
    from storage.search import search

    hits = search(ctx.store, ctx.args.query, ctx.args.limit)
    if ctx.args.json:
        print_json(hits)
        return 0
    if not hits:
        print("No matches.")
    for hit in hits:
        who = hit.sender.name or hit.sender.addr if hit.sender else "(unknown)"
        print(
            f"{hit.conversation_id:>6}  {hit.date:%Y-%m-%d}  {_fit(who, 22):<22} "
            f"{_fit(hit.subject, 60)}"
        )
        print(f"        {_fit(hit.snippet, 100)}")
    return 0


def cmd_reindex(ctx: Context) -> int:
    from mail.reindex import reindex

    report = reindex(ctx.store, ctx.config.support_addresses(), ctx.subject_window())
    print(f"Reindexed: {report.summary()}")
    return 0


def cmd_demo(ctx: Context) -> int:
    from mail.demo_store import build_demo_store, demo_config

    target = Path(ctx.args.dir).expanduser() if ctx.args.dir else None
    path, report = build_demo_store(target)
    if ctx.args.print or not sys.stdout.isatty():
        from storage import queues
        from storage.db import Store

        now = datetime.now(UTC)
        with Store.open(path) as store:
            print_queue(
                queues.rows(store, queues.QueueKey.NEEDS_REPLY, me="", now=now, limit=20), now
            )
        print(f"\nDemo mailbox: {report.summary()}.")
        print(f"Store: {path}  (try: frontdesk --db {path} list --status all)")
        return 0
    run_app = _import_app()
    config = dataclasses.replace(demo_config(), keys=ctx.config.keys)  # your key remaps apply
    run_app(path, config, demo_outbox=path.parent / "demo-outbox.mbox")
    return 0


def cmd_app(ctx: Context) -> int:
    """`frontdesk` with no subcommand: the app on the configured mailbox and store."""
    if not sys.stdout.isatty():
        raise FrontdeskError("the app needs a terminal; for scripts, see `frontdesk --help`")
    _import_app()(ctx.db_path, ctx.config)
    return 0


def _import_app() -> Callable[..., None]:
    """`tui.app.run_app`. The app's modules are objects that live as long as it does: the
    garbage collector walking them over and over while they load, and on each full collection
    after, cost a twentieth of the start-up; frozen once loaded, they are no longer walked."""
    gc.disable()
    try:
        from tui.app import run_app
    finally:
        gc.freeze()
        gc.enable()
    return run_app


# -- wiring ---------------------------------------------------------------------------------

Command = Callable[[Context], int]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="frontdesk",
        description="A keyboard-driven help desk for support email, in your terminal.",
    )
    parser.add_argument("--version", action=_Version, help="show program's version number and exit")
    parser.add_argument(
        "--db", metavar="PATH", help="the store (default: $FRONTDESK_DB, else the data dir)"
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="the config file (default: $FRONTDESK_CONFIG, else the config dir)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("import", help="import mbox files, Maildir folders and .eml files")
    p.add_argument("paths", nargs="+", metavar="PATH", help="mbox file, Maildir, .eml, or folder")
    p.add_argument(
        "--support-address",
        action="append",
        default=[],
        metavar="ADDR",
        help="mail from this address counts as our reply (repeatable; remembered)",
    )
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("list", help="list conversations in priority order")
    p.add_argument("--json", action="store_true", help="print one JSON array")
    p.add_argument(
        "--queue",
        choices=_QueueChoices(),
        metavar="QUEUE",
        help="one queue, in its order: %(choices)s",
    )
    p.add_argument(
        "--status",
        choices=["open", "pending", "closed", "all"],
        help="which conversations (default: open, i.e. waiting on us; all with --queue)",
    )
    p.add_argument("--limit", type=_positive, metavar="N", help="at most N conversations")
    p.set_defaults(run=cmd_list)

    p = sub.add_parser("show", help="show one conversation with its messages")
    p.add_argument("id", type=_positive, metavar="ID", help="the conversation's number")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_show)

    p = sub.add_parser("search", help="full-text search over subject, sender and body")
    p.add_argument("query", metavar="QUERY", help='words, "phrases", prefix*, OR, NOT')
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--limit", type=_positive, default=50, metavar="N", help="at most N results")
    p.set_defaults(run=cmd_search)

    account_commands.register(sub)
    customer_commands.register(sub)
    sync_commands.register(sub)
    reply_commands.register(sub)
    tags_commands.register(sub)
    replies_commands.register(sub)
    colleague_commands.register(sub)
    handoff_commands.register(sub)
    report_commands.register(sub)

    p = sub.add_parser("reindex", help="re-parse every stored raw message")
    p.set_defaults(run=cmd_reindex)

    p = sub.add_parser("demo", help="open the app on a fresh demo mailbox (no account, no network)")
    p.add_argument("--dir", metavar="DIR", help="where to put the demo store (default: temp dir)")
    p.add_argument("--print", action="store_true", help="print the demo queue instead of the app")
    p.set_defaults(run=cmd_demo)
    return parser


class _Version(argparse.Action):
    """`--version`, looked up only when asked: importing importlib.metadata costs every run."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> NoReturn:
        from importlib.metadata import version

        print(f"frontdesk {version('frontdesk')}")
        parser.exit()


_MAX_NUMBER = 2**31 - 1


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    if number > _MAX_NUMBER:  # SQLite integers are 64-bit; a search limit is multiplied
        raise argparse.ArgumentTypeError(f"{text!r} is too large")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        args.run = cmd_app
    ctx: Context | None = None
    try:
        ctx = Context(args)
        return int(args.run(ctx))
    except FrontdeskError as exc:
        print(f"frontdesk: error: {clean_line(str(exc))}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("frontdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (| head): nothing more to say
        return 0
    finally:
        if ctx is not None:
            ctx.close()


if __name__ == "__main__":
    sys.exit(main())
