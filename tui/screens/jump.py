"""`g`, then a letter: jump to a queue (or `g r` to the reports). Shows the letters while it
waits for one."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Static

from storage.queues import QueueKey, spec
from tui.bindings import JUMP, JUMP_LETTERS


class JumpScreen(ModalScreen[QueueKey | None]):
    DEFAULT_CSS = """
    JumpScreen { align: center bottom; background: $background 0%; }
    JumpScreen > Static {
        width: 100%; height: auto; background: $panel; border-top: solid $accent; padding: 0 1;
    }
    """
    BINDINGS = JUMP

    def compose(self) -> ComposeResult:
        text = Text("g… ", style="bold")
        for letter, queue in JUMP_LETTERS.items():
            text.append(letter, style="bold #e5c07b")
            text.append(f" {spec(queue).title}  ")
        text.append("r", style="bold #e5c07b")
        text.append(" Reports  ")
        text.append("esc", style="bold #e5c07b")
        text.append(" cancel")
        yield Static(text)

    def action_go(self, queue: str) -> None:
        self.dismiss(QueueKey(queue))

    def action_reports(self) -> None:
        from tui.screens.reports import ReportsScreen

        self.dismiss(None)
        self.app.push_screen(ReportsScreen())

    async def action_dismiss(self, result: object = None) -> None:
        self.dismiss(None)

    def on_key(self, event: events.Key) -> None:
        # Any other key ends the wait, as in vim: it is not taken as a command.
        bound = {key for key, _ in self._bindings}
        if event.key not in bound:
            event.stop()
            self.dismiss(None)
