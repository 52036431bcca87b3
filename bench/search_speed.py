"""How long a search and opening a conversation take over a big store: 100,000 conversations
(the demo generator scaled up; see bench/big_store.py), twenty queries a help desk types.

Run: .venv/bin/python bench/search_speed.py [--conversations N] [--days D] [--runs R]
     [--store PATH]
The cached store is never written to: it is copied to a temporary folder first (opening a
store may migrate it, opening a conversation marks it viewed), unless `--store` names a copy
to use. Each query goes through `storage.queues.search`, as the `/` screen runs it, R times on
one open store; the first run (cold caches) is shown apart, the median, 95th and 99th
percentiles (nearest rank) are over all runs, in wall time and, for all searches together,
in CPU time. Opening a conversation is timed as the conversation screen loads it
(`Backend.conversation_view`, its own store each time) over evenly spread conversations.
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.big_store import NOW, big_store
from bench.machine import describe
from mail.demo_store import demo_config
from storage import queues
from storage.db import Store
from tui.backend import Backend

ME = "Dana Whitfield"
# Words from the generated subjects and bodies (how many messages hold them at 100,000
# conversations), a phrase, the operators, a word in most messages and one in none.
QUERIES = (
    "refund",  # 10,000 messages
    "export",  # 32,000
    "thanks",  # 165,000: in most customers' sign-offs
    "password reset",
    '"password reset email"',
    '"gantt chart"',
    "invoice OR refund",
    "sso NOT saml",
    "webho*",
    "zyxwvutsrq",  # in no message
    "from:kayla.hughes@outlook.com",
    "from:megan refund",
    "tag:outage",  # 1,700 conversations
    "tag:bug-report is:open",
    "tier:vip refund",
    "is:open",
    "is:unread",
    "after:7d",
    "invoice before:2026-06-01",
    "gdpr is:closed after:30d",
)


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[math.ceil(fraction * len(ordered)) - 1]


def summary(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    return (
        f"{statistics.median(ordered) * 1000:>6.1f} ms {percentile(ordered, 0.95) * 1000:>6.1f} ms"
        f" {percentile(ordered, 0.99) * 1000:>6.1f} ms"
    )


def time_searches(path: Path, runs: int) -> list[float]:
    every: list[float] = []
    every_cpu: list[float] = []
    print(f"{'query':<34} {'first':>9} {'median':>9} {'p95':>9} {'p99':>9} {'rows':>6}")
    with Store.open(path) as store:
        for text in QUERIES:
            seconds = []
            found = 0
            for _ in range(runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                query = queues.parse_query(text, now=NOW)
                found = len(queues.search(store, query, me=ME, now=NOW))
                seconds.append(time.perf_counter() - started)
                every_cpu.append(time.process_time() - started_cpu)
            every += seconds
            print(f"{text:<34} {seconds[0] * 1000:>6.1f} ms {summary(seconds)} {found:>6}")
    print(f"{'all searches':<34} {'':>9} {summary(every)}")
    # On a machine others are using, this process's own CPU time is what an idle one would
    # take (less the waits for the disk).
    print(f"{'all searches, CPU time':<34} {'':>9} {summary(every_cpu)}")
    return every


def time_opening(path: Path, runs: int) -> None:
    backend = Backend(path, demo_config(), lambda: NOW)
    with Store.open(path) as store:
        ids = [int(r[0]) for r in store.conn.execute("SELECT id FROM conversations ORDER BY id")]
    step = max(1, len(ids) // (runs * 5))
    chosen = ids[::step][: runs * 5]
    seconds = []
    for conversation_id in chosen:
        started = time.perf_counter()
        backend.conversation_view(conversation_id)
        seconds.append(time.perf_counter() - started)
    print(f"{'open a conversation':<34} {seconds[0] * 1000:>6.1f} ms {summary(seconds)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365, help="how far back the mail goes")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--store", type=Path, help="a copy of the big store to use as it is")
    args = parser.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory(prefix="frontdesk-search-bench-") as folder:
        path = args.store
        if path is None:
            path = Path(folder) / "store.db"
            # SQLite's backup, read-only: a plain file copy would miss what is still in its WAL.
            cached = big_store(args.conversations, args.days)
            with (
                closing(sqlite3.connect(f"file:{cached}?mode=ro", uri=True)) as source,
                closing(sqlite3.connect(path)) as target,
            ):
                source.backup(target)
        with Store.open(path) as store:
            conversations = store.scalar("SELECT count(*) FROM conversations")
            messages = store.scalar("SELECT count(*) FROM messages")
        print(f"store: {conversations:,} conversations, {messages:,} messages")
        time_searches(path, args.runs)
        time_opening(path, args.runs)


if __name__ == "__main__":
    main()
