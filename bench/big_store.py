"""A big store for the benchmarks: the demo mailbox scaled up (100,000 conversations by
default), with a team's work on top, built once and cached outside the repository.

Use: `path = big_store()` (builds on first use: several minutes; then instant). The cache is
`$XDG_CACHE_HOME/frontdesk-bench/` (or `~/.cache/frontdesk-bench/`), one file per set of
parameters; delete the folder to rebuild. Run this file to build it ahead of time.

The team's work is added with plain SQL, from a seeded random generator, as frontdesk would
have journaled it: category tags on most conversations, finished ones closed, two teammates'
`replied` events on most of our replies (the rest count as sent from other clients), composer
time, saved-reply uses, and sales conversations handed to a colleague.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mail import demo
from mail.config import DEFAULT_CATEGORY_TAGS, DEFAULT_MODIFIER_TAGS
from mail.demo_replies import SAVED_REPLIES
from mail.demo_store import TEAM_ADDRESSES, demo_config
from mail.ingest import Ingestor
from mail.parse import parse_message
from storage.db import Store
from storage.models import IncomingMessage
from storage.tags import ensure_tags

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
BUILD_VERSION = 1  # bump when what the builder adds changes, so old caches are not reused
TEAM = ("Dana Whitfield", "Sam Rivera")
COLLEAGUE = ("Pete Lindqvist", "pete@trellis.app")
BATCH = 2000


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "frontdesk-bench"


def _parse_batch(batch: list[bytes]) -> list[tuple[IncomingMessage, str]]:
    return [(parse_message(raw, NOW), "") for raw in batch]


def _batches(conversations: int, days: int, seed: int) -> Iterator[list[bytes]]:
    messages = demo.iter_messages(seed, conversations, days, NOW)
    while batch := list(islice(messages, BATCH)):
        yield batch


def big_store(conversations: int = 100_000, days: int = 365, seed: int = 7) -> Path:
    """The cached store for these parameters, built first if missing."""
    path = cache_dir() / f"store-c{conversations}-d{days}-s{seed}-v{BUILD_VERSION}.db"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for suffix in ("", "-wal", "-shm", ".migrate.lock"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    with Store.open(partial) as store:
        ingestor = Ingestor(store, TEAM_ADDRESSES, config=demo_config())
        stored = 0
        # Parsing runs in a second process, one batch ahead, while this one generates and
        # stores (`pool.map` would read the whole mailbox into memory first).
        with ProcessPoolExecutor(1) as pool:
            pending: Future[list[tuple[IncomingMessage, str]]] | None = None
            for batch in _batches(conversations, days, seed):
                ahead = pool.submit(_parse_batch, batch)
                if pending is not None:
                    stored += ingestor.store_batch(pending.result()).stored
                    print(f"\rstored {stored} messages", end="", file=sys.stderr, flush=True)
                pending = ahead
            if pending is not None:
                stored += ingestor.store_batch(pending.result()).stored
        print(file=sys.stderr)
        _describe_customers(store, conversations, seed)
        _add_work(store, random.Random(f"bench-work-{seed}"))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"built {path.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    partial.rename(path)
    Path(f"{partial}.migrate.lock").unlink(missing_ok=True)
    return path


def _describe_customers(store: Store, conversations: int, seed: int) -> None:
    """The tiers and companies billing knows (bulk SQL: the bench needs no SLA clocks)."""
    people = demo.customers(seed, max(20, round(conversations * 0.4)), now=NOW)
    with store.atomic():
        store.conn.executemany(
            "UPDATE customers SET tier = ?, company = ?, tier_source = 'import'"
            " WHERE id = (SELECT customer_id FROM addresses WHERE addr = ?)",
            [(p.tier, p.company, p.email.lower()) for p in people],
        )


def _add_work(store: Store, rng: random.Random) -> None:
    config = demo_config()
    ensure_tags(store, DEFAULT_CATEGORY_TAGS, DEFAULT_MODIFIER_TAGS)
    tag_ids = [
        int(store.scalar("SELECT id FROM tags WHERE name = ?", (name,)))
        for name in DEFAULT_CATEGORY_TAGS
    ]
    weights = [30, 5, 3, 4, 25, 12, 6, 30, 8, 3]  # how often each category comes up
    conversations = store.conn.execute(
        "SELECT id, last_message_at, awaiting_reply, sales_detected FROM conversations"
    ).fetchall()
    ours = store.conn.execute(
        "SELECT conversation_id, message_id, date FROM messages WHERE is_ours ORDER BY id"
    ).fetchall()
    now = int(NOW.timestamp())
    with store.atomic():
        store.conn.executemany(
            "INSERT OR IGNORE INTO conversation_tags (conversation_id, tag_id) VALUES (?, ?)",
            [
                (cid, rng.choices(tag_ids, weights)[0])
                for cid, *_ in conversations
                if rng.random() < 0.7
            ],
        )
        finished = [
            (cid, last + 7200)
            for cid, last, awaiting, _ in conversations
            if not awaiting and now - last > 3 * 86400
        ]
        store.conn.executemany(
            "UPDATE conversations SET status = 'closed', closed_at = ? WHERE id = ?",
            [(closed, cid) for cid, closed in finished],
        )
        work: list[tuple[int, int, str, str, str]] = []
        for cid, closed in finished:
            work.append((cid, closed, rng.choice(TEAM), "closed", "{}"))
        for cid, message_id, date in ours:
            if rng.random() < 0.75:  # the rest were sent from another client
                actor = rng.choice(TEAM)
                detail = json.dumps({"message_id": message_id})
                work.append((cid, date + rng.randint(5, 60), actor, "replied", detail))
                seconds = int(rng.lognormvariate(5.3, 0.8))
                work.append((cid, date, actor, "composed", json.dumps({"seconds": seconds})))
                if rng.random() < 0.2:
                    reply = rng.choice(SAVED_REPLIES)
                    used = json.dumps({"name": reply.name, "reply_id": 0})
                    work.append((cid, date, actor, "saved_reply_used", used))
        store.conn.executemany(
            "INSERT INTO events (conversation_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, ?)",
            sorted(work, key=lambda row: row[1]),
        )
        name, email = COLLEAGUE
        store.conn.executemany(
            "INSERT INTO handoffs (conversation_id, colleague, colleague_email, mode, actor, at)"
            " VALUES (?, ?, ?, 'pass', ?, ?)",
            [
                (cid, name, email, config.team.me, last)
                for cid, last, _, sales in conversations
                if sales and rng.random() < 0.4
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    print(big_store(args.conversations, args.days))


if __name__ == "__main__":
    main()
