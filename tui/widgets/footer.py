"""The footer of key bindings, rebuilt only when the keys it shows changed: Textual's own
rebuilds all its keys on every change of focus, which is most of what moving costs."""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    def __init__(self) -> None:
        super().__init__()
        self._shown: Hashable = None  # the keys composed last
        self._pending = False  # a rebuild is asked for, after the next refresh

    def compose(self) -> ComposeResult:
        # The keys the screen has from its first frame: Textual's footer waits for the screen's
        # first report of its bindings, and shows them a frame or two after the rest of a
        # screen shown for the first time. A focus that brings keys of its own rebuilds it.
        self.set_reactive(Footer._bindings_ready, True)
        self._shown = self._keys()
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._pending:
            return
        if self.is_attached and screen is self.screen:
            self._pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = self._keys()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()

    def _keys(self) -> Hashable:
        """What `compose` reads: each binding shown, whether it is enabled, its tooltip."""
        return tuple(
            (binding, enabled, tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show or binding.action == "app.command_palette"
        )
