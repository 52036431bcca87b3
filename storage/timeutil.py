"""Times in the store are whole seconds since the epoch, UTC; these convert them."""

from __future__ import annotations

from datetime import UTC, datetime


def to_epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def now_epoch() -> int:
    return int(datetime.now(UTC).timestamp())
