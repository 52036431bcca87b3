"""The report pictures on hand-built data: bars scale to the largest and fit the width, the
heat map fits 80 columns with its legend, figure cells colour a change by whether it is good,
and labels from mail cannot bring markup or escape sequences with them."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.text import Text

from tui.widgets.charts import (
    BAD,
    GOOD,
    Bar,
    Figure,
    Fitted,
    bar_cells,
    bar_chart,
    change_text,
    figure_text,
    heat_map,
    shade_levels,
    sparkline,
    trend_arrow,
)


def styles(text: Text) -> set[str]:
    return {str(span.style) for span in text.spans} | {str(text.style)}


# -- bars -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "largest", "cells", "drawn"),
    [
        (10, 10, 4, "████"),
        (5, 10, 4, "██"),
        (1, 8, 1, "▏"),  # an eighth of a cell
        (3, 8, 1, "▍"),
        (0.01, 100, 10, "▏"),  # anything above zero shows
        (0, 10, 4, ""),
        (20, 10, 4, "████"),  # never past the room
    ],
)
def test_a_bar_is_drawn_to_the_eighth_of_a_cell(
    value: float, largest: float, cells: int, drawn: str
) -> None:
    assert bar_cells(value, largest, cells) == drawn


def test_a_bar_chart_aligns_labels_bars_and_values_within_its_width() -> None:
    chart = bar_chart([Bar("billing", 8, "8"), Bar("export", 2, "2"), Bar("login", 0, "0")], 30)
    lines = chart.plain.split("\n")
    # label 7 cells, a space, 20 cells of bar, a space, the value.
    assert lines == [
        "billing " + "█" * 20 + " 8",
        "export  " + "█" * 5 + " " * 15 + " 2",
        "login   " + " " * 20 + " 0",
    ]
    assert all(len(line) == 30 for line in lines)


def test_long_labels_are_cut_to_a_third_of_the_width_and_notes_get_their_own_column() -> None:
    chart = bar_chart(
        [
            Bar("a tag with a very long name indeed", 4, "4h05m", Text("↑2")),
            Bar("short", 2, "10m", None),
        ],
        60,
    )
    first, second = chart.plain.split("\n")
    assert first.startswith("a tag with a very l…")  # 20 cells: a third of 60
    assert first.endswith("4h05m ↑2")
    assert second.endswith("  10m   ")
    assert len(first) == len(second) == 60


def test_labels_from_mail_are_cleaned_and_never_read_as_markup() -> None:
    chart = bar_chart([Bar("[bold red]x[/]\x1b[31m\nboom", 1, "1")], 90)
    assert "[bold red]x[/]" in chart.plain
    assert "\x1b" not in chart.plain
    assert "\n" not in chart.plain  # one line per bar
    assert "bold red" not in styles(chart)


def test_an_empty_chart_says_so() -> None:
    assert bar_chart([], 40).plain == "nothing in this period"
    assert bar_chart([], 40, empty="no tags").plain == "no tags"


# -- sparklines -------------------------------------------------------------------------------


def test_a_sparkline_scales_from_zero_and_marks_weeks_without_data() -> None:
    assert sparkline([0, 1, 2, 4, 8, None, 8]).plain == "▁▂▃▅█·█"
    assert sparkline([5, 5]).plain == "██"  # flat and high is not flat and low
    assert sparkline([0, 0]).plain == "▁▁"
    assert sparkline([]).plain == ""


# -- heat map ---------------------------------------------------------------------------------


def week(cells: dict[tuple[int, int], int]) -> list[list[int]]:
    return [[cells.get((day, hour), 0) for hour in range(24)] for day in range(7)]


def test_shades_split_the_busiest_count_in_four_steps() -> None:
    assert shade_levels(20) == [(1, 5), (6, 10), (11, 15), (16, 20)]
    assert shade_levels(2) == [(1, 1), (2, 2)]
    assert shade_levels(0) == []


def test_the_heat_map_has_a_row_a_weekday_a_column_an_hour_and_fits_80_columns() -> None:
    counts = week({(0, 9): 20, (0, 10): 5, (4, 23): 12, (6, 0): 1})
    lines = heat_map(counts, 76).plain.split("\n")
    assert len(lines) == 1 + 7 + 1  # ruler, days, legend
    assert lines[0].startswith("    0     3     6")
    monday = lines[1]
    assert monday.startswith("Mon ")
    assert monday[4 + 9 * 2 : 4 + 10 * 2] == "██"  # the busiest hour
    assert monday[4 + 10 * 2 : 4 + 11 * 2] == "░░"
    assert monday[4 : 4 + 2] == "· "  # nothing at midnight
    assert lines[5][4 + 23 * 2 :] == "▓▓"  # Friday 23:00
    assert lines[7][4:6] == "░░"  # Sunday midnight
    assert lines[8] == "    · none  ░ 1–5  ▒ 6–10  ▓ 11–15  █ 16–20 messages"
    assert max(len(line) for line in lines) <= 76


def test_a_narrow_heat_map_draws_one_cell_an_hour() -> None:
    lines = heat_map(week({(2, 12): 3}), 40).plain.split("\n")
    assert lines[3] == "Wed " + "·" * 12 + "█" + "·" * 11
    assert lines[0] == "    0     6     12    18    "


def test_an_empty_heat_map_still_draws_its_grid() -> None:
    lines = heat_map(week({}), 60).plain.split("\n")
    assert len(lines) == 9
    assert lines[-1] == "    · none messages"


# -- figures ----------------------------------------------------------------------------------


def test_a_faster_response_time_is_good_news_in_green() -> None:
    faster = change_text(3000, 4000, lower_is_better=True, points=False)
    assert faster.plain == "▼ 25%"
    assert styles(faster) == {GOOD}
    slower = change_text(5000, 4000, lower_is_better=True, points=False)
    assert (slower.plain, styles(slower)) == ("▲ 25%", {BAD})


def test_more_handled_is_good_and_a_share_changes_by_points() -> None:
    more = change_text(12, 8, lower_is_better=False, points=False)
    assert (more.plain, styles(more)) == ("▲ 50%", {GOOD})
    share = change_text(0.80, 0.85, lower_is_better=False, points=True)
    assert (share.plain, styles(share)) == ("▼ 5 pts", {BAD})


def test_without_a_figure_to_compare_with_nothing_is_coloured() -> None:
    assert change_text(10, None, lower_is_better=False, points=False).plain == "no figure before"
    assert change_text(None, 10, lower_is_better=False, points=False).plain == "no data"
    assert change_text(3, 3, lower_is_better=True, points=False).plain == "= same as before"
    from_none = change_text(3, 0, lower_is_better=True, points=False)
    assert (from_none.plain, styles(from_none)) == ("▲ from none", {BAD})


def test_a_figure_cell_is_label_number_and_change() -> None:
    cell = figure_text(Figure("First response, median", "1h05m", 3900, 5200, True))
    assert cell.plain == "First response, median\n1h05m\n▼ 25%"


def test_tag_trends_are_counts_not_judgements() -> None:
    assert trend_arrow(5, 2).plain == "↑3"
    assert trend_arrow(2, 5).plain == "↓3"
    assert trend_arrow(4, 4).plain == "="
    assert trend_arrow(4, 0).plain == "new"
    assert GOOD not in styles(trend_arrow(5, 2)) and BAD not in styles(trend_arrow(2, 5))


def test_a_fitted_drawing_is_made_for_the_width_it_is_rendered_at() -> None:
    drawing = Fitted(lambda width: bar_chart([Bar("x", 1, "1")], width))
    for width in (20, 50):
        console = Console(width=width, file=io.StringIO(), color_system=None)
        console.print(drawing)
        output = console.file.getvalue()  # type: ignore[attr-defined]
        assert output == "x " + "█" * (width - 4) + " 1\n"
