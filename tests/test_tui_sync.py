"""`frontdesk` on a real IMAP server (Dovecot): the app syncs in the background, says it is
connected with IDLE, and new mail shows up without moving the cursor off its row."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from mail.config import parse_config
from tests.conftest import T0, ImapAccount, mail
from tests.support.tui import run_async, screen_text, settle
from tui.app import FrontdeskApp
from tui.widgets.queue_table import QueueTable

pytestmark = pytest.mark.dovecot


async def wait_until(
    condition: Callable[[], bool], state: Callable[[], object], seconds: float = 45.0
) -> None:
    """Waits for the condition; a loaded machine (the whole suite on two cores) is slow."""
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"waited in vain; the app is at {state()!r}")


@run_async
async def test_the_app_syncs_with_idle_and_keeps_the_cursor(
    imap_account: ImapAccount, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_IMAP_PASSWORD", imap_account.password)
    server = imap_account.server
    config = parse_config(
        {
            "account": {
                "email": "support@acme.test",
                "imap": {
                    "host": "127.0.0.1",
                    "port": server.imaps_port,
                    "security": "ssl",
                    "username": imap_account.user,
                    "ca_file": str(server.cert),
                },
            },
            "sync": {"close_older_than_days": 0, "sync_sent": False},
        }
    )
    client = imap_account.client()
    for n in (1, 2):
        client.append(
            "INBOX",
            mail(
                sender=f"c{n}@cust.test",
                subject=f"Question {n}",
                message_id=f"<q{n}@cust.test>",
                date=T0 + timedelta(hours=n),
            ),
        )
    app = FrontdeskApp(tmp_path / "store.db", config, downloads=tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:

        def table() -> QueueTable:
            return app.screen.query_one(QueueTable)

        def state() -> object:
            return (app.status.sync, table().row_count)

        await wait_until(lambda: app.status.sync.kind == "idle" and table().row_count == 2, state)
        await settle(pilot)
        assert "connected · IDLE" in screen_text(app)
        await pilot.press("j")
        second = table().current_id
        client.append(
            "INBOX",
            mail(
                sender="early@cust.test",
                subject="Waiting the longest",
                message_id="<early@cust.test>",
                date=T0 - timedelta(days=1),
            ),
        )
        await wait_until(lambda: table().row_count == 3, state)
        await settle(pilot)
        assert table().current_id == second and table().cursor_row == 2
        assert "Waiting the longest" in screen_text(app)
    client.logout()
    # The sync measured the waits of what it stored: a report reads them (storage/waits.py).
    with sqlite3.connect(tmp_path / "store.db") as conn:
        assert conn.execute("SELECT count(*) FROM waits_stale").fetchone() == (0,)
        assert conn.execute("SELECT count(DISTINCT conversation_id) FROM waits").fetchone() == (3,)
