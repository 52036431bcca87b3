"""Snapshots of every screen at 80×24 and 160×45, on the demo mailbox as of a fixed moment
with a clock that does not move: the same pixels every run.

Update after a deliberate change: `pytest tests/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.support.tui import demo_copy, make_app, settle, type_text

pytestmark = pytest.mark.usefixtures("utc_local_time")

Steps = Callable[[Pilot[Any]], Awaitable[None]]


def steps(
    *keys: str, text: str = "", then: tuple[str, ...] = (), keep_notices: bool = False
) -> Steps:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, rounds=1)
        if text:
            await type_text(pilot, text)
        # Only what the last keys raise: an earlier toast (the demo's greeting) is gone or not
        # by the time the snapshot is taken, depending on the machine's speed.
        pilot.app.clear_notifications()
        for key in then:
            await pilot.press(key)
            await settle(pilot, rounds=1)
        await settle(pilot)
        if not keep_notices:
            pilot.app.clear_notifications()
        # A blinking cursor is on or off depending on timing: hold it on.
        for field in pilot.app.screen.query("Input, TextArea"):
            field.cursor_blink = False  # type: ignore[attr-defined]
        await pilot.pause()

    return run_before


# Every screen at both sizes.
SCREENS = {
    "queue": steps(),
    "conversation": steps("enter"),
    "composer": steps("enter", "r", text="Hi Emily,\n\nhere is the quote you asked for."),
    "sent_with_undo": steps(
        "enter", "r", text="Thanks, sending the quote now.", then=("ctrl+s",), keep_notices=True
    ),
    "search": steps("slash", text="export is:open", then=("enter",)),
    "help": steps("question_mark"),
    "snooze": steps("z"),
    "jump": steps("g"),
}
# Variations, at 80 columns only.
NARROW = {
    "queue_selected": steps("j", "x", "x"),
    "conversation_full_text": steps("enter", "k", "enter", "f"),
    "search_typing": steps("slash", text="from:emily tag:"),
    "assign": steps("a"),
    "closed_queue": steps("g", "c"),
    "search_nothing_found": steps("slash", text="tag:nothing-like-this", then=("enter",)),
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
