"""The queue (home screen): the conversations of one queue in priority order, the queues
with live counts, bulk selection, search results as a queue. New mail leaves the cursor on
the conversation it was on."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from storage.queues import QUEUES, QueueKey, QueueRow, spec
from tui.backend import HandoffPlan, QueueView
from tui.bindings import QUEUE
from tui.messages import StoreChanged
from tui.screens.work import WorkScreen
from tui.widgets.queue_nav import QueueNav
from tui.widgets.queue_table import QueueTable


class QueueScreen(WorkScreen):
    CSS_PATH = "queue.tcss"
    BINDINGS = QUEUE

    class Loaded(Message):
        def __init__(self, view: QueueView, queue: QueueKey, now: datetime) -> None:
            super().__init__()
            self.view = view
            self.queue = queue
            self.now = now

    def __init__(self, queue: QueueKey = QueueKey.NEEDS_REPLY) -> None:
        super().__init__()
        self.queue = queue
        self.search_text: str | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield QueueNav(vertical=False, id="tabs")
        with Horizontal():
            yield QueueNav(vertical=True, id="sidebar")
            with Vertical(id="main"):
                yield QueueTable(id="queue")
                yield Static("", id="empty")
        yield from self.compose_bars()

    @property
    def table(self) -> QueueTable:
        return self.query_one(QueueTable)

    def on_mount(self) -> None:
        self._show_queue_name()
        self.reload()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.reload()

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        self._load(self.queue, self.search_text)

    @work(thread=True, exclusive=True, group="queue-load", exit_on_error=False)
    def _load(self, queue: QueueKey, search: str | None) -> None:
        view = self.backend.queue_view(queue, search)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(view, queue, self.now()))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        if event.queue != self.queue or event.view.search != self.search_text:
            return  # an answer to a question no longer asked
        self.loaded = True
        view = event.view
        for nav in self.query(QueueNav):
            nav.counts = view.counts
            nav.search_count = len(view.rows)
        self.table.show(view.rows, event.now, self.backend.me, view.handoffs)
        empty = self.query_one("#empty", Static)
        empty.set_class(not view.rows, "-shown")
        if not view.rows:
            empty.update(Text(self._empty_words()))

    def _empty_words(self) -> str:
        if self.search_text is not None:
            return "No conversation matches. Esc leaves the search."
        if self.queue == QueueKey.NEEDS_REPLY:
            return "Nothing waits on you. Inbox zero."
        return f"No conversations in {spec(self.queue).title}."

    @on(StoreChanged)
    def _store_changed(self) -> None:
        self.reload()

    def after_change(self, kind: str) -> None:
        self.table.selected.clear()
        self.reload()

    # -- which queue ----------------------------------------------------------------------

    def _show_queue_name(self) -> None:
        for nav in self.query(QueueNav):
            nav.current = self.queue
            nav.search = self.search_text
        title = f"Search: {self.search_text}" if self.search_text else spec(self.queue).title
        self.sub_title = title

    def switch_to(self, queue: QueueKey) -> None:
        self.queue = queue
        self.search_text = None
        self.table.selected.clear()
        self.table.move_cursor(row=0, animate=False)
        self.table.rows_shown = ()
        self._show_queue_name()
        self.reload()

    def action_switch_queue(self, index: int) -> None:
        if 0 <= index < len(QUEUES):
            self.switch_to(QUEUES[index].key)

    def _step_queue(self, step: int) -> None:
        keys = [q.key for q in QUEUES]
        self.switch_to(keys[(keys.index(self.queue) + step) % len(keys)])

    def action_next_queue(self) -> None:
        self._step_queue(1)

    def action_previous_queue(self) -> None:
        self._step_queue(-1)

    def action_jump(self) -> None:
        from tui.screens.jump import JumpScreen

        def chosen(queue: QueueKey | None) -> None:
            if queue is not None:
                self.switch_to(queue)

        self.app.push_screen(JumpScreen(), chosen)

    def action_search(self) -> None:
        from tui.screens.search import SearchScreen

        def chosen(text: str | None) -> None:
            if text:
                self.search(text)

        self.app.push_screen(SearchScreen(self.now, self.search_text or ""), chosen)

    def search(self, text: str) -> None:
        self.search_text = text
        self.table.selected.clear()
        self.table.move_cursor(row=0, animate=False)
        self.table.rows_shown = ()
        self._show_queue_name()
        self.reload()

    def action_back(self) -> None:
        if self.table.selected:
            self.table.selected.clear()
            self.table.show(self.table.rows_shown, self.now(), self.backend.me)
        elif self.search_text is not None:
            self.switch_to(self.queue)

    def action_quit_app(self) -> None:
        self.app.exit()

    # -- rows -----------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_toggle_select(self) -> None:
        self.table.toggle_selected()
        self.table.action_cursor_down()

    def targets(self) -> list[int]:
        return self.table.targets()

    def target_snoozed(self) -> bool:
        rows = {row.id: row for row in self.table.rows_shown}
        return any(rows[i].snoozed_until is not None for i in self.targets() if i in rows)

    def target_tier(self) -> str | None:
        ids = self.targets()
        rows = {row.id: row for row in self.table.rows_shown}
        return rows[ids[0]].tier if ids and ids[0] in rows else None

    def edit_customer_of(self) -> int | None:
        return self.table.current_id

    def target_row(self) -> QueueRow | None:
        current = self.table.current_id
        return next((row for row in self.table.rows_shown if row.id == current), None)

    def start_handoff(self, conversation_id: int, plan: HandoffPlan) -> None:
        self.action_open(handoff=plan)

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self, reply: bool = False, handoff: HandoffPlan | None = None) -> None:
        from tui.screens.conversation import ConversationScreen

        current = self.table.current_id
        if current is None:
            return
        title = f"Search: {self.search_text}" if self.search_text else spec(self.queue).title
        self.app.push_screen(
            ConversationScreen(
                current, self.table.ids_in_order(), title, reply=reply, handoff=handoff
            )
        )

    def action_reply(self) -> None:
        self.action_open(reply=True)
