"""The composer: reply, send (into the outbox, with an undo window), undo, send-and-close,
discard; drafts that survive closing the app; the demo's outbox file; $EDITOR."""

from __future__ import annotations

import mailbox
import stat
from pathlib import Path

import pytest

from storage import drafts, messages, queues
from storage.db import Store
from storage.queues import QueueKey
from tests.support.tui import (
    NOW,
    make_app,
    notices,
    run_async,
    screen_text,
    settle,
    team_config,
    type_text,
)
from tui.screens.conversation import ConversationScreen
from tui.widgets.composer import Composer, EditorError, edit_in_editor

pytestmark = pytest.mark.usefixtures("utc_local_time")

ME = "Dana Whitfield"


def first_two(db: Path) -> list[int]:
    with Store.open(db) as store:
        return [r.id for r in queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=NOW)][:2]


def outbox_rows(db: Path) -> list[tuple[int, str, int, int]]:
    with Store.open(db) as store:
        return [
            (int(r[0]), str(r[1]), int(r[2]), int(r[3]))
            for r in store.conn.execute(
                "SELECT conversation_id, state, close_after, send_after FROM outbox ORDER BY id"
            )
        ]


def composer(app: object) -> Composer:
    return app.screen.query_one(Composer)  # type: ignore[attr-defined, no-any-return]


@run_async
async def test_reply_send_and_undo(db: Path, tmp_path: Path) -> None:
    first, _ = first_two(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert composer(app).is_open
        await type_text(pilot, "Hi Emily,\n\nthe quote is attached.\n\nDana")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not composer(app).is_open and composer(app).body == ""
        assert "sending in 10 s. Press u to undo" in notices(app)
        assert "outbox 1" in screen_text(app)
        assert outbox_rows(db) == [(first, "queued", 0, int(NOW.timestamp()) + 10)]
        with Store.open(db) as store:
            assert drafts.get(store, first) is None
        await pilot.press("u")
        await settle(pilot)
        assert "the reply is back in your draft" in notices(app)
        assert composer(app).is_open
        assert composer(app).body.startswith("Hi Emily,")
        assert "outbox 0" in screen_text(app)
    assert [state for _, state, _, _ in outbox_rows(db)] == ["cancelled"]
    with Store.open(db) as store:
        draft = drafts.get(store, first)
    assert draft is not None and draft.body.startswith("Hi Emily,")


@run_async
async def test_a_draft_survives_closing_the_app(db: Path, tmp_path: Path) -> None:
    first, second = first_two(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await type_text(pilot, "Half-written answer")
        await pilot.press("escape")  # hides the composer, keeps the draft
        await settle(pilot)
        assert not composer(app).is_open
        await pilot.press("n", "r")
        await settle(pilot)
        await type_text(pilot, "Typed just before quitting")
        await pilot.press("ctrl+q")
    with Store.open(db) as store:
        kept = drafts.get(store, first)
        last = drafts.get(store, second)
    assert kept is not None and kept.body == "Half-written answer"
    assert last is not None and last.body == "Typed just before quitting"

    again = make_app(db, tmp_path)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "✎" in screen_text(again)  # the queue marks conversations with a draft
        await pilot.press("enter")
        await settle(pilot)
        assert composer(again).is_open
        assert composer(again).body == "Half-written answer"


@run_async
async def test_discard_throws_the_draft_away(db: Path, tmp_path: Path) -> None:
    first, _ = first_two(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await type_text(pilot, "Not this")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("r", "ctrl+g")
        await settle(pilot)
        assert "Draft discarded" in notices(app)
        await pilot.press("r", "ctrl+s")  # empty: nothing is sent
        await settle(pilot)
        assert "Nothing to send" in notices(app)
    with Store.open(db) as store:
        assert drafts.get(store, first) is None
    assert outbox_rows(db) == []


@run_async
async def test_send_and_close_moves_on(db: Path, tmp_path: Path) -> None:
    first, second = first_two(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "r")
        await settle(pilot)
        await type_text(pilot, "Done, closing this.")
        await pilot.press("ctrl+t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.conversation_id == second
    assert outbox_rows(db) == [(first, "queued", 1, int(NOW.timestamp()) + 10)]


@run_async
async def test_the_demo_sends_into_its_outbox_file(db: Path, tmp_path: Path) -> None:
    first, _ = first_two(db)
    outbox = tmp_path / "demo-outbox.mbox"
    app = make_app(db, tmp_path, config=team_config(undo_seconds=0), demo_outbox=outbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "r")
        await settle(pilot)
        await type_text(pilot, "Sent from the demo.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        app.action_flush_outbox()
        await settle(pilot)
        assert f"1 reply sent (to {outbox})" in notices(app)
        assert "Sent from the demo." in screen_text(app)  # our reply, now in the thread
        assert "(us)" in screen_text(app)
    (sent,) = list(mailbox.mbox(outbox))
    assert "Sent from the demo." in sent.get_payload(decode=True).decode()
    assert [state for _, state, _, _ in outbox_rows(db)] == ["sent"]
    with Store.open(db) as store:
        assert messages.messages_of(store, first)[-1].is_ours


def test_edit_in_editor_returns_what_the_editor_saved(tmp_path: Path) -> None:
    script = tmp_path / "fake-editor"
    script.write_text('#!/bin/sh\nfor last; do :; done\nprintf "edited\\n" >> "$last"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    assert edit_in_editor("draft\n", {"EDITOR": str(script)}) == "draft\nedited\n"
    assert edit_in_editor("x", {"VISUAL": f"{script} --flag", "EDITOR": "nope"}).endswith(
        "edited\n"
    )
    failing = tmp_path / "failing-editor"
    failing.write_text("#!/bin/sh\nexit 3\n")
    failing.chmod(failing.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(EditorError, match="status 3"):
        edit_in_editor("x", {"EDITOR": str(failing)})
    with pytest.raises(EditorError, match="cannot run"):
        edit_in_editor("x", {"EDITOR": str(tmp_path / "missing")})
