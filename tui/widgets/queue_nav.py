"""The queues with their live counts: a side panel when the terminal is wide, a one-line tab
bar (scrolled to keep the current queue in view) at 80 columns."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from mail.sanitize import clean_line
from storage.queues import QUEUES, QueueKey
from tui.render import RED, fit

SHORT_TITLES = {
    QueueKey.NEEDS_REPLY: "Reply",
    QueueKey.UNASSIGNED: "Unassigned",
    QueueKey.SALES: "Sales",
    QueueKey.HANDED_OFF: "Handed off",
}


class QueueNav(Static):
    """Which queue is shown, and how many conversations each holds."""

    counts: reactive[dict[QueueKey, int]] = reactive(dict, always_update=True)
    current: reactive[QueueKey] = reactive(QueueKey.NEEDS_REPLY)
    search: reactive[str | None] = reactive(None)
    search_count: reactive[int] = reactive(0)

    def __init__(self, *, vertical: bool, id: str | None = None) -> None:
        super().__init__(id=id)
        self.vertical = vertical

    def render(self) -> Text:
        return self._sidebar() if self.vertical else self._tabs()

    def _count(self, key: QueueKey) -> str:
        return str(self.counts[key]) if key in self.counts else "…"

    @staticmethod
    def _style(key: QueueKey, count: str, active: bool) -> str:
        """Bold when current; dim when empty; a customer at risk of leaving stands out."""
        if key == QueueKey.AT_RISK and count not in ("0", "…"):
            return f"bold {RED} reverse" if active else f"bold {RED}"
        if active:
            return "bold reverse"
        return "" if count not in ("0", "…") else "dim"

    def _sidebar(self) -> Text:
        width = max(10, self.size.width)
        text = Text(no_wrap=True, end="")
        if self.search is not None:
            label = fit(f"/ {clean_line(self.search)}", width - 6)
            text.append(
                f"{label:<{width - 5}}{self.search_count:>4} \n", style="bold reverse #61afef"
            )
        for number, queue in enumerate(QUEUES, 1):
            key = str(number) if number <= 9 else " "
            count = self._count(queue.key)
            label = f"{key} {queue.title}"
            # Room for the count as it is (100000 takes six cells), the label cut to the rest.
            room = max(4, len(count))
            line = f"{fit(label, width - room - 2):<{width - room - 1}}{count:>{room}} "
            active = self.search is None and queue.key == self.current
            text.append(line, style=self._style(queue.key, count, active))
            text.append("\n")
        text.append("\n g+letter · / search", style="dim")
        return text

    def _tabs(self) -> Text:
        width = max(10, self.size.width)
        segments: list[tuple[str, str]] = []
        current = 0
        if self.search is not None:
            label = fit(f" / {clean_line(self.search)} {self.search_count} ", width // 2)
            segments.append((label, "bold reverse #61afef"))
        for queue in QUEUES:
            title = SHORT_TITLES.get(queue.key, queue.title)
            active = self.search is None and queue.key == self.current
            if active:
                current = len(segments)
            count = self._count(queue.key)
            segments.append((f" {title} {count} ", self._style(queue.key, count, active)))
        start, end = _window([len(label) for label, _ in segments], current, width - 2)
        text = Text(no_wrap=True, end="")
        text.append("‹" if start > 0 else " ", style="dim")
        for label, style in segments[start:end]:
            text.append(label, style=style)
        used = sum(len(label) for label, _ in segments[start:end])
        text.append(" " * max(0, width - 2 - used))
        text.append("›" if end < len(segments) else " ", style="dim")
        return text


def _window(widths: list[int], current: int, room: int) -> tuple[int, int]:
    """The run of segments shown: from the first one when `current` fits that way (the bar
    stays still), else starting late enough to show `current`; then as many as fit."""
    start = 0
    while start < current and sum(widths[start : current + 1]) > room:
        start += 1
    end = current + 1
    used = sum(widths[start:end])
    while end < len(widths) and used + widths[end] <= room:
        used += widths[end]
        end += 1
    return start, end
