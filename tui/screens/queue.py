"""The queue (home screen): the conversations of one queue in priority order, the queues
with live counts, bulk selection, search results as a queue. New mail leaves the cursor on
the conversation it was on.

Loading asks for the queue's whole order (ids only) with the rows around the cursor, and the
counts apart; the table asks for more rows as they come into view. A long queue shown from
its top (another queue, a switch back) shows its first rows before the rest of its order is
read: Closed's 78,000 ids take 28 ms at 100,000 conversations, its first 300 a tenth of one."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from storage.queues import QUEUES, QueueKey, QueueRow, spec
from tui.backend import HandoffPlan, RowPage
from tui.bindings import QUEUE
from tui.messages import StoreChanged, in_sight, rows_only
from tui.screens.tag_picker import TagChanges
from tui.screens.work import WorkScreen
from tui.widgets.footer import KeysFooter
from tui.widgets.queue_nav import QueueNav
from tui.widgets.queue_table import Anchor, QueueTable
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.screens.conversation import ConversationScreen


HEAD_ROWS = 300  # a long queue's first rows, shown before the rest of its order


class QueueScreen(WorkScreen):
    CSS_PATH = "queue.tcss"
    BINDINGS = QUEUE

    class Loaded(Message):
        """A queue's order (or a search's results), with the rows around the cursor; only its
        first rows when `complete` is False (`Extended` brings the rest)."""

        def __init__(
            self,
            ids: list[int],
            page: RowPage,
            queue: QueueKey,
            search: str | None,
            now: datetime,
            complete: bool = True,
        ) -> None:
            super().__init__()
            self.ids = ids
            self.page = page
            self.queue = queue
            self.search = search
            self.now = now
            self.complete = complete

    class Extended(Message):
        """The whole order of a queue whose first rows are shown."""

        def __init__(self, ids: list[int], queue: QueueKey) -> None:
            super().__init__()
            self.ids = ids
            self.queue = queue

    class Counted(Message):
        """Every queue's count, asked apart: the rows do not wait on it."""

        def __init__(self, counts: dict[QueueKey, int]) -> None:
            super().__init__()
            self.counts = counts

    class RowsFetched(Message):
        """Rows the table asked for, for the order it had then (`generation`)."""

        def __init__(self, page: RowPage, generation: int) -> None:
            super().__init__()
            self.page = page
            self.generation = generation

    def __init__(self, queue: QueueKey = QueueKey.NEEDS_REPLY) -> None:
        super().__init__()
        self.queue = queue
        self.search_text: str | None = None
        self.loaded = False
        self._conversation: ConversationScreen | None = None  # built once, shown again
        self._reading = False  # a conversation is open over this screen
        self._stale: set[str] = set()  # the kinds of change made while another screen was on top
        self._extending: int | None = None  # the table's generation that shows a queue's head

    def compose(self) -> ComposeResult:
        yield QueueNav(vertical=False, id="tabs")
        with Horizontal():
            yield QueueNav(vertical=True, id="sidebar")
            with Vertical(id="main"):
                yield QueueTable(id="queue")
        yield StatusBar()
        yield KeysFooter()  # not rebuilt each time a conversation opens over it

    @property
    def table(self) -> QueueTable:
        return self.query_one(QueueTable)

    def on_mount(self) -> None:
        self._show_queue_name()
        # The first rows come first: the counts would share the two cores with them.
        self._load(self.queue, self.search_text, self.table.cursor_anchor())

    def on_screen_resume(self) -> None:
        # What changed while another screen was on top is read now, once, however many
        # changes there were: reading a conversation changes its row alone (no longer unread),
        # and which conversations an `is:unread` search finds.
        if not self.loaded:
            return
        kinds = self._stale | ({"read"} if self._reading else set())
        self._stale, self._reading = set(), False
        if kinds:
            self._catch_up(kinds)

    def _catch_up(self, kinds: set[str]) -> None:
        """Reads again what changes of these kinds can have changed: the rows in view when
        only rows changed (a search's results too: a tag or a read changes what it finds);
        else the order and the counts."""
        if not rows_only(kinds):
            self.reload()
        elif self.search_text is not None:
            self._load(self.queue, self.search_text, self.table.cursor_anchor())
        else:
            table = self.table
            top = int(table.scroll_y)
            in_view = tuple(table.ids_in_order()[top : top + table.size.height])
            self._fetch_rows(in_view, table.generation)

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        """Asks again for the order and the rows in view (never every row), and the counts."""
        self._load(self.queue, self.search_text, self.table.cursor_anchor())
        self._count()

    @work(thread=True, exclusive=True, group="queue-load", exit_on_error=False)
    def _load(self, queue: QueueKey, search: str | None, anchor: Anchor) -> None:
        worker = get_current_worker()
        if search is None and anchor.current_id is None and anchor.cursor_row == 0:
            # From the top: a long queue's first rows first, then the rest of its order.
            head = self.backend.queue_ids(queue, limit=HEAD_ROWS + 1)
            if len(head) > HEAD_ROWS:
                page = self.backend.queue_rows(anchor.wanted(head))
                if worker.is_cancelled:
                    return
                self.post_message(self.Loaded(head, page, queue, search, self.now(), False))
                ids = self.backend.queue_ids(queue)
                if not worker.is_cancelled:
                    self.post_message(self.Extended(ids, queue))
                return
            ids = head
        else:
            ids = self.backend.queue_ids(queue, search)
        if worker.is_cancelled:
            return
        page = self.backend.queue_rows(anchor.wanted(ids))
        if not worker.is_cancelled:
            self.post_message(self.Loaded(ids, page, queue, search, self.now()))

    @work(thread=True, exclusive=True, group="queue-counts", exit_on_error=False)
    def _count(self) -> None:
        counts = self.backend.queue_counts()
        if not get_current_worker().is_cancelled:
            self.post_message(self.Counted(counts))

    @on(QueueTable.RowsWanted)
    def _rows_wanted(self, event: QueueTable.RowsWanted) -> None:
        self._fetch_rows(event.conversation_ids, event.generation)

    @work(thread=True, group="queue-rows", exit_on_error=False)
    def _fetch_rows(self, conversation_ids: tuple[int, ...], generation: int) -> None:
        page = self.backend.queue_rows(conversation_ids)
        if not get_current_worker().is_cancelled:
            self.post_message(self.RowsFetched(page, generation))

    @on(RowsFetched)
    def _rows_fetched(self, event: RowsFetched) -> None:
        self.table.add_rows(event.page, event.generation)

    @on(Counted)
    def _counted(self, event: Counted) -> None:
        for nav in self.query(QueueNav):
            nav.counts = event.counts

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        if event.queue != self.queue or event.search != self.search_text:
            return  # an answer to a question no longer asked
        if not self.loaded:
            self.call_after_refresh(self._count)
        self.loaded = True
        table = self.table
        for nav in self.query(QueueNav):
            nav.search_count = len(event.ids)
        # The length a queue shown from its first rows will have: its count, as last counted
        # (when the whole order comes, the scroll bar is already right, and nothing is drawn).
        length = None if event.complete else self.query_one(QueueNav).counts.get(event.queue)
        empty = "" if event.ids else self._empty_words()
        table.show(event.ids, event.page, event.now, self.backend.me, length=length, empty=empty)
        self._extending = None if event.complete else table.generation

    @on(Extended)
    def _extended(self, event: Extended) -> None:
        table = self.table
        if event.queue != self.queue or self._extending != table.generation:
            return  # another order is shown since
        self._extending = None
        table.extend(event.ids)

    def _empty_words(self) -> str:
        if self.search_text is not None:
            return "No conversation matches. Esc leaves the search."
        if self.queue == QueueKey.NEEDS_REPLY:
            return "Nothing waits on you. Inbox zero."
        return f"No conversations in {spec(self.queue).title}."

    @on(StoreChanged)
    def _store_changed(self, event: StoreChanged) -> None:
        if in_sight(self):
            self._catch_up({event.kind})
        else:
            # Under a conversation: read once when shown again, not at each change
            # (closing ten conversations in a row would load the queue ten times meanwhile).
            self._stale.add(event.kind)

    def after_change(self, kind: str) -> None:
        self.table.clear_selection()
        self._catch_up({kind})

    # -- which queue ----------------------------------------------------------------------

    def _show_queue_name(self) -> None:
        for nav in self.query(QueueNav):
            nav.current = self.queue
            nav.search = self.search_text
        title = f"Search: {self.search_text}" if self.search_text else spec(self.queue).title
        # For the help screen's title; no header shows it, so nothing is drawn again for it
        # (set as a reactive, it repainted the whole screen at each Tab).
        self.set_reactive(Screen.sub_title, title)

    def switch_to(self, queue: QueueKey) -> None:
        self.queue = queue
        self.search_text = None
        self._show_another()

    def _show_another(self) -> None:
        """Another queue or search from its top. The counts stay: what changes them (a change
        here, new mail, the store poll) recounts with its own reload."""
        self.table.forget_position()
        self._show_queue_name()
        self._load(self.queue, self.search_text, self.table.cursor_anchor())

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
        self._show_another()

    def action_back(self) -> None:
        if self.table.selected:
            self.table.clear_selection()
        elif self.search_text is not None:
            self.switch_to(self.queue)

    def action_quit_app(self) -> None:
        self.app.exit()

    # -- rows -----------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_last_row(self) -> None:
        self.table.action_last()

    def action_half_page(self, direction: int) -> None:
        self.table.half_page(direction)

    def action_toggle_select(self) -> None:
        self.table.toggle_selected()
        self.table.action_cursor_down()

    def targets(self) -> list[int]:
        return self.table.targets()

    def target_snoozed(self) -> bool:
        rows = [self.table.row_of(i) for i in self.targets()]
        return any(row is not None and row.snoozed_until is not None for row in rows)

    def target_tier(self) -> str | None:
        ids = self.targets()
        row = self.table.row_of(ids[0]) if ids else None
        return None if row is None else row.tier

    def edit_customer_of(self) -> int | None:
        return self.table.current_id

    def shown_tags(self, ids: Sequence[int]) -> list[tuple[str, ...]] | None:
        rows = [self.table.row_of(i) for i in ids]
        return [row.tags for row in rows if row is not None] if None not in rows else None

    def closing(self, ids: Sequence[int]) -> None:
        # A queue of conversations in play loses them; a search, All or Closed may keep them.
        if self.search_text is None and spec(self.queue).in_play:
            self.table.drop(ids)

    @on(Worker.StateChanged)
    def _change_failed(self, event: Worker.StateChanged) -> None:
        # What was taken out ahead of a change that failed comes back (the notice says why).
        if event.worker.group == "change" and event.state == WorkerState.ERROR:
            self.table.keep()
            self.reload()

    def retagging(self, ids: Sequence[int], changes: TagChanges) -> None:
        taken_off, put_on = set(changes.remove), set(changes.add)
        rows = {}
        for conversation_id in ids:
            row = self.table.row_of(conversation_id)
            if row is not None:
                tags = tuple(sorted((set(row.tags) - taken_off) | put_on))
                rows[conversation_id] = dataclasses.replace(row, tags=tags)
        self.table.update_rows(rows)

    def target_row(self) -> QueueRow | None:
        return self.table.current_row

    def start_handoff(self, conversation_id: int, plan: HandoffPlan) -> None:
        self.action_open(handoff=plan)

    @on(QueueTable.Selected)
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self, reply: bool = False, handoff: HandoffPlan | None = None) -> None:
        from tui.screens.conversation import ConversationScreen

        current = self.table.current_id
        if current is None:
            return
        title = f"Search: {self.search_text}" if self.search_text else spec(self.queue).title
        ids, row_of = self.table.ids_in_order(), self.table.row_of
        screen = self._conversation
        if screen is None:
            screen = ConversationScreen(
                current, ids, title, reply=reply, handoff=handoff, row_of=row_of
            )
            # Installed, it is kept when Esc leaves it: the next open only fills it again.
            self.app.install_screen(screen, "conversation")
            self._conversation = screen
        else:
            screen.show_conversation(
                current, ids, title, reply=reply, handoff=handoff, row_of=row_of
            )
        self._reading = True
        self.app.push_screen(screen)

    def action_reply(self) -> None:
        self.action_open(reply=True)
