"""The queue as a table: one conversation a row, columns chosen for the width (80 columns
shows marks, tier, customer, subject with preview, and one clock: the SLA where a reply is
owed, else the age; wide terminals add company, trial days, preview, tags, assignee and the
age beside the SLA clock). Refreshing keeps the cursor on the same conversation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from storage.queues import QueueRow
from tui import render
from tui.backend import HandoffStatus
from tui.bindings import QUEUE_TABLE

WIDE = 120


@dataclass(frozen=True)
class Layout:
    """Column widths for one terminal width; 0 means the column is not shown."""

    tier: int  # 3: the badge; 7: with a trial's days left beside it
    customer: int
    company: bool
    subject: int
    preview: int
    tags: int
    assignee: int
    # Beside the SLA clock, a column for the age; without it, one column shows the SLA clock
    # where a reply is owed and the age elsewhere.
    age: bool


MARKS, SLA, AGE = 4, 6, 4


def layout_for(width: int) -> Layout:
    # Each column adds 2 cells of padding; 2 more for the scroll bar.
    if width >= WIDE:
        customer = 26 if width >= 150 else 22
        tier, tags, assignee = 7, 9, 6
        fixed = MARKS + tier + customer + tags + assignee + SLA + AGE + 2 * 9 + 2
        rest = max(20, width - fixed)
        subject = min(60, rest * 4 // 7)
        return Layout(tier, customer, True, subject, rest - subject, tags, assignee, True)
    if width >= 100:
        customer, assignee = 20, 6
        fixed = MARKS + 3 + customer + assignee + SLA + AGE + 2 * 7 + 2
        return Layout(3, customer, False, max(16, width - fixed), 0, 0, assignee, True)
    customer = 16
    fixed = MARKS + 3 + customer + SLA + 2 * 5 + 2
    return Layout(3, customer, False, max(16, width - fixed), 0, 0, 0, False)


class QueueTable(DataTable[Text]):
    """Rows keyed by conversation id."""

    BINDINGS = QUEUE_TABLE
    DEFAULT_CSS = """
    QueueTable { height: 1fr; }
    QueueTable > .datatable--cursor { text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, header_height=1)
        self.rows_shown: tuple[QueueRow, ...] = ()
        self.selected: set[int] = set()
        self._layout: Layout | None = None
        self._now: datetime | None = None
        self._me = ""
        self._marked: frozenset[int] = frozenset()  # the selection as last drawn
        self._handoffs: Mapping[int, HandoffStatus] = {}

    @property
    def current_id(self) -> int | None:
        if not self.rows_shown or self.cursor_row < 0:
            return None
        index = min(self.cursor_row, len(self.rows_shown) - 1)
        return self.rows_shown[index].id

    def ids_in_order(self) -> list[int]:
        return [row.id for row in self.rows_shown]

    def show(
        self,
        rows: Sequence[QueueRow],
        now: datetime,
        me: str,
        handoffs: Mapping[int, HandoffStatus] | None = None,
    ) -> None:
        """Shows `rows`, keeping the cursor on the conversation it was on (else at the same
        position, which after closing a conversation is the next one). `handoffs`: the
        current handoff of the rows handed off or shared, for their age and follow-up."""
        rows = tuple(rows)
        if handoffs is not None:
            self._handoffs = handoffs
        same_minute = self._now is not None and self._now.replace(second=0, microsecond=0) == (
            now.replace(second=0, microsecond=0)
        )
        unchanged = rows == self.rows_shown and self.row_count == len(rows)
        if unchanged and same_minute and frozenset(self.selected) == self._marked:
            return  # nothing would change on screen: keep it as it is (and fast)
        keep_id = self.current_id
        keep_index = self.cursor_row
        self.rows_shown = rows
        self._now, self._me = now, me
        self.selected &= {row.id for row in rows}
        self._fill()
        ids = self.ids_in_order()
        if keep_id is not None and keep_id in ids:
            self.move_cursor(row=ids.index(keep_id), animate=False, scroll=True)
        elif ids:
            self.move_cursor(row=min(max(keep_index, 0), len(ids) - 1), animate=False)

    def _fill(self) -> None:
        self._marked = frozenset(self.selected)
        width = self.size.width or self.app.size.width
        self._layout = layout_for(width)
        scroll_y = self.scroll_y
        self.clear(columns=True)
        spec = self._layout
        self.add_column("", width=MARKS, key="marks")
        self.add_column("", width=spec.tier, key="tier")
        self.add_column("Customer", width=spec.customer, key="customer")
        self.add_column("Subject", width=spec.subject, key="subject")
        if spec.preview:
            self.add_column("What they wrote", width=spec.preview, key="preview")
        if spec.tags:
            self.add_column("Tags", width=spec.tags, key="tags")
        if spec.assignee:
            self.add_column("Owner", width=spec.assignee, key="assignee")
        if spec.age:
            self.add_column("SLA", width=SLA, key="sla")
            self.add_column("Age", width=AGE, key="clock")
        else:
            self.add_column("Due", width=SLA, key="sla")
        for row in self.rows_shown:
            self.add_row(*self._cells(row), key=str(row.id))
        self.scroll_y = scroll_y

    def _cells(self, row: QueueRow) -> list[Text]:
        assert self._layout is not None and self._now is not None
        spec, now = self._layout, self._now
        cells = [
            render.marks(row, now, row.id in self.selected),
            render.tier_cell(row, now, wide=spec.tier > 3),
            render.customer(row, spec.customer, spec.company),
            self._subject(row, spec),
        ]
        if spec.preview:
            cells.append(render.preview(row, spec.preview))
        if spec.tags:
            cells.append(render.tags(row, spec.tags))
        if spec.assignee:
            cells.append(render.assignee(row.assignee, spec.assignee, self._me))
        if spec.age:
            cells += [render.sla_clock(row, now), render.clock(row, now)]
        else:
            cells.append(render.due_or_age(row, now))
        return cells

    def _subject(self, row: QueueRow, spec: Layout) -> Text:
        """The subject cell, led by who it was handed to (⇢Pete 2d) when it was."""
        assert self._now is not None
        status = self._handoffs.get(row.id)
        mark = render.colleague_mark(
            row,
            self._now,
            status.handoff.at if status else None,
            status.overdue if status else False,
        )
        width = spec.subject - (len(mark) + 1 if mark else 0)
        subject = render.subject_and_preview(
            row,
            width,
            with_preview=not spec.preview,
            owner="" if spec.assignee else render.assignee(row.assignee, 12, self._me).plain,
        )
        return Text.assemble(mark, " ", subject, end="", no_wrap=True) if mark else subject

    def toggle_selected(self) -> None:
        current = self.current_id
        if current is None:
            return
        self.selected ^= {current}
        self._marked = frozenset(self.selected)
        index = self.ids_in_order().index(current)
        row = self.rows_shown[index]
        assert self._now is not None
        self.update_cell(
            str(current), "marks", render.marks(row, self._now, current in self.selected)
        )

    def targets(self) -> list[int]:
        """What a bulk action acts on: the selected rows, else the row under the cursor."""
        if self.selected:
            return [i for i in self.ids_in_order() if i in self.selected]
        current = self.current_id
        return [] if current is None else [current]

    def on_resize(self) -> None:
        if self._now is not None and layout_for(self.size.width) != self._layout:
            keep = self.current_id
            self._fill()
            if keep is not None:
                self.move_cursor(row=self.ids_in_order().index(keep), animate=False)
