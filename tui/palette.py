"""The command palette (ctrl+p, or `:`): every action of the screen it is opened on, found by
name, generated from that screen's bindings; plus the queues and the app's own commands."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from storage.queues import QUEUES
from tui.screens.help import described_bindings
from tui.screens.work import WorkScreen

if TYPE_CHECKING:
    from tui.app import FrontdeskApp

_SKIP = {"command_palette", "help"}


class FrontdeskCommands(Provider):
    @property
    def frontdesk(self) -> FrontdeskApp:
        return cast("FrontdeskApp", self.app)

    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        app = self.frontdesk
        for shown, active in described_bindings(self.screen):
            binding = active.binding
            if binding.action in _SKIP:
                continue
            run = partial(app.run_action, binding.action, active.node)
            yield f"{binding.description} ({shown})", run, binding.tooltip
        for number, queue in enumerate(QUEUES, 1):
            yield (
                f"Go to queue: {queue.title}",
                partial(app.go_to_queue, queue.key),
                f"Show {queue.title}" + (f" (key {number})" if number <= 9 else ""),
            )
        screen = self.screen
        if isinstance(screen, WorkScreen):
            yield "Filter by tag…", screen.action_filter_tag, "The conversations with a tag"
            yield "Rename tag…", screen.action_rename_tag, "Everywhere, saved replies too"
            yield "Merge tags…", screen.action_rename_tag, "Rename a tag onto another one"
        yield "Help: keys of this screen (?)", app.action_help, "Every key, and its id"
        yield "Saved replies", self._open_replies_manager, "Create, edit, rename, delete them"
        yield "Reports", app.action_open_reports, "Response times, volume, tags… (g r)"
        yield "Sync now", app.action_sync_now, "Fetch new mail now"
        yield "Send due replies now", app.action_flush_outbox, "Flush the outbox now"
        if app.demo_outbox is not None:
            yield "Demo: where replies go", app.action_show_demo_outbox, str(app.demo_outbox)
        yield "Quit frontdesk", app.action_quit, "Leave the app"

    def _open_replies_manager(self) -> None:
        from tui.screens.replies_manager import RepliesManagerScreen

        if not isinstance(self.app.screen, RepliesManagerScreen):
            self.app.push_screen(RepliesManagerScreen())

    async def discover(self) -> Hits:
        for name, run, help_text in self._commands():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, run, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
