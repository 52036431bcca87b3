"""The queue screen, driven by keys: moving, switching queues, closing, bulk actions, snooze,
assign, tag; new mail keeps the cursor where it is; untrusted text stays text."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from mail.ingest import Ingestor, RawMail
from storage import events, queues
from storage.db import Store
from storage.models import Status
from storage.queues import QueueKey
from tests.conftest import mail
from tests.support.tui import (
    NOW,
    Clock,
    make_app,
    notices,
    run_async,
    screen_text,
    settle,
    type_text,
)
from tui.screens.queue import QueueScreen
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
