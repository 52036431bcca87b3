"""The saved-replies manager (palette "Saved replies", or ctrl+e in the picker): every reply
with its text as written, and keys to write a new one, edit, rename and delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from mail import templates
from mail.sanitize import clean_line, clean_text
from storage import replies
from storage.errors import FrontdeskError
from storage.models import Status
from storage.replies import SavedReply
from tui.bindings import REPLIES_MANAGER, REPLY_EDITOR
from tui.screens.base import FrontdeskScreen
from tui.screens.choice import ChoiceScreen

if TYPE_CHECKING:
    from tui.app import FrontdeskApp

_STATUS_CHOICES: list[tuple[str, Status | None]] = [
    ("No status change", None),
    ("Close the conversation when sent", Status.CLOSED),
    ("Pending (waits on the customer)", Status.PENDING),
    ("Open", Status.OPEN),
]
_NO_STATUS = "none"  # Select values cannot be None


def written(reply: SavedReply) -> Text:
    """The reply as written, variables marked (unknown ones in red), then its settings."""
    body = clean_text(reply.body)
    text = Text(body)
    for place in templates.placeholders(body):
        style = "#56b6c2" if place.known else "bold reverse #e06c75"
        text.stylize(style, place.start, place.end)
    facts = [
        "tags " + (" ".join(f"#{clean_line(t)}" for t in reply.tags) if reply.tags else "none"),
        next(label for label, status in _STATUS_CHOICES if status == reply.set_status),
        f"used {reply.use_count} time{'s' if reply.use_count != 1 else ''}",
    ]
    text.append("\n\n" + " · ".join(facts), style="dim")
    return text


def _tags(text: str) -> list[str]:
    return [part.strip().lstrip("#") for part in text.split(",") if part.strip().lstrip("#")]


class ReplyEditor(ModalScreen[SavedReply | None]):
    """Writes a new saved reply (`reply` None) or edits one; saved in a worker, and closed
    only once saved, so a refused name leaves the text where it was."""

    DEFAULT_CSS = """
    ReplyEditor { align: center middle; }
    ReplyEditor > Vertical {
        width: 90%; max-width: 120; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ReplyEditor #editor-title { text-style: bold; }
    ReplyEditor Input, ReplyEditor Select { margin-bottom: 1; }
    ReplyEditor TextArea { height: 1fr; }
    ReplyEditor #editor-error { color: $error; height: auto; }
    ReplyEditor #editor-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = list(REPLY_EDITOR)

    def __init__(self, reply: SavedReply | None = None, body: str = "") -> None:
        super().__init__()
        self.reply = reply
        self.initial_body = reply.body if reply is not None else body

    def compose(self) -> ComposeResult:
        reply = self.reply
        with Vertical():
            title = "New saved reply" if reply is None else f"Edit {clean_line(reply.name)!r}"
            yield Static(Text(title), id="editor-title")
            if reply is None:
                yield Input(placeholder="Name, e.g. Refund policy", id="editor-name")
            yield Input(
                ", ".join(reply.tags) if reply is not None else "",
                placeholder="Tags to apply, comma-separated (optional)",
                id="editor-tags",
            )
            current = reply.set_status.value if reply is not None and reply.set_status else None
            yield Select(
                [
                    (label, status.value if status else _NO_STATUS)
                    for label, status in _STATUS_CHOICES
                ],
                value=current or _NO_STATUS,
                allow_blank=False,
                id="editor-status",
            )
            yield TextArea(self.initial_body, id="editor-body", soft_wrap=True)
            yield Static("", id="editor-error")
            hint = "{customer.first_name|there} fills in the first name, else 'there' · "
            yield Static(Text(hint + "ctrl+s save · esc cancel"), id="editor-hint")

    def on_mount(self) -> None:
        first = "#editor-name" if self.reply is None else "#editor-body"
        self.query_one(first).focus()

    def action_save(self) -> None:
        status_value = self.query_one("#editor-status", Select).value
        status = None if status_value in (_NO_STATUS, Select.BLANK) else Status(str(status_value))
        body = self.query_one("#editor-body", TextArea).text
        tags = _tags(self.query_one("#editor-tags", Input).value)
        name = self.query_one("#editor-name", Input).value if self.reply is None else ""
        try:
            # Checked here, at once; a taken name is found by the store.
            if self.reply is None:
                replies.clean_name(name)
            replies.clean_body(body)
            replies.clean_tags(tags)
        except FrontdeskError as exc:
            self._error(str(exc))
            return
        self._save(name, body, tags, status)

    @work(thread=True, exit_on_error=False, group="saved-reply-save")
    def _save(self, name: str, body: str, tags: list[str], status: Status | None) -> None:
        backend = cast("FrontdeskApp", self.app).backend
        if self.reply is None:
            saved = backend.create_saved_reply(name, body, tags, status)
        else:
            saved = backend.update_saved_reply(self.reply.id, body, tags, status)
        self.app.call_from_thread(self.dismiss, saved)

    @on(Input.Submitted, "#editor-name")
    def _name_given(self) -> None:
        """Enter after the name saves a reply that has its text (save-as), else moves on."""
        body = self.query_one("#editor-body", TextArea)
        if body.text.strip():
            self.action_save()
        else:
            body.focus()

    @on(Worker.StateChanged)
    def _failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self._error(str(event.worker.error))

    def _error(self, message: str) -> None:
        self.query_one("#editor-error", Static).update(Text(clean_line(message)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class RepliesManagerScreen(FrontdeskScreen):
    DEFAULT_CSS = """
    RepliesManagerScreen #manager-title { height: 1; padding: 0 1; text-style: bold; }
    RepliesManagerScreen Horizontal { height: 1fr; }
    RepliesManagerScreen OptionList { width: 1fr; max-width: 44; height: 1fr; border: none; }
    RepliesManagerScreen VerticalScroll {
        width: 2fr; height: 1fr; border-left: solid $accent; padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = list(REPLIES_MANAGER)

    class Loaded(Message):
        def __init__(self, saved: list[SavedReply], select_id: int | None) -> None:
            super().__init__()
            self.saved = saved
            self.select_id = select_id

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "Saved replies"
        self.saved: list[SavedReply] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Saved replies"), id="manager-title")
            with Horizontal():
                yield OptionList(id="manager-list")
                with VerticalScroll():
                    yield Static("", id="manager-preview")
        yield from self.compose_bars()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        self._load(select_id)

    @work(thread=True, exclusive=True, group="saved-replies-load", exit_on_error=False)
    def _load(self, select_id: int | None) -> None:
        self.post_message(self.Loaded(self.backend.saved_replies(), select_id))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        keep = self.current()
        wanted = event.select_id if event.select_id is not None else (keep.id if keep else None)
        self.saved = event.saved
        title = f"Saved replies · {len(self.saved)}   n new · e edit · R rename · d delete"
        self.query_one("#manager-title", Static).update(Text(title))
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options([self._option(reply) for reply in self.saved])
        if self.saved:
            ids = [reply.id for reply in self.saved]
            listing.highlighted = ids.index(wanted) if wanted in ids else 0
        self._show_preview()

    def _option(self, reply: SavedReply) -> Option:
        label = Text(clean_line(reply.name), no_wrap=True, overflow="ellipsis")
        label.append(f"  {reply.use_count}×", style="dim")
        return Option(label, id=str(reply.id))

    def current(self) -> SavedReply | None:
        listing = self.query_one(OptionList)
        index = listing.highlighted
        if index is None or not 0 <= index < len(self.saved):
            return None
        return self.saved[index]

    def _show_preview(self) -> None:
        current = self.current()
        shown = self.query_one("#manager-preview", Static)
        if current is None:
            shown.update(Text("No saved replies yet: n writes one.", style="dim"))
        else:
            shown.update(written(current))

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show_preview()

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_edit()

    def action_cursor(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            current = listing.highlighted if listing.highlighted is not None else -1
            listing.highlighted = max(0, min(listing.option_count - 1, current + step))

    def _edited(self, saved: SavedReply | None) -> None:
        if saved is not None:
            self.notify(f"Saved {clean_line(saved.name)!r}", timeout=3, markup=False)
            self.reload(saved.id)

    def action_new(self) -> None:
        self.app.push_screen(ReplyEditor(), self._edited)

    def action_edit(self) -> None:
        current = self.current()
        if current is not None:
            self.app.push_screen(ReplyEditor(current), self._edited)

    def action_rename(self) -> None:
        current = self.current()
        if current is None:
            return

        def typed(text: str) -> tuple[str, object] | None:
            name = replies.clean_name(text)
            return f"Rename to {clean_line(name)!r}", name

        def chosen(name: object) -> None:
            if isinstance(name, str):
                self.change(
                    lambda b: b.rename_saved_reply(current.id, name),
                    f"Renamed to {clean_line(name)!r}",
                    "renamed",
                )

        self.app.push_screen(
            ChoiceScreen(
                f"Rename {clean_line(current.name)!r} to…",
                [],
                typed=typed,
                placeholder="the new name",
            ),
            chosen,
        )

    def action_delete(self) -> None:
        current = self.current()
        if current is None:
            return
        name = clean_line(current.name)

        def chosen(delete: object) -> None:
            if delete is True:
                self.change(
                    lambda b: b.delete_saved_reply(current.id), f"Deleted {name!r}", "deleted"
                )

        uses = f" (used {current.use_count} times)" if current.use_count else ""
        self.app.push_screen(
            ChoiceScreen(
                f"Delete the saved reply {name!r}{uses}?",
                [("Keep it", False), (f"Delete {name!r}", True)],
            ),
            chosen,
        )

    def after_change(self, kind: str) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
