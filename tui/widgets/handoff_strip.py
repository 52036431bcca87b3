"""Above a conversation's thread: its sales signal (the words the detector matched, and the
agent's word on it, which `$` flips) and its handoffs (to whom, when, how, the note, and
whether the colleague and the customer have written since). Hidden when there is neither."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from mail.sanitize import clean_line
from storage.handoffs import SalesState
from tui import render
from tui.backend import HandoffStatus

SHOWN_HANDOFFS = 3  # the latest; `frontdesk handoffs` lists them all
_GREEN = "#98c379"
_PURPLE = "#c678dd"


def _ago(moment: datetime, now: datetime) -> str:
    shown = render.age(moment, now)
    return "just now" if shown == "now" else f"{shown} ago"


def sales_text(sales: SalesState) -> Text:
    """One line: sale or not, whose word it is, the key to change it, what was matched."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    reasons = " · ".join(clean_line(reason) for reason in sales.reasons)
    if sales.signal:
        text.append("$ sales signal", style=f"bold {_GREEN}")
        if sales.verdict is not None:
            text.append(" (your word)", style=_GREEN)
        text.append("  $: not a sale  ", style="dim")
        text.append(reasons)
    else:
        text.append("$ not a sale", style="bold")
        text.append(" (your word)")
        text.append("  $: a sale  ", style="dim")
        if reasons:
            text.append(f"the detector matched {reasons}", style="dim")
    return text


def handoff_text(status: HandoffStatus, now: datetime) -> Text:
    """One handoff, what matters first: `⇢ Passed to Pete Lindqvist 2h ago · waiting for
    Pete (follow up Tue 24 Nov) · “note” · by Dana`."""
    handoff = status.handoff
    first = clean_line(handoff.colleague).split(" ")[0]
    passed = handoff.mode == "pass"
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append("⇢ Passed to " if passed else "+ Shared by CC with ", style=_PURPLE)
    text.append(clean_line(handoff.colleague), style=f"bold {_PURPLE}")
    text.append(f" {_ago(handoff.at, now)} · ", style="dim")
    if handoff.colleague_replied_at is not None:
        text.append(f"{first} answered {_ago(handoff.colleague_replied_at, now)}", style=_GREEN)
    elif status.overdue:
        text.append(f"no reply from {first}: follow up", style=f"bold {render.RED}")
    elif handoff.current:
        local = status.follow_up_at.astimezone()
        text.append(f"waiting for {first} (follow up {local:%a %d %b})", style="#e5c07b")
    else:
        text.append("no longer with them", style="dim")
    if handoff.customer_replied_at is not None:
        ago = _ago(handoff.customer_replied_at, now)
        text.append(f" · the customer wrote {ago}", style="#61afef")
    if handoff.note:
        text.append(" · ")
        text.append(f"“{clean_line(handoff.note)}”", style="italic")
    if handoff.actor:
        text.append(f" · by {clean_line(handoff.actor)}", style="dim")
    return text


def strip_text(sales: SalesState | None, handoffs: Sequence[HandoffStatus], now: datetime) -> Text:
    lines: list[Text] = []
    if sales is not None and (sales.signal or sales.verdict is not None):
        lines.append(sales_text(sales))
    lines += [handoff_text(status, now) for status in handoffs[:SHOWN_HANDOFFS]]
    return Text("\n").join(lines)


class HandoffStrip(Static):
    DEFAULT_CSS = """
    HandoffStrip {
        height: auto; padding: 0 1; display: none; background: $panel;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    HandoffStrip.-shown { display: block; }
    """

    def show(
        self, sales: SalesState | None, handoffs: Sequence[HandoffStatus], now: datetime
    ) -> None:
        text = strip_text(sales, handoffs, now)
        self.update(text)
        self.set_class(bool(text.plain), "-shown")
