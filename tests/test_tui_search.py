"""Search (`/`): words and operators; the results are a queue to work through; a query that
cannot be read says why and goes nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import queues
from storage.db import Store
from storage.queues import QueueKey
from tests.support.tui import (
    NOW,
    make_app,
    run_async,
    screen_text,
    settle,
    type_text,
)
from tui.screens.conversation import ConversationScreen
from tui.screens.queue import QueueScreen
from tui.screens.search import SearchScreen
from tui.widgets.queue_table import QueueTable

pytestmark = pytest.mark.usefixtures("utc_local_time")

ME = "Dana Whitfield"


def expected(db: Path, text: str) -> list[int]:
    with Store.open(db) as store:
        query = queues.parse_query(text, now=NOW)
        return [r.id for r in queues.search(store, query, me=ME, now=NOW)]


@run_async
async def test_search_with_operators_shows_the_results_as_a_queue(db: Path, tmp_path: Path) -> None:
    query = "export is:open"
    want = expected(db, query)
    assert 1 < len(want) < 20
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await type_text(pilot, query)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.search_text == query
        assert screen.query_one(QueueTable).ids_in_order() == want
        assert f"/ {query} {len(want)}" in screen_text(app)
        # The results are a queue: open one, walk to the next.
        await pilot.press("enter", "n")
        await settle(pilot)
        conversation = app.screen
        assert isinstance(conversation, ConversationScreen)
        assert conversation.conversation_id == want[1]
        assert f"Search: {query} · 2 of {len(want)}" in screen_text(app)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert screen.search_text is None and screen.queue == QueueKey.NEEDS_REPLY


@run_async
async def test_from_tag_and_dates_narrow_the_search(db: Path, tmp_path: Path) -> None:
    want = expected(db, "from:emily after:2026-10-01 before:2026-11-20")
    assert want
    app = make_app(db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "from:emily after:2026-10-01 before:2026-11-20")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(QueueTable).ids_in_order() == want
        await pilot.press("slash")
        await settle(pilot)
        search = app.screen
        assert isinstance(search, SearchScreen)
        await pilot.press("ctrl+u")
        await type_text(pilot, "tag:nothing-like-this")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(QueueTable).ids_in_order() == []
        assert "No conversation matches" in screen_text(app)


@run_async
async def test_a_query_that_cannot_be_read_says_why(db: Path, tmp_path: Path) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "refund before:someday")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert "before:someday is not a date" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.search_text is None
