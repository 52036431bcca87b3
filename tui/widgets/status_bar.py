"""The status bar: sync state (with the reason when offline or failing), last sync time,
outbox and unread counts. Every screen has one; all show the app's `StatusInfo`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from mail.sanitize import clean_line
from tui import background as bg
from tui.messages import in_sight


@dataclass(frozen=True)
class StatusInfo:
    sync: bg.SyncState = field(default_factory=lambda: bg.SyncState(bg.OFFLINE, "starting"))
    outbox: int = 0
    failed: int = 0
    unread: int = 0
    demo_outbox: Path | None = None
    send_unavailable: str = ""
    undo_open: bool = False  # a reply just queued can still be undone with `u`
    stored_last_sync: datetime | None = None  # from the store, when this run has not synced


_SYNC_LOOK = {
    bg.OFFLINE: ("○", "offline", "#e5c07b"),
    bg.CONNECTING: ("◌", "connecting", "#abb2bf"),
    bg.SYNCING: ("⟳", "syncing", "#61afef"),
    bg.IDLE: ("●", "connected · IDLE", "#98c379"),
    bg.POLLING: ("●", "connected · polling", "#98c379"),
    bg.ERROR: ("✕", "sync error", "bold #e06c75"),
    bg.ELSEWHERE: ("●", "synced by another frontdesk", "#98c379"),
    bg.DEMO: ("◆", "demo, no network", "#c678dd"),
}


def sync_text(info: StatusInfo) -> Text:
    mark, words, style = _SYNC_LOOK.get(info.sync.kind, ("?", info.sync.kind, ""))
    text = Text(f"{mark} {words}", style=style, no_wrap=True, overflow="ellipsis", end="")
    detail = clean_line(info.sync.detail)
    if info.sync.kind == bg.DEMO and info.demo_outbox is not None:
        detail = f"replies go to {info.demo_outbox}"
    if detail:
        text.append(f": {detail}" if info.sync.kind in (bg.OFFLINE, bg.ERROR) else f" · {detail}")
    last = info.sync.last_sync or info.stored_last_sync
    if last is not None and info.sync.kind != bg.DEMO:
        text.append(f" · last sync {last.astimezone():%d %b %H:%M}", style="dim")
    return text


def figures_text(info: StatusInfo) -> Text:
    text = Text(no_wrap=True, end="")
    if info.undo_open:
        text.append("u undoes the send", style="bold #e5c07b")
        text.append(" · ", style="dim")
    outbox_style = "bold #e06c75" if info.failed else ("#e5c07b" if info.outbox else "dim")
    text.append(f"outbox {info.outbox}", style=outbox_style)
    if info.failed:
        text.append(f" ({info.failed} failed)", style="bold #e06c75")
    if info.send_unavailable and info.outbox:
        text.append(" (cannot send)", style="bold #e06c75")
    text.append(" · ", style="dim")
    text.append(f"{info.unread} unread", style="bold #61afef" if info.unread else "dim")
    return text


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._shown: Text | None = None
        self._behind = False  # a change came while a screen covered this one's

    def on_mount(self) -> None:
        self.watch(self.app, "status", self._show)

    def _show(self, info: StatusInfo) -> None:
        # Not drawn under another screen: Textual would lay out and draw this screen, then the
        # one on top again, at each change (a close's figures, a read mark).
        self._behind = not in_sight(self.screen)
        if self._behind:
            return
        right = figures_text(info)
        left = sync_text(info)
        room = max(0, self.size.width - 2 - right.cell_len - 2)
        left.truncate(room, overflow="ellipsis")
        line = Text(no_wrap=True, end="")
        line.append_text(left)
        line.append(" " * max(2, room - left.cell_len + 2))
        line.append_text(right)
        if line != self._shown:
            self._shown = line
            self.update(line, layout=False)  # one line, whatever it says

    def catch_up(self) -> None:
        """Its screen is shown again: what changed meanwhile."""
        if self._behind:
            self._show(self.app.status)  # type: ignore[attr-defined]

    def on_resize(self) -> None:
        self._shown = None
        self._show(self.app.status)  # type: ignore[attr-defined]
