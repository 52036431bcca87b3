"""The queue screen, driven by keys: moving, switching queues, closing, bulk actions, snooze,
assign, tag; new mail keeps the cursor where it is; untrusted text stays text."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from textual.events import MouseScrollDown
from textual.geometry import Region

from mail.ingest import Ingestor, RawMail
from storage import events, queues
from storage.db import Store
from storage.models import Status
from storage.queues import QueueKey
from tests.conftest import mail
from tests.support.tui import (
    NOW,
    Clock,
    hold_back,
    make_app,
    notices,
    record_asks,
    run_async,
    screen_text,
    settle,
    type_text,
)
from tui.backend import RowPage
from tui.screens.queue import HEAD_ROWS, QueueScreen
from tui.widgets.queue_nav import QueueNav
from tui.widgets.queue_table import QueueTable

pytestmark = pytest.mark.usefixtures("utc_local_time")

ME = "Dana Whitfield"


def needs_reply(db: Path) -> list[int]:
    with Store.open(db) as store:
        return [r.id for r in queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=NOW)]


def table(app: object) -> QueueTable:
    return app.screen.query_one(QueueTable)  # type: ignore[attr-defined, no-any-return]


def event_kinds(db: Path, conversation_id: int) -> list[tuple[str, str]]:
    with Store.open(db) as store:
        return [(e.kind, e.actor) for e in events.events_for(store, conversation_id)]


@run_async
async def test_opens_on_needs_reply_in_priority_order(db: Path, tmp_path: Path) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert table(app).ids_in_order() == needs_reply(db)
        text = screen_text(app)
        assert f"Reply {len(needs_reply(db))}" in text
        assert "demo, no network" in text
        assert "unread" in text and "outbox 0" in text


@run_async
async def test_j_and_k_move_and_queues_switch_by_number_letter_and_tab(
    db: Path, tmp_path: Path
) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "k")
        assert table(app).cursor_row == 1
        await pilot.press("g", "c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.queue == QueueKey.CLOSED
        assert all(r.status == Status.CLOSED for r in table(app).rows_shown)
        await pilot.press("g", "v")
        await settle(pilot)
        assert screen.queue == QueueKey.VIP
        assert {r.tier for r in table(app).rows_shown} == {"vip"}
        await pilot.press("3")
        await settle(pilot)
        assert screen.queue == QueueKey.UNASSIGNED
        await pilot.press("tab")
        await settle(pilot)
        assert screen.queue == QueueKey.VIP
        await pilot.press("g", "x")  # not a queue letter: nothing happens
        await settle(pilot)
        assert screen.queue == QueueKey.VIP


@run_async
async def test_switching_queue_or_searching_keeps_the_counts_a_change_recounts(
    db: Path, tmp_path: Path
) -> None:
    """At 100,000 conversations the counts take longer than a queue's rows: a switch or a
    search, which changes no count, does not ask for them again; closing one does."""
    app = make_app(db, tmp_path)
    counted: list[int] = []
    count = app.backend.queue_counts

    def recorded() -> dict[QueueKey, int]:
        counted.append(1)
        return count()

    app.backend.queue_counts = recorded  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = len(counted)
        assert first >= 1
        await pilot.press("tab", "tab", "g", "c")
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "refund")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.search_text == "refund"
        assert len(counted) == first
        nav = screen.query(QueueNav).first()
        assert nav.counts[QueueKey.NEEDS_REPLY] == len(needs_reply(db))
        await pilot.press("escape", "1")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert len(counted) > first
        assert nav.counts[QueueKey.NEEDS_REPLY] == len(needs_reply(db))


@run_async
async def test_a_tag_asks_for_no_count_nor_figures_and_a_close_asks_for_both(
    db: Path, tmp_path: Path
) -> None:
    """A tag changes what a row shows, not which queue holds it nor the status bar: at
    100,000 conversations a recount would be most of what applying a tag costs."""
    app = make_app(db, tmp_path)
    asked = record_asks(app.backend, "queue_counts", "figures")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        asked.clear()
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "bug")
        await pilot.press("enter", "ctrl+s")
        await settle(pilot)
        row = table(app).current_row
        assert row is not None and "bug-report" in row.tags
        assert asked == []
        await pilot.press("e")
        await settle(pilot)
        assert sorted(asked) == ["figures", "queue_counts"]


@run_async
async def test_rows_read_again_unchanged_and_no_selection_cleared_draw_nothing(
    db: Path, tmp_path: Path
) -> None:
    """After a change of a row's details (shown already), the rows read again are the same:
    no frame is drawn for them, nor for clearing a selection there was not."""
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        queue = table(app)
        drawn: list[int] = []
        queue.refresh = lambda *args, **kw: drawn.append(1)  # type: ignore[method-assign, assignment, misc]
        first = queue.ids_in_order()[0]
        page = app.backend.queue_rows(queue.ids_in_order()[:10])
        queue.add_rows(page, queue.generation)
        queue.clear_selection()
        assert drawn == []
        renamed = dataclasses.replace(page.rows[first], subject="Another subject")
        queue.add_rows(RowPage({**page.rows, first: renamed}), queue.generation)
        assert drawn == [1]


@run_async
async def test_e_closes_and_the_cursor_moves_on_to_the_next(db: Path, tmp_path: Path) -> None:
    before = needs_reply(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "e")
        await settle(pilot)
        assert table(app).current_id == before[2]
        assert "Closed 1 conversation" in notices(app)
    assert needs_reply(db) == [before[0], *before[2:]]
    assert ("closed", ME) in event_kinds(db, before[1])


@run_async
async def test_bulk_select_then_close_assign_and_tag(db: Path, tmp_path: Path) -> None:
    before = needs_reply(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x", "space")  # selects the first two rows
        assert table(app).targets() == before[:2]
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("down", "enter")  # Sam Rivera, after me
        await settle(pilot)
        await pilot.press("k", "k", "x", "space")
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "refund")
        await pilot.press("enter", "ctrl+s")  # create the new tag, then apply
        await settle(pilot)
    with Store.open(db) as store:
        rows = {r.id: r for r in queues.rows(store, QueueKey.ALL, me=ME, now=NOW)}
    assert [rows[i].assignee for i in before[:2]] == ["Sam Rivera", "Sam Rivera"]
    assert rows[before[2]].assignee is None
    assert rows[before[0]].tags == ("refund",)
    assert ("assigned", ME) in event_kinds(db, before[0])
    assert ("tagged", ME) in event_kinds(db, before[1])


@run_async
async def test_bulk_close_and_escape_clears_the_selection(db: Path, tmp_path: Path) -> None:
    before = needs_reply(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x", "x", "escape")
        assert table(app).selected == set()
        await pilot.press("k", "k", "x", "x", "e")
        await settle(pilot)
        assert "Closed 2 conversations" in notices(app)
    assert needs_reply(db) == before[2:]


@run_async
async def test_a_tag_can_be_taken_off_again(db: Path, tmp_path: Path) -> None:
    first = needs_reply(db)[0]
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "bug")
        await pilot.press("enter", "ctrl+s")  # create #bug, then apply
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "bug")
        await pilot.press("enter", "ctrl+s")  # the exact name comes first: toggled off
        await settle(pilot)
    assert [k for k, _ in event_kinds(db, first) if "tag" in k] == ["tagged", "untagged"]


@run_async
async def test_snooze_hides_it_until_the_chosen_time(db: Path, tmp_path: Path) -> None:
    first = needs_reply(db)[0]
    clock = Clock()
    app = make_app(db, tmp_path, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("z")
        await settle(pilot)
        assert "Tomorrow morning (Sat 09:00)" in screen_text(app)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert first not in table(app).ids_in_order()
        assert app.screen.query_one(QueueNav).counts[QueueKey.SNOOZED] == 1
        clock.advance(hours=18)  # Saturday 10:00: awake again
        app.store_changed()
        await settle(pilot)
        assert first in table(app).ids_in_order()
    with Store.open(db) as store:
        until = store.scalar("SELECT snoozed_until FROM conversations WHERE id = ?", (first,))
        detail = [e.detail for e in events.events_for(store, first) if e.kind == "snoozed"]
    assert until == int((NOW + timedelta(hours=17)).timestamp())  # Sat 09:00 UTC
    assert json.loads(detail[0])["until"].startswith("2026-11-21T09:00")


@run_async
async def test_a_typed_snooze_date_is_understood(db: Path, tmp_path: Path) -> None:
    first = needs_reply(db)[0]
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("z")
        await type_text(pilot, "2026-12-01 14:30")
        await settle(pilot)
        assert "Until Tue 01 Dec 2026 14:30" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("g", "s")
        await settle(pilot)
        assert table(app).ids_in_order() == [first]


@run_async
async def test_new_mail_keeps_the_cursor_on_its_row(db: Path, tmp_path: Path) -> None:
    before = needs_reply(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j")
        assert table(app).current_id == before[3]
        with Store.open(db) as store:
            # Waiting longer than anyone: it sorts to the top, above the cursor.
            Ingestor(store, ["support@trellis.app"]).ingest(
                [
                    RawMail(
                        mail(
                            sender="New Person <new@example.test>",
                            to="support@trellis.app",
                            subject="Brand new question",
                            message_id="<brand-new@example.test>",
                            date=NOW - timedelta(days=90),
                        ),
                        received_at=NOW,
                    )
                ]
            )
        app.store_changed()
        await settle(pilot)
        ids = table(app).ids_in_order()
        assert len(ids) == len(before) + 1
        # Above the cursor: second, after the customer about to leave.
        assert [ids[0], *ids[2:]] == before
        assert table(app).current_id == before[3]
        assert table(app).cursor_row == 4
        assert "Brand new question" in screen_text(app)


HOSTILE_SUBJECT = "[@click=app.quit]x[/] [bold red]boom[/] \x1b]0;pwned\x07\x1b[2J end"


@pytest.fixture
def hostile(db: Path) -> int:
    with Store.open(db) as store:
        Ingestor(store, ["support@trellis.app"]).ingest(
            [
                RawMail(
                    mail(
                        sender='"[b]Mallory[/b]" <mallory@example.test>',
                        to="support@trellis.app",
                        subject=HOSTILE_SUBJECT,
                        message_id="<hostile@example.test>",
                        date=NOW - timedelta(days=400),  # the longest wait: second row
                        body="[link=https://evil.test]click[/link] \x1b[31mred\x1b[0m [@click=app.quit]q[/]\n",
                    ),
                    received_at=NOW,
                )
            ]
        )
        conversation_id = int(store.scalar("SELECT max(id) FROM conversations"))
        # Parsing already strips escapes; a store written by anything else may not have: the
        # screen must not rely on it.
        raw = "\x1b]0;pwned\x07\x1b[2J\x9b31m"
        store.conn.execute(
            "UPDATE conversations SET subject = ? || subject, preview = ? || preview WHERE id = ?",
            (raw, raw, conversation_id),
        )
        store.conn.execute(
            "UPDATE messages SET new_text = ? || new_text, body_text = ? || body_text"
            " WHERE conversation_id = ?",
            (raw, raw, conversation_id),
        )
        store.conn.execute(
            "UPDATE customers SET name = ? || name WHERE id ="
            " (SELECT customer_id FROM conversations WHERE id = ?)",
            (raw, conversation_id),
        )
        store.conn.commit()
        return conversation_id


@run_async
async def test_untrusted_text_shows_literally_and_never_as_escapes(
    db: Path, tmp_path: Path, hostile: int
) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert table(app).ids_in_order()[1] == hostile  # after the customer about to leave
        text = screen_text(app)
        assert not set(text) & {"\x1b", "\x07", "\x9b"}
        assert "[@click=app.quit]x[/] [bold red]" in text
        assert "[b]Mallory[/b]" in text
        assert "[link=https://evil.test]" in text
        await pilot.press("j", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert "[@click=app.quit]x[/] [bold red]boom[/] end" in text  # the escapes are gone
        assert "[link=https://evil.test]click[/link] red [@click=app.quit]q[/]" in text
        assert not set(text) & {"\x1b", "\x07", "\x9b"}
        # Clicking where the markup would have made a link does not quit the app.
        await pilot.click(offset=(3, 0))
        await settle(pilot)
        assert app.is_running


# -- a queue longer than a screen, and than the thousand rows the table once held -----------

EXTRA = 2500


@pytest.fixture
def big(db: Path) -> Path:
    """The demo plus 2,500 open conversations waiting on us after the demo's own (their
    priority comes later), subjects numbered in their order: "Question 0000"…"Question 2499"."""
    base = int(NOW.timestamp())
    with Store.open(db) as store, store.atomic():
        store.conn.execute(
            """WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
            INSERT INTO conversations (subject, customer_addr, status, message_count,
                first_message_at, last_message_at, last_customer_message_at, awaiting_reply,
                waiting_since, preview, created_at, priority_at)
            SELECT printf('Question %04d', i), printf('asker%04d@example.test', i), 'open', 1,
                ? - 86400, ? - 86400, ? - 86400, 1, ? - 86400, 'please help', ? - 86400,
                ? + 86400 * 365 + i
            FROM n""",
            (EXTRA, base, base, base, base, base, base),
        )
    return db


def order(db: Path) -> list[int]:
    with Store.open(db) as store:
        return queues.ids(store, QueueKey.NEEDS_REPLY, me=ME, now=NOW)


@run_async
async def test_G_goes_to_the_last_of_a_queue_longer_than_a_thousand(
    big: Path, tmp_path: Path
) -> None:
    ids = order(big)
    assert len(ids) > EXTRA > 1000
    app = make_app(big, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert table(app).row_count == len(ids)
        await pilot.press("G")
        await settle(pilot)
        assert table(app).current_id == ids[-1]
        assert f"Question {EXTRA - 1:04d}" in screen_text(app)
        assert f"Reply {len(ids)}" in screen_text(app)
        await pilot.press("home")
        assert table(app).current_id == ids[0]


def bar_cells(queue: QueueTable) -> list[object]:
    """The background of the table's last cell on each line: the scroll bar's track or thumb."""
    lines = queue.render_lines(Region(0, 0, queue.size.width, queue.size.height))
    return [list(line)[-1].style.bgcolor for line in lines]


@run_async
async def test_the_wheel_scrolls_the_queue_and_a_click_on_the_bar_goes_that_far_down(
    big: Path, tmp_path: Path
) -> None:
    ids = order(big)
    app = make_app(big, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        queue = table(app)
        top = screen_text(app).splitlines()[2]  # the tabs, the header, then the first row
        bar = bar_cells(queue)
        assert bar[0] != bar[-1]  # the thumb at the top, the track below it
        for _ in range(3):
            queue.post_message(MouseScrollDown(queue, 30, 5, 0, 1, 0, False, False, False))
        await settle(pilot)
        assert queue.scroll_y > 0
        assert screen_text(app).splitlines()[2] != top
        assert queue.current_id == ids[0]  # the wheel moves the view, not the cursor

        await pilot.click(QueueTable, offset=(queue.size.width - 1, queue.size.height - 1))
        await settle(pilot)
        assert queue.current_id == ids[-1]
        assert f"Question {EXTRA - 1:04d}" in screen_text(app)
        bar = bar_cells(queue)
        assert bar[-1] != bar[0]  # the thumb at the bottom now


@run_async
async def test_a_long_queue_shows_its_first_rows_before_the_rest_of_its_order(
    big: Path, tmp_path: Path
) -> None:
    ids = order(big)
    app = make_app(big, tmp_path)
    queue_ids = app.backend.queue_ids
    release = threading.Event()

    def held(queue: QueueKey, search: str | None = None, limit: int | None = None) -> list[int]:
        if limit is None and search is None:
            release.wait(timeout=10)  # the whole order, held back
        return queue_ids(queue, search, limit)

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.backend.queue_ids = held  # type: ignore[method-assign]
        await pilot.press("tab", "shift+tab")  # away and back: shown from its top
        queue = table(app)
        for _ in range(100):
            await pilot.pause(0.02)
            if queue.row_count == HEAD_ROWS + 1:
                break
        assert queue.ids_in_order() == ids[: HEAD_ROWS + 1]
        assert queue.virtual_size.height == len(ids) + 1  # scrolls as far as the whole queue
        assert queue.current_id == ids[0]
        await pilot.press("j")
        release.set()
        await settle(pilot)
        assert queue.ids_in_order() == ids and queue.current_id == ids[1]
        await pilot.press("G")
        assert queue.current_id == ids[-1]


@run_async
async def test_rows_scrolled_to_are_placeholders_until_fetched_then_real(
    big: Path, tmp_path: Path
) -> None:
    ids = order(big)
    app = make_app(big, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        release = hold_back(app.backend, "queue_rows")
        for _ in range(3):
            await pilot.press("ctrl+d")  # half a page each: past the rows fetched with the order
        await pilot.press("pagedown", "pagedown", "pagedown")
        await pilot.pause()
        current = table(app).current_id
        assert current is not None and table(app).current_row is None
        text = screen_text(app)
        assert "…" in text and "Question" not in text  # the places, not the rows yet
        release.set()
        await settle(pilot)
        row = table(app).current_row
        assert row is not None and row.id == current == ids[table(app).cursor_row]
        assert row.subject in screen_text(app)


@run_async
async def test_j_held_past_the_rows_fetched_shows_real_rows(big: Path, tmp_path: Path) -> None:
    ids = order(big)
    app = make_app(big, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*["j"] * 120)
        await settle(pilot)
        assert table(app).current_id == ids[120]
        shown = table(app).rows_shown
        assert ids[120] in {row.id for row in shown}
        assert [row.id for row in shown] == [i for i in ids if i in {r.id for r in shown}]
        subject = table(app).current_row.subject  # type: ignore[union-attr]
        assert subject.startswith("Question") and subject in screen_text(app)


@run_async
async def test_closing_far_down_moves_the_cursor_to_the_next(big: Path, tmp_path: Path) -> None:
    ids = order(big)
    app = make_app(big, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table(app).move_cursor(row=1500)
        await settle(pilot)
        assert table(app).current_id == ids[1500]
        await pilot.press("e")
        await settle(pilot)
        assert table(app).current_id == ids[1501]
        assert table(app).cursor_row == 1500
        assert table(app).ids_in_order() == ids[:1500] + ids[1501:]
        assert table(app).current_row is not None
    assert order(big) == ids[:1500] + ids[1501:]


@run_async
async def test_a_refresh_keeps_the_cursor_on_its_conversation_as_it_moves(
    big: Path, tmp_path: Path
) -> None:
    ids = order(big)
    app = make_app(big, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table(app).move_cursor(row=2000)
        await settle(pilot)
        moving = ids[2000]
        with Store.open(big) as store:  # its priority comes round: up to the 5th row
            store.conn.execute(
                "UPDATE conversations SET priority_at = ? + 1 WHERE id = ?",
                (
                    store.scalar("SELECT priority_at FROM conversations WHERE id = ?", (ids[3],)),
                    moving,
                ),
            )
            store.conn.commit()
        app.store_changed()
        await settle(pilot)
        after = table(app).ids_in_order()
        assert after.index(moving) < 10
        assert table(app).current_id == moving
        assert table(app).cursor_row == after.index(moving)
        assert table(app).current_row is not None


@run_async
async def test_the_selection_survives_scrolling_away_and_back(big: Path, tmp_path: Path) -> None:
    ids = order(big)
    app = make_app(big, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x", "x")  # the first two
        await pilot.press("G")
        await settle(pilot)
        await pilot.press("x")  # and the last
        await pilot.press("home")
        await settle(pilot)
        assert table(app).targets() == [ids[0], ids[1], ids[-1]]
        lines = screen_text(app).splitlines()
        assert [line[1] for line in lines[2:5]] == ["✓", "✓", " "]


@run_async
async def test_only_about_a_screen_of_rows_is_fetched_and_built(big: Path, tmp_path: Path) -> None:
    """Whatever the queue's length, a screen costs its rows and a margin, not the queue; a
    refresh that changed nothing builds nothing."""
    app = make_app(big, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen_rows = table(app).size.height - 1  # under the header
        assert table(app).row_count > EXTRA
        # Twice at most: the first lines are drawn before the screen settles on its width.
        assert table(app).rows_built <= 2 * screen_rows
        assert table(app).rows_fetched <= 4 * screen_rows
        built, fetched = table(app).rows_built, table(app).rows_fetched
        app.store_changed()
        await settle(pilot)
        assert table(app).rows_built == built
        assert table(app).rows_fetched - fetched <= 4 * screen_rows
        built, fetched = table(app).rows_built, table(app).rows_fetched
        await pilot.press("G")
        await settle(pilot)
        assert table(app).rows_built - built <= screen_rows
        assert table(app).rows_fetched - fetched <= 4 * screen_rows
        built = table(app).rows_built
        await pilot.press("k", "k")  # a step builds the two rows the cursor leaves and enters
        await settle(pilot)
        assert table(app).rows_built - built == 3


@run_async
async def test_the_side_panel_fits_a_count_of_a_hundred_thousand(db: Path, tmp_path: Path) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one("#sidebar", QueueNav)
        sidebar.counts = {**sidebar.counts, QueueKey.ALL: 100_000, QueueKey.CLOSED: 78_534}
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert any(line.startswith("   All          100000 │") for line in lines)
        assert any(line.startswith("   Closed        78534 │") for line in lines)


@run_async
async def test_a_click_puts_the_cursor_on_the_row_and_a_second_opens_it(
    db: Path, tmp_path: Path
) -> None:
    from tui.screens.conversation import ConversationScreen

    before = needs_reply(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.click(QueueTable, offset=(30, 3))  # the header, then rows 0, 1, 2
        assert table(app).current_id == before[2]
        await pilot.click(QueueTable, offset=(30, 3))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.conversation_id == before[2]
