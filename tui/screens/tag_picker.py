"""`t`: every tag at once (categories with their owners, then modifiers, then the others by
use), filtered as you type; toggle several, create a new one only on confirm, then apply to
the conversations at hand. Also the prompt before closing untagged conversations."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from mail.sanitize import clean_line
from storage.errors import FrontdeskError
from storage.work import normalize_tag
from tui.backend import TagChoice
from tui.widgets.footer import KeysFooter

CATEGORY, MODIFIER, OTHER = "category", "modifier", "other"
ON, OFF, PARTIAL = "on", "off", "partial"
_MARKS = {ON: ("[x]", "bold #98c379"), OFF: ("[ ]", "dim"), PARTIAL: ("[-]", "#e5c07b")}
# The picker's own lines: keys no tag can have (a tag never starts with a space).
_CREATE, _CLOSE_UNTAGGED = " create", " close-untagged"


@dataclass(frozen=True)
class TagChanges:
    """What the picker asks for: tags to put on every target, tags to take off every one."""

    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)


@dataclass(frozen=True)
class TagFilter:
    """Show the conversations carrying this tag instead."""

    name: str


def states_for(name: str, tags_by_target: Sequence[Sequence[str]]) -> str:
    """On when every target has the tag, off when none has, partial in between."""
    having = sum(1 for tags in tags_by_target if name in tags)
    if having == 0:
        return OFF
    return ON if having == len(tags_by_target) else PARTIAL


class TagPickerScreen(ModalScreen[TagChanges | TagFilter | None]):
    """Dismisses with the changes (empty when applied without any), a `TagFilter`, or None
    when cancelled. In `closing` mode the list shows the categories and applying closes."""

    DEFAULT_CSS = """
    TagPickerScreen { align: center middle; }
    TagPickerScreen > Vertical {
        width: 64; max-width: 95%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    TagPickerScreen #picker-title { text-style: bold; }
    TagPickerScreen #picker-why { color: $text-muted; }
    TagPickerScreen Input, TagPickerScreen Input:focus {
        border: none; height: 1; padding: 0 1; margin: 1 0 0 0; background: $boost;
    }
    TagPickerScreen OptionList { height: auto; max-height: 16; border: none; padding: 0; }
    TagPickerScreen #picker-error { color: $error; height: auto; }
    TagPickerScreen #picker-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", id="tags_apply", tooltip="Apply the changes"),
        Binding("escape", "cancel", "Cancel", id="tags_cancel", tooltip="Change nothing"),
        Binding(
            "ctrl+f",
            "filter_queue",
            "Show these",
            id="tags_filter",
            tooltip="Show the conversations with the highlighted tag",
        ),
        Binding("space", "space", show=False, priority=True),
        Binding("down", "move(1)", show=False, priority=True),
        Binding("up", "move(-1)", show=False, priority=True),
    ]

    def __init__(
        self,
        title: str,
        choices: Sequence[TagChoice],
        states: Mapping[str, str],
        *,
        closing: bool = False,
    ) -> None:
        super().__init__()
        self._shown: list[str] = []  # option ids in list order: tag names or the extra lines
        self.show(title, choices, states, closing=closing)

    def show(
        self,
        title: str,
        choices: Sequence[TagChoice],
        states: Mapping[str, str],
        *,
        closing: bool = False,
    ) -> None:
        """What the picker offers, and for which conversations: at first, and each time it is
        filled again for others (see `open_tag_picker`)."""
        self.title_text = title
        self.choices = list(choices)
        self.initial = {c.name: states.get(c.name, OFF) for c in self.choices}
        self.states = dict(self.initial)
        self.closing = closing
        self._typed = ""
        if self.is_mounted:
            self._refill()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("", id="picker-title")
            yield Static(
                Text("Untagged conversations are lost feedback: pick what it was."),
                id="picker-why",
            )
            yield _Filter(placeholder="type to filter, or a new tag's name", id="picker-filter")
            yield Static("", id="picker-error")
            yield OptionList(id="picker-list")
            yield Static("", id="picker-hint")
        yield KeysFooter()  # not rebuilt on every focus change

    def on_mount(self) -> None:
        self._refill()

    def _refill(self) -> None:
        self.query_one("#picker-title", Static).update(Text(self.title_text))
        self.query_one("#picker-why", Static).display = self.closing
        with self.filter_input.prevent(Input.Changed):
            self.filter_input.value = ""
        self._fill()
        self._show_hint()
        self.filter_input.focus()

    # -- the list ---------------------------------------------------------------------------

    @property
    def filter_input(self) -> Input:
        return self.query_one("#picker-filter", Input)

    def _fill(self, keep: str | None = None) -> None:
        listing = self.query_one(OptionList)
        needle = " ".join(self._typed.split()).lower()
        shown = [
            c
            for c in self.choices
            if (needle in c.name if needle else not self.closing or c.kind == CATEGORY)
        ]
        if needle:  # the exact name first, then the others in their usual order
            shown.sort(key=lambda c: c.name != needle)
        options = [self._tag_option(c) for c in shown]
        self._shown = [c.name for c in shown]
        error = ""
        if needle and needle not in {c.name for c in self.choices}:
            try:
                name = normalize_tag(needle)
            except FrontdeskError as exc:
                error = str(exc)
            else:
                label = Text("+ Create tag ")
                label.append(f"'{clean_line(name)}'", style="bold")
                options.append(Option(label, id=_CREATE))
                self._shown.append(_CREATE)
        if self.closing and not needle:
            options.append(Option(Text("Close without a tag", style="italic"), id=_CLOSE_UNTAGGED))
            self._shown.append(_CLOSE_UNTAGGED)
        listing.clear_options()
        listing.add_options(options)
        if self._shown:
            listing.highlighted = self._shown.index(keep) if keep in self._shown else 0
        shown_error = self.query_one("#picker-error", Static)
        shown_error.update(Text(error))
        shown_error.display = bool(error)

    def _tag_option(self, choice: TagChoice) -> Option:
        mark, style = _MARKS[self.states[choice.name]]
        label = Text(no_wrap=True, overflow="ellipsis")
        label.append(mark, style=style)
        label.append(f" {clean_line(choice.name)}")
        if choice.kind == CATEGORY and choice.owner:
            label.append(f"  {clean_line(choice.owner)}", style="dim")
        elif choice.kind == MODIFIER:
            label.append("  modifier", style="dim italic")
        if choice.total_count:
            label.append(f"  {choice.total_count}", style="dim")
        return Option(label, id=choice.name)

    def _show_hint(self) -> None:
        changes = self.changes()
        parts = ["enter toggles", "ctrl+s " + ("closes" if self.closing else "applies")]
        if changes:
            parts.append(f"{len(changes.add)} to add, {len(changes.remove)} to take off")
        self.query_one("#picker-hint", Static).update(Text(" · ".join(parts)))

    def _highlighted(self) -> str | None:
        index = self.query_one(OptionList).highlighted
        return self._shown[index] if index is not None and index < len(self._shown) else None

    # -- choosing ---------------------------------------------------------------------------

    def changes(self) -> TagChanges:
        add = [n for n, s in self.states.items() if s == ON and self.initial[n] != ON]
        remove = [n for n, s in self.states.items() if s == OFF and self.initial[n] != OFF]
        return TagChanges(tuple(add), tuple(remove))

    def toggle(self, key: str) -> None:
        if key == _CLOSE_UNTAGGED:
            self.dismiss(TagChanges())
            return
        if key == _CREATE:
            name = normalize_tag(self._typed)
            self.choices.append(TagChoice(name, None, OTHER, 0))
            self.initial[name] = OFF
            self.states[name] = ON
            key = name
        else:
            # on → off → (partial again, where it started partial) → on
            current = self.states[key]
            if current == ON:
                self.states[key] = OFF
            elif current == OFF and self.initial[key] == PARTIAL:
                self.states[key] = PARTIAL
            else:
                self.states[key] = ON
        self._typed = ""
        with self.filter_input.prevent(Input.Changed):
            self.filter_input.value = ""
        self._fill(keep=key)
        self._show_hint()

    @on(Input.Changed, "#picker-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._typed = event.value
        self._fill()

    @on(Input.Submitted, "#picker-filter")
    def _submitted(self) -> None:
        key = self._highlighted()
        if key is not None:
            self.toggle(key)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.toggle(event.option.id)

    def action_space(self) -> None:
        """Space toggles the highlighted tag, except inside a name being typed (a tag never
        starts with a space, so a space on an empty line has no other meaning)."""
        if self._typed.strip():
            self.filter_input.insert_text_at_cursor(" ")
            return
        key = self._highlighted()
        if key is not None:
            self.toggle(key)

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            current = listing.highlighted if listing.highlighted is not None else -1
            listing.highlighted = max(0, min(listing.option_count - 1, current + step))

    def action_apply(self) -> None:
        self.dismiss(self.changes())

    def action_filter_queue(self) -> None:
        key = self._highlighted()
        if key is not None and key not in (_CREATE, _CLOSE_UNTAGGED):
            self.dismiss(TagFilter(key))

    def action_cancel(self) -> None:
        self.dismiss(None)


_INSTALLED = "tag-picker"


class _Filter(Input):
    """The picker's filter, which leaves space to the picker's binding (`action_space`): an
    Input that may take a key has Textual drop every binding of that key, priority ones too,
    so space typed into the filter and never toggled a tag."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return key != "space" and super().check_consume_key(key, character)


def build_ahead(app: App[Any]) -> None:
    """Builds the picker before its first `t`, off screen: composing and styling a dialog
    shown for the first time took ~80 ms of that key. Textual's `install_screen` says it
    mounts the screen it installs; in the pinned Textual (8.2.8) it only records it, and a
    screen is composed when first pushed, so it is started here as a push would start it."""
    if not app.is_screen_installed(_INSTALLED):
        app.install_screen(TagPickerScreen("", [], {}), _INSTALLED)
        picker, _ = app._get_screen(_INSTALLED)  # starts it: composed and mounted, not shown
        # Sized as the screen it will cover, as a push would: its breakpoint class (-wide,
        # -narrow) and its layout are then ready for the first `t`, which restyled and laid
        # it out again (its first `t` took 54-86 ms in the bench, the others ~21).
        picker.post_message(events.Resize(app.size, app.size))


def open_tag_picker(
    app: App[Any],
    title: str,
    choices: Sequence[TagChoice],
    states: Mapping[str, str],
    *,
    closing: bool,
    then: Callable[[TagChanges | TagFilter | None], None],
) -> None:
    """Shows the picker, built once for the app and filled again at each `t` (composing the
    dialog and styling its widgets was most of what `t` cost, and its footer two frames more),
    and calls `then` with what it was dismissed with."""
    kept = app.get_screen(_INSTALLED) if app.is_screen_installed(_INSTALLED) else None
    if isinstance(kept, TagPickerScreen) and kept not in app.screen_stack:
        kept.show(title, choices, states, closing=closing)
        picker = kept
    else:  # the first, or one over another still open
        picker = TagPickerScreen(title, choices, states, closing=closing)
        if kept is None:
            app.install_screen(picker, _INSTALLED)
    app.push_screen(picker, then)
