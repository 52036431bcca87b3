"""A fix to Textual's repeating timer, which draws every screen: after a tick that came late
(a screen's update timer resumed once it had been idle past a tick, as at every key), it
skipped the next tick of its grid, so a key's second frame came 17-33 ms after its first
instead of 0-17 ms (measured with bench/tui_speed.py, issue 10).

Textual 8.2.8's `Timer._run` computes, for a late tick, `count = int(elapsed / interval + 1)`
and then waits for tick `count + 1`: one past the next. This is that method with the count of
the tick it is on, and one more mend: a late tick is off the grid, and when what it ran (a
frame) outlasts the grid's next tick, the grid's tick after that is up to two intervals after
it; the next then comes one interval after the late tick, the grid moved there (a key's second
frame, 20-33 ms after its first when drawing it took 8-10 ms, comes 17 ms after).

Applied for the pinned version only (pyproject.toml): another version keeps its own, and
tests/test_timer_fix.py says whether it still needs this.
"""

from __future__ import annotations

import textual
from textual import _time
from textual._time import sleep
from textual.timer import EventTargetGone, Timer

FIXED_IN = frozenset({"8.2.8"})


async def _run(self: Timer) -> None:
    """Textual's `Timer._run`, the late-tick count mended (see the module docstring)."""
    count = 0
    _repeat = self._repeat
    _interval = self._interval
    self._active  # noqa: B018 (Textual creates the event in the loop's thread here)
    await self._active.wait()
    start = _time.get_time()

    last_tick: float | None = None
    while _repeat is None or count <= _repeat:
        next_timer = start + ((count + 1) * _interval)
        now = _time.get_time()
        if self._skip and next_timer < now:
            count = int((now - start) / _interval)  # the tick just passed: the next is due
            next_timer = start + ((count + 1) * _interval)
            if _repeat is None and last_tick is not None and last_tick + _interval < next_timer:
                # The last tick came late and outlasted the grid's next: one interval after
                # it comes sooner (at once, if that has passed), and the grid starts there.
                start, count = max(last_tick + _interval, now) - _interval, 0
                next_timer = start + _interval
            else:
                continue
        now = _time.get_time()
        wait_time = max(0, next_timer - now)
        await sleep(wait_time)
        count += 1
        await self._active.wait()
        if self._reset:
            start = _time.get_time()
            count = 0
            self._reset = False
            continue
        last_tick = _time.get_time()
        try:
            await self._tick(next_timer=next_timer, count=count)
        except EventTargetGone:
            break


def apply() -> bool:
    """Mends Textual's timer where its version has the fault; says whether it did."""
    if textual.__version__ not in FIXED_IN:
        return False
    Timer._run = _run  # type: ignore[method-assign]
    return True
