"""Messages that cross screens: what the background workers (sync, sender, store watch) tell
the app, and what the app tells every screen. Screen-local messages live in their screen."""

from __future__ import annotations

from textual.message import Message

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


class StoreChanged(Message):
    """What the store holds changed (new mail, a reply sent, a change by another process):
    screens reload what they show, keeping the cursor where it is."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StoreChanged)
