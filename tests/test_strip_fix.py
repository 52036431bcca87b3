"""Textual's strips, as frontdesk runs them (tui/strip_fix.py): a strip divided or cropped to
what it already is answers itself without keeping itself in its own cache, so it is freed
with the frame that drew it, not later by a pass of Python's cycle collector."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence

import pytest
import textual
from rich.segment import Segment
from textual.strip import Strip

import tui.app  # noqa: F401  (applies the fix, as running the app does)
from tui import strip_fix


@pytest.fixture
def no_automatic_collection() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def left_for_the_collector(use: Callable[[Strip], object]) -> int:
    """How many objects a hundred strips, once used so and dropped, leave to the cycle
    collector (none, when their memory goes back as soon as they are dropped)."""
    for _ in range(100):
        strip = Strip([Segment("hello "), Segment("world")])
        use(strip)
        del strip
    return gc.collect()


def test_the_pinned_textual_is_the_one_mended() -> None:
    assert textual.__version__ in strip_fix.FIXED_IN, (
        f"Textual {textual.__version__}: check whether its Strip.divide and Strip.crop_extend"
        " still cache the strip itself (the test below with strip_fix's _divide and"
        " _crop_extend), then update FIXED_IN"
    )


@pytest.mark.usefixtures("no_automatic_collection")
def test_a_strip_used_as_a_frame_uses_it_is_freed_at_once() -> None:
    def as_a_frame_does(strip: Strip) -> None:
        assert strip.divide([11]) == [strip]
        assert strip.crop_extend(0, 11, None) is strip

    assert left_for_the_collector(as_a_frame_does) == 0
    # Textual's own methods, for comparison: each strip is left to the collector.
    assert left_for_the_collector(lambda strip: strip_fix._divide(strip, [strip.cell_length])) > 0
    assert left_for_the_collector(lambda strip: strip_fix._crop_extend(strip, 0, 11, None)) > 0


def test_the_mended_methods_answer_as_textuals_own() -> None:
    def texts(strips: Sequence[Strip]) -> list[str]:
        return [part.text for part in strips]

    for cuts in ([5, 11], [11], [20], [3, 20], [0, 11], []):
        strip = Strip([Segment("hello "), Segment("world")])
        assert texts(strip.divide(cuts)) == texts(strip_fix._divide(strip, cuts)), cuts
    for start, end in ((6, 11), (0, 14), (-2, 11), (0, 11), (0, 5), (3, 3), (12, 14)):
        strip = Strip([Segment("hello "), Segment("world")])
        mended = strip.crop_extend(start, end, None)
        assert mended.text == strip_fix._crop_extend(strip, start, end, None).text
        assert mended.cell_length == strip_fix._crop_extend(strip, start, end, None).cell_length
