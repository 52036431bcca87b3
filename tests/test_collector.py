"""The cycle collector's full passes (tui/collector.py): rare while keys come, made when the
app is idle, Python's own policy back when the app ends."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.tui import make_app, run_async, settle
from tui import collector
from tui.collector import Collector


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def young_passes(count: int) -> None:
    """Makes Python pass over its young objects `count` times, as it does while keys come."""
    for _ in range(count):
        gc.collect(1)


def test_full_passes_are_rare_while_input_comes_and_made_once_it_stops(
    thresholds: tuple[int, int, int],
) -> None:
    kept = Collector()
    kept.start()
    assert gc.get_threshold() == (thresholds[0], thresholds[1], collector.FULL_EVERY)
    gc.collect()
    young_passes(collector.PYTHON_FULL_EVERY)
    kept.input_seen()  # a key just now
    assert not kept.idle_pass()
    assert gc.get_count()[2] >= collector.PYTHON_FULL_EVERY  # not made: still pending
    kept.last_input = time.monotonic() - collector.IDLE_SECONDS  # a second without input
    assert kept.idle_pass()
    assert gc.get_count()[2] == 0  # the full pass was made
    assert not kept.idle_pass()  # and not again before it is due
    kept.stop()
    assert gc.get_threshold() == thresholds


@run_async
async def test_the_app_keeps_its_policy_while_it_runs_and_gives_pythons_back(
    db: Path, tmp_path: Path, thresholds: tuple[int, int, int]
) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert gc.get_threshold()[2] == collector.FULL_EVERY
        before = app.collector.last_input
        await pilot.press("j")
        assert app.collector.last_input > before  # the key counts as input
    assert gc.get_threshold() == thresholds
