"""Snapshots of the Reports screen's customer satisfaction panel at 80×24 and 160×45, on the
demo mailbox as of a fixed moment with the ratings `frontdesk demo` gives it, scrolled to the
end, where the panel is.

Update after a deliberate change: `pytest tests/test_tui_snapshots_csat.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.pilot import Pilot

from mail.demo_store import rate_finished
from storage.db import Store
from tests.support.tui import demo_copy, make_app, settle
from tests.test_tui_snapshots import steps


async def panel_in_view(pilot: Pilot[Any]) -> None:
    """`g r`, then the report scrolled to its end, where the panel is, once it is drawn (a
    number of `j` presses would depend on how fast the layout follows)."""
    await steps("g", "r")(pilot)
    await settle(pilot)
    pilot.app.screen.query_one("#report-body", VerticalScroll).scroll_end(animate=False)
    await settle(pilot)


pytestmark = pytest.mark.usefixtures("utc_local_time")


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
def test_satisfaction_panel(
    size: tuple[int, int], tmp_path: Path, snap_compare: Callable[..., bool]
) -> None:
    db = demo_copy(tmp_path / "demo.db")
    with Store.open(db) as store:
        rate_finished(store)
    app = make_app(db, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=panel_in_view)
