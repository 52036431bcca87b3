"""The reply composer: a TextArea under the thread (or `$EDITOR` with ctrl+e), a Cc line,
send, send-and-close, discard, hide, saved replies in (ctrl+r) and out (ctrl+o). What is typed
is kept as a draft as it is typed; a saved reply's variable left unfilled blocks sending.
A handoff (`h`) writes here too: the colleague fixed in CC, a note line for them (pass)."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import formataddr
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static, TextArea

from mail.sanitize import clean_line
from mail.templates import unresolved
from storage.errors import FrontdeskError
from storage.models import Status
from tui.backend import HandoffPlan
from tui.bindings import COMPOSER

DRAFT_SAVE_DELAY = 0.8  # seconds after the last keystroke


class EditorError(FrontdeskError):
    """$EDITOR could not be run."""


def edit_in_editor(text: str, environ: dict[str, str] | None = None) -> str:
    """Runs $VISUAL or $EDITOR (else vi) on `text` in a private temporary file; returns what
    the file holds when the editor exits."""
    env = os.environ if environ is None else environ
    command = shlex.split(env.get("VISUAL") or env.get("EDITOR") or "vi")
    with tempfile.TemporaryDirectory(prefix="frontdesk-") as folder:
        path = Path(folder) / "reply.txt"
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)
        try:
            # The user's own editor, as their shell would run it.
            result = subprocess.run([*command, str(path)], check=False)  # noqa: S603
        except OSError as exc:
            raise EditorError(f"cannot run the editor {command[0]!r}: {exc.strerror}") from exc
        if result.returncode != 0:
            raise EditorError(f"the editor exited with status {result.returncode}; reply kept")
        return path.read_text(encoding="utf-8", errors="replace")


class Composer(Vertical):
    DEFAULT_CSS = """
    Composer {
        height: 45%; min-height: 8; display: none; border-top: solid $accent;
        background: $surface;
    }
    Composer.-open { display: block; }
    Composer #composer-title { height: 1; padding: 0 1; }
    Composer #composer-cc { height: 1; border: none; padding: 0 1; }
    Composer TextArea, Composer TextArea:focus { height: 1fr; border: none; }
    Composer #composer-cc:focus { border: none; }
    Composer #composer-note { height: auto; padding: 0 1; display: none; }
    Composer #composer-note.-shown { display: block; }
    Composer #composer-handoff-note { height: 1; border: none; padding: 0 1; display: none; }
    Composer #composer-handoff-note.-shown { display: block; }
    Composer #composer-handoff-note:focus { border: none; }
    """
    BINDINGS = COMPOSER

    class Send(Message):
        def __init__(
            self, body: str, cc: str, close: bool, handoff: HandoffPlan | None = None
        ) -> None:
            super().__init__()
            self.body = body
            self.cc = cc
            self.close = close
            self.handoff = handoff  # set: the reply is a handoff (its note as last typed)

    class DraftChanged(Message):
        def __init__(self, body: str, cc: str) -> None:
            super().__init__()
            self.body = body
            self.cc = cc

    class Discarded(Message):
        pass

    class Hidden(Message):
        pass

    class SavedReplyWanted(Message):
        """ctrl+r: the screen offers the saved replies."""

    class SaveAsWanted(Message):
        """ctrl+o: the screen asks for a name and keeps `body` as a saved reply."""

        def __init__(self, body: str) -> None:
            super().__init__()
            self.body = body

    def __init__(
        self, *, id: str | None = None, clock: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(id=id)
        # Handle time: how long the composer has been open, by the app's clock (the reports
        # show it per tag). Counting starts when it is shown and stops in `stop_clock`.
        self._clock = clock or (lambda: datetime.now(UTC))
        self._opened_at: datetime | None = None
        self._save_timer: Timer | None = None
        self._loading = False
        # Kept by reference: the text is still readable while the app shuts down.
        self._cc = Input(placeholder="Cc: (optional, comma-separated)", id="composer-cc")
        self._body = TextArea(id="composer-body", soft_wrap=True, show_line_numbers=False)
        self._note = Static("", id="composer-note")
        self._handoff_note = Input(id="composer-handoff-note")
        # Set while the reply hands the conversation to a colleague (`h`): sending hands off.
        self.handoff: HandoffPlan | None = None
        # Set by a saved reply that closes the conversation: sending then closes it too.
        self.close_on_send: str | None = None  # the saved reply's name

    def compose(self) -> ComposeResult:
        yield Static("", id="composer-title")
        yield self._cc
        yield self._handoff_note
        yield self._note
        yield self._body

    @property
    def body(self) -> str:
        return self._body.text

    @property
    def cc(self) -> str:
        return self._cc.value

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self, to: str) -> None:
        plan = self.handoff
        if plan is None:
            title = Text("Reply to ", style="bold")
            title.append(clean_line(to), style="#61afef")
            title.append("   ctrl+s send · ctrl+t send+close · ctrl+e $EDITOR · esc hide", "dim")
        else:
            verb = "Pass to " if plan.mode == "pass" else "Answer with CC to "
            title = Text(verb, style="bold")
            title.append(clean_line(plan.colleague.name), style="bold #c678dd")
            title.append(" · reply to ")
            title.append(clean_line(to), style="#61afef")
            title.append("   ctrl+s hand off · ctrl+e $EDITOR · esc hide", "dim")
        self.query_one("#composer-title", Static).update(title)
        self.add_class("-open")
        if self._opened_at is None:
            self._opened_at = self._clock()
        # At once, not after the next refresh: keys typed right after `r` must land here.
        self.screen.set_focus(self._body)

    def stop_clock(self) -> int:
        """Whole seconds the composer was open since it was shown, counted once: the clock
        stops until it is shown again. 0 when it was not counting."""
        opened_at, self._opened_at = self._opened_at, None
        if opened_at is None:
            return 0
        return max(0, int((self._clock() - opened_at).total_seconds()))

    def open_handoff(self, to: str, plan: HandoffPlan, body: str) -> None:
        """Opens on a handoff's reply: the colleague in CC (fixed: the handoff CCs them), for
        `pass` a line for the note only the colleague reads."""
        colleague = plan.colleague
        self.handoff = plan
        self.close_on_send = None
        self.load(body, formataddr((colleague.name, colleague.email)))
        self._cc.disabled = True
        first = clean_line(colleague.name).split(" ")[0]
        self._handoff_note.placeholder = f"Note for {first} (only {first} reads it): optional"
        self._handoff_note.value = plan.note
        self._handoff_note.set_class(plan.mode == "pass", "-shown")
        self.open(to)

    def end_handoff(self) -> None:
        """Back to a plain reply."""
        self.handoff = None
        self._cc.disabled = False
        self._handoff_note.value = ""
        self._handoff_note.remove_class("-shown")

    def load(self, body: str, cc: str) -> None:
        """Puts a draft in, without it counting as an edit."""
        self._loading = True
        self._body.load_text(body)
        self._cc.value = cc
        self.call_after_refresh(self._loaded)

    def _loaded(self) -> None:
        self._loading = False

    def clear(self) -> None:
        self.close_on_send = None
        self.end_handoff()
        self.load("", "")
        self._show_note()

    def insert_saved_reply(self, text: str, name: str, set_status: Status | None) -> None:
        """Puts a saved reply's rendered text at the cursor, for the agent to make their own."""
        self._body.insert(text)
        if set_status == Status.CLOSED:
            self.close_on_send = name
        self._show_note()
        self._body.focus()

    def _show_note(self) -> None:
        """What the agent must know before sending: placeholders to fill, a close on send."""
        lines: list[Text] = []
        left = unresolved(self.body)
        if left:
            lines.append(
                Text.assemble(
                    ("Fill in before sending: ", "bold #e06c75"), (", ".join(left), "#e06c75")
                )
            )
        if self.close_on_send is not None:
            saved = clean_line(self.close_on_send)
            lines.append(Text(f"Sending closes the conversation (saved reply {saved!r})", "dim"))
        self._note.update(Text("\n").join(lines))
        self._note.set_class(bool(lines), "-shown")

    @on(TextArea.Changed)
    @on(Input.Changed, "#composer-cc")
    def _edited(self) -> None:
        self._show_note()
        if self._loading:
            return
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(DRAFT_SAVE_DELAY, self.save_draft)

    def take_pending(self) -> bool:
        """Stops the pending draft save; True when there were edits not yet saved."""
        if self._save_timer is None:
            return False
        self._save_timer.stop()
        self._save_timer = None
        return True

    def save_draft(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        self.post_message(self.DraftChanged(self.body, self.cc))

    # These keys are priority bindings: they run as soon as they arrive, while keys typed
    # just before may still wait in the TextArea's queue. Queued behind them, the action sees
    # the whole text.

    def action_send(self) -> None:
        self._body.call_later(self._send, False)

    def action_send_close(self) -> None:
        self._body.call_later(self._send, True)

    def _send(self, close: bool) -> None:
        if not self.body.strip():
            self.notify("Nothing to send: the reply is empty", severity="warning")
            return
        left = unresolved(self.body)
        if left:
            self._show_note()
            self.notify(
                f"Not sent: fill in or remove {', '.join(left)} first",
                severity="warning",
                markup=False,
            )
            return
        close = close or self.close_on_send is not None
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        plan = self.handoff
        if plan is not None:
            # A handoff is followed up (the Handed off queue), so sending never closes it.
            plan, close = replace(plan, note=self._handoff_note.value.strip()), False
        self.post_message(self.Send(self.body, self.cc, close, plan))

    def action_editor(self) -> None:
        self._body.call_later(self._edit)

    def _edit(self) -> None:
        from textual.app import SuspendNotSupported

        try:
            with self.app.suspend():
                text = edit_in_editor(self.body)
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to $EDITOR", severity="error")
            return
        except EditorError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        area = self._body
        area.load_text(text.rstrip("\n") + "\n" if text.strip() else "")
        area.focus()
        self.save_draft()

    def action_saved_reply(self) -> None:
        self._body.call_later(self.post_message, self.SavedReplyWanted())

    def action_save_as_reply(self) -> None:
        self._body.call_later(self._save_as)

    def _save_as(self) -> None:
        if not self.body.strip():
            self.notify("Write the reply first, then save it as a saved reply", timeout=3)
            return
        self.post_message(self.SaveAsWanted(self.body))

    def action_discard(self) -> None:
        self._body.call_later(self._discard)

    def _discard(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        self.clear()
        self.remove_class("-open")
        self.post_message(self.Discarded())

    def action_hide(self) -> None:
        self._body.call_later(self._hide)

    def _hide(self) -> None:
        self.save_draft()
        self.remove_class("-open")
        self.post_message(self.Hidden())
