"""A conversation: its thread (newest last, older folded), the customer beside it, and the
composer under it. `n`/`p` walk the queue it was opened from; closing moves on to the next.

The queue builds this screen once and shows each conversation it opens in it: the header is
painted at once from the queue's row, the rest when the store has answered."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from mail import templates
from mail.replies import Ranked, agent_name, context_for_customer
from mail.sanitize import clean_line
from storage.errors import FrontdeskError
from storage.models import Attachment, Status
from storage.queues import QueueRow
from storage.replies import SavedReply
from tui import render
from tui.backend import Backend, ConversationView, Figures, HandoffDraft, HandoffPlan
from tui.bindings import CONVERSATION
from tui.messages import StoreChanged
from tui.screens.choice import ChoiceScreen
from tui.screens.replies_manager import RepliesManagerScreen, ReplyEditor
from tui.screens.saved_replies import MANAGE, Pick, SavedReplyPicker
from tui.screens.work import WorkScreen
from tui.widgets.composer import Composer
from tui.widgets.customer_panel import CustomerPanel
from tui.widgets.footer import KeysFooter
from tui.widgets.handoff_strip import HandoffStrip
from tui.widgets.status_bar import StatusBar
from tui.widgets.thread import ThreadView


class ConversationScreen(WorkScreen):
    CSS_PATH = "conversation.tcss"
    BINDINGS = CONVERSATION
    # Shown again for another conversation, the keys start on the thread, never on a field
    # of the (hidden) composer, which would be first in the focus chain.
    AUTO_FOCUS = "#thread"

    class Loaded(Message):
        def __init__(self, view: ConversationView, now: datetime, marking: bool) -> None:
            super().__init__()
            self.view = view
            self.now = now
            self.marking = marking  # it is being marked read

    class ReadAhead(Message):
        """The conversation a close or `n` would show next, read before it is asked for."""

        def __init__(self, view: ConversationView) -> None:
            super().__init__()
            self.view = view

    class Viewed(Message):
        """The conversation is marked read: the status bar's figures, read after."""

        def __init__(self, conversation_id: int, figures: Figures) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.figures = figures

    class Queued(Message):
        """The reply is in the outbox."""

        def __init__(
            self,
            outbox_id: int,
            conversation_id: int,
            body: str,
            cc: str,
            close: bool,
            handoff: HandoffPlan | None = None,
            note_id: int | None = None,
        ) -> None:
            super().__init__()
            self.outbox_id = outbox_id
            self.conversation_id = conversation_id
            self.body = body
            self.cc = cc
            self.close = close
            self.handoff = handoff  # the reply hands off: `note_id` is the colleague's note
            self.note_id = note_id

    def __init__(
        self,
        conversation_id: int,
        queue_ids: list[int],
        queue_title: str,
        reply: bool = False,
        handoff: HandoffPlan | None = None,
        row_of: Callable[[int], QueueRow | None] = lambda conversation_id: None,
    ) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self._aim(queue_ids, queue_title, reply, handoff, row_of)
        self.view: ConversationView | None = None
        self._draft_lock = threading.Lock()
        self._draft_seq = 0
        self._draft_written = 0
        self._composer = Composer(id="composer", clock=self.now)
        self._built = False  # drawn once with a conversation
        # The next conversation of the queue, read while this one is read (see `_read_ahead`).
        self._ahead: ConversationView | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="conv-header")
        yield Static("", id="conv-place")
        yield HandoffStrip(id="conv-handoff")
        with Horizontal():
            yield ThreadView(id="thread")
            yield CustomerPanel(id="customer")
        yield self._composer
        yield StatusBar()
        yield KeysFooter()

    @property
    def thread(self) -> ThreadView:
        return self.query_one(ThreadView)

    @property
    def composer(self) -> Composer:
        return self._composer

    def on_mount(self) -> None:
        self._paint_from_queue()
        self.reload(mark_viewed=True)

    def show_conversation(
        self,
        conversation_id: int,
        queue_ids: list[int],
        queue_title: str,
        *,
        reply: bool = False,
        handoff: HandoffPlan | None = None,
        row_of: Callable[[int], QueueRow | None] = lambda conversation_id: None,
    ) -> None:
        """Opens another conversation in this screen, as a new screen would."""
        self._aim(queue_ids, queue_title, reply, handoff, row_of)
        self.go_to(conversation_id)

    def _aim(
        self,
        queue_ids: list[int],
        queue_title: str,
        reply: bool,
        handoff: HandoffPlan | None,
        row_of: Callable[[int], QueueRow | None],
    ) -> None:
        """What the screen is opened on: the queue it walks and what to do once loaded."""
        self.queue_ids = list(queue_ids)
        self.queue_title = queue_title
        self.reply_on_load = reply
        self.handoff_on_load = handoff  # `h` on the queue: the composer opens on the handoff
        self.row_of = row_of  # the queue's rows already fetched, to paint a header at once
        # (conversation, plan, body) of an undone handoff, restored when that one is shown
        self._undone_handoff: tuple[int, HandoffPlan, str] | None = None

    def on_unmount(self) -> None:
        # The app is quitting with edits not yet saved: a small write, and the UI is gone.
        if self.composer.take_pending():
            self.backend.save_draft(self.conversation_id, self.composer.body, self.composer.cc)
        seconds = self.composer.stop_clock()
        if seconds:
            self.backend.record_handle_time(self.conversation_id, seconds)

    # -- loading --------------------------------------------------------------------------

    def reload(self, mark_viewed: bool = False, shown: ConversationView | None = None) -> None:
        self._load(self.conversation_id, mark_viewed, shown)

    @work(thread=True, exclusive=True, group="conversation-load", exit_on_error=False)
    def _load(
        self, conversation_id: int, mark_viewed: bool, shown: ConversationView | None = None
    ) -> None:
        """Reads the conversation and shows it, unless it is `shown` already (read ahead)."""
        view = self.backend.conversation_view(conversation_id)
        if get_current_worker().is_cancelled:
            return
        if view != shown:
            self.post_message(self.Loaded(view, self.now(), mark_viewed))
        # Marked read after it is on its way to the screen: the write waits on the disk.
        if mark_viewed:
            self.backend.mark_viewed(conversation_id)
            self.post_message(self.Viewed(conversation_id, self.backend.figures()))

    @on(Viewed)
    def _viewed(self, event: Viewed) -> None:
        self.frontdesk.marked(event.conversation_id, event.figures)
        if event.conversation_id == self.conversation_id:
            self._read_next()

    def _read_next(self) -> None:
        """Reads the conversation a close would move on to (the next, else the previous) once
        this one is on screen and marked: that one then shows in the key's first frame, as a
        mail client shows the next message it has fetched ahead. The store is read again
        behind it, and what changed meanwhile is shown a moment later."""
        target = self._neighbour(1) or self._neighbour(-1)
        if target is not None and (self._ahead is None or self._ahead.row.id != target):
            self._ahead = None
            self._read_ahead(target)

    @work(thread=True, exclusive=True, group="read-ahead", exit_on_error=False)
    def _read_ahead(self, conversation_id: int) -> None:
        try:
            view = self.backend.conversation_view(conversation_id)
        except (FrontdeskError, sqlite3.Error):
            return  # gone meanwhile, say: it is read (and reported) when it is asked for
        if not get_current_worker().is_cancelled:
            self.post_message(self.ReadAhead(view))

    @on(ReadAhead)
    def _read_ahead_done(self, event: ReadAhead) -> None:
        if event.view.row.id in (self._neighbour(1), self._neighbour(-1)):
            self._ahead = event.view

    def _paint_from_queue(self) -> None:
        """What the queue's row already says (the header, the place), with the last
        conversation's thread and customer hidden until this one's arrive."""
        row = self.row_of(self.conversation_id)
        header = self.query_one("#conv-header", Static)
        if row is None:
            header.update("")
        else:
            header.update(render.conversation_header(row, self.now(), self.backend.me))
        self._show_place()
        self.query_one(HandoffStrip).remove_class("-shown")
        # Hidden, not emptied: the thread's views are reused, and a style set inline costs no
        # pass over the stylesheet.
        self.query_one(CustomerPanel).visible = False
        self.thread.visible = False

    @on(Loaded)
    async def _loaded(self, event: Loaded) -> None:
        view = event.view
        if view.row.id != self.conversation_id:
            return
        first = self.view is None or self.view.row.id != view.row.id
        if not self._built:
            self._built = True  # its widgets, shown again for every conversation from now on
            self.call_after_refresh(self.frontdesk.keep_long_lived)
        self.view = view
        row = view.row
        counted = row.unread and row.status != Status.CLOSED and row.snoozed_until is None
        if first and event.marking and counted:
            self.frontdesk.opened_unread(row.id)
        me = self.backend.me
        self.query_one("#conv-header", Static).update(
            render.conversation_header(view.row, event.now, me)
        )
        self._show_place()
        customer = self.query_one(CustomerPanel)
        customer.show(view.customer, event.now)
        customer.visible = True
        self.query_one(HandoffStrip).show(view.sales, view.handoffs, event.now)
        await self.thread.show(view.messages, event.now)
        self.thread.visible = True
        if first:
            composer = self.composer
            draft = view.draft
            composer.load(draft.body if draft else "", draft.cc if draft else "")
            if self.reply_on_load or draft is not None:
                self.reply_on_load = False
                composer.open(self._reply_to())
            if self.handoff_on_load is not None:
                self.start_handoff(view.row.id, self.handoff_on_load)
                self.handoff_on_load = None
            if self._undone_handoff is not None and self._undone_handoff[0] == view.row.id:
                _undone, plan, body = self._undone_handoff
                self._undone_handoff = None
                composer.open_handoff(self._reply_to(), plan, body)
        if not event.marking:  # read again after a change: so is the next (else once marked)
            self._read_next()

    def _show_place(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        if self.conversation_id in self.queue_ids:
            index = self.queue_ids.index(self.conversation_id) + 1
            text.append(f"{clean_line(self.queue_title)} · {index} of {len(self.queue_ids)}")
        else:
            text.append(clean_line(self.queue_title))
        if self.view is not None and self.view.customer is not None:
            others = len(self.view.customer.conversations)
            if others:
                text.append(f" · {others} other conversation{'s' if others > 1 else ''}")
        text.append("   n/p next/previous · esc back", style="dim")
        self.query_one("#conv-place", Static).update(text)

    def _reply_to(self) -> str:
        if self.view is None or self.view.row.customer is None:
            return "the customer"
        return self.view.row.customer.display()

    @on(StoreChanged)
    def _store_changed(self) -> None:
        # What was read ahead, or is being read, may be from before the change: read again
        # once this one is.
        self.workers.cancel_group(self, "read-ahead")
        self._ahead = None
        self.reload()

    # -- moving ---------------------------------------------------------------------------

    def _keep_draft(self) -> None:
        """Writes what the composer holds for this conversation before leaving it."""
        if self.composer.take_pending():
            self._draft_seq += 1
            self._write_draft(
                self.conversation_id, self.composer.body, self.composer.cc, self._draft_seq
            )

    def go_to(self, conversation_id: int) -> None:
        self._keep_draft()
        self._stop_handle_clock()
        self.conversation_id = conversation_id
        self.view = None
        self.thread.shown_ids = ()  # shown afresh, even when it is the one shown last
        self.composer.end_handoff()
        self.composer.remove_class("-open")
        # Nothing of the last conversation keeps the keys (a hidden composer's field would take
        # them): the thread has them, and focuses its newest message when it arrives.
        self.set_focus(self.thread)
        self._paint_from_queue()
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead.row.id == conversation_id:
            # Shown now, in this key's frame; the store is read again behind it.
            self.post_message(self.Loaded(ahead, self.now(), True))
            self.reload(mark_viewed=True, shown=ahead)
        else:
            self.reload(mark_viewed=True)

    def _neighbour(self, step: int) -> int | None:
        if self.conversation_id not in self.queue_ids:
            return None
        index = self.queue_ids.index(self.conversation_id) + step
        return self.queue_ids[index] if 0 <= index < len(self.queue_ids) else None

    def action_next_conversation(self) -> None:
        target = self._neighbour(1)
        if target is None:
            self.notify("That was the last one in this queue", timeout=2)
        else:
            self.go_to(target)

    def action_previous_conversation(self) -> None:
        target = self._neighbour(-1)
        if target is None:
            self.notify("That was the first one in this queue", timeout=2)
        else:
            self.go_to(target)

    def move_on(self) -> None:
        """After closing: the next conversation of the queue (as Gmail's ] does), else back."""
        target = self._neighbour(1) or self._neighbour(-1)
        if self.conversation_id in self.queue_ids:
            self.queue_ids.remove(self.conversation_id)
        if target is None:
            self.dismiss_to_queue()
        else:
            self.go_to(target)

    def dismiss_to_queue(self) -> None:
        self._ahead = None
        self._keep_draft()
        self._stop_handle_clock()
        self.app.pop_screen()

    def action_back(self) -> None:
        self.dismiss_to_queue()

    def closing(self, ids: Sequence[int]) -> None:
        # On to the next at once, as Gmail's archive does: the store has the close a moment
        # later (and a close that fails says so in a notice; the queue still holds it).
        self.move_on()

    def after_change(self, kind: str) -> None:
        if kind == "snoozed":
            self.move_on()  # it left the queue
        elif kind != "closed":  # closed: moved on already
            self.reload()

    # -- messages -------------------------------------------------------------------------

    def targets(self) -> list[int]:
        return [self.conversation_id]

    def target_snoozed(self) -> bool:
        return self.view is not None and self.view.row.snoozed_until is not None

    def shown_tags(self, ids: Sequence[int]) -> list[tuple[str, ...]] | None:
        view = self.view
        if view is None or list(ids) != [view.row.id]:
            return None
        return [view.row.tags]

    def target_tier(self) -> str | None:
        return self.view.row.tier if self.view is not None else None

    def edit_customer_of(self) -> int | None:
        return self.conversation_id

    def action_next_message(self) -> None:
        self.thread.move(1)

    def action_previous_message(self) -> None:
        self.thread.move(-1)

    def action_toggle_message(self) -> None:
        focused = self.thread.focused_message()
        if focused is not None:
            self.thread.release_anchor()  # the thread stays where it is as the message grows
            focused.toggle()

    def action_full_text(self) -> None:
        focused = self.thread.focused_message()
        if focused is not None:
            self.thread.release_anchor()
            focused.toggle_full()

    def action_save_attachments(self) -> None:
        focused = self.thread.focused_message()
        if focused is None or not focused.message.attachments:
            self.notify("This message has no attachments", timeout=2)
            return
        message = focused.message
        found = list(message.attachments)
        if len(found) == 1:
            self._save(message.id, found)
            return
        options: list[tuple[Text | str, object]] = [(f"All {len(found)} files", found)]
        options += [(Text(clean_line(a.filename)), [a]) for a in found]

        def chosen(choice: object) -> None:
            if isinstance(choice, list):
                self._save(message.id, choice)

        self.app.push_screen(ChoiceScreen("Save which attachment?", options), chosen)

    @work(thread=True, exit_on_error=False, group="attachments")
    def _save(self, message_row_id: int, chosen: list[Attachment]) -> None:
        folder = self.frontdesk.downloads
        saved: list[Path] = [
            self.backend.save_attachment(message_row_id, a.part_path, a.filename, folder)
            for a in chosen
        ]
        names = ", ".join(p.name for p in saved)
        self.app.call_from_thread(
            self.notify, f"Saved to {folder}: {names}", title="Attachments", markup=False
        )

    # -- replying -------------------------------------------------------------------------

    def action_reply(self) -> None:
        self.composer.open(self._reply_to())

    @on(Composer.DraftChanged)
    def _draft_changed(self, event: Composer.DraftChanged) -> None:
        self._draft_seq += 1
        self._write_draft(self.conversation_id, event.body, event.cc, self._draft_seq)

    @work(thread=True, exit_on_error=False, group="draft")
    def _write_draft(self, conversation_id: int, body: str, cc: str, seq: int) -> None:
        # Saves run in threads that may finish out of order: only a newer text is written.
        with self._draft_lock:
            if seq <= self._draft_written:
                return
            self.backend.save_draft(conversation_id, body, cc)
            self._draft_written = seq

    def _stop_handle_clock(self) -> None:
        """The composer closed or this conversation is left: its open time is journaled."""
        seconds = self.composer.stop_clock()
        if seconds:
            self._record_handle_time(self.conversation_id, seconds)

    @work(thread=True, exit_on_error=False, group="handle-time")
    def _record_handle_time(self, conversation_id: int, seconds: int) -> None:
        self.backend.record_handle_time(conversation_id, seconds)

    @on(Composer.Discarded)
    def _discarded(self) -> None:
        self._stop_handle_clock()
        self._draft_seq += 1
        seq = self._draft_seq
        conversation_id = self.conversation_id

        def discard(backend: Backend) -> None:
            with self._draft_lock:  # after any save still on its way
                self._draft_written = seq
                backend.discard_draft(conversation_id)

        self.change(discard, "Draft discarded", "draft")
        self.thread.move(0)

    @on(Composer.Hidden)
    def _hidden(self) -> None:
        self._stop_handle_clock()
        self.thread.move(0)

    @on(Composer.Send)
    def _send(self, event: Composer.Send) -> None:
        self._draft_seq += 1
        if event.handoff is not None:
            self._queue_handoff(
                self.conversation_id, event.body, event.cc, event.handoff, self._draft_seq
            )
            return
        self._queue_reply(self.conversation_id, event.body, event.cc, event.close, self._draft_seq)

    @work(thread=True, exit_on_error=False, group="send")
    def _queue_reply(self, conversation_id: int, body: str, cc: str, close: bool, seq: int) -> None:
        recipients = [part.strip() for part in cc.split(",") if part.strip()]
        with self._draft_lock:
            self._draft_written = seq
            item = self.backend.send(conversation_id, body, recipients, close)
        self.post_message(self.Queued(item.id, conversation_id, body, cc, close))

    @on(Queued)
    def _queued(self, event: Queued) -> None:
        self.frontdesk.reply_queued(
            event.outbox_id,
            event.conversation_id,
            event.body,
            event.cc,
            handoff=event.handoff,
            note_id=event.note_id,
        )
        if event.conversation_id != self.conversation_id:
            return
        self._stop_handle_clock()
        self.composer.clear()
        self.composer.remove_class("-open")
        if event.handoff is not None and event.handoff.mode == "pass":
            # Passed on, it has left the support queue: on to the next, as after closing,
            # with the keys on the thread (not on the hidden note line).
            self.thread.move(0)
            self.move_on()
        elif event.close:
            self.move_on()
        else:
            self.thread.move(0)

    # -- handing off ----------------------------------------------------------------------

    def target_row(self) -> QueueRow | None:
        return self.view.row if self.view is not None else None

    def start_handoff(self, conversation_id: int, plan: HandoffPlan) -> None:
        earlier = self.composer.handoff
        # A pass reply being rewritten for another colleague is not a draft to keep.
        body = "" if earlier is not None and earlier.mode == "pass" else self.composer.body
        self._prepare_handoff(conversation_id, plan, body)

    @work(thread=True, exit_on_error=False, group="handoff")
    def _prepare_handoff(self, conversation_id: int, plan: HandoffPlan, body: str) -> None:
        draft = self.backend.handoff_draft(conversation_id, plan, body)
        self.app.call_from_thread(self._open_handoff, conversation_id, plan, draft)

    def _open_handoff(self, conversation_id: int, plan: HandoffPlan, draft: HandoffDraft) -> None:
        if conversation_id != self.conversation_id:
            return
        self.composer.open_handoff(self._reply_to(), plan, draft.body)
        # The composer took room from the thread: its newest message stays in view.
        self.thread.call_after_refresh(self.thread.scroll_end, animate=False)
        if draft.kept_draft:
            self.notify(
                "Your draft is kept below the pass reply: trim what the customer should not read",
                timeout=6,
            )
        if draft.problems:
            # As with a saved reply: the composer marks what is left to fill in.
            self.notify(
                "The handoff template could not fill " + ", ".join(draft.problems),
                severity="warning",
                markup=False,
            )

    @work(thread=True, exit_on_error=False, group="send")
    def _queue_handoff(
        self, conversation_id: int, body: str, cc: str, plan: HandoffPlan, seq: int
    ) -> None:
        with self._draft_lock:
            self._draft_written = seq
            done = self.backend.hand_off(conversation_id, plan, body)
        note_id = done.note.id if done.note is not None else None
        queued = self.Queued(done.reply.id, conversation_id, body, cc, False, plan, note_id)
        self.post_message(queued)

    def restore_handoff(self, conversation_id: int, body: str, plan: HandoffPlan) -> None:
        """An undone handoff comes back into the composer, still a handoff; a pass had moved
        on to the next conversation, so this goes back to it."""
        if conversation_id == self.conversation_id:
            self.composer.open_handoff(self._reply_to(), plan, body)
        else:
            self._undone_handoff = (conversation_id, plan, body)
            self.go_to(conversation_id)

    # -- saved replies --------------------------------------------------------------------

    def template_context(self) -> templates.Context:
        """What a saved reply's variables are filled from, for this conversation."""
        view = self.view
        if view is None:
            return templates.Context(agent_name=agent_name(self.backend.config))
        details = view.customer.customer if view.customer is not None else None
        return context_for_customer(
            self.backend.config, view.row.subject, view.row.customer, details, view.row.company
        )

    @on(Composer.SavedReplyWanted)
    def _saved_reply_wanted(self) -> None:
        self._offer_saved_replies(self.conversation_id)

    @work(thread=True, exit_on_error=False, group="saved-replies")
    def _offer_saved_replies(self, conversation_id: int) -> None:
        ranked = self.backend.ranked_replies(conversation_id)
        self.app.call_from_thread(self._show_saved_replies, conversation_id, ranked)

    def _show_saved_replies(self, conversation_id: int, ranked: list[Ranked]) -> None:
        if conversation_id != self.conversation_id:
            return

        def chosen(pick: Pick | str | None) -> None:
            if pick == MANAGE:
                self.app.push_screen(RepliesManagerScreen())
            elif isinstance(pick, Pick):
                self._insert_saved_reply(conversation_id, pick)

        self.app.push_screen(SavedReplyPicker(ranked, self.template_context()), chosen)

    def _insert_saved_reply(self, conversation_id: int, pick: Pick) -> None:
        reply = pick.reply
        self.composer.insert_saved_reply(pick.text, reply.name, reply.set_status)
        notice = f"Inserted {clean_line(reply.name)!r}"
        if reply.tags:
            notice += " · tagged " + " ".join(f"#{clean_line(tag)}" for tag in reply.tags)
        self.change(
            lambda b: b.use_saved_reply(reply.id, conversation_id, reply.tags),
            notice,
            "saved_reply_used",
        )

    @on(Composer.SaveAsWanted)
    def _save_as_wanted(self, event: Composer.SaveAsWanted) -> None:
        body = templates.generalize(event.body, self.template_context())

        def saved(reply: object) -> None:
            if isinstance(reply, SavedReply):
                self.notify(f"Saved as {clean_line(reply.name)!r}", timeout=3, markup=False)

        self.app.push_screen(ReplyEditor(body=body), saved)

    def restore_draft(self, conversation_id: int, body: str, cc: str) -> None:
        """An undone reply comes back into the composer."""
        if conversation_id == self.conversation_id:
            self.composer.load(body, cc)
            self.composer.open(self._reply_to())
