"""`frontdesk sync`: one sync of the configured mailbox, or `--watch` to stay in step (IDLE).

Exit 0 when it synced, 1 when the server could not be reached, 2 for what the user can fix
(password, certificate, config).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from mail.sanitize import clean_line
from storage.errors import FrontdeskError
from tui.context import Context

if TYPE_CHECKING:
    from mail.sync import Progress, SyncEngine, SyncReport

EXIT_COULD_NOT_SYNC = 1


def register(sub: Any) -> None:
    p = sub.add_parser("sync", help="fetch new mail and flag changes from the IMAP server")
    p.add_argument(
        "--watch",
        action="store_true",
        help="stay connected: new mail arrives within seconds (IDLE), else poll",
    )
    p.add_argument(
        "--since",
        type=_date,
        metavar="DATE",
        help="fetch nothing older than DATE (YYYY-MM-DD), e.g. for a first sync",
    )
    p.set_defaults(run=cmd_sync)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def cmd_sync(ctx: Context) -> int:
    from mail import secrets
    from mail.account import endpoint, sync_settings
    from mail.lock import SyncLock
    from mail.sync import SyncEngine, SyncError

    config = ctx.config
    imap = endpoint(config, "imap")
    password = secrets.get_password("imap", imap.username, imap.host)
    settings = sync_settings(config, ctx.args.since)
    show_progress = sys.stderr.isatty()

    def progress(step: Progress) -> None:
        if show_progress:
            sys.stderr.write(f"\rSyncing… {step.done}/{step.total}")
            sys.stderr.flush()

    with SyncLock(ctx.db_path):
        engine = SyncEngine(
            ctx.store, imap, password, config.support_addresses(), settings, progress
        )
        if ctx.args.watch:
            return _watch(engine, config.sync.poll_seconds, lambda r: _after_sync(ctx, r))
        try:
            report = engine.run_once()
        except SyncError as exc:
            print(f"frontdesk: sync failed: {clean_line(str(exc))}", file=sys.stderr)
            return EXIT_COULD_NOT_SYNC
        finally:
            if show_progress:
                sys.stderr.write("\r\x1b[K")
        print(_line(report))
        _after_sync(ctx, report)
    return 0


def _after_sync(ctx: Context, report: SyncReport) -> None:
    """What new mail asks for: its waits measured, then the outbox's due replies sent."""
    from mail.customers import refresh_waits

    if report.total("stored"):
        refresh_waits(ctx.store, ctx.config)
    _flush_outbox(ctx)


def _flush_outbox(ctx: Context) -> None:
    """`frontdesk sync` also sends what the outbox has due; a failure there is reported but
    does not make the sync fail (the replies stay in the outbox)."""
    from storage import outbox
    from tui.commands.reply import flush

    if outbox.count_pending(ctx.store) == 0:
        return
    try:
        report = flush(ctx)
    except FrontdeskError as exc:
        print(f"frontdesk: outbox not sent: {clean_line(str(exc))}", file=sys.stderr)
        return
    if report.sent:
        print(f"sent {report.sent} repl{'y' if report.sent == 1 else 'ies'} from the outbox")
    for error in report.errors:
        print(f"frontdesk: outbox: {clean_line(error)}", file=sys.stderr)


def _line(report: SyncReport) -> str:
    return f"{datetime.now(UTC):%H:%M:%S} synced {clean_line(report.summary())}"


def _watch(engine: SyncEngine, poll_seconds: int, after_sync: Callable[[SyncReport], None]) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def report(result: SyncReport) -> None:
        print(_line(result), flush=True)
        after_sync(result)

    def error(exc: FrontdeskError) -> None:
        print(f"frontdesk: {clean_line(str(exc))} (retrying)", file=sys.stderr, flush=True)

    try:
        engine.watch(stop, float(poll_seconds), on_report=report, on_error=error)
    except KeyboardInterrupt:
        stop.set()
    return 0
