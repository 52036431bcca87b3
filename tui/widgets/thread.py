"""The thread of a conversation, newest last: older messages folded to one line each, the
latest open; quoted history folded under `f`; attachments listed under their message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.cells import cell_len
from rich.console import Group
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from storage.models import Message
from tui import render


class MessageView(Static, can_focus=True):
    DEFAULT_CSS = """
    MessageView { padding: 0 1; margin-bottom: 1; height: auto; }
    MessageView.-collapsed {
        margin-bottom: 0; height: 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    MessageView:focus { background: $boost; }
    MessageView.-ours { border-left: outer $success 50%; }
    MessageView.-theirs { border-left: outer $primary 50%; }
    """

    def __init__(self, message: Message, now: datetime, expanded: bool) -> None:
        super().__init__()
        self.message = message
        self.now = now
        self.expanded = expanded
        self.full = False
        self._line_cells: list[int] = []  # each line's width in cells, when open
        self.add_class("-ours" if message.is_ours else "-theirs")

    def on_mount(self) -> None:
        self._show()

    def present(self, message: Message, now: datetime, expanded: bool) -> None:
        """Shows another message in this view (the thread reuses its views from one
        conversation to the next rather than mounting new ones)."""
        self.message = message
        self.now = now
        self.expanded = expanded
        self.full = False
        self.set_class(message.is_ours, "-ours")
        self.set_class(not message.is_ours, "-theirs")
        self._show()

    def toggle(self) -> None:
        self.expanded = not self.expanded
        self._show()

    def toggle_full(self) -> None:
        self.full = not self.full
        self.expanded = True
        self._show()

    def _show(self) -> None:
        self.set_class(not self.expanded, "-collapsed")
        message = self.message
        if not self.expanded:
            self._line_cells = []
            self.update(render.message_summary(message, self.now))
            return
        parts: list[Text] = [render.message_heading(message, self.now), Text(""),
                             render.message_body(message, self.full)]  # fmt: skip
        for index, attachment in enumerate(message.attachments, 1):
            parts.append(
                render.attachment_line(
                    index, attachment.filename, attachment.content_type, attachment.size
                )
            )
        if message.attachments:
            parts.append(Text("  s saves them", style="dim"))
        # A line cut rather than wrapped (the heading, an attachment) counts as one cell wide.
        self._line_cells = [
            1 if part.no_wrap else cell_len(line)
            for part in parts
            for line in part.plain.rstrip("\n").split("\n")
        ]
        self.update(Group(*parts))

    def rows_at_least(self, width: int) -> int:
        """The rows it takes at the fewest in a thread `width` cells wide: its lines each cut
        into that width (wrapping at words only adds), and the margin below; one when folded."""
        if not self._line_cells:
            return 1
        return sum(max(1, -(-cells // width)) for cells in self._line_cells) + 1


class ThreadView(VerticalScroll):
    DEFAULT_CSS = """
    ThreadView { height: 1fr; padding: 0 1 0 0; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown_ids: tuple[int, ...] = ()

    async def show(self, thread: Sequence[Message], now: datetime) -> bool:
        """Shows the thread; returns False when it was already shown as is (then nothing
        moves: the reader keeps their place)."""
        ids = tuple(m.id for m in thread)
        if ids == self.shown_ids:
            return False
        self.shown_ids = ids
        open_ids = _open_at_first(thread)
        # The views already mounted show the new thread's first messages: building and styling
        # widgets is what an open costs, reading the store is not. Those left over are hidden,
        # kept for a longer thread (closing through a queue, threads of 2, 5 and 3 messages
        # mounted views and removed them at each, and laid the screen out once more for them).
        views = list(self.query(MessageView))
        for view, message in zip(views, thread, strict=False):
            view.present(message, now, message.id in open_ids)
            view.display = True
        for view in views[len(thread) :]:
            view.display = False
        more = [MessageView(m, now, m.id in open_ids) for m in thread[len(views) :]]
        if more:
            await self.mount_all(more)
        if thread:
            self.call_later(self._focus_newest)
            self._scroll_to_newest()
        return True

    def _scroll_to_newest(self) -> None:
        """The newest message in view, at the thread's end. A thread surely taller than its
        view (by the rows its messages take at the fewest) is anchored: the layout that
        places the messages scrolls it, in the frame that shows them, not one after. Another
        is scrolled after that frame, if it turns out taller: anchored, a thread shorter than
        its view would sit at the view's bottom (Textual scrolls it to a negative offset).
        The reader's first move lets go of the anchor."""
        # Taller than the whole terminal: whatever room the header, a handoff strip or the
        # composer leave it once laid out (its height now is the last conversation's). Its
        # width is the same from one conversation to the next (0 before its first layout).
        width = self.scrollable_content_region.width
        rows = sum(view.rows_at_least(width) for view in self.messages()) if width else 0
        if rows > self.app.size.height + 1:  # + the last message's margin, which may not count
            self.anchor()
        else:
            self.anchor(False)
            self.call_after_refresh(self.scroll_end, animate=False)

    def _focus_newest(self) -> None:
        # Decided when it runs: if the reader went to the composer meanwhile, stay there.
        focused = self.screen.focused
        views = self.messages()
        if views and (focused is None or focused is self or isinstance(focused, MessageView)):
            # In view already, or scrolled to with the rest (see `_scroll_to_newest`).
            self.screen.set_focus(views[-1], scroll_visible=False)

    def messages(self) -> list[MessageView]:
        """The views of the thread shown (not those kept hidden for a longer one)."""
        return [view for view in self.query(MessageView) if view.display]

    def focused_message(self) -> MessageView | None:
        """The message the keys act on; none while the thread is hidden for the next one."""
        focused = self.screen.focused
        if not self.visible:
            return None
        return focused if isinstance(focused, MessageView) else None

    def move(self, step: int) -> None:
        views = self.messages()
        if not views or not self.visible:
            return
        current = self.focused_message()
        index = views.index(current) if current in views else len(views) - 1
        target = views[max(0, min(len(views) - 1, index + step))]
        target.focus()
        target.scroll_visible(animate=False)


def _open_at_first(thread: Sequence[Message]) -> set[int]:
    """The newest message; and when it is ours, the customer's last one too (what we
    answered)."""
    if not thread:
        return set()
    opened = {thread[-1].id}
    if thread[-1].is_ours:
        theirs = [m for m in thread if not m.is_ours]
        if theirs:
            opened.add(theirs[-1].id)
    return opened
