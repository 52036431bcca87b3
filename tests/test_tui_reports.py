"""The Reports screen: `g r` and the palette open it, Esc goes back; `1`/`2`/`3` and `c` switch
the period and the figures follow (on a store whose numbers are known); bad dates are
refused where they are typed; the figures are computed off the UI thread. And handle time:
the composer's open time is journaled when it closes or the conversation is left."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from mail.ingest import Ingestor
from storage import work
from storage.db import Store
from storage.metrics import Period, Report, ReportError
from tests.conftest import SUPPORT, mail
from tests.support.tui import (
    NOW,
    Clock,
    make_app,
    notices,
    run_async,
    run_command,
    screen_text,
    settle,
    type_text,
)
from tui.app import FrontdeskApp
from tui.screens.conversation import ConversationScreen
from tui.screens.queue import QueueScreen
from tui.screens.reports import ReportsScreen, Section, duration, parse_dates

pytestmark = pytest.mark.usefixtures("utc_local_time")

ME = "Dana Whitfield"
HOUR = 3600


def conversation(
    number: int, asked_days_ago: float, answered_after_hours: float | None
) -> Iterator[bytes]:
    """A customer's question, and our reply some hours later (or none yet)."""
    asked = NOW - timedelta(days=asked_days_ago)
    question = f"<q{number}@customer.test>"
    yield mail(
        sender=f"Customer {number} <c{number}@customer.test>",
        subject=f"Question {number}",
        message_id=question,
        date=asked,
    )
    if answered_after_hours is not None:
        yield mail(
            sender=f"Support <{SUPPORT}>",
            to=f"c{number}@customer.test",
            subject=f"Re: Question {number}",
            message_id=f"<a{number}@acme.test>",
            in_reply_to=question,
            references=question,
            date=asked + timedelta(hours=answered_after_hours),
        )


@pytest.fixture
def known(tmp_path: Path) -> Path:
    """Four conversations: answered in 1 h (3 days ago), in 2 h (20 days ago), in 4 h
    (100 days ago), and one unanswered from yesterday."""
    path = tmp_path / "known.db"
    with Store.open(path) as store:
        Ingestor(store, [SUPPORT]).ingest(
            [
                *conversation(1, 3, 1),
                *conversation(2, 20, 2),
                *conversation(3, 100, 4),
                *conversation(4, 1, None),
            ]
        )
    return path


def figures(app: FrontdeskApp) -> dict[str, list[str]]:
    """The headline cells by label: [number, change]."""
    found: dict[str, list[str]] = {}
    for cell in app.screen.query(".figure").results(Static):
        label, *rest = str(cell.content).split("\n")
        found[label] = rest
    return found


def header(app: FrontdeskApp) -> str:
    return str(app.screen.query_one("#report-header", Static).content)


def section(app: FrontdeskApp, key: str) -> str:
    return app.screen.query_one(f"#section-{key}", Section).plain()


def composed(db: Path) -> list[tuple[int, str, str, int]]:
    with Store.open(db) as store:
        return [
            (int(row[0]), str(row[1]), str(row[2]), int(row[3]))
            for row in store.conn.execute(
                "SELECT conversation_id, actor, detail, at FROM events"
                " WHERE kind = 'composed' ORDER BY id"
            )
        ]


# -- the screen -------------------------------------------------------------------------------


@run_async
async def test_g_r_opens_the_reports_and_esc_goes_back(known: Path, tmp_path: Path) -> None:
    app = make_app(known, tmp_path, demo=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("g", "r")
        await settle(pilot)
        assert isinstance(app.screen, ReportsScreen)
        assert header(app).startswith("Reports · last 28 days · 23 Oct – 20 Nov 2026")
        assert "vs 25 Sep – 23 Oct 2026" in header(app)
        assert "New conversations" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("g", "r")
        await settle(pilot)
        await pilot.press("q")  # q goes back too, it does not quit from here
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


@run_async
async def test_the_palette_opens_the_reports(known: Path, tmp_path: Path) -> None:
    app = make_app(known, tmp_path, demo=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_command(pilot, "Reports")
        assert isinstance(app.screen, ReportsScreen)


@run_async
async def test_the_period_keys_change_the_period_and_the_figures(
    known: Path, tmp_path: Path
) -> None:
    app = make_app(known, tmp_path, demo=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("g", "r")
        await settle(pilot)
        # 28 days: questions 1, 2 and 4 are new; 1 h and 2 h to answer; 4 still waits.
        shown = figures(app)
        assert shown["New conversations"] == ["3", "▲ from none"]
        assert shown["Handled"] == ["2", "▲ from none"]
        assert shown["First response, median"] == ["1h30m", "no figure before"]
        assert shown["First response, p90"][0] == "2h"
        assert shown["Unanswered"] == ["1", "▲ from none"]
        assert shown["Within SLA target"] == ["100%", "0 breaches"]

        await pilot.press("1")
        await settle(pilot)
        assert header(app).startswith("Reports · last 7 days · 13 Nov – 20 Nov 2026")
        shown = figures(app)
        assert shown["New conversations"][0] == "2"
        assert shown["Handled"][0] == "1"
        assert shown["First response, median"][0] == "1h"
        assert "unknown" in section(app, "tiers") and "p90 1h, n=1" in section(app, "tiers")

        await pilot.press("3")
        await settle(pilot)
        assert header(app).startswith("Reports · last 180 days")
        shown = figures(app)
        assert shown["New conversations"][0] == "4"
        assert shown["First response, median"][0] == "2h"
        assert shown["First response, p90"][0] == "4h"  # nearest rank of three
        times = section(app, "times").split("\n")
        assert times[1].split() == ["First", "response", "2h", "4h", "3", "–"]

        await pilot.press("2")
        await settle(pilot)
        assert figures(app)["New conversations"][0] == "3"


@run_async
async def test_c_takes_typed_dates_and_refuses_bad_ones(known: Path, tmp_path: Path) -> None:
    app = make_app(known, tmp_path, demo=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("g", "r")
        await settle(pilot)
        reports = app.screen
        await pilot.press("c")
        await settle(pilot)
        field = app.screen.query_one("#period-input", Input)
        assert field.value == "2026-10-23 2026-11-20"  # the period shown, to edit
        for typed, error in (
            ("2026-11-20 2026-11-01", "the report's end date 2026-11-01 is before its start"),
            ("last week", "type two dates, from and to, like 2026-10-01 2026-10-31"),
            ("2026-02-30 2026-03-02", "2026-02-30 is not a date"),
        ):
            field.value = typed
            await pilot.press("enter")
            await settle(pilot)
            assert error in str(app.screen.query_one("#period-error", Static).content)
            assert app.screen is not reports
        field.value = "2026-11-01 to 2026-11-20"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is reports
        assert header(app).startswith("Reports · 01 Nov – 20 Nov 2026 · vs 12 Oct – 31 Oct 2026")
        assert figures(app)["New conversations"][0] == "2"  # questions 1 and 4
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("escape")  # nothing changes
        await settle(pilot)
        assert header(app).startswith("Reports · 01 Nov – 20 Nov 2026")


@run_async
async def test_figures_are_computed_off_the_ui_thread(
    known: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(known, tmp_path, demo=False)
    release = threading.Event()
    computed = app.backend.report

    def slow_report(period: Period) -> Report:
        release.wait(timeout=30)
        return computed(period)

    monkeypatch.setattr(app.backend, "report", slow_report)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("g", "r")
        for _ in range(3):
            await pilot.pause()
        assert "computing…" in header(app)
        assert app.screen.query_one("#report-body").loading
        await pilot.press("1")  # keys still work while it computes
        await pilot.pause()
        assert "last 7 days" in header(app)
        release.set()
        await settle(pilot)
        assert "computing…" not in header(app)
        assert figures(app)["New conversations"][0] == "2"  # the 7 days, not the 28


@run_async
async def test_a_failed_report_says_why(
    known: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(known, tmp_path, demo=False)

    def broken(period: Period) -> Report:
        raise ReportError("the store is busy")

    monkeypatch.setattr(app.backend, "report", broken)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("g", "r")
        await settle(pilot)
        assert "the store is busy" in notices(app)
        assert "could not be computed" in header(app)
        assert not app.screen.query_one("#report-body").loading


@pytest.mark.parametrize(
    ("typed", "first", "last"),
    [
        ("2026-10-01 2026-10-31", "2026-10-01", "2026-10-31"),
        ("2026-10-01..2026-10-31", "2026-10-01", "2026-10-31"),
        (" 2026-10-01 TO 2026-10-31 ", "2026-10-01", "2026-10-31"),
    ],
)
def test_typed_dates(typed: str, first: str, last: str) -> None:
    assert tuple(str(day) for day in parse_dates(typed)) == (first, last)


@pytest.mark.parametrize(
    ("seconds", "shown"), [(None, "–"), (42, "42s"), (60, "1m"), (3900, "1h05m"), (90000, "1d1h")]
)
def test_durations(seconds: float | None, shown: str) -> None:
    assert duration(seconds) == shown


# -- handle time ------------------------------------------------------------------------------


@run_async
async def test_the_composer_open_five_minutes_journals_300_seconds(
    db: Path, tmp_path: Path
) -> None:
    clock = Clock()
    app = make_app(db, tmp_path, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        conversation_id = screen.conversation_id
        await pilot.press("r")
        await settle(pilot)
        clock.advance(minutes=5)
        await pilot.press("escape")  # hides the composer, the draft kept
        await settle(pilot)
        assert composed(db) == [
            (conversation_id, ME, '{"seconds": 300}', int((NOW + timedelta(minutes=5)).timestamp()))
        ]
        await pilot.press("escape")  # back to the queue: the composer was not open
        await settle(pilot)
        assert len(composed(db)) == 1


@run_async
async def test_handle_time_is_counted_when_sent_or_when_the_conversation_is_left(
    db: Path, tmp_path: Path
) -> None:
    clock = Clock()
    app = make_app(db, tmp_path, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "r")
        await settle(pilot)
        first = app.screen.conversation_id  # type: ignore[attr-defined]
        await type_text(pilot, "Thanks, on it.")
        clock.advance(minutes=2)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        clock.advance(seconds=45)
        await pilot.press("ctrl+g")  # discarded: the time was spent all the same
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        clock.advance(minutes=1)
        await pilot.press("ctrl+s")  # empty: not sent, the composer stays open
        await settle(pilot)
        app.screen.query_one("#thread").focus()  # as a click on the thread would
        await pilot.press("n")  # the next conversation: this one is left
        await settle(pilot)
        second = app.screen.conversation_id  # type: ignore[attr-defined]
        assert second != first
    assert [(row[0], row[2]) for row in composed(db)] == [
        (first, '{"seconds": 120}'),
        (first, '{"seconds": 45}'),
        (first, '{"seconds": 60}'),
    ]


@run_async
async def test_quitting_with_the_composer_open_journals_its_time(db: Path, tmp_path: Path) -> None:
    clock = Clock()
    app = make_app(db, tmp_path, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "r")
        await settle(pilot)
        first = app.screen.conversation_id  # type: ignore[attr-defined]
        clock.advance(minutes=3)
    assert [(row[0], row[2]) for row in composed(db)] == [(first, '{"seconds": 180}')]


@run_async
async def test_recorded_handle_time_shows_per_tag_in_the_report(db: Path, tmp_path: Path) -> None:
    clock = Clock()
    app = make_app(db, tmp_path, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        conversation_id = app.screen.conversation_id  # type: ignore[attr-defined]
        with Store.open(db) as store, store.atomic():
            work.add_tag(store, [conversation_id], "billing", actor=ME, at=NOW)
        await pilot.press("r")
        await settle(pilot)
        clock.advance(minutes=5)
        await pilot.press("escape", "escape")
        await settle(pilot)
        clock.advance(minutes=1)  # a period ends before its `now`
        await pilot.press("g", "r")
        await settle(pilot)
        handle = section(app, "handle")
        assert handle.split("\n")[0].startswith("#billing")
        assert handle.split("\n")[0].rstrip().endswith("5m 1 × 5m")
        assert "5m in the composer in all" in handle
