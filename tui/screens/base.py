"""What every full screen shares: the status bar and footer, the app's backend and clock, and
worker failures turned into visible notices (one handler, as Harlequin does)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from mail.sanitize import clean_line
from storage.errors import FrontdeskError
from tui.backend import Backend, Figures
from tui.messages import rows_only
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.app import FrontdeskApp


def notify_failure(node: DOMNode, event: Worker.StateChanged) -> None:
    """A worker that failed says why, in a notice: never a crash, never silence."""
    if event.state != WorkerState.ERROR:
        return
    error = event.worker.error
    if isinstance(error, FrontdeskError):
        reason = str(error)
    else:
        reason = f"{type(error).__name__}: {error}"
        node.log.error(f"worker {event.worker.name} failed", error)
    node.app.notify(
        clean_line(reason), title="That did not work", severity="error", timeout=8, markup=False
    )


class FrontdeskScreen(Screen[None]):
    class Changed(Message):
        """A change this screen asked for is done: say so, and show its effect (with the
        status bar's figures as they are after it, unless it could not change them)."""

        def __init__(self, notice: str, kind: str, figures: Figures | None = None) -> None:
            super().__init__()
            self.notice = notice
            self.kind = kind
            self.figures = figures

    @property
    def frontdesk(self) -> FrontdeskApp:
        return cast("FrontdeskApp", self.app)

    @property
    def backend(self) -> Backend:
        return self.frontdesk.backend

    def now(self) -> datetime:
        return self.frontdesk.now()

    def compose_bars(self) -> ComposeResult:
        yield StatusBar()
        yield Footer()

    @on(events.ScreenResume)
    def _status_catch_up(self) -> None:
        for bar in self.query(StatusBar):
            bar.catch_up()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        notify_failure(self, event)

    @work(thread=True, exit_on_error=False, group="change")
    def change(self, do: Callable[[Backend], Any], notice: str, kind: str = "") -> None:
        """Runs one change to the store off the UI thread, then reports it back."""
        do(self.backend)
        # Read here, after the change, rather than by a worker of its own afterwards: the
        # status bar changes with the notice, in the same frame.
        figures = None if rows_only({kind}) else self.backend.figures()
        self.post_message(self.Changed(notice, kind, figures))

    def change_shown(self, do: Callable[[Backend], Any], notice: str, kind: str) -> None:
        """A change the screen shows already (a close that moved on, a tag on its row): its
        notice comes with it, in the same frame, not when the store has it; one that fails
        says so then, and the screen takes it back."""
        self.notify(notice, timeout=3, markup=False)
        self.change(do, "", kind)

    @on(Changed)
    def _changed(self, event: Changed) -> None:
        if event.notice:
            self.notify(event.notice, timeout=3, markup=False)
        self.frontdesk.store_changed(event.kind, source=self, figures=event.figures)
        self.after_change(event.kind)

    def after_change(self, kind: str) -> None:
        """What this screen does once its change is in the store (reload, move on…): the other
        screens are told the store changed, this one is not."""
