"""A small picker: a list of choices, and optionally a line to type one that is not listed
(a snooze date, a new tag). Used for snooze, assign and tag."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from storage.errors import FrontdeskError

Typed = Callable[[str], tuple[str, Any] | None]


class ChoiceScreen(ModalScreen[Any]):
    """Dismisses with the chosen value, or None when cancelled."""

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical {
        width: 60; max-width: 95%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ChoiceScreen #choice-title { text-style: bold; margin-bottom: 1; }
    ChoiceScreen OptionList { height: auto; max-height: 14; border: none; padding: 0; }
    ChoiceScreen #choice-error { color: $error; height: auto; }
    ChoiceScreen #choice-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choice_cancel", tooltip="Choose nothing"),
        Binding("down", "move(1)", show=False, priority=True),
        Binding("up", "move(-1)", show=False, priority=True),
    ]

    def __init__(
        self,
        title: str,
        options: Sequence[tuple[Text | str, Any]],
        *,
        typed: Typed | None = None,
        placeholder: str = "",
        hint: str = "",
        filter_options: bool = False,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.options = list(options)
        self.typed = typed
        self.placeholder = placeholder
        self.hint = hint
        self.filter_options = filter_options
        self._values: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), id="choice-title")
            if self.typed is not None:
                yield Input(placeholder=self.placeholder, id="choice-input")
                yield Static("", id="choice-error")
            yield OptionList(id="choice-list")
            if self.hint:
                yield Static(Text(self.hint), id="choice-hint")

    def on_mount(self) -> None:
        self._fill("")
        if self.typed is None:
            self.query_one(OptionList).focus()

    def _fill(self, text: str) -> None:
        listing = self.query_one(OptionList)
        listing.clear_options()
        self._values.clear()
        error = ""
        prompts: list[Option] = []
        if text.strip() and self.typed is not None:
            try:
                extra = self.typed(text)
            except FrontdeskError as exc:
                extra, error = None, str(exc)
            if extra is not None:
                prompts.append(self._option("typed", extra[0], extra[1]))
        needle = text.strip().lower()
        for index, (label, value) in enumerate(self.options):
            plain = label.plain if isinstance(label, Text) else label
            if self.filter_options and needle and needle not in plain.lower():
                continue
            prompts.append(self._option(f"o{index}", label, value))
        listing.add_options(prompts)
        if prompts:
            listing.highlighted = 0
        if self.typed is not None:
            self.query_one("#choice-error", Static).update(Text(error))

    def _option(self, key: str, label: Text | str, value: Any) -> Option:
        self._values[key] = value
        return Option(label if isinstance(label, Text) else Text(label), id=key)

    @on(Input.Changed, "#choice-input")
    def _typed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#choice-input")
    def _submitted(self) -> None:
        listing = self.query_one(OptionList)
        if listing.highlighted is not None:
            self._choose(listing.get_option_at_index(listing.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, key: str | None) -> None:
        if key is not None and key in self._values:
            self.dismiss(self._values[key])

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            current = listing.highlighted if listing.highlighted is not None else -1
            listing.highlighted = max(0, min(listing.option_count - 1, current + step))

    def action_cancel(self) -> None:
        self.dismiss(None)
