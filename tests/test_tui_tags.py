"""The tag picker (`t`), driven by keys: several tags at once, a new tag only on confirm, bulk
tagging with partial marks, filtering the queue by tag, renaming from the palette, and the
prompt before closing an untagged conversation."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from textual.widgets import OptionList

from storage import conversations, events, queues, work
from storage.db import Store
from storage.models import Status
from storage.queues import QueueKey
from storage.work import WorkError
from tests.support.tui import (
    NOW,
    hold_back,
    make_app,
    notices,
    record_asks,
    run_async,
    run_command,
    screen_text,
    settle,
    team_config,
    type_text,
)
from tui.backend import TagChoice
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
async def test_the_picker_is_built_once_and_shows_each_opening_afresh(
    db: Path, tmp_path: Path
) -> None:
    """Built ahead, off screen; shown again (for another conversation, then to close one
    untagged), it shows that one's tags, none of what was typed or toggled before, and the
    closing prompt only when closing."""
    first, second = needs_reply(db)[:2]
    app = make_app(db, tmp_path, config=team_config(prompt_on_close=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        built = app.get_screen("tag-picker")  # built once the queue is on screen, before any t
        assert isinstance(built, TagPickerScreen) and built.is_mounted
        assert built.query(OptionList)  # composed
        await pilot.press("t")
        await settle(pilot)
        picker = app.screen
        assert picker is built
        await type_text(pilot, "bug")
        await pilot.press("enter", "ctrl+s")
        await settle(pilot)
        await pilot.press("j", "t")
        await settle(pilot)
        assert app.screen is picker
        shown = screen_text(app)
        assert "[ ] bug-report" in shown and "bug" not in picker.filter_input.value
        assert "lost feedback" not in shown
        await type_text(pilot, "ang")
        await pilot.press("enter", "escape")  # toggled, then cancelled: nothing changes
        await settle(pilot)
        assert tags_of(db, second) == ()
        await pilot.press("k", "e")  # the first has a category tag: it closes at once
        await settle(pilot)
        assert status_of(db, first) == Status.CLOSED
        await pilot.press("e")  # the second has none: the picker asks for one
        await settle(pilot)
        assert app.screen is picker
        shown = screen_text(app)
        assert "lost feedback" in shown and "[ ] angry" not in shown  # categories only
        await pilot.press("escape")
        await settle(pilot)
        assert status_of(db, second) != Status.CLOSED


@run_async
async def test_t_marks_the_tags_the_rows_on_screen_show_without_asking_the_store(
    db: Path, tmp_path: Path
) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "bug")
        await pilot.press("enter", "ctrl+s")
        await settle(pilot)
        asked = record_asks(app.backend, "tags_of")
        await pilot.press("t")
        await settle(pilot)
        assert "[x] bug-report" in screen_text(app)
        assert asked == []


def picker_count(app: object, name: str) -> int:
    picker = app.screen  # type: ignore[attr-defined]
    assert isinstance(picker, TagPickerScreen)
    return next(choice.total_count for choice in picker.choices if choice.name == name)


@run_async
async def test_t_opens_at_once_on_the_list_read_ahead_and_read_again_after_each_change(
    db: Path, tmp_path: Path
) -> None:
    """The picker's list (the tags and how many conversations carry each) is read when the
    app starts and again after each change it hears of, so `t` asks the store nothing."""
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        release = hold_back(app.backend, "tag_choices")  # the store, slow from now on
        await pilot.press("t")
        for _ in range(3):
            await pilot.pause()
        assert isinstance(app.screen, TagPickerScreen)  # the store has not answered
        before = picker_count(app, "bug-report")
        await type_text(pilot, "bug")
        await pilot.press("enter", "ctrl+s")  # tagged: a change, the list is read again
        for _ in range(3):
            await pilot.pause()
        await pilot.press("j", "t")  # before the store answers: asked, not the stale list
        for _ in range(3):
            await pilot.pause()
        assert not isinstance(app.screen, TagPickerScreen)
        release.set()
        await settle(pilot)
        assert isinstance(app.screen, TagPickerScreen)
        assert picker_count(app, "bug-report") == before + 1
        await pilot.press("escape", "j")
        await settle(pilot)
        asked = record_asks(app.backend, "tag_choices")
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TagPickerScreen) and asked == []


@run_async
async def test_a_failed_read_ahead_of_the_tag_list_says_nothing_and_t_asks_again(
    db: Path, tmp_path: Path
) -> None:
    app = make_app(db, tmp_path)
    read = app.backend.tag_choices
    failing = [True]

    def locked() -> list[TagChoice]:
        if failing[0]:
            raise sqlite3.OperationalError("database is locked")
        return read()

    app.backend.tag_choices = locked  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.kept_tag_choices() is None
        assert "locked" not in notices(app)  # only a read ahead failed
        failing[0] = False
        await pilot.press("t")  # asks the store itself
        await settle(pilot)
        assert isinstance(app.screen, TagPickerScreen)
        assert "bug-report" in screen_text(app)


@run_async
async def test_space_toggles_the_highlighted_tag_and_is_a_space_inside_a_typed_name(
    db: Path, tmp_path: Path
) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, TagPickerScreen)
        await pilot.press("down", "space")
        assert picker.states["positive-feedback"] == "on"
        assert picker.filter_input.value == ""
        assert "[x] positive-feedback" in screen_text(app)
        await type_text(pilot, "deal")
        await pilot.press("space")
        assert picker.filter_input.value == "deal "
        assert [name for name, state in picker.states.items() if state == "on"] == [
            "positive-feedback"
        ]


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
        asked = record_asks(app.backend, "tags_of")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, TagPickerScreen)
        assert asked == []  # the row on screen says it has no category
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


@run_async
async def test_e_moves_the_cursor_on_before_the_close_is_stored(db: Path, tmp_path: Path) -> None:
    rows = needs_reply(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        release = hold_back(app.backend, "set_status")
        await pilot.press("e")
        await pilot.pause()
        assert table(app).current_id == rows[1]  # on the next one, the close still running
        assert rows[0] not in table(app).ids_in_order()
        assert status_of(db, rows[0]) != Status.CLOSED
        release.set()
        await settle(pilot)
        assert status_of(db, rows[0]) == Status.CLOSED
        assert table(app).current_id == rows[1] and table(app).ids_in_order() == rows[1:]


@run_async
async def test_a_close_in_the_closed_queue_leaves_the_row_where_it_is(
    db: Path, tmp_path: Path
) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        queue.switch_to(QueueKey.ALL)  # it holds closed ones too: the store says what stays
        await settle(pilot)
        shown = table(app).ids_in_order()
        queue.closing(shown[:1])
        assert table(app).ids_in_order() == shown


@run_async
async def test_ctrl_s_shows_the_tag_and_says_so_before_it_is_stored(
    db: Path, tmp_path: Path
) -> None:
    first = needs_reply(db)[0]
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        release = hold_back(app.backend, "retag")
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "bug")
        await pilot.press("enter", "ctrl+s")
        await pilot.pause()
        row = table(app).row_of(first)
        assert row is not None and "bug-report" in row.tags
        assert notices(app).count("Tagged #bug-report (1 conversation)") == 1
        assert tags_of(db, first) == ()
        release.set()
        await settle(pilot)
        assert tags_of(db, first) == ("bug-report",)
        row = table(app).row_of(first)
        assert row is not None and row.tags == ("bug-report",)
        assert notices(app).count("Tagged #bug-report (1 conversation)") == 1  # not twice


@run_async
async def test_a_tagged_row_on_screen_closes_without_asking_the_store(
    db: Path, tmp_path: Path
) -> None:
    rows = needs_reply(db)
    with Store.open(db) as store:
        work.add_tag(store, [rows[0]], "outage", actor=ME)
    app = make_app(db, tmp_path, config=team_config(prompt_on_close=True))

    def not_asked(ids: Sequence[int]) -> list[tuple[str, ...]]:
        raise AssertionError("the row on screen says it has a category")

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.backend.tags_of = not_asked  # type: ignore[method-assign]
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert table(app).current_id == rows[1]
    assert status_of(db, rows[0]) == Status.CLOSED


@run_async
async def test_an_order_read_before_the_close_was_stored_does_not_bring_it_back(
    db: Path, tmp_path: Path
) -> None:
    rows = needs_reply(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        release = hold_back(app.backend, "set_status")
        await pilot.press("e")
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        queue.reload()  # as new mail would: the store still has it open
        await pilot.pause(0.2)
        assert rows[0] not in table(app).ids_in_order()
        assert table(app).current_id == rows[1]
        release.set()
        await settle(pilot)
        assert table(app).ids_in_order() == rows[1:]
        assert status_of(db, rows[0]) == Status.CLOSED


@run_async
async def test_a_close_that_fails_brings_the_row_back_and_says_why(
    db: Path, tmp_path: Path
) -> None:
    rows = needs_reply(db)
    app = make_app(db, tmp_path)

    def refused(ids: Sequence[int], status: Status) -> int:
        raise WorkError("the store is read-only")

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.backend.set_status = refused  # type: ignore[method-assign]
        await pilot.press("e")
        await settle(pilot)
        assert "That did not work: the store is read-only" in notices(app)
        assert table(app).ids_in_order() == rows
    assert status_of(db, rows[0]) != Status.CLOSED
