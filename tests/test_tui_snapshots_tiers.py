"""Snapshots of the tiers, SLA clocks and churn risk on screen, at 80×24 and 160×45, on the
demo mailbox as of a fixed moment: the queue with its clocks and badges, the At risk queue, a
trial customer's conversation with the full customer panel, the tier picker, the editor.

Update after a deliberate change: `pytest tests/test_tui_snapshots_tiers.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.tui import demo_copy, make_app
from tests.test_tui_snapshots import steps

pytestmark = pytest.mark.usefixtures("utc_local_time")

SCREENS = {
    "tiers_queue": steps("j", "j", "j"),
    "tiers_at_risk": steps("g", "i"),
    "tiers_trial_conversation": steps("g", "t", "j", "enter"),
    "tiers_picker": steps("j", "j", "j", "v"),
    "tiers_customer_editor": steps("g", "t", "j", "enter", "V"),
}


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(
    screen: str, size: tuple[int, int], tmp_path: Path, snap_compare: Callable[..., bool]
) -> None:
    app = make_app(demo_copy(tmp_path / "demo.db"), tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
