"""The Textual app: screens, keys remapped from the config, and the background workers (sync,
sender, store watch) whose news it passes to the screens and the status bar.

`run_app` is what the command line calls, for `frontdesk` and for `frontdesk demo`. The queue
is what it imports and paints first; other screens, the palette and the workers come after.
"""

from __future__ import annotations

import dataclasses
import gc
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from math import inf
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App
from textual.binding import BindingType
from textual.command import Provider
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, get_current_worker

from mail.config import Config
from mail.sanitize import clean_line
from storage.db import Store
from storage.errors import FrontdeskError
from storage.queues import QueueKey
from tui import background as bg
from tui import strip_fix, timer_fix
from tui.backend import Backend, Figures, HandoffPlan, TagChoice
from tui.bindings import APP, unknown_ids
from tui.collector import IDLE_SECONDS, Collector
from tui.messages import OutboxFlushed, StoreChanged, SyncChanged, rows_only
from tui.screens import tag_picker
from tui.screens.base import notify_failure
from tui.screens.queue import QueueScreen
from tui.widgets.status_bar import StatusInfo

# Every screen's frames come from Textual's timer, and are made of its strips: both mended
# before any screen starts.
timer_fix.apply()
strip_fix.apply()

if TYPE_CHECKING:
    from mail.send import Transport

Clock = Callable[[], datetime]
POLL_SECONDS = 3.0
# The workers wait for the first rows to paint, or this long if those never come (the load
# failed): on two cores, starting them beside the first load made it three times slower.
BACKGROUND_AFTER_SECONDS = 2.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SentReply:
    """The last reply queued: what `u` undoes."""

    outbox_id: int
    conversation_id: int
    body: str
    cc: str
    handoff: HandoffPlan | None = None  # it handed the conversation off: undo takes it back
    note_id: int | None = None  # the handoff's note to the colleague, undone with the reply


def default_downloads() -> Path:
    downloads = Path.home() / "Downloads"
    return downloads if downloads.is_dir() else Path.cwd()


def _palette_commands() -> type[Provider]:
    """The palette's commands, imported when it first opens (it reaches every screen)."""
    from tui.palette import FrontdeskCommands

    return FrontdeskCommands


class FrontdeskApp(App[None]):
    TITLE = "frontdesk"
    BINDINGS: ClassVar[list[BindingType]] = list(APP)
    COMMANDS = App.COMMANDS | {_palette_commands}
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {"queue": QueueScreen}
    DEFAULT_MODE = "queue"
    # Textual declares this one without ClassVar, so it cannot be annotated as one here.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012

    status: reactive[StatusInfo] = reactive(StatusInfo, always_update=True)

    def __init__(
        self,
        db_path: Path,
        config: Config,
        *,
        demo_outbox: Path | None = None,
        now: Clock = _utc_now,
        background: bool = True,
        downloads: Path | None = None,
    ) -> None:
        """`background=False` starts no sync, sender or store watch (tests drive those by
        hand); `now` is the clock every age and snooze time is measured by.

        Raises StoreError when the store cannot be opened: it is opened (and migrated) once
        here, before the workers each open their own, because several threads migrating a
        new file at once collide. The config's customer rules and SLA targets are applied
        then too, so every clock on screen runs on them."""
        Store.open(db_path).close()
        super().__init__()
        self.demo_outbox = demo_outbox
        self.config = config
        self.db_path = db_path
        self.now = now
        self.background = background
        self._figures_read_at = 0.0  # when the status bar's figures were read (monotonic)
        self._opened_unread: set[int] = set()  # counted read on screen, mark not confirmed
        self.downloads = downloads or default_downloads()
        self.backend = Backend(db_path, self.config, now)
        self.backend.apply_config()
        self.stops = bg.StopSignals()
        self._sync_stop: threading.Event | None = None
        self._undo_timer: Timer | None = None
        self.last_sent: SentReply | None = None
        self._background_started = False
        self.store_watch = bg.StoreWatch(db_path, now)
        # Every change to the store the app hears of (its own, the sync's, another process's)
        # counts one: what was read before it may be out of date.
        self.store_changes = 0
        self._tag_choices: tuple[int, list[TagChoice]] | None = None  # (store_changes, …)
        self.collector = Collector()

    # -- starting and stopping ------------------------------------------------------------

    def on_mount(self) -> None:
        self.collector.start()
        self.set_interval(IDLE_SECONDS, self.collector.idle_pass)
        keys = dict(self.config.keys)
        unknown = unknown_ids(keys)
        if unknown:
            self.notify(
                f"[keys] in the config: no binding has the id {', '.join(unknown)} (see ? for ids)",
                severity="warning",
                markup=False,
            )
        self.set_keymap({k: v for k, v in keys.items() if k not in unknown})
        demo = self.demo_outbox is not None
        first = bg.SyncState(bg.DEMO) if demo else bg.SyncState(bg.CONNECTING, "starting")
        self.status = StatusInfo(sync=first, demo_outbox=self.demo_outbox)
        if demo:
            self.notify(
                f"Demo mailbox: nothing leaves this machine. Replies you send are written to "
                f"{self.demo_outbox}",
                title="frontdesk demo",
                timeout=8,
                markup=False,
            )
        if not self.background and not demo:
            self.status = dataclasses.replace(
                self.status, sync=bg.SyncState(bg.OFFLINE, "background work is off")
            )
        self.set_timer(BACKGROUND_AFTER_SECONDS, self._start_background)

    @on(QueueScreen.Loaded)
    def _queue_loaded(self) -> None:
        if not self._background_started:
            self.call_after_refresh(self._start_background)

    def _start_background(self) -> None:
        """The status bar's figures, the sync, the sender and the store watch: once."""
        if self._background_started:
            return
        self._background_started = True
        self.keep_long_lived()
        self.refresh_figures()
        tag_picker.build_ahead(self)
        self.read_tag_choices()
        if not self.background:
            return
        if self.demo_outbox is None:
            self._start_sync()
        self._run_sender(self.stops.new())
        self.set_interval(POLL_SECONDS, self._poll)

    def on_unmount(self) -> None:
        # The loops end, so the thread pool (which Python waits for at exit) can shut down.
        self.stops.set_all()
        self.store_watch.close()
        gc.unfreeze()  # what lived as long as the app can go with it
        self.collector.stop()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.collector.input_seen()
        await super().on_event(event)

    def keep_long_lived(self) -> None:
        """What exists now lives as long as the app: the modules, the screens built so far and
        their widgets. Frozen, the garbage collector's full passes no longer walk it all again,
        as they did every few hundred keys (40-80 ms each at 100,000 conversations: the
        slowest steps of `j`). Called once the queue is on screen and once the conversation
        screen is built; given back when the app ends."""
        gc.freeze()

    # -- background workers ---------------------------------------------------------------

    def _start_sync(self) -> None:
        if self._sync_stop is not None:
            self._sync_stop.set()
        self._sync_stop = self.stops.new()
        self._run_sync(self._sync_stop)

    @work(thread=True, exit_on_error=False, group="sync", name="sync")
    def _run_sync(self, stop: threading.Event) -> None:
        def report(state: bg.SyncState) -> None:
            self.post_message(SyncChanged(state))

        bg.sync_forever(self.db_path, self.config, stop, report, self.now)

    def _transport(self) -> Transport:
        from mail.send import account_transport, demo_transport

        if self.demo_outbox is not None:
            return demo_transport(self.demo_outbox)
        return account_transport(self.config)

    @work(thread=True, exit_on_error=False, group="sender", name="sender")
    def _run_sender(self, stop: threading.Event) -> None:
        bg.send_forever(
            self.db_path,
            self.config,
            self._transport,
            stop,
            self._report_outbox,
            self.now,
        )

    def _report_outbox(self, report: bg.OutboxReport) -> None:
        self.post_message(OutboxFlushed(report))

    @work(thread=True, exit_on_error=False, group="sender", name="flush")
    def action_flush_outbox(self) -> None:
        """Sends what is due now, once (the palette's command; tests use it too)."""
        from mail.send import Sender

        transport = self._transport()
        try:
            with self.backend.store() as store:
                sender = Sender(store, self.config, transport, now=self.now)
                bg.flush_once(sender, self._report_outbox)
        finally:
            transport.close()
        self.call_from_thread(self.store_changed)

    def _poll(self) -> None:
        self._check_store()

    @work(thread=True, exclusive=True, exit_on_error=False, group="poll", name="poll")
    def _check_store(self) -> None:
        if self.store_watch.look(self.backend.store) and not get_current_worker().is_cancelled:
            self.call_from_thread(self.store_changed)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        notify_failure(self, event)

    # -- what the workers say -------------------------------------------------------------

    @on(SyncChanged)
    def _sync_changed(self, event: SyncChanged) -> None:
        state = event.state
        before = self.status.sync
        self.status = dataclasses.replace(self.status, sync=state)
        if state.kind == bg.ERROR and (before.kind, before.detail) != (state.kind, state.detail):
            self.notify(
                clean_line(state.detail), title="Sync failed", severity="error", markup=False
            )
        elif state.kind == bg.OFFLINE:
            self.notify(
                f"Offline: {clean_line(state.detail)}. Working on what the store holds.",
                severity="warning",
                timeout=8,
                markup=False,
            )
        if state.stored:
            self.store_changed()

    @on(OutboxFlushed)
    def _outbox_flushed(self, event: OutboxFlushed) -> None:
        report = event.report
        if report.unavailable:
            self.status = dataclasses.replace(self.status, send_unavailable=report.unavailable)
            return
        if report.sent:
            where = f" (to {self.demo_outbox})" if self.demo_outbox is not None else ""
            self.notify(
                f"{report.sent} repl{'y' if report.sent == 1 else 'ies'} sent{where}",
                timeout=4,
                markup=False,
            )
        for error in report.errors:
            self.notify(clean_line(error), title="Sending failed", severity="error", markup=False)
        self.store_changed()

    # -- telling the screens --------------------------------------------------------------

    def store_changed(
        self, kind: str = "", source: Screen[Any] | None = None, figures: Figures | None = None
    ) -> None:
        """Every screen reloads what it shows (but `source`, the screen that made the change:
        it does what its change needs itself); the status bar shows `figures`, read after the
        change, else counts again, unless the change was of a row's details alone."""
        self.store_changes += 1
        self.read_tag_choices()
        for screen in self.screen_stack:
            if screen is not source:
                screen.post_message(StoreChanged(kind))
        if figures is not None:
            self.show_figures(figures)
        elif not rows_only({kind}):
            self.refresh_figures()

    # -- the tag picker's list, read ahead ------------------------------------------------

    def read_tag_choices(self) -> None:
        """Reads the tag picker's list again (after each change: a tag's count is in it), so
        that `t` opens the picker at once, without asking the store (`kept_tag_choices`)."""
        self._read_tag_choices(self.store_changes)

    @work(thread=True, exclusive=True, exit_on_error=False, group="tag-choices")
    def _read_tag_choices(self, changes: int) -> None:
        try:
            choices = self.backend.tag_choices()
        except (FrontdeskError, sqlite3.Error):
            return  # read (and reported) when `t` asks for it
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self.keep_tag_choices, changes, choices)

    def keep_tag_choices(self, changes: int, choices: list[TagChoice]) -> None:
        """Keeps the list read when the app had heard of `changes` changes to the store."""
        if changes == self.store_changes:
            self._tag_choices = (changes, choices)

    def kept_tag_choices(self) -> list[TagChoice] | None:
        """The tag picker's list, when no change was heard of since it was read."""
        kept = self._tag_choices
        return kept[1] if kept is not None and kept[0] == self.store_changes else None

    @work(thread=True, exclusive=True, exit_on_error=False, group="figures", name="figures")
    def refresh_figures(self) -> None:
        figures = self.backend.figures()
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self.show_figures, figures)

    def show_figures(self, figures: Figures) -> None:
        """The status bar's figures, unless it shows some read later (two workers' reads
        arrive in any order); less the conversations counted read on screen whose mark was
        not stored yet when these were read (`opened_unread`)."""
        if figures.read_at < self._figures_read_at:
            return
        self._figures_read_at = figures.read_at
        marked_at = self.backend.marked_at
        unmarked = sum(
            1 for opened in self._opened_unread if marked_at.get(opened, inf) > figures.read_at
        )
        status = dataclasses.replace(
            self.status,
            unread=max(0, figures.unread - unmarked),
            outbox=figures.outbox,
            failed=figures.failed,
            stored_last_sync=figures.last_sync,
        )
        if status != self.status:  # the same figures draw nothing
            self.status = status

    def opened_unread(self, conversation_id: int) -> None:
        """A conversation counted unread is on screen: one fewer at once, in the frame that
        shows it (its mark is stored after; until `marked`, figures read before the mark
        count it read too)."""
        self._opened_unread.add(conversation_id)
        self.status = dataclasses.replace(self.status, unread=max(0, self.status.unread - 1))

    def marked(self, conversation_id: int, figures: Figures) -> None:
        """Its mark is stored: `figures`, read after, count it as they find it."""
        self._opened_unread.discard(conversation_id)
        self.backend.marked_at.pop(conversation_id, None)
        self.show_figures(figures)

    # -- replies and undo -----------------------------------------------------------------

    def reply_queued(
        self,
        outbox_id: int,
        conversation_id: int,
        body: str,
        cc: str,
        *,
        handoff: HandoffPlan | None = None,
        note_id: int | None = None,
    ) -> None:
        self.last_sent = SentReply(outbox_id, conversation_id, body, cc, handoff, note_id)
        seconds = self.config.send.undo_seconds
        self.status = dataclasses.replace(self.status, undo_open=seconds > 0)
        if self._undo_timer is not None:
            self._undo_timer.stop()
        self._undo_timer = self.set_timer(max(1, seconds), self._undo_window_over)
        when = f"in {seconds} s" if seconds else "now"
        what = "Reply queued"
        if handoff is not None:
            who = clean_line(handoff.colleague.name)
            done = f"Passed to {who}" if handoff.mode == "pass" else f"Shared with {who}"
            what = f"{done}: reply{' and note' if note_id is not None else ''} queued"
        self.notify(
            f"{what}, sending {when}. Press u to undo.",
            title="Outbox",
            timeout=max(3, seconds),
            markup=False,
        )
        self.store_changed()

    def _undo_window_over(self) -> None:
        self._undo_timer = None
        self.status = dataclasses.replace(self.status, undo_open=False)

    def action_undo_send(self) -> None:
        sent = self.last_sent
        if sent is None:
            self.notify("Nothing to undo", timeout=2)
            return
        self._undo(sent)

    @work(thread=True, exit_on_error=False, group="undo")
    def _undo(self, sent: SentReply) -> None:
        if sent.handoff is not None:
            ids = [sent.outbox_id] if sent.note_id is None else [sent.outbox_id, sent.note_id]
            undone = self.backend.undo_handoff(ids, sent.conversation_id, sent.body, sent.cc)
        else:
            undone = self.backend.undo_send(
                sent.outbox_id, sent.conversation_id, sent.body, sent.cc
            )
        self.call_from_thread(self._undone, sent, undone)

    def _undone(self, sent: SentReply, undone: bool) -> None:
        from tui.screens.conversation import ConversationScreen

        if not undone:
            self.notify("Too late to undo: the reply has left", severity="warning")
            return
        self.last_sent = None
        self._undo_window_over()
        if sent.handoff is not None:
            self.notify("Undone: the handoff is back in your draft, nothing sent", timeout=4)
        else:
            self.notify("Undone: the reply is back in your draft", timeout=4)
        for screen in self.screen_stack:
            if not isinstance(screen, ConversationScreen):
                continue
            if sent.handoff is not None:
                screen.restore_handoff(sent.conversation_id, sent.body, sent.handoff)
            else:
                screen.restore_draft(sent.conversation_id, sent.body, sent.cc)
        self.store_changed()

    # -- app actions ----------------------------------------------------------------------

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        title = screen.sub_title or type(screen).__name__.removesuffix("Screen")
        self.push_screen(HelpScreen(screen, title))

    def action_sync_now(self) -> None:
        if self.demo_outbox is not None or not self.background:
            self.notify("Nothing to sync: no mailbox is connected", timeout=3)
            return
        self._start_sync()

    def action_show_demo_outbox(self) -> None:
        self.notify(f"Demo replies go to {self.demo_outbox}", timeout=8, markup=False)

    def action_open_reports(self) -> None:
        from tui.screens.reports import ReportsScreen

        if not isinstance(self.screen, ReportsScreen):
            self.push_screen(ReportsScreen())

    def go_to_queue(self, queue: QueueKey) -> None:
        screen = self.back_to_queue()
        if screen is not None:
            screen.switch_to(queue)

    def back_to_queue(self) -> QueueScreen | None:
        """Leaves every screen above the queue, each as its own Esc would (a conversation keeps
        its draft and journals its composer time), and returns the queue."""
        from tui.screens.conversation import ConversationScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, QueueScreen):
            if isinstance(self.screen, ConversationScreen):
                self.screen.dismiss_to_queue()
            else:
                self.pop_screen()
        return self.screen if isinstance(self.screen, QueueScreen) else None


def run_app(db_path: Path, config: Config, *, demo_outbox: Path | None = None) -> None:
    """Runs the app on the store at `db_path` until the user quits. With `demo_outbox`, it is
    the demo: no account, no network; replies are appended to that mbox file."""
    FrontdeskApp(db_path, config, demo_outbox=demo_outbox).run()
