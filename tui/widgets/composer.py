"""The reply composer: a TextArea under the thread (or `$EDITOR` with ctrl+e), a Cc line,
send, send-and-close, discard, hide. What is typed is kept as a draft as it is typed."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static, TextArea

from mail.sanitize import clean_line
from storage.errors import FrontdeskError
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
    """
    BINDINGS = COMPOSER

    class Send(Message):
        def __init__(self, body: str, cc: str, close: bool) -> None:
            super().__init__()
            self.body = body
            self.cc = cc
            self.close = close

    class DraftChanged(Message):
        def __init__(self, body: str, cc: str) -> None:
            super().__init__()
            self.body = body
            self.cc = cc

    class Discarded(Message):
        pass

    class Hidden(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._save_timer: Timer | None = None
        self._loading = False
        # Kept by reference: the text is still readable while the app shuts down.
        self._cc = Input(placeholder="Cc: (optional, comma-separated)", id="composer-cc")
        self._body = TextArea(id="composer-body", soft_wrap=True, show_line_numbers=False)

    def compose(self) -> ComposeResult:
        yield Static("", id="composer-title")
        yield self._cc
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
        title = Text("Reply to ", style="bold")
        title.append(clean_line(to), style="#61afef")
        title.append("   ctrl+s send · ctrl+t send+close · ctrl+e $EDITOR · esc hide", "dim")
        self.query_one("#composer-title", Static).update(title)
        self.add_class("-open")
        # At once, not after the next refresh: keys typed right after `r` must land here.
        self.screen.set_focus(self._body)

    def load(self, body: str, cc: str) -> None:
        """Puts a draft in, without it counting as an edit."""
        self._loading = True
        self._body.load_text(body)
        self._cc.value = cc
        self.call_after_refresh(self._loaded)

    def _loaded(self) -> None:
        self._loading = False

    def clear(self) -> None:
        self.load("", "")

    @on(TextArea.Changed)
    @on(Input.Changed, "#composer-cc")
    def _edited(self) -> None:
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
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        self.post_message(self.Send(self.body, self.cc, close))

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
