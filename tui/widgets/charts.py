"""Pictures of numbers for the terminal, drawn with Unicode blocks as Rich `Text`: bar charts,
sparklines, a weekday × hour heat map, and figure cells (a number with its change).

Each drawing is a pure function of plain data and a width, so it is tested without an app;
`Fitted` draws one at whatever width the widget holding it gets. Labels come from mail (tag
names, subjects, people) and pass through `clean_line`; nothing here is parsed as markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.text import Text

from mail.sanitize import clean_line

BAR_STYLE = "#61afef"
HEAT_STYLE = "#e5c07b"
RISING = "#e5c07b"
GOOD = "#98c379"
BAD = "#e06c75"
MUTED = "dim"

# A bar's last cell is drawn to an eighth of a cell.
_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"
_SPARKS = "▁▂▃▄▅▆▇█"
_SHADES = "░▒▓█"
_NO_DATA = "·"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ROW_LABEL_CELLS = 4  # "Mon "


def _label(text: str, width: int) -> Text:
    """Untrusted `text` on one line, cut to `width` cells (with an ellipsis) and padded."""
    label = Text(clean_line(text), no_wrap=True, overflow="ellipsis", end="")
    label.truncate(width, overflow="ellipsis", pad=True)
    return label


def _lines(lines: Sequence[Text]) -> Text:
    return Text("\n", no_wrap=True, overflow="crop", end="").join(lines)


# -- bars -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: `shown` is `value` as people read it (1h05m, 12, 87%)."""

    label: str
    value: float
    shown: str
    note: Text | None = None  # after the value: a trend, a share


def bar_cells(value: float, largest: float, cells: int) -> str:
    """`value` as a bar of at most `cells` cells, to the eighth of a cell; anything above
    zero shows at least a sliver, so a small count is not mistaken for none."""
    if cells <= 0 or largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(min(value, largest) / largest * cells * 8))
    whole, rest = divmod(eighths, 8)
    return _FULL * whole + (_EIGHTHS[rest] if rest else "")


def bar_chart(
    bars: Sequence[Bar],
    width: int,
    *,
    style: str = BAR_STYLE,
    empty: str = "nothing in this period",
) -> Text:
    """One line a bar: the label (a third of the width at most), the bar, then the value and
    its note in aligned columns on the right. The longest bar fills what is left."""
    if not bars:
        return Text(empty, style=MUTED, end="")
    label_cells = min(max(cell_len(clean_line(b.label)) for b in bars), max(6, width // 3))
    value_cells = max(cell_len(b.shown) for b in bars)
    note_cells = max((b.note.cell_len for b in bars if b.note is not None), default=0)
    right_cells = value_cells + (note_cells + 1 if note_cells else 0)
    bar_room = max(1, width - label_cells - right_cells - 2)
    largest = max(b.value for b in bars)
    lines: list[Text] = []
    for bar in bars:
        line = _label(bar.label, label_cells)
        line.append(" ")
        line.append(bar_cells(bar.value, largest, bar_room).ljust(bar_room), style=style)
        line.append(" ")
        line.append(bar.shown.rjust(value_cells), style="bold")
        if note_cells:
            line.append(" ")
            note = bar.note or Text("")
            line.append_text(note)
            line.append(" " * (note_cells - note.cell_len))
        lines.append(line)
    return _lines(lines)


# -- sparklines -------------------------------------------------------------------------------


def sparkline(values: Sequence[float | None], *, style: str = BAR_STYLE) -> Text:
    """One cell a value, its height against the largest (from zero, so a flat line at a
    high value does not look like zero); `None` (no data that week) is a dim dot."""
    known = [v for v in values if v is not None]
    largest = max(known, default=0.0)
    text = Text(no_wrap=True, overflow="crop", end="")
    for value in values:
        if value is None:
            text.append(_NO_DATA, style=MUTED)
        elif largest <= 0:
            text.append(_SPARKS[0], style=style)
        else:
            level = round(value / largest * (len(_SPARKS) - 1))
            text.append(_SPARKS[max(0, min(level, len(_SPARKS) - 1))], style=style)
    return text


# -- heat map ---------------------------------------------------------------------------------


def shade_levels(largest: int) -> list[tuple[int, int]]:
    """The (low, high) count each shade stands for: four equal steps up to `largest`."""
    if largest <= 0:
        return []
    steps = min(len(_SHADES), largest)
    bounds = [math.ceil(largest * (i + 1) / steps) for i in range(steps)]
    lows = [1, *[b + 1 for b in bounds[:-1]]]
    return list(zip(lows, bounds, strict=True))


def _shade(count: int, levels: Sequence[tuple[int, int]]) -> str:
    shades = _SHADES[-len(levels) :] if levels else ""
    for (_low, high), shade in zip(levels, shades, strict=True):
        if count <= high:
            return shade
    return _FULL


def heat_map(cells: Sequence[Sequence[int]], width: int, *, unit: str = "messages") -> Text:
    """A 7 × 24 grid (weekday rows from Monday, hour columns from midnight), each cell
    shaded ░▒▓█ by its count against the busiest; an hour ruler above and a legend below.
    Two cells an hour where the width allows, else one (24 hours fit 28 columns)."""
    per_hour = 2 if width >= _ROW_LABEL_CELLS + 48 else 1
    largest = max((max(row, default=0) for row in cells), default=0)
    levels = shade_levels(largest)
    shades = _SHADES[-len(levels) :] if levels else ""
    ruler = Text(" " * _ROW_LABEL_CELLS, style=MUTED, no_wrap=True, end="")
    every = 3 if per_hour == 2 else 6
    for hour in range(0, 24, every):
        ruler.append(f"{hour:<{every * per_hour}}", style=MUTED)
    lines = [ruler]
    for day, row in zip(WEEKDAYS, cells, strict=False):
        line = Text(f"{day} ", style=MUTED, no_wrap=True, end="")
        for count in row:
            if count <= 0:
                line.append(_NO_DATA.center(per_hour), style=MUTED)
            else:
                line.append(_shade(count, levels) * per_hour, style=HEAT_STYLE)
        lines.append(line)
    legend = Text(" " * _ROW_LABEL_CELLS, no_wrap=True, end="")
    legend.append(f"{_NO_DATA} none", style=MUTED)
    for (low, high), shade in zip(levels, shades, strict=True):
        legend.append("  ")
        legend.append(shade, style=HEAT_STYLE)
        legend.append(f" {low}" if low == high else f" {low}–{high}", style=MUTED)
    legend.append(f" {unit}", style=MUTED)
    lines.append(legend)
    return _lines(lines)


# -- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A headline number and the same number for the previous period of the same length.

    `lower_is_better` for response times and breaches; `points` when the number is a share
    (a change from 80% to 85% is shown as +5 pts, not +6%)."""

    label: str
    shown: str
    value: float | None
    previous: float | None
    lower_is_better: bool = False
    points: bool = False
    note: Text | None = None  # said instead of the change, when there is nothing to compare


def change_text(
    value: float | None, previous: float | None, *, lower_is_better: bool, points: bool
) -> Text:
    """▲/▼ and how much, green when the change is good and red when bad; dim when there is
    nothing to compare with."""
    if value is None or previous is None:
        return Text("no figure before" if value is not None else "no data", style=MUTED)
    delta = value - previous
    if delta == 0:
        return Text("= same as before", style=MUTED)
    if points:
        amount = f"{abs(delta) * 100:.0f} pts"
    elif previous == 0:
        return Text("▲ from none", style=BAD if lower_is_better else GOOD)
    else:
        amount = f"{abs(delta) / previous * 100:.0f}%"
    good = delta < 0 if lower_is_better else delta > 0
    arrow = "▲" if delta > 0 else "▼"
    return Text(f"{arrow} {amount}", style=GOOD if good else BAD)


def figure_text(figure: Figure) -> Text:
    """Three lines: what it is, the number in bold, its change against the previous period."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(figure.label, style=MUTED)
    text.append("\n")
    text.append(figure.shown, style="bold")
    text.append("\n")
    if figure.note is not None:
        text.append_text(figure.note)
        return text
    text.append_text(
        change_text(
            figure.value,
            figure.previous,
            lower_is_better=figure.lower_is_better,
            points=figure.points,
        )
    )
    return text


def trend_arrow(count: int, previous: int) -> Text:
    """A count's move against the previous period, without judging it (more of a tag is not
    good or bad in itself): ↑3, ↓2, =, new."""
    if previous == 0 and count > 0:
        return Text("new", style=MUTED)
    if count > previous:
        return Text(f"↑{count - previous}", style=RISING)
    if count < previous:
        return Text(f"↓{previous - count}", style=BAR_STYLE)
    return Text("=", style=MUTED)


class Fitted:
    """A drawing made for the width it is rendered at: Textual gives it the widget's."""

    def __init__(self, draw: Callable[[int], Text]) -> None:
        self.draw = draw

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        drawing = self.draw(options.max_width)
        # Textual counts a widget's lines by their ends: the last one needs one too.
        drawing.end = "\n"
        yield drawing

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, options.max_width)
