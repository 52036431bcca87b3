"""The queue as a table: one conversation a row, columns chosen for the width (80 columns
shows marks, tier, customer, subject with preview, and one clock: the SLA where a reply is
owed, else the age; wide terminals add company, trial days, preview, tags, assignee and the
age beside the SLA clock). Refreshing keeps the cursor on the same conversation.

It holds the whole queue's ids in order, but only the rows around the screen: lines are
drawn one at a time as they come into view (Textual's Line API), a row not fetched yet is a
placeholder, and the table asks for the rows it lacks a page at a time (`RowsWanted`), so a
queue of 100,000 costs what a screenful does.

Its scroll bar is drawn in its own lines, not by a Textual ScrollBar: that one is refreshed after
every layout of the screen, so each change on screen took a second frame (16 ms) for it alone.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBarRender
from textual.strip import Strip

from storage.queues import QueueRow
from tui import render
from tui.backend import HandoffStatus, RowPage
from tui.bindings import QUEUE_TABLE

WIDE = 120
# Rows kept fetched beyond the screen, and at most in all (the farthest from view go first).
MARGIN_SCREENS = 1
CACHE_ROWS = 2000


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
PADDING = 1  # cells each side of a column


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


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int


def columns_of(spec: Layout) -> list[Column]:
    """The columns shown, left to right."""
    columns = [
        Column("marks", "", MARKS),
        Column("tier", "", spec.tier),
        Column("customer", "Customer", spec.customer),
        Column("subject", "Subject", spec.subject),
    ]
    if spec.preview:
        columns.append(Column("preview", "What they wrote", spec.preview))
    if spec.tags:
        columns.append(Column("tags", "Tags", spec.tags))
    if spec.assignee:
        columns.append(Column("assignee", "Owner", spec.assignee))
    if spec.age:
        columns += [Column("sla", "SLA", SLA), Column("clock", "Age", AGE)]
    else:
        columns.append(Column("sla", "Due", SLA))
    return columns


@dataclass(frozen=True)
class _Styles:
    """The table's styles for one paint."""

    base: Style
    header: Style
    cursor: Style
    hover: Style
    bar: tuple[Segment, ...]  # the scroll bar's cells, a segment per line; () when it all fits


@dataclass(frozen=True)
class Anchor:
    """Where the cursor stood when a new order of the queue was asked for: what puts it back
    on the same conversation, else at the same position (after closing one, the next)."""

    current_id: int | None
    cursor_row: int
    screen_rows: int  # how many rows the table shows at once

    def cursor_in(self, ids: Sequence[int]) -> int:
        if self.current_id is not None and self.current_id in ids:
            return ids.index(self.current_id)
        return min(max(self.cursor_row, 0), max(len(ids) - 1, 0))

    def wanted(self, ids: Sequence[int]) -> list[int]:
        """The rows to fetch with the order: a screen each side of the cursor and a margin,
        which covers the screen wherever it scrolls to keep the cursor in sight."""
        row = self.cursor_in(ids)
        reach = self.screen_rows * (1 + MARGIN_SCREENS)
        return list(ids[max(0, row - reach) : row + reach])


class QueueTable(ScrollView, can_focus=True):
    """Rows keyed by conversation id, drawn as they scroll into view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *QUEUE_TABLE,
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home,ctrl+home", "first", "Top", show=False),
        Binding("end,ctrl+end", "last", "Bottom", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue-table--header",
        "queue-table--cursor",
        "queue-table--hover",
        "queue-table--placeholder",
    }
    # DataTable's look, which the queue had before it was drawn a line at a time.
    DEFAULT_CSS = """
    QueueTable {
        background: $surface;
        color: $foreground;
        width: 1fr;
        height: 1fr;
        overflow: hidden hidden;  /* the scroll bar is drawn with the lines */
        &:focus {
            background-tint: $foreground 5%;
            & > .queue-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .queue-table--header { background-tint: $foreground 5%; }
        }
        & > .queue-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .queue-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .queue-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: bold;
        }
        & > .queue-table--hover { background: $block-hover-background; }
        & > .queue-table--placeholder { color: $text-muted; }
    }
    """

    cursor_row: reactive[int] = reactive(0)
    hover_row: reactive[int] = reactive(-1)

    class Selected(Message):
        """Enter, or a click on the cursor's row: open this conversation."""

        def __init__(self, conversation_id: int) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    class RowsWanted(Message):
        """Rows came into view (or near it) that are not fetched: `add_rows` takes them,
        unless the order changed since (`generation`)."""

        def __init__(self, conversation_ids: tuple[int, ...], generation: int) -> None:
            super().__init__()
            self.conversation_ids = conversation_ids
            self.generation = generation

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.selected: set[int] = set()
        self.generation = 0  # one more each time a new order is shown
        # What it cost: rows fetched, and rows turned into lines (a line is built once and
        # kept until its row, the cursor or the selection on it changes).
        self.rows_fetched = 0
        self.rows_built = 0
        self._ids: list[int] = []
        self._empty = ""  # what the queue says when it has no row
        self._rows: dict[int, QueueRow] = {}
        self._handoffs: dict[int, HandoffStatus] = {}
        self._pending: set[int] = set()  # asked for, not arrived
        self._ahead: dict[int, QueueRow] = {}  # changed here, not shown by the store yet
        self._leaving: set[int] = set()  # dropped here, still in the store's last order
        self._forget_position = False
        self._layout: Layout | None = None
        self._now: datetime | None = None
        self._me = ""
        self._lines: LRUCache[Hashable, Strip] = LRUCache(maxsize=400)
        self._fitted: LRUCache[tuple[Hashable, int, Segment | None], Strip] = LRUCache(maxsize=400)
        self._styles: _Styles | None = None

    # -- what the rest of the app reads ---------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._ids)

    @property
    def current_id(self) -> int | None:
        if not self._ids:
            return None
        return self._ids[min(self.cursor_row, len(self._ids) - 1)]

    @property
    def current_row(self) -> QueueRow | None:
        """The row under the cursor, once fetched."""
        current = self.current_id
        return None if current is None else self._rows.get(current)

    def row_of(self, conversation_id: int) -> QueueRow | None:
        """The row of this conversation, when it is fetched (on screen or near it)."""
        return self._rows.get(conversation_id)

    @property
    def rows_shown(self) -> tuple[QueueRow, ...]:
        """The rows fetched (those on screen and near it), in the queue's order."""
        return tuple(self._rows[i] for i in self._ids if i in self._rows)

    def ids_in_order(self) -> list[int]:
        return list(self._ids)

    def cell(self, conversation_id: int, column: str) -> Text:
        """What the row of this conversation (fetched) shows in the column (a key of
        `columns_of`: marks, tier, customer, subject, preview, tags, assignee, sla, clock)."""
        keys = [c.key for c in columns_of(self._spec)]
        return self._cells(self._rows[conversation_id], conversation_id in self.selected)[
            keys.index(column)
        ]

    def targets(self) -> list[int]:
        """What a bulk action acts on: the selected rows, else the row under the cursor."""
        if self.selected:
            return [i for i in self._ids if i in self.selected]
        current = self.current_id
        return [] if current is None else [current]

    def cursor_anchor(self) -> Anchor:
        """Where the cursor is, for the worker fetching a new order (a switch of queue or a
        search starts at the top)."""
        if self._forget_position:
            return Anchor(None, 0, self._screen_rows())
        return Anchor(self.current_id, self.cursor_row, self._screen_rows())

    # -- what the screen tells it ---------------------------------------------------------

    def show(
        self,
        ids: Sequence[int],
        page: RowPage,
        now: datetime,
        me: str,
        *,
        length: int | None = None,
        empty: str = "",
    ) -> None:
        """Shows the queue in the order `ids`, with `page` the rows fetched around where the
        cursor goes: on the conversation it was on, else at the same position (after closing
        a conversation, the next one). The rows fetched before are dropped (they may have
        changed); those that come into view again are fetched again. With `length`, `ids` are
        the queue's first rows, and it scrolls as far as `length` rows until `extend` brings
        the rest. `empty` is said under the header when there is no row (drawn as a line of
        the table: a widget shown below it would lay the screen out again, and resize the
        table, at each queue that is empty or no longer is)."""
        self._empty = empty
        if self._leaving:
            # An order read before their change was stored still holds them: kept out, until
            # an order without them says the store has it.
            self._leaving &= set(ids)
            ids = [i for i in ids if i not in self._leaving]
        row = self.cursor_anchor().cursor_in(ids)
        keep_top = not self._forget_position
        self._forget_position = False
        self.generation += 1
        self._ids = list(ids)
        self._rows = dict(page.rows)
        self._ahead.clear()
        self._handoffs = dict(page.handoffs)
        self._pending.clear()
        self.rows_fetched += len(page.rows)
        self._now, self._me = now, me
        if self.selected:
            self.selected &= set(self._ids)
        self._relayout()
        self._set_length(max(length or 0, len(self._ids)))
        if not keep_top:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.move_cursor(row=row)
        self.refresh()

    def add_rows(self, page: RowPage, generation: int) -> None:
        """Rows asked for with `RowsWanted`; dropped when the order changed since."""
        if generation != self.generation:
            return
        self.rows_fetched += len(page.rows)
        self._pending.difference_update(page.rows)
        rows = {**page.rows, **{i: r for i, r in self._ahead.items() if i in page.rows}}
        # Rows read again that show what they showed (after a change of a row's details, made
        # here and shown already) draw nothing: a frame less.
        changed = any(self._rows.get(i) != row for i, row in rows.items()) or any(
            self._handoffs.get(i) != status for i, status in page.handoffs.items()
        )
        self._rows.update(rows)
        self._handoffs.update(page.handoffs)
        if len(self._rows) > CACHE_ROWS:
            top = int(self.scroll_y)
            near = set(self._ids[max(0, top - CACHE_ROWS // 2) : top + CACHE_ROWS // 2])
            self._rows = {i: row for i, row in self._rows.items() if i in near}
        if changed:
            self.refresh()

    def drop(self, conversation_ids: Collection[int]) -> None:
        """Takes these conversations out of the order at once (they are leaving the queue: the
        store says so with the next order): the cursor stays on its line, the next one."""
        gone = set(conversation_ids)
        kept = [i for i in self._ids if i not in gone]
        if len(kept) == len(self._ids):
            return
        self._ids = kept
        self._leaving |= gone
        self.selected -= gone
        self._set_length()
        self.move_cursor(row=self.cursor_row)
        self.refresh()

    def update_rows(self, rows: Mapping[int, QueueRow]) -> None:
        """Shows these rows in place of those fetched (a change made here, ahead of the
        store's own answer): until the next order shown, a row fetched again meanwhile (it
        may have been read before the change was stored) does not undo them."""
        ahead = {i: row for i, row in rows.items() if i in self._rows}
        self._ahead.update(ahead)
        self._rows.update(ahead)
        self.refresh()

    def extend(self, ids: Sequence[int]) -> None:
        """The whole order of a queue shown from its first rows: the cursor stays on its
        conversation; nothing is drawn again when the first rows and the length are unchanged."""
        if self._leaving:
            self._leaving &= set(ids)
            ids = [i for i in ids if i not in self._leaving]
        current, shown = self.current_id, self._ids
        self._ids = list(ids)
        if self.selected:
            self.selected &= set(self._ids)
        if self.virtual_size.height != len(self._ids) + 1:
            self._set_length()
            self.refresh()  # the scroll bar
        if self._ids[: len(shown)] != shown:  # the order changed in between
            self.move_cursor(row=Anchor(current, self.cursor_row, 1).cursor_in(self._ids))
            self.refresh()
        self._want_rows()

    def _set_length(self, rows: int | None = None) -> None:
        """How far it scrolls: a line a row (`rows`, else those it holds), and the header. Set
        without a layout of the screen (which the reactive asks for, and a frame more costs):
        nothing around the table moves, and its lines are drawn from this."""
        length = len(self._ids) if rows is None else rows
        self.set_reactive(QueueTable.virtual_size, Size(0, length + 1))

    def forget_position(self) -> None:
        """The next order shown is another queue: the cursor starts on its first row. The
        rows on screen stay until then, and nothing stays selected."""
        self._forget_position = True
        self._leaving.clear()
        self.clear_selection()

    def keep(self) -> None:
        """The conversations dropped are staying after all (their change failed): the next
        order shows them again."""
        self._leaving.clear()

    def clear_selection(self) -> None:
        if self.selected:  # nothing to draw again (a frame) when nothing was selected
            self.selected.clear()
            self.refresh()

    def toggle_selected(self) -> None:
        current = self.current_id
        if current is None:
            return
        self.selected ^= {current}
        self._refresh_row(self.cursor_row)

    # -- moving ---------------------------------------------------------------------------

    def validate_cursor_row(self, row: int) -> int:
        return min(max(row, 0), max(len(self._ids) - 1, 0))

    def watch_cursor_row(self, old_row: int, new_row: int) -> None:
        self._refresh_row(old_row)
        self._refresh_row(new_row)
        self._scroll_to_cursor()

    def watch_hover_row(self, old_row: int, new_row: int) -> None:
        self._refresh_row(old_row)
        self._refresh_row(new_row)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._want_rows()

    def move_cursor(self, *, row: int, animate: bool = False, scroll: bool = True) -> None:
        """Puts the cursor on `row` (kept in sight; `animate` is never used: a queue this
        long jumps)."""
        self.hover_row = -1
        self.cursor_row = row
        if scroll:
            self._scroll_to_cursor()

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_page_down(self) -> None:
        self._page(self._screen_rows())

    def action_page_up(self) -> None:
        self._page(-self._screen_rows())

    def half_page(self, direction: int) -> None:
        """Half a screen down (1) or up (-1), as ctrl+d and ctrl+u do in a pager."""
        self._page(direction * max(1, self._screen_rows() // 2))

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._ids) - 1)

    def action_select_cursor(self) -> None:
        current = self.current_id
        if current is not None:
            self.post_message(self.Selected(current))

    def _page(self, rows: int) -> None:
        """Moves the cursor and the view together, as a pager does."""
        self.scroll_to(y=self.scroll_y + rows, animate=False, immediate=True)
        self.move_cursor(row=self.cursor_row + rows)

    def _screen_rows(self) -> int:
        height = self.scrollable_content_region.height or self.app.size.height
        return max(1, height - 1)  # the header line

    def _scroll_to_cursor(self) -> None:
        top, rows = int(self.scroll_y), self._screen_rows()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + rows:
            self.scroll_to(y=self.cursor_row - rows + 1, animate=False, immediate=True)
        self._want_rows()

    def _want_rows(self) -> None:
        """Asks for the rows missing in sight or within half a screen of it, with those a
        screen beyond, so holding `j` finds its rows waiting."""
        if not self._ids:
            return
        top, rows = int(self.scroll_y), self._screen_rows()
        near = self._ids[max(0, top - rows // 2) : top + rows + rows // 2]
        have = self._rows.keys() | self._pending
        if all(i in have for i in near):
            return
        reach = rows * MARGIN_SCREENS
        around = self._ids[max(0, top - reach) : top + rows + reach]
        missing = tuple(i for i in around if i not in have)
        self._pending.update(missing)
        self.post_message(self.RowsWanted(missing, self.generation))

    # -- the mouse ------------------------------------------------------------------------

    @property
    def allow_vertical_scroll(self) -> bool:
        """The wheel scrolls, though Textual draws no scroll bar here."""
        return not self._check_disabled() and self.max_scroll_y > 0

    def _bar_row(self, event: events.MouseEvent) -> int | None:
        """The row a click on the scroll bar goes to (the bar stands for the whole queue: as
        far down it as the click); None off the bar."""
        offset = event.get_content_offset(self)
        if (
            offset is None
            or self.max_scroll_y <= 0
            or offset.x < self.size.width - self.styles.scrollbar_size_vertical
        ):
            return None
        return round(offset.y / max(1, self.size.height - 1) * (len(self._ids) - 1))

    def _row_at(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return None
        row = offset.y - 1 + int(self.scroll_y)
        return row if row < len(self._ids) else None

    def on_click(self, event: events.Click) -> None:
        if (on_bar := self._bar_row(event)) is not None:
            event.stop()
            self.move_cursor(row=on_bar)
            return
        row = self._row_at(event)
        if row is None:
            return
        event.stop()
        if row == self.cursor_row:
            self.action_select_cursor()
        else:
            self.cursor_row = row

    def on_mouse_move(self, event: events.MouseMove) -> None:
        row = self._row_at(event)
        self.hover_row = -1 if row is None else row

    def on_leave(self, event: events.Leave) -> None:
        self.hover_row = -1

    def on_resize(self) -> None:
        if self._now is not None:
            self._relayout()
            self.refresh()
        self._scroll_to_cursor()

    # -- drawing --------------------------------------------------------------------------

    def _relayout(self) -> None:
        """The columns for the width (the lines drawn for another width are dropped)."""
        layout = layout_for(self.size.width or self.app.size.width)
        if layout != self._layout:
            self._layout = layout
            self._lines.clear()
            self._fitted.clear()

    def _refresh_row(self, row: int) -> None:
        if 0 <= row < len(self._ids):
            self.refresh_line(row + 1)  # the header is line 0

    def render_lines(self, crop: Region) -> list[Strip]:
        # The styles are worked out once a paint, not once a line (each is a walk up the DOM).
        self._styles = _Styles(
            self.rich_style,
            self.get_component_styles("queue-table--header").rich_style,
            self.get_component_rich_style("queue-table--cursor"),
            self.get_component_rich_style("queue-table--hover"),
            self._bar(),
        )
        return super().render_lines(crop)

    def _bar(self) -> tuple[Segment, ...]:
        """The scroll bar as Textual's own would draw it, one segment per line of the table."""
        height, total = self.size.height, self.virtual_size.height
        if total <= height or not height:
            return ()
        styles = self.styles
        back = styles.scrollbar_background
        if back.a < 1:
            back = self.background_colors[0] + back
        bar = ScrollBarRender.render_bar(
            size=height,
            virtual_size=total,
            window_size=height,
            position=self.scroll_y,
            thickness=styles.scrollbar_size_vertical,
            back_color=back.rich_color,
            bar_color=(back + styles.scrollbar_color).rich_color,
        )
        # Without the clicks Textual's bar would send to itself (this table handles them).
        return tuple(
            Segment(cell.text, Style(color=s.color, bgcolor=s.bgcolor, reverse=s.reverse))
            for cell in bar.segments
            if (s := cell.style) is not None
        )

    def render_line(self, y: int) -> Strip:
        width, styles = self.size.width, self._styles
        if self._layout is None or styles is None:
            return Strip.blank(width, self.rich_style)
        if y == 0:
            key, rest = self._header_line(styles)
        elif (row := y - 1 + int(self.scroll_y)) < len(self._ids):
            key, rest = self._row_line(row, styles)
        elif y == 2 and not self._ids and self._empty:
            return self._empty_line(width, styles)
        else:
            return Strip.blank(width, styles.base)
        # The columns are drawn once; fitted to the width, and with the scroll bar's cell of
        # this line, once for each width and cell.
        bar = styles.bar[y] if y < len(styles.bar) else None
        fitted = (key, width, bar)
        if fitted not in self._fitted:
            line = self._lines[key].adjust_cell_length(width, rest)
            if bar is not None:
                line = Strip.join([line.crop(0, width - bar.cell_length), Strip([bar])])
            self._fitted[fitted] = line.simplify()
        return self._fitted[fitted]

    def _empty_line(self, width: int, styles: _Styles) -> Strip:
        """What an empty queue says, a line below the header."""
        said = Text("  " + self._empty, no_wrap=True, overflow="ellipsis")
        said.stylize(self.get_component_rich_style("queue-table--placeholder"))
        segments = list(said.render(self.app.console, end=""))
        return Strip(segments).apply_style(styles.base).adjust_cell_length(width, styles.base)

    def _header_line(self, styles: _Styles) -> tuple[Hashable, Style]:
        key = ("header", self._layout, styles.header)
        if key not in self._lines:
            cells = [Text(column.label) for column in columns_of(self._spec)]
            self._lines[key] = self._line(cells, styles.header, Style.null())
        return key, styles.header

    def _row_line(self, row: int, styles: _Styles) -> tuple[Hashable, Style]:
        conversation_id = self._ids[row]
        found = self._rows.get(conversation_id)
        selected = conversation_id in self.selected
        extra = Style()
        if row == self.hover_row:
            extra += styles.hover
        if row == self.cursor_row:
            extra += styles.cursor
        style = styles.base + extra
        # What the line is drawn from is its key, so a refresh that changed nothing on a row
        # (and a focus or theme change of the styles) finds it or not by itself.
        status = self._handoffs.get(conversation_id)
        key = (conversation_id, found, status, selected, style, self._layout, self._now)
        if key not in self._lines:
            if found is None:
                cells = self._placeholder(selected)
            else:
                cells = self._cells(found, selected)
                self.rows_built += 1
            # The cursor's colour wins over a cell's own; its background leaves badges theirs.
            self._lines[key] = self._line(cells, style, Style.from_color(color=extra.color))
        return key, style

    def _line(self, cells: list[Text], before: Style, after: Style) -> Strip:
        """The cells side by side, each cut or padded to its column with a cell of padding
        each side: `before` under every cell's own styles, `after` over them."""
        line = Text(no_wrap=True, end="")
        for cell, column in zip(cells, columns_of(self._spec), strict=True):
            fitted = cell.copy()
            fitted.truncate(column.width, overflow=cell.overflow or "ellipsis")
            line.append(" " * PADDING)
            line.append_text(fitted)
            line.append(" " * (column.width - fitted.cell_len + PADDING))
        line.stylize_before(before)
        if after:
            line.stylize(after)
        return Strip(line.render(self.app.console))

    @property
    def _spec(self) -> Layout:
        assert self._layout is not None
        return self._layout

    def _placeholder(self, selected: bool) -> list[Text]:
        """A row not fetched yet: its place, and the selection mark if it has one."""
        style = self.get_component_rich_style("queue-table--placeholder")
        cells = [Text("") for _ in columns_of(self._spec)]
        if selected:
            cells[0] = Text("✓", style="bold #e5c07b")
        cells[3] = Text("…", style=style)
        return cells

    def _cells(self, row: QueueRow, selected: bool) -> list[Text]:
        assert self._now is not None
        spec, now = self._spec, self._now
        cells = [
            render.marks(row, now, selected),
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
