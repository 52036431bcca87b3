"""For the TUI tests: the demo mailbox as of a fixed moment (built once per test process,
copied per test), a clock that only moves when told, the app on a copy of that store, and
ways to wait for it, type into it and read its screen."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import os
import shutil
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from mail import demo
from mail.config import AccountConfig, Config, SendConfig, TagsConfig, TeamConfig
from mail.demo_store import fill_demo_store
from storage.db import Store

if TYPE_CHECKING:
    from tui.app import FrontdeskApp
    from tui.backend import Backend

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
DEMO_OUTBOX = Path("/tmp/frontdesk-demo/demo-outbox.mbox")  # shown on screen: a fixed path


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def build_demo(path: Path, now: datetime = NOW) -> Path:
    """The demo mailbox as `frontdesk demo` builds it, but as of `now`, not the clock."""
    fill_demo_store(path, now)
    return path


def demo_copy(target: Path) -> Path:
    """A fresh copy of the demo store at `target` (a file in a test's `tmp_path`). The store
    is built once per test process, beside the tests' temporary folders, which pytest
    cleans up, then copied: a copy takes milliseconds, a build about a second."""
    template = target.parent.parent / "frontdesk-demo-template.db"
    if not template.exists():
        building = template.with_suffix(f".{os.getpid()}.tmp")
        # Under the TUI tests' zone whichever test builds it: the store keeps the SLA zone it
        # was built in, and a test in another zone would see every clock measured again.
        with local_time_utc():
            build_demo(building)
        building.replace(template)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return target


def team_config(undo_seconds: int = 10, prompt_on_close: bool = False, **keys: str) -> Config:
    """The demo's account and team, as `frontdesk demo` passes them; closing does not ask
    for a tag first unless a test says so (tests/test_tui_tags.py)."""
    return Config(
        account=AccountConfig(email=demo.SUPPORT_ADDRESS, name=demo.SUPPORT_NAME),
        team=TeamConfig(me="Dana Whitfield", members=["Sam Rivera", "Pete Okafor"]),
        send=SendConfig(undo_seconds=undo_seconds, from_name="Dana at Trellis"),
        tags=TagsConfig(prompt_on_close=prompt_on_close),
        keys=dict(keys),
    )


def screen_text(app: App[object]) -> str:
    """What the terminal shows now, as plain text (the SVG screenshot's text)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


async def settle(pilot: Pilot[object], rounds: int = 3) -> None:
    """Waits until the workers are done and what they posted is shown."""
    for _ in range(rounds):
        await pilot.pause()
        # Not the loops that run as long as the app (sync, sender).
        for worker in [w for w in pilot.app.workers if w.name not in ("sync", "sender")]:
            # A screen that closed took its worker with it: that one is done too.
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
    await pilot.pause()


@contextlib.contextmanager
def local_time_utc() -> Iterator[None]:
    """Local time is UTC inside (dates on screen, snooze presets); restored after."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "UTC")
        time.tzset()
        yield
    time.tzset()


def make_app(
    db: Path,
    downloads: Path,
    *,
    clock: Clock | None = None,
    config: Config | None = None,
    demo: bool = True,
    demo_outbox: Path = DEMO_OUTBOX,
) -> FrontdeskApp:
    from tui.app import FrontdeskApp

    return FrontdeskApp(
        db,
        config or team_config(),
        demo_outbox=demo_outbox if demo else None,
        now=clock or Clock(),
        background=False,
        downloads=downloads,
    )


def ids_of(store: Store, sql: str, *params: object) -> list[int]:
    return [int(row[0]) for row in store.conn.execute(sql, params)]


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """An async test, run to completion by a plain pytest (no async plugin is installed)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


def notices(app: App[object]) -> str:
    """Every notification the app has shown and not yet cleared, one a line."""
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


async def type_text(pilot: Pilot[object], text: str) -> None:
    """Types into the focused Input or TextArea at once (a key press per character costs a
    screen refresh each; the keys themselves are tested where they matter)."""
    from textual.widgets import Input, TextArea

    await pilot.pause()
    focused = pilot.app.focused
    if isinstance(focused, Input):
        focused.insert_text_at_cursor(text)
    elif isinstance(focused, TextArea):
        focused.insert(text)
    else:
        raise AssertionError(f"nothing to type into: {focused!r}")
    await pilot.pause()


async def run_command(pilot: Pilot[object], name: str) -> None:
    """Runs a command from the palette the way a user does: ctrl+p, its name, Enter."""
    from textual.command import CommandPalette

    await pilot.press("ctrl+p")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CommandPalette)
    await type_text(pilot, name)
    await pilot.pause(0.3)  # the palette searches in a worker
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def record_asks(backend: Backend, *names: str) -> list[str]:
    """Makes these backend methods note their name in the list returned, then answer as
    before: which questions a key puts to the store."""
    asked: list[str] = []
    for name in names:
        ask = getattr(backend, name)

        def recorded(*args: Any, ask: Any = ask, name: str = name, **kw: Any) -> Any:
            asked.append(name)
            return ask(*args, **kw)

        setattr(backend, name, recorded)
    return asked


def hold_back(backend: Backend, name: str) -> threading.Event:
    """Makes this backend method wait until the event returned is set, then answer as
    before: what the screen shows while the store has not answered yet."""
    release = threading.Event()
    ask = getattr(backend, name)

    def held(*args: Any, **kw: Any) -> Any:
        release.wait(timeout=10)
        return ask(*args, **kw)

    setattr(backend, name, held)
    return release
