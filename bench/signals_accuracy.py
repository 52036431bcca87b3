"""How well and how fast the phrase detectors work: sales signals and churn risk.

Run: .venv/bin/python bench/signals_accuracy.py [--repeat R] [--conversations N]
Accuracy is measured on the labeled sets in tests/data/ (written for the purpose): the rules
were written against sales_signals.jsonl; sales_signals_holdout.jsonl was written after them,
and sales_signals_holdout2.jsonl by imagining customers before reading the rules' pattern
lists. Each held-out set's first figure said how well the rules carried over to new phrasing
(see BENCHMARKS.md); both then guided widening the rules' phrase families. Speed over the
first set repeated, and over the customers' new text in the demo mailbox (one core).
No peer: no open-source detector for these two questions runs offline without a model.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe
from mail import demo
from mail.parse import parse_message
from mail.signals import churn_reasons, sales_signal

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


def load(name: str) -> list[dict[str, object]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def accuracy(name: str) -> None:
    rows = load(name)
    found = [sales_signal(str(row["text"])).is_signal for row in rows]
    pairs = list(zip(rows, found, strict=True))
    true_pos = sum(1 for row, hit in pairs if hit and row["sales"])
    false_pos = sum(1 for row, hit in pairs if hit and not row["sales"])
    false_neg = sum(1 for row, hit in pairs if not hit and row["sales"])
    precision = true_pos / ((true_pos + false_pos) or 1)
    recall = true_pos / ((true_pos + false_neg) or 1)
    f1 = 2 * precision * recall / ((precision + recall) or 1)
    near = sum(1 for row in rows if row["kind"] in ("billing", "churn", "bug"))
    print(
        f"\n{name}: {len(rows)} messages, {sum(1 for r in rows if r['sales'])} sales, "
        f"{near} near-misses from billing/churn/bugs"
    )
    print(
        f"sales: precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  "
        f"(tp {true_pos}, fp {false_pos}, fn {false_neg}, "
        f"tn {len(rows) - true_pos - false_pos - false_neg})"
    )
    print("per kind (flagged as sales / messages):")
    totals = Counter(str(row["kind"]) for row in rows)
    flagged = Counter(str(row["kind"]) for row, hit in pairs if hit)
    for kind, total in sorted(totals.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {kind:<13} {flagged[kind]:>3} / {total:<3}")
    for row, hit in pairs:
        if hit != row["sales"]:
            label = "false positive" if hit else "missed"
            print(f"  {label}: {str(row['text'])[:90]!r}")
    churn_rows = [row for row in rows if row["kind"] == "churn"]
    churn_found = sum(1 for row in churn_rows if churn_reasons(str(row["text"])))
    others = [row for row in rows if row["kind"] != "churn"]
    churn_false = [row for row in others if churn_reasons(str(row["text"]))]
    print(
        f"churn: {churn_found} / {len(churn_rows)} churn messages found; "
        f"{len(churn_false)} / {len(others)} others flagged"
    )
    for row in churn_false:
        print(f"  flagged as churn ({row['kind']}): {str(row['text'])[:80]!r}")


def rate(detect: Callable[[str], object], texts: list[str], repeat: int) -> list[float]:
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            detect(text)
        rates.append(len(texts) / (time.perf_counter() - start))
    return rates


def speed(label: str, texts: list[str], repeat: int) -> None:
    size = statistics.median(len(text) for text in texts)
    for name, detect in (("sales_signal", sales_signal), ("churn_reasons", churn_reasons)):
        rates = rate(detect, texts, repeat)
        print(
            f"{name} over {label} ({len(texts):,} texts, median {size:.0f} chars): median "
            f"{statistics.median(rates):,.0f} msg/s (min {min(rates):,.0f}, max {max(rates):,.0f})"
        )


def demo_customer_texts(conversations: int) -> list[str]:
    texts = []
    for raw in demo.iter_messages(conversations=conversations, now=NOW):
        message = parse_message(raw, NOW)
        if message.sender and message.sender.addr != demo.SUPPORT_ADDRESS:
            texts.append(message.new_text)
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--conversations", type=int, default=2000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    print(describe())
    accuracy("sales_signals.jsonl")
    accuracy("sales_signals_holdout.jsonl")
    accuracy("sales_signals_holdout2.jsonl")
    accuracy("sales_signals_blind.jsonl")
    print()
    labeled = [str(row["text"]) for row in load("sales_signals.jsonl")]
    speed("the labeled set x20", labeled * 20, args.repeat)
    customer = demo_customer_texts(args.conversations)
    flagged = sum(1 for text in customer if sales_signal(text).is_signal)
    churned = sum(1 for text in customer if churn_reasons(text))
    print(
        f"demo mailbox ({args.conversations:,} conversations): {len(customer):,} customer "
        f"messages, {flagged:,} sales signals, {churned:,} with churn reasons"
    )
    speed("the demo customers' new text", customer, args.repeat)


if __name__ == "__main__":
    main()
