"""Snapshots of the saved-reply picker and manager at 80×24 and 160×45, on the demo mailbox
with its saved replies, as of a fixed moment.

Update after a deliberate change: `pytest tests/test_tui_snapshots_replies.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from mail import demo_replies
from storage import replies
from storage.db import Store
from tests.support.tui import NOW, demo_copy, make_app, settle, type_text

pytestmark = pytest.mark.usefixtures("utc_local_time")

Steps = Callable[[Pilot[Any]], Awaitable[None]]


def steps(*keys: str, text: str = "", then: tuple[str, ...] = ()) -> Steps:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        # Before any modal opens: a toast carried over onto a new screen may not clear in time.
        pilot.app.clear_notifications()
        for key in keys:
            await pilot.press(key)
            await settle(pilot, rounds=1)
        if text:
            await type_text(pilot, text)
        for key in then:
            await pilot.press(key)
            await settle(pilot, rounds=1)
        await settle(pilot)
        pilot.app.clear_notifications()
        # A blinking cursor is on or off depending on timing: hold it on.
        for field in pilot.app.screen.query("Input, TextArea"):
            field.cursor_blink = False  # type: ignore[attr-defined]
        await pilot.pause()

    return run_before


SCREENS = {
    "picker": steps("enter", "r", "ctrl+r"),
    "picker_filtered": steps("enter", "r", "ctrl+r", text="fea"),
    "manager": steps("enter", "r", "ctrl+r", "ctrl+e", "j"),
    "editor": steps("enter", "r", "ctrl+r", "ctrl+e", "e"),
}


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
def test_screen(
    screen: str, size: tuple[int, int], tmp_path: Path, snap_compare: Callable[..., bool]
) -> None:
    db = demo_copy(tmp_path / "demo.db")
    with Store.open(db) as store:
        if not replies.all_replies(store):  # the demo builder may not load them yet
            demo_replies.load(store, actor="Dana Whitfield", now=NOW)
    app = make_app(db, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
