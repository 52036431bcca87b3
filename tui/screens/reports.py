"""`g r`: the reports. How fast we answer, who we answer and what customers write about, for
the last 7, 28 or 180 days or typed dates, each number beside the period before it.

The figures come from `storage.metrics` through the backend, in a thread worker; this screen
only draws them (tui/widgets/charts.py), in sections that scroll at 80×24 and sit in two
columns on a wide terminal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from mail.sanitize import clean_line
from storage.metrics import Period, Report, ReportError, Stats
from tui import render
from tui.bindings import REPORTS
from tui.screens.base import FrontdeskScreen
from tui.widgets.charts import (
    BAD,
    GOOD,
    MUTED,
    WEEKDAYS,
    Bar,
    Figure,
    Fitted,
    bar_chart,
    figure_text,
    heat_map,
    sparkline,
    trend_arrow,
)

WEEKS_LISTED = 8  # the per-week bars show the most recent weeks; the sparkline shows all
BREACHES_LISTED = 3


# -- words for numbers ------------------------------------------------------------------------


def duration(seconds: float | None) -> str:
    """A response time as people read it: 45s, 42m, 1h05m, 2d3h; a dash when there is none."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{int(seconds)}s"
    return render.span(int(seconds))


def share(part: float | None) -> str:
    return "–" if part is None else f"{part * 100:.0f}%"


def day_span(period: Period, zone: tzinfo) -> str:
    """The period's first and last days on the wall clock: `23 Oct – 20 Nov 2026`."""
    first = period.start.astimezone(zone)
    last = (period.end - timedelta(microseconds=1)).astimezone(zone)
    if first.date() == last.date():
        return f"{first:%d %b %Y}"
    head = f"{first:%d %b}" if first.year == last.year else f"{first:%d %b %Y}"
    return f"{head} – {last:%d %b %Y}"


_DATE = r"(\d{4}-\d{2}-\d{2})"
_TWO_DATES = re.compile(rf"^\s*{_DATE}\s*(?:\.\.|–|-|to|\s)\s*{_DATE}\s*$", re.IGNORECASE)


def parse_dates(text: str) -> tuple[date, date]:
    """`2026-10-01 2026-10-31` (or with `to`, `..` between): the first and last day."""
    found = _TWO_DATES.match(text)
    if found is None:
        raise ReportError("type two dates, from and to, like 2026-10-01 2026-10-31")
    days: list[date] = []
    for typed in found.groups():
        try:
            days.append(date.fromisoformat(typed))
        except ValueError:
            raise ReportError(f"{typed} is not a date") from None
    return days[0], days[1]


# -- the sections, drawn from a report ----------------------------------------------------------


def headline_figures(report: Report) -> list[Figure]:
    now, before = report.headline, report.previous
    sla = report.sla_first_response
    answered = sum(figure.answered for figure in sla)
    within = sum(figure.within_target for figure in sla)
    return [
        Figure("New conversations", str(now.conversations_new), now.conversations_new,
               before.conversations_new),
        Figure("Handled", str(now.conversations_handled), now.conversations_handled,
               before.conversations_handled),
        Figure("First response, median", duration(now.first_response.median),
               now.first_response.median, before.first_response.median, lower_is_better=True),
        Figure("First response, p90", duration(now.first_response.p90),
               now.first_response.p90, before.first_response.p90, lower_is_better=True),
        Figure("Within SLA target", share(within / answered) if answered else "–",
               within / answered if answered else None, None, note=sla_note(report)),
        Figure("Unanswered", str(now.unanswered), now.unanswered, before.unanswered,
               lower_is_better=True),
    ]  # fmt: skip


def sla_note(report: Report) -> Text:
    """Said under the SLA share, which has no previous share to compare with."""
    count = report.breaches_count
    return Text(
        f"{count} breach{'es' if count != 1 else ''}", style=BAD if count else MUTED, end=""
    )


def _stats_note(stats: Stats) -> Text:
    return Text(f"p90 {duration(stats.p90)}, n={stats.count}", style=MUTED)


def tier_bars(report: Report) -> list[Bar]:
    """The median first response of each tier, in the SLA's order (strictest target first)."""
    order = [figure.tier for figure in report.sla_first_response]
    tiers = sorted(
        report.first_response_by_tier,
        key=lambda tier: (order.index(tier) if tier in order else len(order), tier),
    )
    return [
        Bar(tier, stats.median or 0, duration(stats.median), _stats_note(stats))
        for tier in tiers
        if (stats := report.first_response_by_tier[tier]).count
    ]


def sla_bars(report: Report) -> list[Bar]:
    return [
        Bar(
            f"{figure.tier} ({duration(figure.target_seconds)})",
            figure.share_within_target or 0,
            share(figure.share_within_target),
            Text(
                f"{figure.within_target}/{figure.answered}"
                + (f" · {figure.overdue_unanswered} overdue" if figure.overdue_unanswered else ""),
                style=MUTED,
            ),
        )
        for figure in report.sla_first_response
        if figure.answered or figure.overdue_unanswered
    ]


def sla_text(report: Report, width: int, zone: tzinfo) -> Text:
    text = bar_chart(sla_bars(report), width, empty="no first responses in this period")
    text.append("\n")
    text.append_text(sla_note(report))
    for breach in report.breaches[:BREACHES_LISTED]:
        line = Text(f"\n  {breach.due_at.astimezone(zone):%d %b %H:%M} ", style=MUTED)
        line.append(render.fit(clean_line(breach.subject), max(10, width - 16)))
        text.append_text(line)
    return text


def week_label(week_start: datetime, zone: tzinfo) -> str:
    return f"w/c {week_start.astimezone(zone):%d %b}"


def weekly_text(report: Report, width: int, zone: tzinfo) -> Text:
    """The weekly median first response: a sparkline of every week, then the latest weeks
    as bars with their numbers."""
    weeks = report.weeks
    if not any(week.first_response.count for week in weeks):
        return Text("no first responses in this period", style=MUTED)
    text = Text("", end="")
    if len(weeks) > 1:
        text.append_text(sparkline([week.first_response.median for week in weeks]))
        text.append(
            f"  {week_label(weeks[0].start, zone)} → {week_label(weeks[-1].start, zone)}\n",
            style=MUTED,
        )
    bars = [
        Bar(
            week_label(week.start, zone),
            week.first_response.median or 0,
            duration(week.first_response.median),
            Text(f"{week.first_response.count} answered", style=MUTED),
        )
        for week in weeks[-WEEKS_LISTED:]
    ]
    text.append_text(bar_chart(bars, width))
    return text


def times_text(report: Report) -> Text:
    """Response and close times side by side with the previous period's medians."""
    now, before = report.headline, report.previous
    rows = (
        ("First response", now.first_response, before.first_response),
        ("Next response", now.next_response, before.next_response),
        ("Time to close", now.time_to_close, before.time_to_close),
    )
    text = Text(f"{'':<15}{'median':>7}{'p90':>7}{'count':>7}{'before':>8}", style=MUTED, end="")
    for label, stats, previous in rows:
        text.append(f"\n{label:<15}")
        text.append(f"{duration(stats.median):>7}", style="bold")
        text.append(f"{duration(stats.p90):>7}{stats.count:>7}")
        text.append(f"{duration(previous.median):>8}", style=MUTED)
    when = "business hours" if report.business_time else "calendar time"
    text.append(f"\nin {when}, {report.timezone}", style=MUTED)
    return text


def hours_text(report: Report, width: int) -> Text:
    return heat_map(report.heatmap, width)


def by_when_text(report: Report, width: int) -> Text:
    """The median first response by the weekday of the customer's message (bars), and by its
    hour (a sparkline over a ruler)."""
    bars = [
        Bar(day, slot.first_response.median or 0, duration(slot.first_response.median))
        for day, slot in zip(WEEKDAYS, report.by_weekday, strict=True)
        if slot.first_response.count
    ]
    text = bar_chart(bars, width, empty="no first responses in this period")
    hourly = [slot.first_response.median for slot in report.by_hour]
    if any(value is not None for value in hourly):
        text.append("\nby hour", style=MUTED)
        text.append(" ")
        text.append_text(sparkline(hourly))
        text.append("\n        0     6     12    18", style=MUTED)
    return text


def tag_bars(report: Report) -> list[Bar]:
    return [
        Bar(
            f"#{tag.tag}",
            tag.conversations,
            str(tag.conversations),
            trend_arrow(tag.conversations, tag.previous_conversations),
        )
        for tag in report.tags
    ]


def owner_bars(report: Report) -> list[Bar]:
    return [
        Bar(
            owner.owner,
            owner.conversations,
            str(owner.conversations),
            trend_arrow(owner.conversations, owner.previous_conversations),
        )
        for owner in report.owners
    ]


def feature_text(report: Report, width: int) -> Text:
    if not report.feature_requests:
        return Text("no conversations tagged #feature-request in this period", style=MUTED)
    lines: list[Text] = []
    for request in report.feature_requests:
        line = Text(f"{request.conversations:>3}× ", style="bold", no_wrap=True, end="")
        who = ", ".join(clean_line(name) for name in request.customers)
        line.append(render.fit(clean_line(request.subject), max(10, width - 6)))
        if who:
            line.append(f"\n      {render.fit(who, max(10, width - 6))}", style=MUTED)
        lines.append(line)
    return Text("\n").join(lines)


def handle_bars(report: Report) -> list[Bar]:
    return [
        Bar(
            f"#{item.tag}",
            item.total_seconds,
            duration(item.total_seconds),
            Text(f"{item.conversations} × {duration(item.mean_seconds)}", style=MUTED),
        )
        for item in report.handle_time
    ]


def handle_text(report: Report, width: int) -> Text:
    text = bar_chart(handle_bars(report), width, empty="no time in the composer recorded yet")
    if report.handle_seconds_total:
        text.append(
            f"\n{duration(report.handle_seconds_total)} in the composer in all", style=MUTED
        )
    return text


def teammate_bars(report: Report) -> list[Bar]:
    return [
        Bar(
            person.name,
            person.replies_sent,
            str(person.replies_sent),
            Text(
                f"replies · {person.conversations_closed} closed · "
                f"{person.conversations_per_day:.1f}/day",
                style=MUTED,
            ),
        )
        for person in report.teammates
    ]


def sales_text(report: Report, width: int) -> Text:
    sales = report.sales
    bars = [
        Bar(
            lead.colleague,
            lead.handoffs,
            str(lead.handoffs),
            Text(f"{lead.sales_signal} with a sales signal", style=MUTED),
        )
        for lead in sales.colleagues
    ]
    text = bar_chart(bars, width, empty="no handoffs in this period")
    text.append(
        f"\n{sales.handed_off} of {sales.signal_conversations} sales-signal conversations "
        f"handed off ({share(sales.share_handed_off)})",
        style=MUTED,
    )
    return text


COMMENTS_LISTED = 5
_RATING_STYLES = {"good": GOOD, "ok": MUTED, "bad": BAD}


def satisfaction_text(report: Report, width: int) -> Text:
    """The share of good ratings, the good / OK / bad counts as bars, then the newest
    comments: who, which conversation, what they wrote (the customer's words, as text)."""
    rated = report.satisfaction
    if rated.percent_satisfied is None:
        return Text("no ratings in this period", style=MUTED)
    text = Text(f"{rated.percent_satisfied:.0f}% good", style="bold", end="")
    text.append(f" of {rated.ratings} rating{'s' if rated.ratings != 1 else ''}\n", style=MUTED)
    bars = [
        Bar("good", rated.good, str(rated.good)),
        Bar("ok", rated.ok, str(rated.ok)),
        Bar("bad", rated.bad, str(rated.bad)),
    ]
    text.append_text(bar_chart(bars, width))
    for comment in rated.comments[:COMMENTS_LISTED]:
        head = Text(f"\n{comment.rating:<5}", style=_RATING_STYLES[comment.rating])
        head.append(
            render.fit(f"#{comment.conversation_id} {clean_line(comment.customer)}", width - 5),
            style=MUTED,
        )
        text.append_text(head)
        text.append(f"\n     {render.fit(clean_line(comment.comment), max(10, width - 5))}")
    return text


def reply_bars(report: Report) -> list[Bar]:
    return [Bar(reply.name, reply.uses, str(reply.uses)) for reply in report.saved_replies]


Draw = Callable[[Report, int], Text]


def _bars(make: Callable[[Report], list[Bar]], empty: str) -> Draw:
    return lambda report, width: bar_chart(make(report), width, empty=empty)


# -- the widgets --------------------------------------------------------------------------------


class Section(Vertical):
    """A titled part of the report, drawn again for each report at the width it has."""

    DEFAULT_CSS = """
    Section { height: auto; padding: 0 1 1 1; }
    Section > .section-title { text-style: bold; color: $accent; }
    Section > .section-body { height: auto; }
    """

    def __init__(self, heading: str, draw: Draw, *, id: str) -> None:
        super().__init__(id=id)
        self.heading = heading
        self.draw = draw
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(self.heading), classes="section-title")
        yield Static("", classes="section-body")

    def show(self, report: Report) -> None:
        self.report = report
        self.query_one(".section-body", Static).update(
            Fitted(lambda width: self.draw(report, width))
        )

    def plain(self) -> str:
        """What the section shows at its width, as plain text."""
        if self.report is None:
            return ""
        width = self.query_one(".section-body", Static).content_region.width
        return self.draw(self.report, width).plain


class PeriodScreen(ModalScreen[Period | None]):
    """`c`: type the first and last day; a date that is not one, or an end before the start,
    is said under the line and nothing changes."""

    DEFAULT_CSS = """
    PeriodScreen { align: center middle; }
    PeriodScreen > Vertical {
        width: 60; max-width: 95%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    PeriodScreen #period-title { text-style: bold; }
    PeriodScreen #period-error { color: $error; height: auto; }
    PeriodScreen #period-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="report_custom_cancel", tooltip="Keep the period")
    ]

    def __init__(self, make: Callable[[date, date], Period], initial: str) -> None:
        super().__init__()
        self.make = make
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Report from … to …"), id="period-title")
            yield Input(self.initial, placeholder="2026-10-01 2026-10-31", id="period-input")
            yield Static("", id="period-error")
            yield Static(Text("first and last day, both included · Enter · Esc"), id="period-hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            period = self.make(*parse_dates(event.value))
        except ReportError as exc:
            self.query_one("#period-error", Static).update(Text(str(exc)))
            return
        self.dismiss(period)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReportsScreen(FrontdeskScreen):
    CSS_PATH = "reports.tcss"
    BINDINGS = REPORTS

    class Loaded(Message):
        def __init__(self, report: Report) -> None:
            super().__init__()
            self.report = report

    SECTIONS: ClassVar[Sequence[tuple[str, str]]] = (
        ("tiers", "First response by tier (median)"),
        ("sla", "First response within the SLA target"),
        ("weeks", "First response, week by week (median)"),
        ("times", "Response and close times"),
        ("hours", "When customers write (messages)"),
        ("by_when", "First response by when the customer wrote (median)"),
        ("tags", "Conversations per tag"),
        ("owners", "Per root-cause owner"),
        ("features", "Top feature requests"),
        ("handle", "Where the time goes: composer time per tag"),
        ("teammates", "Teammates"),
        ("sales", "Sales leads handed off"),
        ("replies", "Saved replies, most used"),
        ("satisfaction", "Customer satisfaction (ratings by mail)"),
    )

    def __init__(self, days: int = 28) -> None:
        super().__init__()
        self.days: int | None = days  # None for typed dates
        self.period: Period | None = None  # set once mounted, by the app's clock
        self.report: Report | None = None

    def _draws(self) -> dict[str, Draw]:
        zone = self.zone
        return {
            "tiers": _bars(tier_bars, "no first responses in this period"),
            "sla": lambda report, width: sla_text(report, width, zone),
            "weeks": lambda report, width: weekly_text(report, width, zone),
            "times": lambda report, _width: times_text(report),
            "hours": hours_text,
            "by_when": by_when_text,
            "tags": _bars(tag_bars, "no tagged conversations in this period"),
            "owners": _bars(owner_bars, "no tags with owners in this period"),
            "features": feature_text,
            "handle": handle_text,
            "teammates": _bars(teammate_bars, "no replies in this period"),
            "sales": sales_text,
            "replies": _bars(reply_bars, "no saved replies used in this period"),
            "satisfaction": satisfaction_text,
        }

    @property
    def zone(self) -> tzinfo:
        return self.backend.report_zone()

    def compose(self) -> ComposeResult:
        yield Static("", id="report-header")
        with VerticalScroll(id="report-body"):
            with Grid(id="figures"):
                for index in range(6):
                    yield Static("", classes="figure", id=f"figure-{index}")
            draws = self._draws()
            with Grid(id="sections"):
                for key, heading in self.SECTIONS:
                    yield Section(heading, draws[key], id=f"section-{key}")
        yield from self.compose_bars()

    def on_mount(self) -> None:
        self.sub_title = "Reports"
        self.action_period(self.days or 28)

    # -- the period -------------------------------------------------------------------------

    def action_period(self, days: int) -> None:
        self.days = days
        self.period = Period.last_days(days, self.now())
        self._compute()

    def action_custom_period(self) -> None:
        zone = self.zone
        assert self.period is not None  # set on mount

        def chosen(period: Period | None) -> None:
            if period is not None:
                self.days = None
                self.period = period
                self._compute()

        shown_first = self.period.start.astimezone(zone).date()
        shown_last = (self.period.end - timedelta(microseconds=1)).astimezone(zone).date()
        self.app.push_screen(
            PeriodScreen(
                lambda first, last: Period.dates(first, last, zone), f"{shown_first} {shown_last}"
            ),
            chosen,
        )

    def period_words(self) -> str:
        if self.period is None:
            return ""
        span = day_span(self.period, self.zone)
        return f"last {self.days} days · {span}" if self.days else span

    # -- loading ----------------------------------------------------------------------------

    def _compute(self) -> None:
        assert self.period is not None
        self._show_header(loading=True)
        self.query_one("#report-body").loading = True
        self._run_report(self.period)

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def _run_report(self, period: Period) -> None:
        report = self.backend.report(period)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(report))

    @on(Worker.StateChanged)
    def _report_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "report" and event.state == WorkerState.ERROR:
            self.query_one("#report-body").loading = False
            self._show_header(loading=False, failed=True)

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        report = event.report
        if report.period != self.period:
            return  # a period switched away from while it computed
        self.report = report
        self.query_one("#report-body").loading = False
        self._show_header(loading=False)
        figures = headline_figures(report)
        for index, figure in enumerate(figures):
            self.query_one(f"#figure-{index}", Static).update(figure_text(figure))
        for section in self.query(Section):
            section.show(report)
        # Ratings only come back to a team that sends the links: no panel for the others.
        rated = report.satisfaction.ratings > 0 or self.backend.config.csat.enabled
        self.query_one("#section-satisfaction", Section).display = rated

    def _show_header(self, *, loading: bool, failed: bool = False) -> None:
        text = Text("Reports", style="bold", no_wrap=True, overflow="ellipsis", end="")
        text.append(f" · {self.period_words()}")
        if loading:
            text.append(" · computing…", style=MUTED)
        elif failed:
            text.append(" · could not be computed", style=BAD)
        elif self.report is not None:
            before = day_span(self.report.previous_period, self.zone)
            text.append(f" · vs {before}", style=MUTED)
        self.query_one("#report-header", Static).update(text)

    # -- moving -----------------------------------------------------------------------------

    def action_scroll(self, lines: int) -> None:
        self.query_one("#report-body", VerticalScroll).scroll_relative(y=lines * 3, animate=False)

    def action_back(self) -> None:
        self.app.pop_screen()
