"""How long a report takes over a big store: 100,000 conversations (the demo generator scaled
up, with a team's work on top; see bench/big_store.py), for 7, 28 and 180 days, in calendar
and in business time.

Run: .venv/bin/python bench/report_speed.py [--conversations N] [--days D] [--runs R]
The store is built on first use (several minutes) and cached outside the repository. Each
report is computed R times on one open store; the first run (cold caches) is shown apart, the
median and 95th percentile (nearest rank) are over all runs. There is no peer tool to run:
no other help desk computes these figures offline from a local store.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import statistics
import sys
import time
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.big_store import NOW, big_store
from bench.machine import describe
from mail.config import Config
from mail.customers import sla_policy
from storage import metrics
from storage.db import Store
from storage.sla import SlaPolicy


def policies() -> dict[str, SlaPolicy]:
    calendar = dataclasses.replace(sla_policy(Config()), timezone="Europe/Berlin")
    business = dataclasses.replace(calendar, business_hours=(clock_time(9), clock_time(17)))
    return {"calendar": calendar, "business": business}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365, help="how far back the mail goes")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    path = big_store(args.conversations, args.days)
    owners = dict(Config().tags.categories)
    print(describe())
    with Store.open(path) as store:
        counts = [
            store.scalar(f"SELECT count(*) FROM {table}")
            for table in ("conversations", "messages", "events")
        ]
        print(
            f"store: {counts[0]:,} conversations, {counts[1]:,} messages, {counts[2]:,} events "
            f"over {args.days} days ({path.stat().st_size / 2**20:,.0f} MB)"
        )
        print(f"{'period':>8} {'clock':>9} {'first run':>10} {'median':>8} {'p95':>8}  figures")
        for days in (7, 28, 180):
            period = metrics.Period.last_days(days, NOW)
            for name, policy in policies().items():
                seconds = []
                report = None
                for _ in range(args.runs):
                    started = time.perf_counter()
                    report = metrics.report(store, period, policy=policy, owners=owners, now=NOW)
                    seconds.append(time.perf_counter() - started)
                assert report is not None
                ordered = sorted(seconds)
                p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]
                headline = report.headline
                print(
                    f"{days:>6} d {name:>9} {seconds[0] * 1000:>8.0f} ms"
                    f" {statistics.median(seconds) * 1000:>5.0f} ms {p95 * 1000:>5.0f} ms"
                    f"  {headline.conversations_new:,} new, {headline.messages_incoming:,} in,"
                    f" {headline.replies_sent:,} replies, first response median"
                    f" {timedelta(seconds=round(headline.first_response.median or 0))}"
                )


if __name__ == "__main__":
    main()
