"""`?`: every key of the screen it was opened on, generated from the bindings themselves
(so a remapped key shows as remapped), with the id to remap it by in the config's `[keys]`."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static


def described_bindings(screen: Screen[Any]) -> list[tuple[str, ActiveBinding]]:
    """(keys shown, binding) for the active bindings worth listing: those with a description,
    in the order of the screen's chain (focused widget, screen, app)."""
    seen: set[tuple[str, str]] = set()
    found: list[tuple[str, ActiveBinding]] = []
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or binding.system:
            continue
        marker = (binding.action, binding.description)
        shown = screen.app.get_key_display(binding)
        if marker in seen:
            # One intent on several keys (x and space): one line with both.
            for index, (keys, earlier) in enumerate(found):
                same = (earlier.binding.action, earlier.binding.description) == marker
                if same and shown not in keys:
                    found[index] = (f"{keys}, {shown}", earlier)
            continue
        seen.add(marker)
        found.append((shown, active))
    # Ours first (they have ids, and are what the user came for); the widgets' own after.
    return sorted(found, key=lambda item: item[1].binding.id is None)


def _legend() -> Text:
    text = Text("Marks: ", style="bold")
    for mark, style, meaning in (
        ("✓", "bold #e5c07b", "selected"),
        ("●", "bold #61afef", "unread"),
        ("RISK", "bold white on #e06c75", "customer may leave"),
        ("$", "bold #98c379", "sales signal"),
        ("⇢", "#c678dd", "handed off"),
        ("✎", "#d19a66", "draft"),
        ("!", "bold #e06c75", "unparsed mail"),
        ("⏾", "#c678dd", "snoozed"),
    ):
        text.append(mark, style=style)
        text.append(f" {meaning}  ")
    return text


LEGEND = _legend()


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90; max-width: 100%; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    HelpScreen #help-title { text-style: bold; }
    HelpScreen DataTable { height: 1fr; }
    HelpScreen #help-footer { color: $text-muted; }
    HelpScreen #help-legend { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help_close", tooltip="Close help"),
    ]

    def __init__(self, screen: Screen[Any], title: str) -> None:
        super().__init__()
        self.for_screen = screen
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Keys: {self.title_text}"), id="help-title")
            table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
            width = max(20, min(88, self.app.size.width) - 2 - 12 - 22 - 8)
            # Labels as Text: a plain str label is markup, and "[keys]" would vanish.
            table.add_column(Text("Key"), key="key", width=12)
            table.add_column(Text("What it does"), key="what", width=width)
            table.add_column(Text("Id in [keys]"), key="id", width=22)
            for shown, active in described_bindings(self.for_screen):
                binding = active.binding
                table.add_row(
                    Text(shown, style="bold #e5c07b", no_wrap=True, overflow="ellipsis"),
                    Text(binding.tooltip or binding.description, overflow="ellipsis"),
                    Text(binding.id or "", style="dim"),
                )
            yield table
            yield Static(LEGEND, id="help-legend")
            yield Static(
                Text('Remap in config.toml, e.g. [keys] close = "d". Esc closes.'),
                id="help-footer",
            )

    def action_close(self) -> None:
        self.dismiss(None)
