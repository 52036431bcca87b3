"""Handing off in the app: `h` suggests the sales colleague first for a sales signal; `pass`
opens the composer on the pass reply with the colleague in CC and a note line, and sending
queues the reply and the note (undo cancels both); `cc` adds the offer line to the answer and
the conversation stays in support, marked shared; no colleagues: a hint; `$` corrects the
sales detector; the Handed off queue shows the colleague, the age and a late follow-up."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from mail.config import Config
from mail.demo_store import demo_config
from mail.handoff import hand_off, with_cc_line
from storage import handoffs, outbox, queues
from storage.db import Store
from storage.queues import QueueKey, QueueRow
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
from tui.app import FrontdeskApp
from tui.screens.choice import ChoiceScreen
from tui.screens.conversation import ConversationScreen
from tui.screens.queue import QueueScreen
from tui.widgets.composer import Composer
from tui.widgets.handoff_strip import HandoffStrip

pytestmark = pytest.mark.usefixtures("utc_local_time")

ME = "Dana Whitfield"
PETE = "Pete Lindqvist <pete.lindqvist@trellis.app>"


def with_colleagues(**keys: str) -> Config:
    """The tests' team, with the demo's colleagues: Pete (sales), then Maya (engineering)."""
    config = dataclasses.replace(team_config(), colleagues=demo_config().colleagues)
    assert config.colleagues[0].role == "sales"
    return dataclasses.replace(config, keys=dict(keys))


def needs_reply(db: Path) -> list[QueueRow]:
    with Store.open(db) as store:
        return queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=NOW)


def sales_row(db: Path) -> tuple[int, QueueRow]:
    """The first conversation in Needs reply with a sales signal, and its place there."""
    return next((i, r) for i, r in enumerate(needs_reply(db)) if r.sales_signal)


def quiet_row(db: Path) -> tuple[int, QueueRow]:
    """The first conversation in Needs reply without one."""
    return next((i, r) for i, r in enumerate(needs_reply(db)) if not r.sales_signal)


async def to_row(pilot: Pilot[object], index: int) -> None:
    await settle(pilot)
    for _ in range(index):
        await pilot.press("j")
    await settle(pilot)


def composer(app: FrontdeskApp) -> Composer:
    return app.screen.query_one(Composer)


def body_of(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return str(message.get_content()).replace("\r\n", "\n")


def pending(db: Path) -> list[outbox.OutboxRow]:
    with Store.open(db) as store:
        return outbox.items(store, [outbox.QUEUED])


async def back_to_queue(app: FrontdeskApp, pilot: Pilot[object]) -> None:
    """Esc until the queue (the first hides the composer, when a draft opened it)."""
    while not isinstance(app.screen, QueueScreen):
        await pilot.press("escape")
        await settle(pilot)


async def pass_to_pete(app: FrontdeskApp, pilot: Pilot[object], index: int) -> None:
    """On the queue: `h` on the row, Pete, pass; then the reply and the note edited, sent."""
    await to_row(pilot, index)
    await pilot.press("h")
    await settle(pilot)
    await pilot.press("enter")  # the first suggestion
    await settle(pilot)
    await pilot.press("enter")  # pass
    await settle(pilot)
    assert isinstance(app.screen, ConversationScreen)
    await type_text(pilot, "Thanks for asking! ")
    note = app.screen.query_one("#composer-handoff-note", Input)
    note.focus()
    await type_text(pilot, "12 seats, nonprofit discount?")
    await pilot.press("ctrl+s")
    await settle(pilot)


@run_async
async def test_h_suggests_the_sales_colleague_first_and_pass_hands_the_conversation_off(
    db: Path, tmp_path: Path
) -> None:
    index, row = sales_row(db)
    assert row.customer is not None
    app = make_app(db, tmp_path, config=with_colleagues())
    async with app.run_test(size=(120, 40)) as pilot:
        await to_row(pilot, index)
        await pilot.press("h")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, ChoiceScreen)
        assert [value.name for _, value in picker.options] == ["Pete Lindqvist", "Maya Chen"]
        shown = screen_text(app)
        assert "Pete Lindqvist  sales  ← sales signal" in shown
        assert "plans, pricing and larger teams" in shown
        assert "Sales signal: " in shown  # the words the detector matched
        await pilot.press("enter")
        await settle(pilot)
        modes = app.screen
        assert isinstance(modes, ChoiceScreen)
        assert [value for _, value in modes.options] == ["pass", "cc"]
        await pilot.press("enter")
        await settle(pilot)

        conversation = app.screen
        assert isinstance(conversation, ConversationScreen)
        assert conversation.conversation_id == row.id
        box = composer(app)
        assert box.is_open and box.handoff is not None and box.handoff.mode == "pass"
        assert box.cc == PETE
        first = row.customer.name.split()[0]
        assert box.body.startswith(f"Hi {first},\n\nSure thing, let me pass you to Pete")
        assert "will be in touch today" in box.body  # Friday 16:00: Pete works until 17:00
        assert "Pass to Pete Lindqvist" in screen_text(app)

        await type_text(pilot, "Thanks for asking! ")
        app.screen.query_one("#composer-handoff-note", Input).focus()
        await type_text(pilot, "12 seats, nonprofit discount?")
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert "Passed to Pete Lindqvist: reply and note queued" in notices(app)
        assert app.screen is conversation and conversation.conversation_id != row.id  # moved on
        reply, note = sorted(pending(db), key=lambda item: item.id)
        assert (reply.kind, note.kind) == ("reply", "handoff")
        assert "pete.lindqvist@trellis.app" in reply.recipients
        assert row.customer.addr in reply.recipients
        assert body_of(reply.raw).startswith(f"Thanks for asking! Hi {first},")
        assert note.recipients == ("pete.lindqvist@trellis.app",)
        assert f"Note from {ME}:\n12 seats, nonprofit discount?" in body_of(note.raw)
        assert row.id not in [r.id for r in needs_reply(db)]
        with Store.open(db) as store:
            handed = queues.rows(store, QueueKey.HANDED_OFF, me=ME, now=NOW)
        assert [(r.id, r.handed_off_to) for r in handed] == [(row.id, "Pete Lindqvist")]

        await back_to_queue(app, pilot)
        await pilot.press("g", "h")
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen) and queue.queue == QueueKey.HANDED_OFF
        assert queue.table.ids_in_order() == [row.id]
        assert "⇢Pete now" in screen_text(app)  # the colleague, and the handoff's age


@run_async
async def test_undo_cancels_the_reply_and_the_note_and_takes_the_handoff_back(
    db: Path, tmp_path: Path
) -> None:
    index, row = sales_row(db)
    app = make_app(db, tmp_path, config=with_colleagues())
    async with app.run_test(size=(120, 40)) as pilot:
        await pass_to_pete(app, pilot, index)
        assert len(pending(db)) == 2
        await pilot.press("u")
        await settle(pilot)

        assert pending(db) == []
        with Store.open(db) as store:
            states = {item.kind: item.state for item in outbox.items(store, [outbox.CANCELLED])}
            (passed,) = handoffs.handoffs(store, conversation_id=row.id)
        assert states == {"reply": outbox.CANCELLED, "handoff": outbox.CANCELLED}
        assert passed.current is False
        assert row.id in [r.id for r in needs_reply(db)]  # back in support
        assert "Undone: the handoff is back in your draft" in notices(app)
        # Back on the conversation, with the handoff as it was, ready to send again.
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.conversation_id == row.id
        box = composer(app)
        assert box.handoff is not None and box.handoff.mode == "pass"
        assert box.body.startswith("Thanks for asking! Hi ") and box.cc == PETE


@run_async
async def test_cc_adds_the_offer_to_the_answer_and_the_conversation_stays_shared(
    db: Path, tmp_path: Path
) -> None:
    index, row = sales_row(db)
    answer = "Hi there,\n\nyes: nonprofits get half off every plan.\n\nDana"
    app = make_app(db, tmp_path, config=with_colleagues())
    async with app.run_test(size=(120, 40)) as pilot:
        await to_row(pilot, index)
        await pilot.press("r")
        await settle(pilot)
        await type_text(pilot, answer)
        await pilot.press("escape")  # the draft is kept; the keys are the screen's again
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("enter")  # Pete
        await settle(pilot)
        await pilot.press("down", "enter")  # cc
        await settle(pilot)

        box = composer(app)
        assert box.handoff is not None and box.handoff.mode == "cc"
        line = (
            "I've copied in Pete, who looks after plans, pricing and larger teams: happy to "
            "set up a call with Pete if that helps."
        )
        assert box.body == with_cc_line(answer, line)  # before the sign-off
        assert box.cc == PETE
        assert not app.screen.query_one("#composer-handoff-note", Input).display  # no note
        await pilot.press("ctrl+s")
        await settle(pilot)

        (reply,) = pending(db)
        assert reply.kind == "reply" and "pete.lindqvist@trellis.app" in reply.recipients
        assert line in body_of(reply.raw).replace("\n", " ")
        assert "Shared with Pete Lindqvist: reply queued" in notices(app)
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.conversation_id == row.id
        (stays,) = [r for r in needs_reply(db) if r.id == row.id]
        assert (stays.handed_off_to, stays.shared_with) == (None, "Pete Lindqvist")
        assert "+ Shared by CC with Pete Lindqvist" in screen_text(app)
        await back_to_queue(app, pilot)
        assert "+Pete" in screen_text(app)  # marked on its queue row


@run_async
async def test_a_pass_keeps_the_draft_below_the_pass_reply(db: Path, tmp_path: Path) -> None:
    index, _ = sales_row(db)
    app = make_app(db, tmp_path, config=with_colleagues())
    async with app.run_test(size=(120, 40)) as pilot:
        await to_row(pilot, index)
        await pilot.press("r")
        await settle(pilot)
        await type_text(pilot, "Half off for nonprofits.")
        await pilot.press("escape", "h", "enter", "enter")
        await settle(pilot)
        body = composer(app).body
        assert "let me pass you to Pete" in body
        assert body.endswith("\n\nHalf off for nonprofits.")
        assert "Your draft is kept below the pass reply" in notices(app)


@run_async
async def test_without_colleagues_h_says_how_to_add_one(db: Path, tmp_path: Path) -> None:
    app = make_app(db, tmp_path, config=team_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)  # no empty picker
        assert "frontdesk colleagues add --name NAME --email ADDR" in notices(app)


@run_async
async def test_the_handoff_key_can_be_remapped(db: Path, tmp_path: Path) -> None:
    app = make_app(db, tmp_path, config=with_colleagues(handoff="H"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)


@run_async
async def test_a_quiet_conversation_lists_the_colleagues_in_the_config_order(
    db: Path, tmp_path: Path
) -> None:
    config = with_colleagues()
    config = dataclasses.replace(config, colleagues=list(reversed(config.colleagues)))
    index, _ = quiet_row(db)
    app = make_app(db, tmp_path, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_row(pilot, index)
        await pilot.press("h")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, ChoiceScreen)
        assert [value.name for _, value in picker.options] == ["Maya Chen", "Pete Lindqvist"]
        assert "← sales signal" not in screen_text(app)


@run_async
async def test_dollar_marks_the_detection_wrong_either_way_and_the_badge_follows(
    db: Path, tmp_path: Path
) -> None:
    index, row = sales_row(db)
    app = make_app(db, tmp_path, config=with_colleagues())
    async with app.run_test(size=(120, 40)) as pilot:
        await to_row(pilot, index)
        await pilot.press("enter")
        await settle(pilot)
        strip = app.screen.query_one(HandoffStrip)
        assert "$ sales signal  $: not a sale  " in screen_text(app)
        assert row.sales_reasons[0] in screen_text(app)

        await pilot.press("dollar_sign")
        await settle(pilot)
        with Store.open(db) as store:
            state = handoffs.sales_state(store, row.id)
        assert (state.detected, state.verdict, state.signal) == (True, False, False)
        assert "Marked not a sale" in notices(app)
        assert "$ not a sale (your word)" in screen_text(app) and strip.display
        assert "· $ sales signal" not in screen_text(app)  # the header's badge is gone

        await pilot.press("dollar_sign")
        await settle(pilot)
        with Store.open(db) as store:
            assert handoffs.sales_state(store, row.id).verdict is True
        assert "$ sales signal (your word)" in screen_text(app)

        await back_to_queue(app, pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        await pilot.press("dollar_sign")  # on the queue too: the cursor row
        await settle(pilot)
        (shown,) = [r for r in queue.table.rows_shown if r.id == row.id]
        assert shown.sales_signal is False
        marks = queue.table.cell(row.id, "marks").plain
        assert "$" not in marks


@run_async
async def test_the_handed_off_queue_flags_a_colleague_who_has_not_answered(
    db: Path, tmp_path: Path
) -> None:
    config = with_colleagues()
    _, row = sales_row(db)
    with Store.open(db) as store:
        # A week ago: more than the two working days the follow-up waits.
        hand_off(store, config, row.id, "Pete", note="wants a quote", now=NOW - timedelta(days=7))
    app = make_app(db, tmp_path, config=config)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("g", "h")
        await settle(pilot)
        assert "NO REPLY ⇢Pete 7d" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        shown = screen_text(app)
        assert "⇢ Passed to Pete Lindqvist 7d ago · no reply from Pete: follow up" in shown
        assert "“wants a quote” · by Dana Whitfield" in shown
