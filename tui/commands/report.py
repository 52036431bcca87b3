"""`frontdesk report`: the reports' figures for a period, as a readable summary, as JSON with a
documented stable shape (README, "Reports"), or as one tidy CSV table for a spreadsheet.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from mail.sanitize import clean_line
from tui.context import Context

if TYPE_CHECKING:
    from storage.metrics import Headline, Period, Report, Stats
    from storage.ratings import Satisfaction

DEFAULT_DAYS = 28
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "report", help="figures for a period: volume, response times, SLA, workload, tags"
    )
    p.add_argument(
        "--days", type=int, metavar="N", help=f"the last N days (default {DEFAULT_DAYS})"
    )
    p.add_argument("--from", dest="first", metavar="DATE", help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="last", metavar="DATE", help="last day, included (default today)")
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print one JSON object")
    shape.add_argument("--csv", action="store_true", help="print section,key,metric,value rows")
    p.set_defaults(run=cmd_report)


def _date(text: str, option: str) -> date:
    from storage.metrics import ReportError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportError(f"{option} {text!r} is not a date like 2026-11-01") from None


def period_of(args: Any, zone: ZoneInfo, now: datetime) -> Period:
    """The period the options ask for: --days, or --from (and --to) in the policy's zone."""
    from storage.metrics import Period, ReportError

    if args.first is None and args.last is None:
        return Period.last_days(DEFAULT_DAYS if args.days is None else args.days, now)
    if args.days is not None:
        raise ReportError("give either --days or --from/--to, not both")
    if args.first is None:
        raise ReportError("--to needs --from")
    first = _date(args.first, "--from")
    last = _date(args.last, "--to") if args.last else now.astimezone(zone).date()
    return Period.dates(first, last, zone)


def cmd_report(ctx: Context) -> int:
    from mail.customers import record_breaches, sla_policy
    from storage import metrics
    from storage.work import normalize_tag

    policy = sla_policy(ctx.config)
    now = datetime.now(UTC)
    period = period_of(ctx.args, ZoneInfo(policy.timezone), now)
    owners = {normalize_tag(tag): owner for tag, owner in ctx.config.tags.categories.items()}
    store = ctx.store
    record_breaches(store, now)  # overdue conversations nobody looked at yet count too
    report = metrics.report(store, period, policy=policy, owners=owners, now=now)
    if ctx.args.json:
        from tui.cli import print_json

        print_json(report_json(report))
    elif ctx.args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("section", "key", "metric", "value"))
        writer.writerows(csv_rows(report_json(report)))
    else:
        print(summary(report))
    return 0


# -- JSON -------------------------------------------------------------------------------------


def _seconds(figure: Stats) -> dict[str, Any]:
    return {
        "count": figure.count,
        "median": _round(figure.median),
        "mean": _round(figure.mean),
        "p90": _round(figure.p90),
    }


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _by_tier(overall: Stats, tiers: Mapping[str, Stats]) -> dict[str, Any]:
    return {**_seconds(overall), "by_tier": {t: _seconds(s) for t, s in tiers.items()}}


def _headline(figures: Headline) -> dict[str, Any]:
    return {
        "conversations_new": figures.conversations_new,
        "conversations_handled": figures.conversations_handled,
        "conversations_closed": figures.conversations_closed,
        "messages_incoming": figures.messages_incoming,
        "replies_sent": figures.replies_sent,
        "unanswered": figures.unanswered,
    }


def _period(period: Period) -> dict[str, Any]:
    return {"start": period.start, "end": period.end, "days": round(period.days, 3)}


def report_json(report: Report) -> dict[str, Any]:
    """The report as the stable JSON shape the README documents (seconds; null: no data)."""
    before = report.previous
    sla = {
        "first_response": [vars(f) for f in report.sla_first_response],
        "next_response": [vars(f) for f in report.sla_next_response],
        "breaches_count": report.breaches_count,
        "breaches": [vars(b) for b in report.breaches],
    }
    return {
        "period": _period(report.period),
        "previous_period": _period(report.previous_period),
        "business_time": report.business_time,
        "timezone": report.timezone,
        **_headline(report.headline),
        "first_response_seconds": _by_tier(
            report.headline.first_response, report.first_response_by_tier
        ),
        "next_response_seconds": _by_tier(
            report.headline.next_response, report.next_response_by_tier
        ),
        "time_to_close_seconds": _by_tier(
            report.headline.time_to_close, report.time_to_close_by_tier
        ),
        "previous": {
            **_headline(before),
            "first_response_seconds": _seconds(before.first_response),
            "next_response_seconds": _seconds(before.next_response),
            "time_to_close_seconds": _seconds(before.time_to_close),
        },
        "weeks": [
            {
                "start": w.start,
                "end": w.end,
                "conversations_new": w.conversations_new,
                "messages_incoming": w.messages_incoming,
                "first_response_seconds": _seconds(w.first_response),
                "next_response_seconds": _seconds(w.next_response),
                "time_to_close_seconds": _seconds(w.time_to_close),
            }
            for w in report.weeks
        ],
        "by_hour": [
            {
                "hour": hour,
                "messages_incoming": slot.messages_incoming,
                "first_response_seconds": _seconds(slot.first_response),
            }
            for hour, slot in enumerate(report.by_hour)
        ],
        "by_weekday": [
            {
                "weekday": WEEKDAYS[day],
                "messages_incoming": slot.messages_incoming,
                "first_response_seconds": _seconds(slot.first_response),
            }
            for day, slot in enumerate(report.by_weekday)
        ],
        "heatmap": [list(row) for row in report.heatmap],
        "sla": sla,
        "teammates": [
            {**vars(t), "conversations_per_day": round(t.conversations_per_day, 2)}
            for t in report.teammates
        ],
        "tags": [vars(t) for t in report.tags],
        "owners": [vars(o) for o in report.owners],
        "feature_requests": [vars(f) for f in report.feature_requests],
        "handle_time": {
            "total_seconds": report.handle_seconds_total,
            "by_tag": [
                {**vars(h), "mean_seconds": round(h.mean_seconds, 1)} for h in report.handle_time
            ],
        },
        "sales": {
            "signal_conversations": report.sales.signal_conversations,
            "handed_off": report.sales.handed_off,
            "share_handed_off": report.sales.share_handed_off,
            "colleagues": [vars(c) for c in report.sales.colleagues],
        },
        "saved_replies": [vars(r) for r in report.saved_replies],
        "satisfaction": _satisfaction(report.satisfaction),
    }


def _satisfaction(figures: Satisfaction) -> dict[str, Any]:
    return {
        "ratings": figures.ratings,
        "good": figures.good,
        "ok": figures.ok,
        "bad": figures.bad,
        "percent_satisfied": _round(figures.percent_satisfied),
        "comments": [
            {
                "conversation_id": c.conversation_id,
                "customer": c.customer,
                "rating": c.rating,
                "comment": c.comment,
                "rated_at": c.rated_at,
            }
            for c in figures.comments
        ],
    }


# -- CSV --------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """A value a spreadsheet takes as it is: text that would start a formula is quoted."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, str):
        text = clean_line(value)
        return "'" + text if text[:1] in ("=", "+", "-", "@") else text
    if isinstance(value, tuple | list):
        return "; ".join(str(_cell(v)) for v in value)
    return "" if value is None else value


def _stat_rows(
    section: str, key: Any, name: str, figure: Mapping[str, Any]
) -> Iterator[tuple[Any, ...]]:
    for metric in ("count", "median", "mean", "p90"):
        yield section, key, f"{name}_{metric}", figure[metric]


def _rows(doc: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    durations = ("first_response_seconds", "next_response_seconds", "time_to_close_seconds")
    counts = (
        "conversations_new", "conversations_handled", "conversations_closed",
        "messages_incoming", "replies_sent", "unanswered",
    )  # fmt: skip
    for section, figures in (("period", doc), ("previous", doc["previous"])):
        for metric in counts:
            yield section, "", metric, figures[metric]
        for name in durations:
            yield from _stat_rows(section, "", name, figures[name])
    for name in durations:
        for tier, figure in doc[name]["by_tier"].items():
            yield from _stat_rows("tier", tier, name, figure)
    for week in doc["weeks"]:
        key = week["start"]
        yield "week", key, "conversations_new", week["conversations_new"]
        yield "week", key, "messages_incoming", week["messages_incoming"]
        for name in durations:
            yield from _stat_rows("week", key, name, week[name])
    for slot in doc["by_hour"]:
        yield "hour", slot["hour"], "messages_incoming", slot["messages_incoming"]
        yield from _stat_rows("hour", slot["hour"], "first_response_seconds", slot[durations[0]])
    for slot in doc["by_weekday"]:
        day = slot["weekday"]
        yield "weekday", day, "messages_incoming", slot["messages_incoming"]
        yield from _stat_rows("weekday", day, "first_response_seconds", slot[durations[0]])
    for day, row in enumerate(doc["heatmap"]):
        for hour, count in enumerate(row):
            yield "heatmap", f"{WEEKDAYS[day]} {hour:02d}", "messages_incoming", count
    for kind in ("first_response", "next_response"):
        for figure in doc["sla"][kind]:
            for metric, value in figure.items():
                if metric != "tier":
                    yield f"sla_{kind}", figure["tier"], metric, value
    yield "sla", "", "breaches_count", doc["sla"]["breaches_count"]
    for breach in doc["sla"]["breaches"]:
        for metric in ("subject", "tier", "due_at"):
            yield "breach", breach["conversation_id"], metric, breach[metric]
    yield from _keyed("teammate", "name", doc["teammates"])
    yield from _keyed("tag", "tag", doc["tags"])
    yield from _keyed("owner", "owner", doc["owners"])
    yield from _keyed("feature_request", "subject", doc["feature_requests"])
    yield "handle_time", "", "total_seconds", doc["handle_time"]["total_seconds"]
    yield from _keyed("handle_time", "tag", doc["handle_time"]["by_tag"])
    for metric in ("signal_conversations", "handed_off", "share_handed_off"):
        yield "sales", "", metric, doc["sales"][metric]
    yield from _keyed("sales_colleague", "colleague", doc["sales"]["colleagues"])
    yield from _keyed("saved_reply", "name", doc["saved_replies"])
    for metric in ("ratings", "good", "ok", "bad", "percent_satisfied"):
        yield "satisfaction", "", metric, doc["satisfaction"][metric]
    yield from _keyed("rating_comment", "conversation_id", doc["satisfaction"]["comments"])


def _keyed(section: str, key: str, items: list[Mapping[str, Any]]) -> Iterator[tuple[Any, ...]]:
    for item in items:
        for metric, value in item.items():
            if metric != key:
                yield section, item[key], metric, value


def csv_rows(doc: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    """The JSON document as tidy (section, key, metric, value) rows."""
    for row in _rows(doc):
        yield tuple(_cell(value) for value in row)


# -- the readable summary -----------------------------------------------------------------------


def duration(seconds: float | None) -> str:
    """`2d 3h`, `4h 10m`, `12m`, `40s`; `-` when there is no figure."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m" if minutes else f"{secs}s"


def _change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    if before == 0:
        return "new" if now else ""
    return f"{(now - before) / before:+.0%}"


def _name(text: str, width: int) -> str:
    text = clean_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def summary(report: Report) -> str:
    now, before = report.headline, report.previous
    span = f"{report.period.start:%Y-%m-%d %H:%M} to {report.period.end:%Y-%m-%d %H:%M} UTC"
    clock = "business hours" if report.business_time else "calendar time"
    lines = [
        f"Report {span} ({report.period.days:g} days; {clock}, {report.timezone})",
        "",
        f"{'':<26}{'this period':>12}{'previous':>12}{'change':>9}",
    ]
    for label, a, b in (
        ("New conversations", now.conversations_new, before.conversations_new),
        ("Handled", now.conversations_handled, before.conversations_handled),
        ("Closed", now.conversations_closed, before.conversations_closed),
        ("Customer messages", now.messages_incoming, before.messages_incoming),
        ("Replies sent", now.replies_sent, before.replies_sent),
        ("Unanswered", now.unanswered, before.unanswered),
    ):
        lines.append(f"{label:<26}{a:>12}{b:>12}{_change(a, b):>9}")
    for label, x, y in (
        ("First response", now.first_response, before.first_response),
        ("Next response", now.next_response, before.next_response),
        ("Time to close", now.time_to_close, before.time_to_close),
    ):
        lines.append(
            f"{label + ' median':<26}{duration(x.median):>12}{duration(y.median):>12}"
            f"{_change(x.median, y.median):>9}"
        )
        lines.append(f"{label + ' p90':<26}{duration(x.p90):>12}{duration(y.p90):>12}")
    targets = {f.tier: f for f in report.sla_first_response}
    lines += ["", f"{'First response by tier':<26}{'count':>7}{'median':>9}{'p90':>9}{'in SLA':>8}"]
    for tier, figure in report.first_response_by_tier.items():
        share = targets[tier].share_within_target if tier in targets else None
        shown = "-" if share is None else f"{share:.0%}"
        lines.append(
            f"  {_name(tier, 24):<24}{figure.count:>7}{duration(figure.median):>9}"
            f"{duration(figure.p90):>9}{shown:>8}"
        )
    lines.append(f"SLA breaches: {report.breaches_count}")
    busy_hours = [h for h in range(24) if report.by_hour[h].messages_incoming]
    busy_days = [d for d in range(7) if report.by_weekday[d].messages_incoming]
    busiest_hours = sorted(busy_hours, key=lambda h: -report.by_hour[h].messages_incoming)[:3]
    busiest_days = sorted(busy_days, key=lambda d: -report.by_weekday[d].messages_incoming)[:3]
    lines += [
        "",
        "Busiest hours: "
        + ", ".join(f"{h:02d}:00 ({report.by_hour[h].messages_incoming})" for h in busiest_hours),
        "Busiest days:  "
        + ", ".join(
            f"{WEEKDAYS[d].title()} ({report.by_weekday[d].messages_incoming})"
            for d in busiest_days
        ),
    ]
    if report.teammates:
        lines += ["", f"{'Teammates':<26}{'replies':>9}{'convs':>7}{'closed':>8}{'per day':>9}"]
        lines += [
            f"  {_name(t.name, 24):<24}{t.replies_sent:>9}{t.conversations_replied:>7}"
            f"{t.conversations_closed:>8}{t.conversations_per_day:>9.1f}"
            for t in report.teammates
        ]
    if report.tags:
        lines += ["", f"{'Tags':<26}{'now':>7}{'before':>8}{'change':>8}  owner"]
        lines += [
            f"  {_name(t.tag, 24):<24}{t.conversations:>7}{t.previous_conversations:>8}"
            f"{_change(t.conversations, t.previous_conversations):>8}  {_name(t.owner or '', 16)}"
            for t in report.tags
        ]
    if report.owners:
        lines += ["", f"{'Root-cause owners':<26}{'now':>7}{'before':>8}{'change':>8}"]
        lines += [
            f"  {_name(o.owner, 24):<24}{o.conversations:>7}{o.previous_conversations:>8}"
            f"{_change(o.conversations, o.previous_conversations):>8}"
            for o in report.owners
        ]
    if report.feature_requests:
        lines += ["", "Top feature requests"]
        lines += [
            f"  {f.conversations:>3}× {_name(f.subject, 50)}" for f in report.feature_requests
        ]
    if report.handle_time:
        total = duration(report.handle_seconds_total)
        lines += ["", f"{'Handle time by tag':<26}{'convs':>7}{'mean':>9}{'total':>9}  ({total})"]
        lines += [
            f"  {_name(h.tag, 24):<24}{h.conversations:>7}{duration(h.mean_seconds):>9}"
            f"{duration(h.total_seconds):>9}"
            for h in report.handle_time
        ]
    sales = report.sales
    if sales.signal_conversations or sales.colleagues:
        handed = "-" if sales.share_handed_off is None else f"{sales.share_handed_off:.0%}"
        lines += [
            "",
            f"Sales: {sales.signal_conversations} conversations with a sales signal, "
            f"{sales.handed_off} handed off ({handed})",
        ]
        lines += [
            f"  {_name(c.colleague, 24):<24}{c.handoffs:>7} handoffs, {c.sales_signal} leads"
            for c in sales.colleagues
        ]
    if report.saved_replies:
        lines += ["", "Saved replies most used"]
        lines += [f"  {r.uses:>5}  {_name(r.name, 50)}" for r in report.saved_replies]
    rated = report.satisfaction
    if rated.percent_satisfied is not None:
        lines += [
            "",
            f"Satisfaction: {rated.percent_satisfied:.0f}% good of {rated.ratings} ratings "
            f"({rated.good} good, {rated.ok} ok, {rated.bad} bad)",
        ]
        lines += [
            f"  {c.rating:<5}#{c.conversation_id:<6} {_name(c.customer, 20):<20} "
            f"{_name(c.comment, 40)}"
            for c in rated.comments[:10]
        ]
    return "\n".join(line.rstrip() for line in lines)
