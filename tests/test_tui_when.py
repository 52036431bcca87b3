"""Snooze times: presets as seen from a given moment, and what may be typed instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.when import WhenError, parse, presets

pytestmark = pytest.mark.usefixtures("utc_local_time")

FRIDAY_4PM = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


def test_presets_from_a_friday_afternoon() -> None:
    found = {p.label: p.until for p in presets(FRIDAY_4PM)}
    assert found == {
        "In 1 hour": FRIDAY_4PM + timedelta(hours=1),
        "Tonight (Fri 18:00)": datetime(2026, 11, 20, 18, 0, tzinfo=UTC),
        "Tomorrow morning (Sat 09:00)": datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
        "Next week (Mon 23 Nov 09:00)": datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
    }


def test_late_in_the_day_tonight_means_tomorrow_evening() -> None:
    late = FRIDAY_4PM.replace(hour=17, minute=30)
    (tonight,) = [p for p in presets(late) if p.label.startswith("Tonight")]
    assert tonight.until == datetime(2026, 11, 21, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3d", FRIDAY_4PM + timedelta(days=3)),
        ("4h", FRIDAY_4PM + timedelta(hours=4)),
        ("90m", FRIDAY_4PM + timedelta(minutes=90)),
        ("2w", FRIDAY_4PM + timedelta(weeks=2)),
        ("tomorrow", datetime(2026, 11, 21, 9, 0, tzinfo=UTC)),
        ("fri", datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),  # today is Friday: next week's
        ("Monday", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
        ("2026-12-01", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("2026-12-01 14:30", datetime(2026, 12, 1, 14, 30, tzinfo=UTC)),
    ],
)
def test_typed_times(typed: str, expected: datetime) -> None:
    assert parse(typed, FRIDAY_4PM) == expected


@pytest.mark.parametrize(("typed", "message"), [("soon", "cannot read"), ("", "type a date"),
                                                 ("2026-01-01", "has passed")])  # fmt: skip
def test_what_cannot_be_used_says_why(typed: str, message: str) -> None:
    with pytest.raises(WhenError, match=message):
        parse(typed, FRIDAY_4PM)
