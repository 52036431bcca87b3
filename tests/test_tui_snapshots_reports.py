"""Snapshots of the Reports screen at 80×24 and 160×45 (two columns), on the demo mailbox as
of a fixed moment: the 28 days it opens on, the last 7 days, the heat map scrolled into view,
and the from/to line refusing a date.

Update after a deliberate change: `pytest tests/test_tui_snapshots_reports.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.support.tui import demo_copy, make_app, settle
from tests.test_tui_snapshots import Steps, steps

pytestmark = pytest.mark.usefixtures("utc_local_time")


def refused_dates() -> Steps:
    async def run_before(pilot: Pilot[Any]) -> None:
        await steps("g", "r", "c")(pilot)
        field = pilot.app.screen.query_one(Input)
        field.value = "2026-11-20 2026-11-01"
        await pilot.press("enter")
        await settle(pilot)
        field.cursor_blink = False
        await pilot.pause()

    return run_before


SCREENS = {"reports": steps("g", "r")}
NARROW = {
    "reports_7_days": steps("g", "r", "1"),
    "reports_heat_map": steps("g", "r", *["j"] * 13),
    "reports_refused_dates": refused_dates(),
}
CASES = [
    *[pytest.param(name, size, id=f"{name}-{size[0]}x{size[1]}") for name in SCREENS
      for size in ((80, 24), (160, 45))],
    *[pytest.param(name, (80, 24), id=f"{name}-80x24") for name in NARROW],
]  # fmt: skip


@pytest.mark.parametrize(("screen", "size"), CASES)
def test_screen(
    screen: str, size: tuple[int, int], tmp_path: Path, snap_compare: Callable[..., bool]
) -> None:
    app = make_app(demo_copy(tmp_path / "demo.db"), tmp_path)
    assert snap_compare(app, terminal_size=size, run_before={**SCREENS, **NARROW}[screen])
