"""How fast frontdesk parses and stores typical support mail, against the stdlib parser.

Run: .venv/bin/python bench/parse_speed.py [--conversations N] [--repeat R]
Messages come from the demo generator (2-20 KB ones only: the issue's "typical support mail").
Parsing is timed on one core; the peer is the stdlib `email` parser with `policy.default`
asked for the same things (body text, addresses, date, attachments' names).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe
from mail import demo
from mail.ingest import Ingestor, RawMail
from mail.parse import parse_message
from storage.db import Store

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


def stdlib_default(raw: bytes) -> None:
    """What the stdlib needs to do to give the same fields as `parse_message`."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    _ = msg["from"].addresses if msg["from"] else None
    _ = msg["to"].addresses if msg["to"] else None
    _ = msg["subject"], msg["date"], msg["message-id"], msg["references"]
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        body.get_content()
    for part in msg.iter_attachments():
        part.get_filename()


def rate(function: object, messages: list[bytes], repeat: int) -> list[float]:
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        for raw in messages:
            function(raw)  # type: ignore[operator]
        rates.append(len(messages) / (time.perf_counter() - start))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    everything = demo.generate(conversations=args.conversations, now=NOW)
    typical = [m for m in everything if 2_000 <= len(m) <= 20_000]
    sizes = sorted(len(m) for m in typical)
    print(describe())
    print(
        f"corpus: {len(typical)} demo messages of 2-20 KB (of {len(everything)}), "
        f"median {statistics.median(sizes) / 1024:.1f} KB"
    )

    ours = rate(lambda raw: parse_message(raw, NOW), typical, args.repeat)
    peer = rate(stdlib_default, typical, max(1, args.repeat // 2))
    print(
        f"frontdesk parse_message: median {statistics.median(ours):,.0f} msg/s "
        f"(min {min(ours):,.0f}, max {max(ours):,.0f})"
    )
    print(f"stdlib email policy.default: median {statistics.median(peer):,.0f} msg/s")
    print(f"ratio: {statistics.median(ours) / statistics.median(peer):.1f}x the stdlib parser")

    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "bench.db") as store:
        start = time.perf_counter()
        report = Ingestor(store, [demo.SUPPORT_ADDRESS]).ingest(
            RawMail(raw, NOW) for raw in everything
        )
        elapsed = time.perf_counter() - start
    print(
        f"ingest (parse + thread + store + FTS, one core): {report.read / elapsed:,.0f} msg/s "
        f"({report.read} messages, {elapsed:.1f} s)"
    )


if __name__ == "__main__":
    main()
