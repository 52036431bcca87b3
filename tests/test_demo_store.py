"""`frontdesk demo`'s store: a busy inbox with today's work open and its customers known."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from mail.demo_store import build_demo_store, demo_config
from storage import conversations
from storage.db import Store


def test_the_demo_store_looks_like_a_worked_inbox(tmp_path: Path) -> None:
    path, report = build_demo_store(tmp_path)
    assert report.flagged == 0 and report.stored == report.read
    with Store.open(path) as store:
        statuses = Counter(c.status for c in conversations.queue(store, "all"))
        tiers = dict(store.conn.execute("SELECT tier, count(*) FROM customers GROUP BY tier"))
    assert 10 <= statuses["open"] <= 60  # work to do, not 60 days of neglect
    assert statuses["closed"] > statuses["open"]
    assert {"vip", "trial", "paying", "free", "lapsed"} <= set(tiers)


def test_the_demo_sends_as_the_founder() -> None:
    config = demo_config()
    assert config.account.email == "support@trellis.app"
    assert config.team.me in config.team.members
