"""`frontdesk reply` and `frontdesk outbox`: answer from the command line, see what is on its
way out, retry or discard it. The TUI's composer uses the same outbox and sender."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mail.sanitize import clean_line
from storage.errors import FrontdeskError
from tui.context import Context

if TYPE_CHECKING:
    from mail.send import FlushReport, OutboxItem, Transport

EXIT_NOT_SENT = 1


def register(sub: Any) -> None:
    p = sub.add_parser("reply", help="reply to a conversation (waits out the undo delay)")
    p.add_argument("id", type=int, metavar="ID", help="the conversation's number")
    p.add_argument(
        "--body-file", required=True, metavar="FILE", help="the reply's text; '-' reads stdin"
    )
    p.add_argument("--cc", action="append", default=[], metavar="ADDR", help="copy (repeatable)")
    p.add_argument("--close", action="store_true", help="close the conversation once sent")
    p.add_argument("--now", action="store_true", help="skip the undo delay")
    p.add_argument(
        "--queue-only",
        action="store_true",
        help="leave delivery to the next `frontdesk sync` or the app",
    )
    p.set_defaults(run=cmd_reply)

    p = sub.add_parser("outbox", help="replies queued, on their way, or failed")
    p.add_argument("--json", action="store_true", help="print JSON")
    actions = p.add_subparsers(dest="outbox_command", metavar="ACTION", help="retry or discard")
    retry = actions.add_parser("retry", help="send a failed reply again")
    retry.add_argument("item", type=int, metavar="ID", help="the outbox item's number")
    discard = actions.add_parser("discard", help="drop a queued or failed reply")
    discard.add_argument("item", type=int, metavar="ID", help="the outbox item's number")
    p.set_defaults(run=cmd_outbox)


def read_body(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrontdeskError(f"--body-file {name}: {exc}") from exc


def transport_for(ctx: Context) -> Transport:
    """The account's SMTP server and IMAP Sent folder."""
    from mail.send import account_transport

    return account_transport(ctx.config)


def flush(ctx: Context) -> FlushReport:
    from mail.send import Sender

    transport = transport_for(ctx)
    try:
        return Sender(ctx.store, ctx.config, transport).flush()
    finally:
        transport.close()


def cmd_reply(ctx: Context) -> int:
    from mail.send import queue_reply

    args = ctx.args
    body = read_body(args.body_file)
    delay = 0.0 if args.now else None
    item = queue_reply(
        ctx.store, ctx.config, args.id, body, cc=args.cc, close=args.close, delay=delay
    )
    return send_when_due(ctx, [item], queue_only=args.queue_only)


def send_when_due(ctx: Context, items: list[OutboxItem], *, queue_only: bool = False) -> int:
    """Waits out the undo window of `items` (Ctrl-C undoes all), then sends them."""
    from mail.send import cancel
    from storage import outbox

    what = "; ".join(f"{_kind(i)} {i.id} to {clean_line(', '.join(i.recipients))}" for i in items)
    if queue_only:
        print(f"Queued {what}; the next sync sends it.")
        return 0
    due = max(i.send_after for i in items)
    wait = (due - datetime.now(UTC)).total_seconds()
    try:
        while wait > 0:
            if sys.stderr.isatty():
                sys.stderr.write(f"\rSending in {wait:.0f} s — Ctrl-C undoes ")
                sys.stderr.flush()
            time.sleep(min(wait, 0.2))
            wait = (due - datetime.now(UTC)).total_seconds()
    except KeyboardInterrupt:
        if all([cancel(ctx.store, i.id) for i in items]):
            print("\nUndone: nothing was sent.", file=sys.stderr)
            return EXIT_NOT_SENT
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")
    report = flush(ctx)
    code = 0
    for item in items:
        row = outbox.get(ctx.store, item.id)
        to = clean_line(", ".join(item.recipients))
        if row.state in (outbox.SENT, outbox.DELIVERED):
            print(f"Sent {_kind(item)} {item.id} to {to}.")
            if row.last_error:
                print(f"Note: {clean_line(row.last_error)}", file=sys.stderr)
            continue
        reason = row.last_error or "; ".join(report.errors) or f"it is {row.state}"
        print(
            f"frontdesk: not sent yet ({clean_line(reason)}); it stays in the outbox as "
            f"{item.id}: see `frontdesk outbox`",
            file=sys.stderr,
        )
        code = EXIT_NOT_SENT
    return code


def _kind(item: OutboxItem) -> str:
    return "handoff note" if item.kind == "handoff" else "reply"


def cmd_outbox(ctx: Context) -> int:
    from mail.send import discard, outbox_items, retry
    from tui.cli import print_json

    action = ctx.args.outbox_command
    if action == "retry":
        if not retry(ctx.store, ctx.args.item):
            raise FrontdeskError(f"outbox item {ctx.args.item} is not a failed reply")
        print(f"Reply {ctx.args.item} will be sent at the next sync (or now: frontdesk sync).")
        return 0
    if action == "discard":
        if not discard(ctx.store, ctx.args.item):
            raise FrontdeskError(f"outbox item {ctx.args.item} is not queued or failed")
        print(f"Discarded reply {ctx.args.item}.")
        return 0
    items = outbox_items(ctx.store)
    if ctx.args.json:
        print_json(items)
        return 0
    if not items:
        print("The outbox is empty.")
    for item in items:
        line = f"{item.id:>5}  {item.state:<9} #{item.conversation_id}  {clean_line(item.subject)}"
        print(f"{line}  → {clean_line(', '.join(item.recipients))}")
        if item.last_error:
            retry_note = "needs you" if item.permanent_error else f"attempt {item.attempts}"
            print(f"       {retry_note}: {clean_line(item.last_error)}")
    return 0
