"""The conversation screen, driven by keys: the thread folded and unfolded, quoted history,
next/previous, close moves on, reopen, attachments saved under safe names."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import threading
from email.message import EmailMessage
from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from mail import attachments
from mail.attachments import AttachmentError
from storage import conversations, events, messages, queues, work
from storage.db import Store
from storage.models import Status
from storage.queues import QueueKey
from tests.support.tui import (
    NOW,
    hold_back,
    make_app,
    notices,
    record_asks,
    run_async,
    screen_text,
    settle,
    team_config,
    type_text,
)
from tui.backend import ConversationView
from tui.screens.conversation import ConversationScreen
from tui.screens.queue import QueueScreen
from tui.widgets.customer_panel import CustomerPanel
from tui.widgets.footer import KeysFooter
from tui.widgets.status_bar import StatusBar
from tui.widgets.thread import MessageView

pytestmark = pytest.mark.usefixtures("utc_local_time")

ME = "Dana Whitfield"


def needs_reply(db: Path) -> list[queues.QueueRow]:
    with Store.open(db) as store:
        return queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=NOW)


def conversation_named(db: Path, subject: str) -> int:
    with Store.open(db) as store:
        return int(
            store.scalar("SELECT id FROM conversations WHERE subject = ? LIMIT 1", (subject,))
        )


def shown(app: object) -> ConversationScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ConversationScreen)
    return screen


def views(app: object) -> list[MessageView]:
    return shown(app).thread.messages()


def a_thread_with_our_quoting_reply(db: Path) -> tuple[int, queues.QueueRow, int]:
    """The first conversation waiting on us whose thread has three messages or more, the one
    before the customer's last being our reply with quoted history: (its place, its row, how
    many messages)."""
    with Store.open(db) as store:
        for place, row in enumerate(queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=NOW)):
            thread = messages.messages_of(store, row.id)
            if (
                len(thread) >= 3
                and thread[-2].is_ours
                and thread[-2].body_text != thread[-2].new_text
            ):
                return place, row, len(thread)
    raise AssertionError("the demo has no such thread")


@run_async
async def test_the_thread_shows_the_newest_open_and_the_older_folded(
    db: Path, tmp_path: Path
) -> None:
    place, first, count = a_thread_with_our_quoting_reply(db)
    total = len(needs_reply(db))
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        unread_before = app.status.unread
        await pilot.press(*["j"] * place, "enter")
        await settle(pilot)
        screen = shown(app)
        assert screen.conversation_id == first.id
        assert [v.expanded for v in views(app)] == [False] * (count - 1) + [True]
        text = screen_text(app)
        assert first.subject in text and f"{place + 1} of {total}" in text
        assert "▸ " in text  # older messages, one line each
        assert app.status.unread == unread_before - int(first.unread)
        # Up to our reply, open it, then its quoted history.
        await pilot.press("k", "enter")
        assert views(app)[-2].expanded
        await pilot.press("f")
        await settle(pilot)
        assert views(app)[-2].full
        assert "quoted history folded" not in str(views(app)[-2].render())
    with Store.open(db) as store:
        viewed = store.scalar("SELECT last_viewed_at FROM conversations WHERE id = ?", (first.id,))
    assert viewed == int(NOW.timestamp())


@run_async
async def test_n_and_p_walk_the_queue_and_esc_goes_back(db: Path, tmp_path: Path) -> None:
    rows = needs_reply(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "n", "n")
        await settle(pilot)
        assert shown(app).conversation_id == rows[2].id
        assert f"3 of {len(rows)}" in screen_text(app)
        await pilot.press("p")
        await settle(pilot)
        assert shown(app).conversation_id == rows[1].id
        await pilot.press("p", "p")
        await settle(pilot)
        assert "the first one" in notices(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


@run_async
async def test_closing_moves_on_to_the_next_conversation(db: Path, tmp_path: Path) -> None:
    rows = needs_reply(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert shown(app).conversation_id == rows[2].id
        assert f"2 of {len(rows) - 1}" in screen_text(app)
        await pilot.press("q")
        await settle(pilot)
        assert rows[1].id not in app.screen.query_one("QueueTable").ids_in_order()  # type: ignore[attr-defined]
    with Store.open(db) as store:
        assert conversations.get(store, rows[1].id).status == Status.CLOSED


def unread(db: Path, conversation_id: int) -> bool:
    with Store.open(db) as store:
        row = queues.get_row(store, conversation_id, now=NOW)
        assert row is not None
        return row.unread


@run_async
async def test_closing_moves_on_before_the_close_is_stored_and_the_next_is_read(
    db: Path, tmp_path: Path
) -> None:
    rows = needs_reply(db)
    assert unread(db, rows[1].id)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        release = hold_back(app.backend, "set_status")
        await pilot.press("e")
        await pilot.pause()
        assert shown(app).conversation_id == rows[1].id  # the close still on its way
        with Store.open(db) as store:
            assert conversations.get(store, rows[0].id).status != Status.CLOSED
        release.set()
        await settle(pilot)
        assert shown(app).conversation_id == rows[1].id  # not moved on a second time
        with Store.open(db) as store:
            assert conversations.get(store, rows[0].id).status == Status.CLOSED
    # The store's change did not load it again unmarked: the one moved on to is read.
    assert not unread(db, rows[1].id)


@run_async
async def test_closing_a_categorized_one_asks_the_store_only_to_close_it(
    db: Path, tmp_path: Path
) -> None:
    """Its tags are on screen already (no question to the store before closing), and the
    status bar's figures come with the close and with the next one's read mark (two counts,
    no worker of their own after either)."""
    rows = needs_reply(db)
    app = make_app(db, tmp_path, config=team_config(prompt_on_close=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "bug")
        await pilot.press("enter", "ctrl+s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        asked = record_asks(app.backend, "tags_of", "figures")
        await pilot.press("e")
        await settle(pilot)
        assert shown(app).conversation_id == rows[1].id
        assert rows[1].unread
        assert asked == ["figures", "figures"]
    with Store.open(db) as store:
        assert conversations.get(store, rows[0].id).status == Status.CLOSED


@run_async
async def test_an_unread_one_counts_as_read_when_shown_and_an_older_count_does_not_undo_it(
    db: Path, tmp_path: Path
) -> None:
    """The status bar takes it off the unread in the frame that shows it, before its mark is
    written; counts read before the mark is stored (a close's, beside it) count it read too."""
    first = needs_reply(db)[0]
    assert first.unread
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = app.status.unread
        older = app.backend.figures()  # read while it is still unread
        release = hold_back(app.backend, "mark_viewed")
        await pilot.press("enter")
        while shown(app).view is None:
            await pilot.pause()
        assert unread(db, first.id)  # the mark not written yet
        assert app.status.unread == before - 1
        app.show_figures(older)
        assert app.status.unread == before - 1
        app.show_figures(app.backend.figures())  # read after it was shown, before its mark
        assert app.status.unread == before - 1
        release.set()
        await settle(pilot)
        assert not unread(db, first.id)
        assert app.status.unread == before - 1


@run_async
async def test_a_shorter_thread_hides_the_views_left_over_and_a_longer_one_shows_them_again(
    db: Path, tmp_path: Path
) -> None:
    """The message views are kept between conversations: none mounted again for a thread
    no longer than one shown before, and none of the last thread's shown in a shorter one."""
    rows = needs_reply(db)
    place = next(
        i for i in range(len(rows) - 1) if rows[i].message_count > rows[i + 1].message_count
    )
    longer, shorter = rows[place], rows[place + 1]
    app = make_app(db, tmp_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press(*["j"] * place, "enter")
        await settle(pilot)
        kept = list(shown(app).query(MessageView))
        assert len(views(app)) == len(kept) == longer.message_count
        await pilot.press("n")
        await settle(pilot)
        assert shown(app).conversation_id == shorter.id
        assert len(views(app)) == shorter.message_count
        assert list(shown(app).query(MessageView)) == kept  # the rest hidden, not removed
        await pilot.press("p")
        await settle(pilot)
        assert views(app) == kept


@run_async
async def test_the_queue_s_status_bar_is_drawn_again_when_shown_not_under_the_conversation(
    db: Path, tmp_path: Path
) -> None:
    """A change of figures while a conversation covers the queue is drawn on the
    conversation's bar only (the covered one would lay out and draw both screens again);
    back on the queue, its bar says the same."""
    app = make_app(db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        queue = app.screen
        queue_bar = queue.query_one(StatusBar)
        await pilot.press("enter")
        await settle(pilot)
        drawn = queue_bar.render_line(0).text
        app.status = dataclasses.replace(app.status, outbox=7)
        await settle(pilot)
        assert "outbox 7" in shown(app).query_one(StatusBar).render_line(0).text
        assert queue_bar.render_line(0).text == drawn
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is queue
        assert "outbox 7" in queue_bar.render_line(0).text


@run_async
async def test_a_thread_taller_than_the_terminal_opens_at_its_end_and_stays_where_the_reader_moves(
    db: Path, tmp_path: Path
) -> None:
    """Scrolled to its newest message by the layout that places it (anchored), until the
    reader moves: then an older message opened stays in view; a thread that fits is at the
    top of its view, not pushed to its bottom."""
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 10)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        thread = shown(app).thread
        width = thread.scrollable_content_region.width
        for _ in range(len(needs_reply(db))):
            taller = sum(view.rows_at_least(width) for view in views(app)) > 11
            if taller and len(views(app)) > 1:
                break
            await pilot.press("n")  # on to a longer thread
            await settle(pilot)
        assert thread.is_anchored and thread.max_scroll_y > 0
        assert thread.scroll_y == thread.max_scroll_y
        assert app.focused is views(app)[-1]
        await pilot.press("k")
        await settle(pilot)
        older = views(app)[-2]
        assert app.focused is older
        expanded = older.expanded
        await pilot.press("enter")
        await settle(pilot)
        assert older.expanded is not expanded
        top = older.region.y - thread.region.y
        assert 0 <= top < thread.region.height  # its heading still in view, not scrolled away
    app = make_app(db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        thread = shown(app).thread
        assert thread.max_scroll_y == 0 and thread.scroll_y == 0


@run_async
async def test_the_queue_beneath_reads_the_closes_once_when_shown_again(
    db: Path, tmp_path: Path
) -> None:
    rows = needs_reply(db)
    app = make_app(db, tmp_path)
    asked = record_asks(app.backend, "queue_ids", "queue_counts")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        asked.clear()
        for _ in range(3):
            await pilot.press("e")
            await settle(pilot)
        assert shown(app).conversation_id == rows[3].id
        assert asked == []  # nothing loaded for a queue nobody sees
        await pilot.press("escape")
        await settle(pilot)
        assert sorted(asked) == ["queue_counts", "queue_ids"]
        table = app.screen.query_one("QueueTable")
        assert table.ids_in_order() == [r.id for r in rows[3:]]  # type: ignore[attr-defined]


@run_async
async def test_the_customer_panel_fits_again_only_when_its_width_changed(
    db: Path, tmp_path: Path
) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        panel = shown(app).query_one(CustomerPanel)
        fitted: list[object] = []
        update = panel.update
        panel.update = lambda content="": fitted.append(update(content))  # type: ignore[method-assign, assignment, misc, func-returns-value]
        panel.on_resize()  # its height changed, say: the same lines would be drawn again
        assert fitted == []
        panel.styles.width = 44
        await settle(pilot)
        assert fitted  # a new width: fitted to it


@run_async
async def test_a_closed_conversation_reopens_with_shift_e(db: Path, tmp_path: Path) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("g", "c")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        target = shown(app).conversation_id
        assert "closed" in screen_text(app)
        await pilot.press("E")
        await settle(pilot)
        assert "closed" not in screen_text(app).splitlines()[1]
    with Store.open(db) as store:
        assert conversations.get(store, target).status != Status.CLOSED
        assert [e.actor for e in events.events_for(store, target) if e.kind == "reopened"] == [ME]


@run_async
async def test_assign_and_tag_from_inside_update_the_header(db: Path, tmp_path: Path) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "a", "enter")  # me
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "vip-lead")
        await pilot.press("enter", "ctrl+s")
        await settle(pilot)
        header = screen_text(app).splitlines()[1]
        assert "assigned to me" in header and "#vip-lead" in header


@run_async
async def test_snoozing_from_inside_moves_on(db: Path, tmp_path: Path) -> None:
    rows = needs_reply(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "z", "enter")  # in one hour
        await settle(pilot)
        assert shown(app).conversation_id == rows[1].id
        assert "Snoozed until" in notices(app)


def attachment_of(db: Path, subject: str) -> tuple[int, int, messages.Attachment]:
    """(conversation, index of its message in the thread, the attachment)."""
    conversation_id = conversation_named(db, subject)
    with Store.open(db) as store:
        thread = messages.messages_of(store, conversation_id)
    for index, message in enumerate(thread):
        if message.attachments:
            return conversation_id, index, message.attachments[0]
    raise AssertionError("no attachment")


def stdlib_bytes(db: Path, attachment: messages.Attachment) -> bytes:
    with Store.open(db) as store:
        raw = messages.raw_message(store, attachment.message_id)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    for part in parsed.iter_attachments():
        if part.get_filename() == attachment.original_filename:
            data = part.get_content()
            return data if isinstance(data, bytes) else data.encode()
    raise AssertionError("not found by the stdlib")


@run_async
async def test_s_saves_the_attachment_of_the_message(db: Path, tmp_path: Path) -> None:
    subject = "Frage zur Rechnung für Oktober"
    conversation_id, index, attachment = attachment_of(db, subject)
    rows = [r.id for r in needs_reply(db)]
    downloads = tmp_path / "downloads"
    app = make_app(db, downloads)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(rows.index(conversation_id)):
            await pilot.press("j")
        await pilot.press("enter")
        await settle(pilot)
        for _ in range(len(views(app)) - 1 - index):
            await pilot.press("k")
        await pilot.press("enter" if not views(app)[index].expanded else "f")
        assert attachment.filename in screen_text(app)
        await pilot.press("s")
        await settle(pilot)
        assert "Saved to" in notices(app)
    saved = downloads / attachment.filename
    assert saved.read_bytes() == stdlib_bytes(db, attachment)
    assert saved.stat().st_mode & 0o777 == 0o600


def test_part_bytes_walks_the_mime_tree() -> None:
    outer = EmailMessage()
    outer["Subject"] = "x"
    outer.set_content("body")
    outer.add_attachment(b"\x00\x01PDF", maintype="application", subtype="pdf", filename="a.pdf")
    inner = EmailMessage()
    inner["Subject"] = "forwarded"
    inner.set_content("inner body")
    outer.add_attachment(inner)
    raw = bytes(outer)
    assert attachments.part_bytes(raw, "2") == b"\x00\x01PDF"
    assert b"Subject: forwarded" in attachments.part_bytes(raw, "3")
    with pytest.raises(AttachmentError):
        attachments.part_bytes(raw, "7")
    with pytest.raises(AttachmentError):
        attachments.part_bytes(raw, "2.x")
    single = EmailMessage()
    single.set_content(b"bytes", maintype="application", subtype="octet-stream")
    assert attachments.part_bytes(bytes(single), "1") == b"bytes"


def test_saving_never_overwrites_and_never_leaves_the_folder(tmp_path: Path) -> None:
    first = attachments.save(b"one", "../../etc/passwd", tmp_path)
    second = attachments.save(b"two", "passwd", tmp_path)
    third = attachments.save(b"3", "report.pdf", tmp_path)
    fourth = attachments.save(b"4", "report.pdf", tmp_path)
    assert (first.name, second.name) == ("passwd", "passwd (2)")
    assert (third.name, fourth.name) == ("report.pdf", "report (2).pdf")
    assert {p.parent for p in (first, second, third, fourth)} == {tmp_path}
    assert first.read_bytes() == b"one"


@run_async
async def test_a_second_conversation_reuses_the_screen_and_shows_only_its_messages(
    db: Path, tmp_path: Path
) -> None:
    rows = needs_reply(db)
    with Store.open(db) as store:
        second_thread = [m.id for m in messages.messages_of(store, rows[1].id)]
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        first_screen = shown(app)
        assert {v.message.conversation_id for v in views(app)} == {rows[0].id}
        await pilot.press("escape", "j", "enter")
        await settle(pilot)
        assert shown(app) is first_screen
        assert [v.message.id for v in views(app)] == second_thread
        header = "\n".join(screen_text(app).splitlines()[:4])
        assert rows[1].subject[:40] in header and rows[0].subject[:40] not in header


@run_async
async def test_the_keys_start_on_the_thread_each_time_the_screen_is_shown_again(
    db: Path, tmp_path: Path
) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        queue = app.screen
        for _ in range(3):
            await pilot.press("enter")
            await settle(pilot)
            # Not a field of the hidden composer, which would swallow the keys.
            assert isinstance(app.focused, MessageView)
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is queue
            await pilot.press("j")


@run_async
async def test_a_slow_load_shows_the_subject_first_and_no_other_thread(
    db: Path, tmp_path: Path
) -> None:
    rows = needs_reply(db)
    app = make_app(db, tmp_path)
    gate = threading.Event()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        words = views(app)[-1].message.new_text.strip().splitlines()[0][:30]
        assert words in screen_text(app)
        load = app.backend.conversation_view

        def slow_load(conversation_id: int) -> ConversationView:
            gate.wait(timeout=30)
            return load(conversation_id)

        app.backend.conversation_view = slow_load  # type: ignore[method-assign]
        # The next one was read ahead: shown at once (its read behind it waits at the gate,
        # and so does the read ahead of the one after it).
        await pilot.press("n")
        for _ in range(3):
            await pilot.pause()
        assert shown(app).conversation_id == rows[1].id and shown(app).thread.visible
        words = views(app)[-1].message.new_text.strip().splitlines()[0][:30]
        await pilot.press("n")  # not read ahead: the store answers slowly
        for _ in range(3):
            await pilot.pause()
        screen = shown(app)
        assert screen.view is None and screen.conversation_id == rows[2].id
        assert rows[2].subject[:40] in "\n".join(screen_text(app).splitlines()[:4])
        assert not screen.thread.visible and screen.thread.focused_message() is None
        assert words not in screen_text(app)  # the last conversation's thread is hidden
        gate.set()
        await settle(pilot)
        assert screen.thread.visible and screen.view is not None
        assert {v.message.conversation_id for v in views(app)} == {rows[2].id}


@run_async
async def test_the_next_conversation_is_read_ahead_and_shown_at_once_then_read_again(
    db: Path, tmp_path: Path
) -> None:
    """`n` (and a close, which moves on the same way) shows the next conversation in the
    key's first frame, from what was read while the last one was read; the store is read
    again behind it, and what changed meanwhile shows a moment later."""
    rows = needs_reply(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        # A change the app has not heard of yet (as another process's, before the store
        # watch's next look): a tag on the next conversation.
        with Store.open(db) as store, store.atomic():
            work.add_tag(store, [rows[1].id], "approved-by-pete", actor="Pete", at=NOW)
        gate = hold_back(app.backend, "conversation_view")
        await pilot.press("n")
        for _ in range(3):
            await pilot.pause()
        screen = shown(app)
        assert screen.view is not None and screen.view.row.id == rows[1].id
        assert screen.thread.visible
        assert {v.message.conversation_id for v in views(app)} == {rows[1].id}
        assert "approved-by-pete" not in screen_text(app)  # as read ahead
        gate.set()
        await settle(pilot)
        assert "approved-by-pete" in screen_text(app)  # read again behind it


@run_async
async def test_nothing_is_read_ahead_across_a_change_the_app_heard_of(
    db: Path, tmp_path: Path
) -> None:
    rows = needs_reply(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = shown(app)
        before = screen._ahead
        assert before is not None and before.row.id == rows[1].id
        gate = hold_back(app.backend, "conversation_view")
        app.store_changed()  # new mail, say: the next conversation may have more
        for _ in range(3):
            await pilot.pause()
        assert screen._ahead is None
        await pilot.press("n")  # so the store is asked, however slow
        for _ in range(3):
            await pilot.pause()
        assert screen.view is None and not screen.thread.visible
        gate.set()
        await settle(pilot)
        assert screen.view is not None and screen.view.row.id == rows[1].id
        assert screen._ahead is not None and screen._ahead.row.id == rows[2].id


@run_async
async def test_esc_shows_the_read_row_read_without_asking_for_the_order_again(
    db: Path, tmp_path: Path
) -> None:
    rows = needs_reply(db)
    unread = next(row for row in rows if row.unread)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        await pilot.press(*["j"] * rows.index(unread), "enter")
        await settle(pilot)
        generation = queue.table.generation
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is queue
        row = queue.table.row_of(unread.id)
        assert row is not None and not row.unread
        assert queue.table.generation == generation  # the rows in view, not a new order


@run_async
async def test_moving_between_messages_keeps_the_footer_and_the_composer_changes_it(
    db: Path, tmp_path: Path
) -> None:
    place, _row, _count = a_thread_with_our_quoting_reply(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*["j"] * place, "enter")
        await settle(pilot)
        footer = shown(app).query_one(KeysFooter)
        keys = list(footer.query(FooterKey))
        await pilot.press("k", "k")
        await settle(pilot)
        assert list(footer.query(FooterKey)) == keys  # the same widgets: not rebuilt
        await pilot.press("r")
        await settle(pilot)
        shown_keys = {key.description for key in footer.query(FooterKey)}
        assert shown_keys != {key.description for key in keys}
