"""`/`: type a search; operators narrow it. The results open as a queue on the queue screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from storage.queues import QueryError, parse_query

HELP = (
    'words, "exact phrases", prefix*, OR, NOT, and operators:\n'
    "from:ann  to:billing@  tag:bug  tier:vip  is:open|pending|closed|snoozed|unread\n"
    "before:2026-11-01  after:7d (also today, yesterday, 2w)"
)


class SearchScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    SearchScreen { align: center top; }
    SearchScreen > Vertical {
        width: 100%; height: auto; background: $surface; border-bottom: solid $accent;
        padding: 0 1;
    }
    SearchScreen #search-error { color: $error; height: auto; }
    SearchScreen #search-help { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="search_cancel", tooltip="No search")
    ]

    def __init__(self, now: Callable[[], datetime], initial: str = "") -> None:
        super().__init__()
        self.now = now
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(self.initial, placeholder="Search…", id="search-input")
            yield Static("", id="search-error")
            yield Static(Text(HELP), id="search-help")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            query = parse_query(event.value, now=self.now())
        except QueryError as exc:
            self.query_one("#search-error", Static).update(Text(str(exc)))
            return
        if query.is_empty():
            self.query_one("#search-error", Static).update(
                Text("type words to find, or operators like tag:bug is:open")
            )
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
