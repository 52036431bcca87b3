"""Textual's timer, as frontdesk runs it (tui/timer_fix.py): a tick that comes late, when a
screen's update timer is resumed after being idle past a tick, is followed by the next tick
of its grid, not the one after it."""

from __future__ import annotations

import asyncio
import time

import textual
from textual.app import App

import tui.app  # noqa: F401  (applies the fix, as running the app does)
from tests.support.tui import run_async
from tui import timer_fix

INTERVAL = 0.2


@run_async
async def test_after_a_late_tick_the_next_comes_within_one_interval() -> None:
    assert textual.__version__ in timer_fix.FIXED_IN, (
        f"Textual {textual.__version__}: check whether its Timer._run still skips the tick"
        " after a late one (this test without tui.timer_fix), then update FIXED_IN"
    )
    ticks: list[float] = []
    app: App[None] = App()
    async with app.run_test():
        timer = app.set_interval(INTERVAL, lambda: ticks.append(time.monotonic()), pause=True)
        timer.resume()
        started = time.monotonic()
        while not ticks:
            await asyncio.sleep(0.005)
        timer.pause()  # idle past the next ticks, as a screen with nothing to draw
        resume_at = started + 3.5 * INTERVAL
        while time.monotonic() < resume_at:
            await asyncio.sleep(0.005)
        timer.resume()
        resumed = time.monotonic()
        while len(ticks) < 3:
            await asyncio.sleep(0.005)
        timer.stop()
    late, after = ticks[1], ticks[2]
    assert late - resumed < INTERVAL / 2  # the late tick comes at once
    # Half an interval after it on the timer's grid; Textual 8.2.8 alone waits one and a half.
    assert after - late < INTERVAL, f"{(after - late) * 1000:.0f} ms after the late tick"


@run_async
async def test_a_late_tick_that_outlasts_the_grids_next_is_followed_one_interval_after_it() -> None:
    """A key's first frame is a late tick (off the timer's grid); when drawing it takes past
    the grid's next tick, the next frame comes one interval after it, not at the grid's tick
    after that (up to two intervals later), and never sooner than one interval."""
    ticks: list[float] = []
    busy = [0.0]

    def tick() -> None:
        ticks.append(time.monotonic())
        time.sleep(busy[0])  # a frame being drawn: the event loop waits for it

    app: App[None] = App()
    async with app.run_test():
        timer = app.set_interval(INTERVAL, tick, pause=True)
        timer.resume()
        started = time.monotonic()
        while not ticks:
            await asyncio.sleep(0.005)
        timer.pause()
        resume_at = started + 3.5 * INTERVAL  # half way between two ticks of the grid
        while time.monotonic() < resume_at:
            await asyncio.sleep(0.005)
        busy[0] = 0.7 * INTERVAL  # the late tick runs past the grid's next (at 4 intervals)
        timer.resume()
        while len(ticks) < 3:
            await asyncio.sleep(0.005)
        timer.stop()
    late, after = ticks[1], ticks[2]
    # One interval after the late tick; the grid alone would wait one and a half.
    assert INTERVAL * 0.95 <= after - late < INTERVAL * 1.25, (
        f"{(after - late) * 1000:.0f} ms after the late tick"
    )
