"""Messages that cross screens: what the background workers (sync, sender, store watch) tell
the app, and what the app tells every screen (and whether a screen is in sight to take it at
once). Screen-local messages live in their screen."""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.screen import Screen

from tui.background import OutboxReport, SyncState


class SyncChanged(Message):
    """The sync worker's state changed: connecting, IDLE, polling, offline, error…"""

    def __init__(self, state: SyncState) -> None:
        super().__init__()
        self.state = state

    def can_replace(self, message: Message) -> bool:
        # A sync of thousands of messages reports progress often: only the latest counts.
        return isinstance(message, SyncChanged) and message.state.kind == self.state.kind


class OutboxFlushed(Message):
    """The sender worker delivered or failed something."""

    def __init__(self, report: OutboxReport) -> None:
        super().__init__()
        self.report = report


# Changes that touch what a row shows (its tags, a draft, its unread mark), never which
# conversations a queue holds, their order, the queues' counts or the status bar's figures.
# Any other kind, and "" (new mail, another process, anything), may change all of them.
ROWS_ONLY = frozenset({"tagged", "draft", "saved_reply_used", "renamed", "deleted", "read"})


def rows_only(kinds: set[str]) -> bool:
    return kinds <= ROWS_ONLY


class StoreChanged(Message):
    """What the store holds changed (new mail, a reply sent, a change by another process or
    screen, of the `kind` a screen's change names): screens reload what they show, keeping
    the cursor where it is."""

    def __init__(self, kind: str = "") -> None:
        super().__init__()
        self.kind = kind

    def can_replace(self, message: Message) -> bool:
        # A change of any kind ("") stands for every other; others only for their own kind.
        return isinstance(message, StoreChanged) and (not self.kind or message.kind == self.kind)


def in_sight(screen: Screen[Any]) -> bool:
    """On top, or under dialogs only (which leave it in view): not under a full screen (the
    queue under a conversation), nor off the stack. What is out of sight catches up on a
    change when shown again, rather than being drawn (and its screen laid out) unseen."""
    stack = screen.app.screen_stack
    return screen in stack and all(s.is_modal for s in stack[stack.index(screen) + 1 :])
