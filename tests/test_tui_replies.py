"""Saved replies in the app: ctrl+r in the composer, filter, insert (rendered for this customer,
tags applied, use counted), close on send, placeholders that block sending, save-as, and the
manager (new, edit, rename, delete)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TextArea

from mail import demo_replies
from mail.templates import first_name
from storage import queues, replies
from storage.db import Store
from storage.queues import QueueKey
from tests.support.tui import NOW, make_app, notices, run_async, run_command, settle, type_text
from tui.app import FrontdeskApp
from tui.screens.choice import ChoiceScreen
from tui.screens.replies_manager import RepliesManagerScreen, ReplyEditor
from tui.screens.saved_replies import SavedReplyPicker
from tui.widgets.composer import Composer

pytestmark = pytest.mark.usefixtures("utc_local_time")

ME = "Dana Whitfield"


@pytest.fixture
def replies_db(db: Path) -> Path:
    """The demo store with its saved replies (loaded here if the demo builder did not)."""
    with Store.open(db) as store:
        if not replies.all_replies(store):
            demo_replies.load(store, actor=ME, now=NOW)
    return db


def first_conversation(db: Path) -> tuple[int, str]:
    """The conversation Enter opens on the queue, and its customer's first name."""
    with Store.open(db) as store:
        row = queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=NOW)[0]
    assert row.customer is not None
    name = first_name(row.customer.name)
    assert name is not None
    return row.id, name


def composer(app: FrontdeskApp) -> Composer:
    return app.screen.query_one(Composer)


def saved(db: Path, name: str) -> replies.SavedReply:
    with Store.open(db) as store:
        found = replies.by_name(store, name)
    assert found is not None
    return found


async def open_composer(app: FrontdeskApp, pilot: object) -> None:
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("enter", "r")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    assert composer(app).is_open


@run_async
async def test_ctrl_r_filters_and_inserts_the_rendered_reply_at_the_cursor(
    replies_db: Path, tmp_path: Path
) -> None:
    conversation_id, customer = first_conversation(replies_db)
    uses_before = saved(replies_db, "Bug acknowledged").use_count
    app = make_app(replies_db, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_composer(app, pilot)
        await type_text(pilot, "Quick note first.\n\n")
        await pilot.press("ctrl+r")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, SavedReplyPicker)
        assert "Nothing to sync" not in notices(app)  # the composer's ctrl+r won
        assert len(picker.shown) == 7
        await pilot.press("b", "u", "g")
        await settle(pilot)
        assert [m.ranked.reply.name for m in picker.shown] == ["Bug acknowledged"]
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, SavedReplyPicker)
        body = composer(app).body
        assert body.startswith(f"Quick note first.\n\nHi {customer},\n\nThank you for the detailed")
        assert body.endswith("Dana")
        assert "{" not in body
        assert "Inserted 'Bug acknowledged' · tagged #bug-report" in notices(app)
        # Still the agent's text: typing goes on where the reply ended.
        assert isinstance(app.focused, TextArea)
        await type_text(pilot, " (Founder)")
        assert composer(app).body.endswith("Dana (Founder)")
    assert saved(replies_db, "Bug acknowledged").use_count == uses_before + 1
    with Store.open(replies_db) as store:
        row = queues.get_row(store, conversation_id, now=NOW)
    assert row is not None and "bug-report" in row.tags


@run_async
async def test_the_picker_previews_for_this_customer_and_escape_inserts_nothing(
    replies_db: Path, tmp_path: Path
) -> None:
    _, customer = first_conversation(replies_db)
    app = make_app(replies_db, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_composer(app, pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await type_text(pilot, "trial")
        await settle(pilot)
        preview = str(app.screen.query_one("#picker-preview").render())
        assert f"Hi {customer}," in preview
        assert "what would make this a successful trial for you?" in preview
        await pilot.press("escape")
        await settle(pilot)
        assert composer(app).body == ""
        assert composer(app).is_open


@run_async
async def test_a_reply_that_closes_closes_the_conversation_on_send(
    replies_db: Path, tmp_path: Path
) -> None:
    conversation_id, _ = first_conversation(replies_db)
    app = make_app(replies_db, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_composer(app, pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await type_text(pilot, "feature request")
        await pilot.press("enter")
        await settle(pilot)
        note = str(composer(app).query_one("#composer-note").render())
        assert "Sending closes the conversation" in note
        await pilot.press("ctrl+s")
        await settle(pilot)
    with Store.open(replies_db) as store:
        rows = store.conn.execute("SELECT conversation_id, close_after FROM outbox").fetchall()
    assert rows == [(conversation_id, 1)]


@run_async
async def test_an_unfilled_variable_blocks_sending(replies_db: Path, tmp_path: Path) -> None:
    app = make_app(replies_db, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_composer(app, pilot)
        await type_text(pilot, "Hi, you are on {customer.plan}. Prices {in EUR} below.")
        note = str(composer(app).query_one("#composer-note").render())
        assert "Fill in before sending: {customer.plan}" in note
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Not sent: fill in or remove {customer.plan} first" in notices(app)
        assert composer(app).is_open
    with Store.open(replies_db) as store:
        assert store.scalar("SELECT count(*) FROM outbox") == 0


@run_async
async def test_save_as_saved_reply_turns_names_into_variables(
    replies_db: Path, tmp_path: Path
) -> None:
    _, customer = first_conversation(replies_db)
    app = make_app(replies_db, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_composer(app, pilot)
        await type_text(pilot, f"Hi {customer},\n\nIt's fixed now.\n\nDana")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, ReplyEditor)
        await type_text(pilot, "Fixed now")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ReplyEditor)
        assert "Saved as 'Fixed now'" in notices(app)
        assert composer(app).body.startswith(f"Hi {customer},")  # the reply itself is untouched
    kept = saved(replies_db, "Fixed now")
    assert kept.body == "Hi {customer.first_name|there},\n\nIt's fixed now.\n\n{agent.first_name}"


@run_async
async def test_save_as_with_a_taken_name_keeps_the_editor_open(
    replies_db: Path, tmp_path: Path
) -> None:
    app = make_app(replies_db, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_composer(app, pilot)
        await type_text(pilot, "Some text")
        await pilot.press("ctrl+o")
        await settle(pilot)
        await type_text(pilot, "password RESET")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReplyEditor)
        error = str(app.screen.query_one("#editor-error").render())
        assert "a saved reply named 'password RESET' already exists" in error


@run_async
async def test_manager_new_edit_rename_delete(replies_db: Path, tmp_path: Path) -> None:
    app = make_app(replies_db, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_composer(app, pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("ctrl+e")  # from the picker to the manager
        await settle(pilot)
        manager = app.screen
        assert isinstance(manager, RepliesManagerScreen)
        assert [r.name for r in manager.saved][:2] == ["Bug acknowledged", "Feature request logged"]

        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ReplyEditor)
        await type_text(pilot, "Welcome")
        await pilot.press("enter")  # no text yet: on to the body
        await type_text(pilot, "Welcome aboard, {customer.first_name|friend}!")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is manager
        current = manager.current()
        assert current is not None and current.name == "Welcome"

        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, ReplyEditor)
        editor.query_one("#editor-tags").focus()
        await type_text(pilot, "Onboarding, #trial")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert saved(replies_db, "Welcome").tags == ("onboarding", "trial")

        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await type_text(pilot, "Welcome aboard")
        await pilot.press("enter")
        await settle(pilot)
        assert saved(replies_db, "Welcome aboard").tags == ("onboarding", "trial")

        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # "Keep it" comes first
        await settle(pilot)
        assert saved(replies_db, "Welcome aboard")
        await pilot.press("d", "down", "enter")
        await settle(pilot)
        assert "Deleted 'Welcome aboard'" in notices(app)
        assert all(r.name != "Welcome aboard" for r in manager.saved)
        await pilot.press("escape")
        await settle(pilot)
        assert composer(app).is_open
    with Store.open(replies_db) as store:
        assert replies.by_name(store, "Welcome aboard") is None


@run_async
async def test_the_palette_opens_the_manager(replies_db: Path, tmp_path: Path) -> None:
    app = make_app(replies_db, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await run_command(pilot, "Saved replies")
        assert isinstance(app.screen, RepliesManagerScreen)
        assert len(app.screen.saved) == 7
