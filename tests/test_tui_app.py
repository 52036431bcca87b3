"""The app around the screens: help from the bindings, keys remapped from the config, the
command palette, the status bar offline or failing (with the reason), worker errors as
notices, `run_app` as the command line calls it, and what it does first when it starts."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable

from mail.config import Config, parse_config
from storage import conversations
from storage.db import Store
from storage.errors import StoreError
from storage.models import Status
from tests.support.tui import (
    Clock,
    make_app,
    notices,
    record_asks,
    run_async,
    run_command,
    screen_text,
    settle,
    team_config,
    type_text,
)
from tui import app as app_module
from tui.app import FrontdeskApp
from tui.bindings import ALL, binding_ids
from tui.screens.choice import ChoiceScreen
from tui.screens.help import HelpScreen
from tui.screens.queue import QueueScreen
from tui.widgets.queue_nav import QueueNav
from tui.widgets.queue_table import QueueTable

pytestmark = pytest.mark.usefixtures("utc_local_time")
ROOT = Path(__file__).resolve().parent.parent


def help_rows(app: FrontdeskApp) -> list[tuple[str, str, str]]:
    table = app.screen.query_one(DataTable)
    return [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]  # type: ignore[misc]


def test_every_binding_has_a_unique_intent_id_and_a_tooltip() -> None:
    for binding in ALL:
        assert binding.id, binding
        assert binding.tooltip, binding
    assert {"reply", "close", "reopen", "snooze", "assign", "tag", "search", "help"} <= (
        binding_ids()
    )


@run_async
async def test_help_lists_every_key_of_the_screen_with_its_id(db: Path, tmp_path: Path) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = help_rows(app)
        keys = {row[2]: row[0] for row in rows}
        assert keys["close"] == "e" and keys["snooze"] == "z" and keys["jump"] == "g"
        assert keys["select"] == "x, space"
        assert keys["search"] == "/" and keys["help"] == "?, f1"
        await pilot.press("escape", "enter", "r")
        await settle(pilot)
        await pilot.press("f1")  # from inside the composer ("?" is typed there): its keys too
        ids = {row[2] for row in help_rows(app)}
        assert {"send", "send_close", "editor", "discard_draft", "hide_composer"} <= ids
        assert "next_conversation" not in ids  # "n" types an n there


@run_async
async def test_keys_are_remapped_from_the_config_by_id(db: Path, tmp_path: Path) -> None:
    config = team_config(close="d", no_such_binding="x")
    app = make_app(db, tmp_path, config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "no binding has the id no_such_binding" in notices(app)
        first = app.screen.query_one(QueueTable).current_id
        await pilot.press("e")  # no longer close
        await settle(pilot)
        assert app.screen.query_one(QueueTable).current_id == first
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("question_mark")
        assert {row[2]: row[0] for row in help_rows(app)}["close"] == "d"
    with Store.open(db) as store:
        assert first is not None
        assert conversations.get(store, first).status == Status.CLOSED


@run_async
async def test_the_palette_reaches_the_actions(db: Path, tmp_path: Path) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "Snooze")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("escape")
        await settle(pilot)
        await run_command(pilot, "queue: Closed")
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.queue.value == "closed"


@run_async
async def test_without_an_account_it_works_offline_and_says_why(db: Path, tmp_path: Path) -> None:
    app = FrontdeskApp(db, Config(), now=Clock(), downloads=tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        for _ in range(50):  # the sync and sender loops report when they get to it
            if "offline: no IMAP" in screen_text(app) and app.status.send_unavailable:
                break
            await pilot.pause(0.1)
        text = screen_text(app)
        assert "offline: no IMAP account configured" in text
        assert "Offline: no IMAP account configured" in notices(app)
        assert app.screen.query_one(QueueTable).row_count > 0
        assert "no SMTP" in app.status.send_unavailable


@run_async
async def test_a_sync_that_fails_says_so_with_the_reason(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_IMAP_PASSWORD", "secret")
    config = parse_config(
        {
            "account": {
                "email": "support@acme.test",
                "imap": {"host": "127.0.0.1", "port": 9, "security": "none", "username": "s"},
            },
            "sync": {"retries": 0},
        }
    )
    app = FrontdeskApp(db, config, now=Clock(), downloads=tmp_path)
    async with app.run_test(size=(120, 24)) as pilot:
        for _ in range(50):
            await pilot.pause(0.1)
            if app.status.sync.kind == "error":
                break
        await settle(pilot)
        assert "sync error: " in screen_text(app) and "127.0.0.1" in screen_text(app)
        assert "Sync failed: " in notices(app)
        assert app.screen.query_one(QueueTable).row_count > 0


@run_async
async def test_a_failing_worker_is_a_notice_not_a_crash(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(db, tmp_path)

    def broken(*args: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(app.backend, "assign", broken)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a", "enter")
        await settle(pilot)
        assert "That did not work: RuntimeError: disk on fire" in notices(app)
        assert app.is_running and isinstance(app.screen, QueueScreen)


def test_run_app_starts_the_app_on_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[FrontdeskApp] = []

    def run(self: FrontdeskApp) -> None:
        started.append(self)

    monkeypatch.setattr(FrontdeskApp, "run", run)
    outbox = tmp_path / "demo-outbox.mbox"
    app_module.run_app(tmp_path / "x.db", team_config(), demo_outbox=outbox)
    (app,) = started
    assert (app.db_path, app.demo_outbox, app.background) == (tmp_path / "x.db", outbox, True)


def test_a_store_that_cannot_be_opened_fails_before_the_screen_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FrontdeskApp, "run", lambda self: pytest.fail("the app started"))
    not_a_file = tmp_path / "folder"
    not_a_file.mkdir()
    with pytest.raises(StoreError):
        app_module.run_app(not_a_file, team_config())


# -- starting up ------------------------------------------------------------------------------


@run_async
async def test_the_first_rows_are_asked_for_alone(db: Path, tmp_path: Path) -> None:
    """Nothing else asks the store until the first rows are on screen: the queue counts and
    the status bar's figures follow them."""
    app = make_app(db, tmp_path)
    asked = record_asks(app.backend, "queue_ids", "queue_rows", "queue_counts", "figures")
    shown = QueueTable.show

    def show(table: QueueTable, *args: Any, **kw: Any) -> None:
        asked.append("rows shown")
        shown(table, *args, **kw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(QueueTable, "show", show)
        async with app.run_test(size=(100, 24)) as pilot:
            await settle(pilot)
            assert asked[:3] == ["queue_ids", "queue_rows", "rows shown"]
            assert set(asked[3:]) >= {"queue_counts", "figures"}
            navs = list(app.screen.query(QueueNav))
    assert navs and all(nav.counts for nav in navs) and app.status.unread > 0


@run_async
async def test_what_lives_as_long_as_the_app_is_kept_out_of_full_collections(
    db: Path, tmp_path: Path
) -> None:
    """Frozen once the queue is shown and once the conversation screen is built (full garbage
    collections walked it all every few hundred keys), and given back when the app ends."""
    gc.unfreeze()
    app = make_app(db, tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        on_queue = gc.get_freeze_count()
        assert on_queue > 0
        await pilot.press("enter")
        await settle(pilot)
        assert gc.get_freeze_count() > on_queue  # the conversation screen's widgets
    assert gc.get_freeze_count() == 0


@run_async
async def test_without_first_rows_the_background_work_still_starts(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "BACKGROUND_AFTER_SECONDS", 0.1)
    app = make_app(db, tmp_path)

    def broken(*args: object, **kw: object) -> list[int]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(app.backend, "queue_ids", broken)
    async with app.run_test(size=(100, 24)) as pilot:
        for _ in range(50):  # the figures come once the wait for the first rows is over
            await pilot.pause(0.1)
            if app.status.unread:
                break
        assert app.status.unread > 0
        assert "That did not work: RuntimeError: disk on fire" in notices(app)


def test_the_app_imports_the_queue_and_not_the_other_screens() -> None:
    """The palette, the conversation, help, reports and their mail parsing are imported
    when first used, not before the first paint."""
    code = "import sys, tui.app\nprint(' '.join(sys.modules))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert "tui.screens.queue" in loaded
    later = {
        "tui.palette",
        "tui.screens.conversation",
        "tui.screens.help",
        "tui.screens.replies_manager",
        "tui.screens.reports",
        "mail.parse",
        "mail.send",
        "mail.sync",
    }
    assert not later & loaded
