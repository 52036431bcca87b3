"""The tag picker (`t`), driven by keys: several tags at once, a new tag only on confirm, bulk
tagging with partial marks, filtering the queue by tag, renaming from the palette, and the
prompt before closing an untagged conversation."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import conversations, events, queues, work
from storage.db import Store
from storage.models import Status
from storage.queues import QueueKey
from tests.support.tui import (
    NOW,
    make_app,
    notices,
    run_async,
    run_command,
    screen_text,
    settle,
    team_config,
    type_text,
)
from tui.screens.queue import QueueScreen
from tui.screens.tag_picker import TagPickerScreen
from tui.widgets.queue_table import QueueTable

pytestmark = pytest.mark.usefixtures("utc_local_time")

ME = "Dana Whitfield"


def needs_reply(db: Path) -> list[int]:
    with Store.open(db) as store:
        return [r.id for r in queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=NOW)]


def tags_of(db: Path, conversation_id: int) -> tuple[str, ...]:
    with Store.open(db) as store:
        return conversations.get(store, conversation_id).tags


def status_of(db: Path, conversation_id: int) -> Status:
    with Store.open(db) as store:
        return conversations.get(store, conversation_id).status


def table(app: object) -> QueueTable:
    return app.screen.query_one(QueueTable)  # type: ignore[attr-defined, no-any-return]


@run_async
async def test_t_toggles_several_tags_then_applies_them_together(db: Path, tmp_path: Path) -> None:
    first = needs_reply(db)[0]
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TagPickerScreen)
        shown = screen_text(app)
        assert "[ ] feature-request  Design" in shown and "[ ] angry  modifier" in shown
        await type_text(pilot, "bug")
        await pilot.press("enter")  # bug-report, the only match
        await type_text(pilot, "ang")
        await pilot.press("enter")
        await pilot.press("down", "space")  # space on an empty filter toggles: positive-fb
        await pilot.press("space")  # and back off
        assert "[x] bug-report" in screen_text(app) and "2 to add" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Tagged #bug-report #angry (1 conversation)" in notices(app)
    assert tags_of(db, first) == ("angry", "bug-report")


@run_async
async def test_a_new_tag_is_made_only_when_its_line_is_confirmed(db: Path, tmp_path: Path) -> None:
    first = needs_reply(db)[0]
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "Refund Asked")
        assert "+ Create tag 'refund asked'" in screen_text(app)
        await pilot.press("ctrl+s")  # typed, not confirmed: nothing is made
        await settle(pilot)
        assert tags_of(db, first) == ()
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "refund asked")
        await pilot.press("enter")  # Enter on the create line confirms it
        assert "[x] refund asked" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert tags_of(db, first) == ("refund asked",)
    with Store.open(db) as store:
        assert [e.actor for e in events.events_for(store, first) if e.kind == "tagged"] == [ME]


@run_async
async def test_bulk_tagging_shows_partial_marks_and_completes_them(
    db: Path, tmp_path: Path
) -> None:
    first, second = needs_reply(db)[:2]
    with Store.open(db) as store:
        work.add_tag(store, [first], "pricing", actor=ME)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x", "x", "t")
        await settle(pilot)
        await type_text(pilot, "pricing")
        assert "[-] pricing" in screen_text(app)  # one of the two has it
        await pilot.press("enter")
        assert "[x] pricing" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert table(app).selected == set()
    assert tags_of(db, first) == tags_of(db, second) == ("pricing",)


@run_async
async def test_the_queue_filters_by_the_highlighted_tag_and_esc_clears_it(
    db: Path, tmp_path: Path
) -> None:
    rows = needs_reply(db)
    with Store.open(db) as store:
        work.add_tag(store, [rows[3], rows[5]], "needs design", actor=ME)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "needs d")
        await pilot.press("ctrl+f")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        assert screen.search_text == 'tag:"needs design"'
        assert sorted(table(app).ids_in_order()) == sorted([rows[3], rows[5]])
        await pilot.press("escape")
        await settle(pilot)
        assert screen.search_text is None and len(table(app).ids_in_order()) == len(rows)


@run_async
async def test_a_tag_is_renamed_from_the_palette(db: Path, tmp_path: Path) -> None:
    first = needs_reply(db)[0]
    with Store.open(db) as store:
        work.add_tag(store, [first], "defect", actor=ME)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_command(pilot, "Rename tag")
        await type_text(pilot, "defect")
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, "crash")
        await pilot.press("enter")
        await settle(pilot)
        assert "#defect is now #crash" in notices(app)
    assert tags_of(db, first) == ("crash",)


@run_async
async def test_closing_untagged_asks_for_a_category_first(db: Path, tmp_path: Path) -> None:
    rows = needs_reply(db)
    app = make_app(db, tmp_path, config=team_config(prompt_on_close=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, TagPickerScreen)
        shown = screen_text(app)
        assert "Tag before closing 1 conversation" in shown and "lost feedback" in shown
        assert "angry" not in shown  # categories only, until you type
        await pilot.press("escape")  # changed your mind: nothing happens
        await settle(pilot)
        assert status_of(db, rows[0]) != Status.CLOSED
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("down", "enter", "ctrl+s")  # positive-feedback, then close
        await settle(pilot)
        assert table(app).current_id == rows[1]  # moved on
        assert "Closed 1 conversation, tagged #positive-feedback" in notices(app)
    assert status_of(db, rows[0]) == Status.CLOSED
    assert tags_of(db, rows[0]) == ("positive-feedback",)


@run_async
async def test_a_hurried_close_is_one_more_key_and_tagged_ones_close_at_once(
    db: Path, tmp_path: Path
) -> None:
    rows = needs_reply(db)
    with Store.open(db) as store:
        work.add_tag(store, [rows[1]], "outage", actor=ME)
    app = make_app(db, tmp_path, config=team_config(prompt_on_close=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("ctrl+s")  # close without a tag
        await settle(pilot)
        assert status_of(db, rows[0]) == Status.CLOSED and tags_of(db, rows[0]) == ()
        await pilot.press("e")  # rows[1] has a category: no question
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert status_of(db, rows[1]) == Status.CLOSED
        await pilot.press("e")
        await settle(pilot)
        await type_text(pilot, "zzz")  # the filter hides the line; clearing shows it again
        await pilot.press("backspace", "backspace", "backspace", *["down"] * 10)
        await pilot.press("enter")  # "Close without a tag", after the ten categories
        await settle(pilot)
    assert status_of(db, rows[2]) == Status.CLOSED


@run_async
async def test_closing_from_inside_a_conversation_asks_then_moves_on(
    db: Path, tmp_path: Path
) -> None:
    rows = needs_reply(db)
    app = make_app(db, tmp_path, config=team_config(prompt_on_close=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "e")
        await settle(pilot)
        await type_text(pilot, "user")
        await pilot.press("enter", "ctrl+s")
        await settle(pilot)
        assert app.screen.conversation_id == rows[1]  # type: ignore[attr-defined]
    assert tags_of(db, rows[0]) == ("user-issue",)


@run_async
async def test_tags_named_like_the_pickers_own_lines_are_just_tags(
    db: Path, tmp_path: Path
) -> None:
    first, second = needs_reply(db)[:2]
    with Store.open(db) as store:
        work.add_tag(store, [second], "create", actor=ME)
        work.add_tag(store, [second], "close-untagged", actor=ME)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "crea")  # the tag `create` and the offer to create `crea`
        await settle(pilot)
        text = screen_text(app)
        assert "[ ] create" in text and "+ Create tag 'crea'" in text
        await pilot.press("enter")  # the tag comes first: it is toggled, nothing is created
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert tags_of(db, first) == ("create",)
