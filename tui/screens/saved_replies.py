"""The saved-reply picker (ctrl+r in the composer): type to filter by name or text, see the
reply as this customer will read it, Enter puts it at the cursor. Best fit first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.fuzzy import FuzzySearch
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from mail import templates
from mail.replies import Ranked
from mail.sanitize import clean_line, clean_text
from storage.models import Status
from storage.replies import SavedReply
from tui.bindings import SAVED_REPLY_PICKER

# A name that matches counts this much more than a body that holds the words.
NAME_WEIGHT = 2.0
MANAGE = "manage"  # what the picker returns when the agent asked for the manager
_HIT = "bold #e5c07b underline"
_PROBLEM = "bold reverse #e06c75"


@dataclass(frozen=True)
class Pick:
    reply: SavedReply
    text: str  # rendered for the conversation


@dataclass(frozen=True)
class Match:
    ranked: Ranked
    name_offsets: tuple[int, ...]


_fuzzy = FuzzySearch()


def filter_replies(ranked: Sequence[Ranked], query: str) -> list[Match]:
    """The replies matching `query`: a fuzzy match on the name (Textual's, as its command
    palette uses), or every word of it in the body. Best match first; ties keep the ranking.
    The body is matched by words, not fuzzily: a subsequence search over a whole reply costs
    a quarter of a second a keystroke."""
    needle = " ".join(query.split()).lower()
    if not needle:
        return [Match(r, ()) for r in ranked]
    words = needle.split()
    scored: list[tuple[float, int, Match]] = []
    for position, item in enumerate(ranked):
        name_score, offsets = _fuzzy.match(needle, item.reply.name)
        body = item.reply.body.lower()
        body_score = float(len(needle)) if all(w in body for w in words) else 0.0
        score = NAME_WEIGHT * name_score + body_score
        if score > 0:
            scored.append((score, position, Match(item, tuple(offsets))))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    return [match for _, _, match in scored]


def preview(reply: SavedReply, rendered: templates.Rendered) -> Text:
    """The reply as the customer will read it, with unfilled variables marked, then what
    using it does besides. `rendered` comes from `render_reply` (its text is clean)."""
    text = Text(rendered.text)
    for problem in rendered.problems:
        text.stylize(_PROBLEM, problem.start, problem.end)
    facts: list[str] = []
    if reply.tags:
        facts.append(" ".join(f"#{clean_line(tag)}" for tag in reply.tags))
    if reply.set_status == Status.CLOSED:
        facts.append("closes the conversation when sent")
    facts.append(f"used {reply.use_count} time{'s' if reply.use_count != 1 else ''}")
    text.append("\n\n")
    text.append(" · ".join(facts), style="dim")
    for problem in rendered.problems:
        text.append(f"\n⚠ {clean_line(problem.describe())}", style="#e06c75")
    return text


def render_reply(reply: SavedReply, context: templates.Context) -> templates.Rendered:
    return templates.render(clean_text(reply.body), context)


class SavedReplyPicker(ModalScreen[Pick | str | None]):
    """Dismisses with a `Pick`, with `MANAGE`, or with None when cancelled."""

    DEFAULT_CSS = """
    SavedReplyPicker { align: center middle; }
    SavedReplyPicker > Vertical {
        width: 90%; max-width: 140; height: 85%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SavedReplyPicker #picker-title { text-style: bold; }
    SavedReplyPicker #picker-filter { margin-bottom: 1; }
    SavedReplyPicker Horizontal { height: 1fr; }
    SavedReplyPicker OptionList { width: 2fr; height: 1fr; border: none; padding: 0; }
    SavedReplyPicker VerticalScroll {
        width: 3fr; height: 1fr; border-left: solid $accent; padding: 0 1;
    }
    SavedReplyPicker #picker-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *SAVED_REPLY_PICKER,
        Binding("down", "move(1)", show=False, priority=True),
        Binding("up", "move(-1)", show=False, priority=True),
    ]

    def __init__(self, ranked: Sequence[Ranked], context: templates.Context) -> None:
        super().__init__()
        self.ranked = list(ranked)
        self.context = context
        self.shown: list[Match] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Saved replies · likeliest fit first"), id="picker-title")
            yield Input(placeholder="type to filter by name or text", id="picker-filter")
            with Horizontal():
                yield OptionList(id="picker-list")
                with VerticalScroll():
                    yield Static("", id="picker-preview")
            yield Static(
                Text("enter insert · ↑↓ choose · ctrl+e manage · esc cancel"), id="picker-hint"
            )

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        self.shown = filter_replies(self.ranked, query)
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options([self._option(i, match) for i, match in enumerate(self.shown)])
        if self.shown:
            listing.highlighted = 0
        self._show_preview()

    def _option(self, index: int, match: Match) -> Option:
        reply = match.ranked.reply
        label = Text(clean_line(reply.name), no_wrap=True, overflow="ellipsis")
        for offset in match.name_offsets:
            if offset < len(label):
                label.stylize(_HIT, offset, offset + 1)
        label.append(f"  {reply.use_count}×", style="dim")
        return Option(label, id=str(index))

    def _current(self) -> Match | None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is None or not 0 <= highlighted < len(self.shown):
            return None
        return self.shown[highlighted]

    def _show_preview(self) -> None:
        current = self._current()
        shown = self.query_one("#picker-preview", Static)
        if current is None:
            empty = "No saved reply matches." if self.ranked else "No saved replies yet."
            shown.update(Text(f"{empty} ctrl+e opens the manager to write one.", style="dim"))
            return
        reply = current.ranked.reply
        shown.update(preview(reply, render_reply(reply, self.context)))

    @on(Input.Changed, "#picker-filter")
    def _typed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show_preview()

    @on(Input.Submitted, "#picker-filter")
    @on(OptionList.OptionSelected)
    def _chosen(self) -> None:
        self.action_insert()

    def action_insert(self) -> None:
        current = self._current()
        if current is None:
            return
        reply = current.ranked.reply
        self.dismiss(Pick(reply, render_reply(reply, self.context).text))

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            current = listing.highlighted if listing.highlighted is not None else -1
            listing.highlighted = max(0, min(listing.option_count - 1, current + step))

    def action_manage(self) -> None:
        self.dismiss(MANAGE)

    def action_cancel(self) -> None:
        self.dismiss(None)
