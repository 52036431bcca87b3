"""Snapshots of the tag picker (80×24 and 160×45) and of the prompt before closing an
untagged conversation, on the fixed-time demo mailbox.

Update after a deliberate change: `pytest tests/test_tui_snapshots_tags.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from storage import work
from storage.db import Store
from tests.support.tui import demo_copy, make_app, settle, team_config, type_text

pytestmark = pytest.mark.usefixtures("utc_local_time")


def steps(*keys: str, text: str = "", then: tuple[str, ...] = ()) -> Callable[..., Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.clear_notifications()  # the demo's greeting: gone before the picker opens
        for key in keys:
            await pilot.press(key)
            await settle(pilot, rounds=1)
        if text:
            await type_text(pilot, text)
        for key in then:
            await pilot.press(key)
        await settle(pilot)
        pilot.app.clear_notifications()
        await settle(pilot)
        for field in pilot.app.screen.query("Input"):
            field.cursor_blink = False  # type: ignore[attr-defined]
        await pilot.pause()

    return run_before


CASES = {
    # Two rows selected, one already tagged: a partial mark; a tag toggled on.
    "picker": steps("x", "x", "t", text="ang", then=("enter",)),
    "picker_filtered": steps("t", text="bil"),
    "picker_create": steps("t", text="needs design"),
    "close_prompt": steps("e"),
}


@pytest.mark.parametrize(
    ("case", "size"),
    [
        pytest.param(name, size, id=f"{name}-{size[0]}x{size[1]}")
        for name in CASES
        for size in ((80, 24), (160, 45))
    ],
)
def test_tag_screens(
    case: str, size: tuple[int, int], tmp_path: Path, snap_compare: Callable[..., bool]
) -> None:
    db = demo_copy(tmp_path / "demo.db")
    with Store.open(db) as store:
        first = store.scalar(
            "SELECT id FROM conversations WHERE status = 'open' ORDER BY id LIMIT 1"
        )
        work.add_tag(store, [first], "pricing", actor="Dana Whitfield")
    app = make_app(db, tmp_path, config=team_config(prompt_on_close=True))
    assert snap_compare(app, terminal_size=size, run_before=CASES[case])
