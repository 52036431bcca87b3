"""Snapshots of handing off at 80×24 and 160×45, on the demo mailbox (with the demo's two
colleagues) as of a fixed moment: the colleague picker on a sales signal, the pass/cc choice,
the composer on a pass, the Handed off queue with a late handoff, and that conversation.

Update after a deliberate change: `pytest tests/test_tui_snapshots_handoff.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from mail.handoff import hand_off
from storage.db import Store
from tests.support.tui import NOW, demo_copy, make_app, settle
from tests.test_tui_handoff import sales_row, with_colleagues

pytestmark = pytest.mark.usefixtures("utc_local_time")

Steps = Callable[[Pilot[Any]], Awaitable[None]]

# Keys after the cursor is on the first sales-signal row of Needs reply.
SCREENS: dict[str, tuple[str, ...]] = {
    "picker": ("h",),
    "modes": ("h", "enter"),
    "composer_pass": ("h", "enter", "enter"),
    "handed_off_late": ("g", "h"),
    "conversation_handed_off": ("g", "h", "enter"),
}
HANDED_BEFORE = {"handed_off_late", "conversation_handed_off"}


def steps(rows_down: int, keys: tuple[str, ...]) -> Steps:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.clear_notifications()  # before any modal: a carried-over toast may linger
        for key in ("j",) * rows_down + keys:
            await pilot.press(key)
            await settle(pilot, rounds=1)
        await settle(pilot)
        pilot.app.clear_notifications()
        # A blinking cursor is on or off depending on timing: hold it on.
        for field in pilot.app.screen.query("Input, TextArea"):
            field.cursor_blink = False  # type: ignore[attr-defined]
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
def test_screen(
    screen: str, size: tuple[int, int], tmp_path: Path, snap_compare: Callable[..., bool]
) -> None:
    db = demo_copy(tmp_path / "demo.db")
    config = with_colleagues()
    index, row = sales_row(db)
    if screen in HANDED_BEFORE:
        with Store.open(db) as store:
            hand_off(store, config, row.id, "Pete", note="12 seats", now=NOW - timedelta(days=7))
        index = 0
    app = make_app(db, tmp_path, config=config)
    assert snap_compare(app, terminal_size=size, run_before=steps(index, SCREENS[screen]))
