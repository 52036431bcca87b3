"""When Python's cycle collector makes its full passes: rarely while keys come, and when the
app is idle.

A full pass walks every object the app made since it started (the queue's rows, the
screens' caches), 15-40 ms at 100,000 conversations, in whichever key it falls: with
Python's default (one full pass every 10 passes over the younger objects) that was one key
in a dozen of the bench's `t`, Tab and close (bench/tui_speed.py, issue 10), and one in a
hundred still at every 100. Here, once the keys stop for a second, the pass Python would have
made by then is made at once, where no one waits for it; while keys keep coming, it waits
for a hundred times as many passes (minutes of keys without a pause), and is made then.
What becomes garbage young is still collected by the frequent passes over the young objects;
what waits for a full pass is the garbage that lived through a few (Textual's restyled
widgets, dismissed notices): about 30,000 objects every hundred passes.
"""

from __future__ import annotations

import gc
import time

# Passes over the younger objects between full passes while keys come (Python's default: 10).
FULL_EVERY = 1000
PYTHON_FULL_EVERY = 10
IDLE_SECONDS = 1.0  # no key or mouse for this long: a full pass is not in anyone's way


class Collector:
    def __init__(self) -> None:
        self._thresholds: tuple[int, int, int] | None = None
        self.last_input = time.monotonic()

    def start(self) -> None:
        """Full passes every FULL_EVERY (until `stop`, which puts Python's back)."""
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            young, middle, _ = self._thresholds
            gc.set_threshold(young, middle, FULL_EVERY)

    def stop(self) -> None:
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None

    def input_seen(self) -> None:
        self.last_input = time.monotonic()

    def idle_pass(self) -> bool:
        """Makes the full pass Python would have made by now, if no input came for
        IDLE_SECONDS; says whether it did."""
        due = gc.get_count()[2] >= PYTHON_FULL_EVERY
        if due and time.monotonic() - self.last_input >= IDLE_SECONDS:
            gc.collect()
            return True
        return False
