"""The reports' figures, computed from the store for a period: volume, response times, SLA,
workload per teammate, what customers write about, sales handoffs, saved replies.

Definitions (the README's "Reports" section says the same):

- A conversation is *new* in the period when its first message is in it; *handled* when we
  sent at least one reply in the period or closed it in the period.
- *Ours* are the `is_ours` messages (sent from frontdesk, or synced from the Sent folder or
  another client), except handoff notes to a colleague (`handoffs.note_message_id`).
- *First response*: from the conversation's first customer message to our first reply after
  it; further customer messages before that reply do not restart the clock. A conversation
  with no reply yet is not answered: it is counted as `unanswered`.
- *Next response*: from each later customer message that starts a new wait (the first one
  after one of our replies) to our next reply.
- *Time to close*: from the first message to `closed_at`, for conversations closed in the
  period.
- A response time belongs to the period of the customer message that started the wait; a
  time to close to the period it closed in. Times are business seconds when the policy has
  business hours, calendar seconds otherwise; hours of the day and weekdays are those of the
  policy's time zone (UTC without a policy).
- Median: the middle value, or the mean of the two middle ones for an even count. 90th
  percentile: nearest rank, the value at position ceil(0.9 n) of the sorted values.

Everything here takes plain values (policy, tag owners): the config is the caller's business.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from storage import events, ratings
from storage import waits as waits_store
from storage.db import Store
from storage.errors import FrontdeskError
from storage.sla import SlaPolicy
from storage.timeutil import from_epoch, to_epoch

COMPOSED_EVENT = "composed"
FEATURE_REQUEST_TAG = "feature-request"
OTHER_CLIENTS = waits_store.OTHER_CLIENTS

UNOWNED = "unowned"
MAX_BREACHES_LISTED = 100
_DAY_SECONDS = 86400
_WEEK_SECONDS = 7 * _DAY_SECONDS


class ReportError(FrontdeskError):
    """A report cannot be made for the period asked (no days, dates the wrong way round)."""


# -- the period ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """From `start` (included) to `end` (excluded), both aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ReportError("a report's period must end after it starts")

    @classmethod
    def last_days(cls, days: int, now: datetime) -> Period:
        """The `days` days (of 24 hours) up to `now`."""
        if days < 1:
            raise ReportError(f"a report covers at least one day (not {days})")
        return cls(now - timedelta(days=days), now)

    @classmethod
    def dates(cls, first: date, last: date, zone: tzinfo) -> Period:
        """From midnight of `first` to the midnight ending `last`, on the wall clock of `zone`."""
        if last < first:
            raise ReportError(f"the report's end date {last} is before its start date {first}")
        start = datetime.combine(first, time(), zone).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
        return cls(start, end)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - (self.end - self.start), self.start)

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / _DAY_SECONDS


# -- the figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    """Durations in seconds: how many, their median, mean and 90th percentile (None if none)."""

    count: int
    median: float | None
    mean: float | None
    p90: float | None


@dataclass(frozen=True)
class Headline:
    """The figures a period is compared on with the one before it."""

    conversations_new: int
    conversations_handled: int
    conversations_closed: int
    messages_incoming: int  # customer messages
    replies_sent: int
    unanswered: int  # new waits for a first response with no reply yet
    first_response: Stats
    next_response: Stats
    time_to_close: Stats


@dataclass(frozen=True)
class Week:
    """One 7-day slice of the period, counted from its start (the last one may be shorter)."""

    start: datetime
    end: datetime
    conversations_new: int
    messages_incoming: int
    first_response: Stats
    next_response: Stats
    time_to_close: Stats


@dataclass(frozen=True)
class Slot:
    """One hour of the day or day of the week: customer messages then, and how fast the
    first responses to customers who first wrote then came."""

    messages_incoming: int
    first_response: Stats


@dataclass(frozen=True)
class SlaFigure:
    """How many responses of a tier met its target: `share_within_target` is `within_target`
    over `answered` plus `overdue_unanswered` (waits past the target with no reply yet)."""

    tier: str
    target_seconds: int
    answered: int
    within_target: int
    overdue_unanswered: int
    share_within_target: float | None


@dataclass(frozen=True)
class Breach:
    """An `sla_breached` event of the period."""

    conversation_id: int
    subject: str
    tier: str
    due_at: datetime


@dataclass(frozen=True)
class Teammate:
    """The agent on each reply: the `replied` event's actor, or the From name of a reply synced
    from another client (`other clients` without one)."""

    name: str
    replies_sent: int
    conversations_replied: int
    conversations_closed: int
    conversations_per_day: float  # conversations replied to / days in the period


@dataclass(frozen=True)
class TagFigure:
    """New conversations carrying the tag, in the period and the one before."""

    tag: str
    owner: str | None
    conversations: int
    previous_conversations: int


@dataclass(frozen=True)
class OwnerFigure:
    """New conversations with a tag whose root cause the owner has (each counted once)."""

    owner: str
    conversations: int
    previous_conversations: int


@dataclass(frozen=True)
class FeatureRequest:
    """New conversations tagged as feature requests, grouped by subject."""

    subject: str
    conversations: int
    customers: tuple[str, ...]
    last_at: datetime
    conversation_ids: tuple[int, ...]


@dataclass(frozen=True)
class HandleTime:
    """Time spent in the composer in the period on conversations carrying the tag:
    `conversations` × `mean_seconds` = `total_seconds`."""

    tag: str
    conversations: int
    mean_seconds: float
    total_seconds: int


@dataclass(frozen=True)
class ColleagueLeads:
    """Handoffs to a colleague in the period; `sales_signal` of them carried a sales signal."""

    colleague: str
    handoffs: int
    sales_signal: int


@dataclass(frozen=True)
class Sales:
    """New conversations with a sales signal (the agent's verdict overriding the detector's)
    and how many of them were handed to a colleague."""

    colleagues: tuple[ColleagueLeads, ...]
    signal_conversations: int
    handed_off: int
    share_handed_off: float | None


@dataclass(frozen=True)
class SavedReplyUse:
    name: str
    uses: int


@dataclass(frozen=True)
class Report:
    period: Period
    previous_period: Period
    business_time: bool
    timezone: str
    headline: Headline
    previous: Headline
    first_response_by_tier: Mapping[str, Stats]
    next_response_by_tier: Mapping[str, Stats]
    time_to_close_by_tier: Mapping[str, Stats]
    weeks: tuple[Week, ...]
    by_hour: tuple[Slot, ...]  # 24, hour 0 first
    by_weekday: tuple[Slot, ...]  # 7, Monday first
    heatmap: tuple[tuple[int, ...], ...]  # incoming messages, [weekday][hour]
    sla_first_response: tuple[SlaFigure, ...]
    sla_next_response: tuple[SlaFigure, ...]
    breaches_count: int
    breaches: tuple[Breach, ...]  # the most recent, at most MAX_BREACHES_LISTED
    teammates: tuple[Teammate, ...]
    tags: tuple[TagFigure, ...]
    owners: tuple[OwnerFigure, ...]
    feature_requests: tuple[FeatureRequest, ...]
    handle_time: tuple[HandleTime, ...]
    handle_seconds_total: int
    sales: Sales
    saved_replies: tuple[SavedReplyUse, ...]
    satisfaction: ratings.Satisfaction = ratings.NO_RATINGS  # customers' ratings by mail


# -- handle time, journaled by the composer -----------------------------------------------------


def record_handle_time(
    store: Store, conversation_id: int, seconds: float, *, actor: str, at: datetime
) -> int | None:
    """Journals that the composer was open `seconds` for the conversation (a `composed`
    event); the event's id, or None when under a second (nothing worth counting)."""
    if seconds < 0:
        raise ValueError("handle time cannot be negative")
    whole = int(seconds)
    if whole < 1:
        return None
    return events.record(store, COMPOSED_EVENT, conversation_id, actor=actor, at=at, seconds=whole)


# -- arithmetic ---------------------------------------------------------------------------------


def stats(seconds: Sequence[float]) -> Stats:
    """Count, median, mean and nearest-rank 90th percentile of durations."""
    if not seconds:
        return Stats(0, None, None, None)
    ordered = sorted(seconds)
    count = len(ordered)
    half = count // 2
    # statistics.median's value, without the second sort it would make of the sorted list.
    median = ordered[half] if count % 2 else (ordered[half - 1] + ordered[half]) / 2
    return Stats(
        count,
        float(median),
        math.fsum(ordered) / count,
        float(ordered[math.ceil(0.9 * count) - 1]),
    )


class _LocalTime:
    """Weekday and hour of epoch instants in a zone, one zone lookup per UTC hour."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self._offsets: dict[int, int] = {}

    def slot(self, moment: int) -> tuple[int, int]:
        hour = moment // 3600
        offset = self._offsets.get(hour)
        if offset is None:
            shift = from_epoch(hour * 3600).astimezone(self.zone).utcoffset()
            offset = int(shift.total_seconds()) if shift else 0
            self._offsets[hour] = offset
        local = moment + offset
        # 1970-01-01 was a Thursday (weekday 3).
        return (local // _DAY_SECONDS + 3) % 7, local % _DAY_SECONDS // 3600


# -- reading the store --------------------------------------------------------------------------


@dataclass
class _Responses:
    """The waits of one kind (first or next responses) that started in the period: the
    answered ones' lengths per tier (a tier whose waits are all unanswered has none) and per
    week of the period, and when each unanswered one started, per tier."""

    answered: dict[str, list[int]] = field(default_factory=dict)
    unanswered: dict[str, list[int]] = field(default_factory=dict)
    weeks: defaultdict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    def lengths(self) -> list[int]:
        return [seconds for tier in self.answered.values() for seconds in tier]


@dataclass
class _Closes:
    """Time to close of conversations closed in the period, per tier and week, and how many
    were closed in it and in the period before (with their times)."""

    by_tier: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    weeks: defaultdict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    before: list[int] = field(default_factory=list)

    def lengths(self) -> list[int]:
        return [seconds for tier in self.by_tier.values() for seconds in tier]


# Every zone's offset from UTC is a whole number of quarter hours: messages counted per quarter
# hour (and per week of the period) give the heat map and the weeks without reading each one.
_QUARTER = 900

# Our replies in [?1, ?2) (storage/waits.py keeps them, handoff notes left out).
_REPLIES = "FROM replies r WHERE r.sent_at >= ?1 AND r.sent_at < ?2"


@dataclass
class _Volume:
    incoming: int
    incoming_before: int
    weeks: Counter[int]  # customer messages per week of the period
    heat: list[list[int]]  # [weekday][hour]


def _volume(store: Store, lo: int, mid: int, hi: int, local: _LocalTime) -> _Volume:
    """Customer messages in the period, per week and per local weekday and hour, and in the
    period before (counted from the date index alone)."""
    weeks: Counter[int] = Counter()
    heat = [[0] * 24 for _ in range(7)]
    total = 0
    for week, quarter, count in store.conn.execute(
        "SELECT (date - ?1) / ?3, date / ?4, count(*) FROM messages"
        f" WHERE date >= ?1 AND date < ?2 AND NOT is_ours AND id NOT IN ({ratings.ASKS_NOTHING})"
        " GROUP BY 1, 2",
        (mid, hi, _WEEK_SECONDS, _QUARTER),
    ):
        weeks[int(week)] += count
        weekday, hour = local.slot(int(quarter) * _QUARTER)
        heat[weekday][hour] += count
        total += count
    before = _count(
        store,
        "SELECT count(*) FROM messages WHERE date >= ? AND date < ? AND NOT is_ours"
        f" AND id NOT IN ({ratings.ASKS_NOTHING})",
        (lo, mid),
    )
    return _Volume(total, before, weeks, heat)


def _closes(
    store: Store, lo: int, mid: int, hi: int, business: bool
) -> tuple[_Closes, list[tuple[int, int, int | None]]]:
    """Conversations closed in [lo, hi): time to close (from the first message) on the
    report's clock; those closed since `mid` as (closed at, seconds, customer id) rows, to be
    filed by tier and week once the customers' tiers are known (`_file_closes`)."""
    found = _Closes()
    length = "k.business_seconds" if business else "k.closed_at - k.first_message_at"
    found.before = [
        int(seconds)
        for (seconds,) in store.conn.execute(
            f"SELECT {length} FROM closes k WHERE k.closed_at >= ? AND k.closed_at < ?",
            (lo, mid),
        )
    ]
    rows = store.conn.execute(
        f"SELECT k.closed_at, {length}, k.customer_id FROM closes k"
        " WHERE k.closed_at >= ? AND k.closed_at < ?",
        (mid, hi),
    ).fetchall()
    return found, rows


def _file_closes(
    found: _Closes,
    rows: list[tuple[int, int, int | None]],
    tiers: Mapping[int | None, str],
    mid: int,
) -> None:
    by_tier, weeks, tier_of = found.by_tier, found.weeks, tiers.get
    for closed_at, seconds, customer_id in rows:
        by_tier[tier_of(customer_id, "unknown")].append(seconds)
        weeks[(closed_at - mid) // _WEEK_SECONDS].append(seconds)


def _tiers(store: Store, ids: set[int | None]) -> dict[int | None, str]:
    """The tier of each of these customers (by primary key: a lookup per customer the period's
    waits and closes name, instead of one per wait and close)."""
    known = sorted(customer_id for customer_id in ids if customer_id is not None)
    if not known:
        return {}
    return {
        int(customer_id): str(tier)
        for customer_id, tier in store.conn.execute(
            "SELECT id, tier FROM customers WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(known),),
        )
    }


def _count(store: Store, sql: str, params: Sequence[object]) -> int:
    return int(store.scalar(sql, tuple(params)) or 0)


# -- the report ---------------------------------------------------------------------------------


def report(
    store: Store,
    period: Period,
    *,
    policy: SlaPolicy | None,
    owners: Mapping[str, str],
    now: datetime,
    feature_tag: str = FEATURE_REQUEST_TAG,
    top: int = 10,
) -> Report:
    """Every figure of the period (and the headline of the one before, for the trend).

    `policy` gives business hours, time zone and SLA targets (None: calendar time, UTC, no
    targets); `owners` maps a tag to the team owning its root cause (the store's owner of the
    tag when it has none there); `now` is when unanswered waits are measured to. The stored
    waits are brought up to date first (see storage/waits.py)."""
    zone: tzinfo = ZoneInfo(policy.timezone) if policy is not None else UTC
    waits_store.refresh(store, policy)
    read_apart = functools.partial(
        _Apart.read, period=period, owners=owners, feature_tag=feature_tag, top=top
    )
    # Half the report reads nothing of the waits: read at the same time on a second
    # connection (SQLite lets go of the interpreter lock while it reads), when the store is
    # a file and holds nothing uncommitted that a second connection would not see.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report")
    try:
        apart: Future[_Apart] | None = None
        if store.path is not None and not store.conn.in_transaction:
            apart = pool.submit(_read_apart, store.path, read_apart)
        return _report(store, period, policy, now, zone, apart, read_apart)
    finally:
        pool.shutdown(cancel_futures=True)


def _report(
    store: Store,
    period: Period,
    policy: SlaPolicy | None,
    now: datetime,
    zone: tzinfo,
    apart: Future[_Apart] | None,
    read_apart: Callable[[Store], _Apart],
) -> Report:
    """`report`'s figures from the waits, closes and volume, with those read `apart` (read
    here, after, when they are not)."""
    before = period.previous()
    lo, mid, hi = to_epoch(before.start), to_epoch(period.start), to_epoch(period.end)
    now_at = to_epoch(now)
    # Only unanswered waits are measured here (to now, for the SLA): the rest are stored.
    clock = waits_store.Clock(policy, zone, lo, max(hi, now_at))
    closes, closed_rows = _closes(store, lo, mid, hi, clock.business)
    local = _LocalTime(zone)
    volume = _volume(store, lo, mid, hi, local)
    length = "w.business_seconds" if clock.business else "w.answered_at - w.started_at"

    # The period before: only its headline, so only the lengths.
    lengths_before: dict[int, list[int]] = {0: [], 1: []}
    unanswered_before = 0
    for first, seconds in store.conn.execute(
        f"SELECT w.first, {length} FROM waits w WHERE w.started_at >= ? AND w.started_at < ?",
        (lo, mid),
    ):
        if seconds is not None:
            lengths_before[first].append(seconds)
        elif first:
            unanswered_before += 1

    # The period: every breakdown, in one pass over its waits. A customer's tier is looked
    # up once for all of their waits and closes (a join looked it up for each).
    waits = store.conn.execute(
        f"SELECT w.started_at, w.first, {length}, w.customer_id FROM waits w"
        " WHERE w.started_at >= ? AND w.started_at < ?",
        (mid, hi),
    ).fetchall()
    tiers = _tiers(store, {row[3] for row in waits} | {row[2] for row in closed_rows})
    _file_closes(closes, closed_rows, tiers, mid)
    tier_of = tiers.get
    firsts, nexts = _Responses(), _Responses()
    first_by_hour: list[list[int]] = [[] for _ in range(24)]
    first_by_weekday: list[list[int]] = [[] for _ in range(7)]
    slot = local.slot
    for start, first, seconds, customer_id in waits:
        tier = tier_of(customer_id, "unknown")
        kind = firsts if first else nexts
        answered = kind.answered.get(tier)
        if answered is None:
            answered = kind.answered[tier] = []
        if seconds is None:
            kind.unanswered.setdefault(tier, []).append(start)
            continue
        answered.append(seconds)
        kind.weeks[(start - mid) // _WEEK_SECONDS].append(seconds)
        if first:
            weekday, hour = slot(start)
            first_by_hour[hour].append(seconds)
            first_by_weekday[weekday].append(seconds)

    side = apart.result() if apart is not None else read_apart(store)

    def headline(a: int, b: int) -> Headline:
        current = a == mid
        return Headline(
            conversations_new=_count(
                store,
                "SELECT count(*) FROM conversations WHERE first_message_at >= ?"
                " AND first_message_at < ?",
                (a, b),
            ),
            conversations_handled=_count(
                store,
                f"SELECT count(*) FROM (SELECT r.conversation_id {_REPLIES}"
                " UNION SELECT conversation_id FROM events WHERE kind = 'closed'"
                " AND at >= ?1 AND at < ?2 AND conversation_id IS NOT NULL)",
                (a, b),
            ),
            conversations_closed=len(closes.lengths()) if current else len(closes.before),
            messages_incoming=volume.incoming if current else volume.incoming_before,
            replies_sent=_count(store, f"SELECT count(*) {_REPLIES}", (a, b)),
            unanswered=(
                sum(len(starts) for starts in firsts.unanswered.values())
                if current
                else unanswered_before
            ),
            first_response=stats(firsts.lengths() if current else lengths_before[1]),
            next_response=stats(nexts.lengths() if current else lengths_before[0]),
            time_to_close=stats(closes.lengths() if current else closes.before),
        )

    handle_time, handle_total = side.handle_time
    tag_figures, owner_figures = side.tags
    heat = volume.heat
    return Report(
        period=period,
        previous_period=before,
        business_time=clock.business,
        timezone=policy.timezone if policy is not None else "UTC",
        headline=headline(mid, hi),
        previous=headline(lo, mid),
        first_response_by_tier={t: stats(firsts.answered[t]) for t in sorted(firsts.answered)},
        next_response_by_tier={t: stats(nexts.answered[t]) for t in sorted(nexts.answered)},
        time_to_close_by_tier={t: stats(closes.by_tier[t]) for t in sorted(closes.by_tier)},
        weeks=_weeks(store, volume, firsts, nexts, closes, mid, hi),
        by_hour=tuple(
            Slot(sum(heat[d][h] for d in range(7)), stats(first_by_hour[h])) for h in range(24)
        ),
        by_weekday=tuple(Slot(sum(heat[d]), stats(first_by_weekday[d])) for d in range(7)),
        heatmap=tuple(tuple(row) for row in heat),
        sla_first_response=_sla(firsts, clock, policy, now_at, first=True),
        sla_next_response=_sla(nexts, clock, policy, now_at, first=False),
        breaches_count=side.breaches_count,
        breaches=side.breaches,
        teammates=side.teammates,
        tags=tag_figures,
        owners=owner_figures,
        feature_requests=side.feature_requests,
        handle_time=handle_time,
        handle_seconds_total=handle_total,
        sales=side.sales,
        saved_replies=side.saved_replies,
        satisfaction=side.satisfaction,
    )


@dataclass(frozen=True)
class _Apart:
    """The figures read from the period's events, tags, handoffs and ratings, none from its
    waits: `report` has them read on a connection of its own while it reads the waits."""

    handle_time: tuple[tuple[HandleTime, ...], int]
    tags: tuple[tuple[TagFigure, ...], tuple[OwnerFigure, ...]]
    breaches_count: int
    breaches: tuple[Breach, ...]
    teammates: tuple[Teammate, ...]
    feature_requests: tuple[FeatureRequest, ...]
    sales: Sales
    saved_replies: tuple[SavedReplyUse, ...]
    satisfaction: ratings.Satisfaction

    @classmethod
    def read(
        cls, store: Store, period: Period, owners: Mapping[str, str], feature_tag: str, top: int
    ) -> _Apart:
        lo, mid, hi = (to_epoch(t) for t in (period.previous().start, period.start, period.end))
        return cls(
            handle_time=_handle_time(store, mid, hi),
            tags=_tags(store, owners, lo, mid, hi),
            breaches_count=_count(
                store,
                "SELECT count(*) FROM events WHERE kind = 'sla_breached' AND at >= ? AND at < ?",
                (mid, hi),
            ),
            breaches=_breaches(store, mid, hi),
            teammates=_teammates(store, period, mid, hi),
            feature_requests=_feature_requests(store, feature_tag, mid, hi, top),
            sales=_sales(store, mid, hi),
            saved_replies=_saved_replies(store, mid, hi, top),
            satisfaction=ratings.satisfaction(store, period.start, period.end),
        )


def _read_apart(path: Path, read: Callable[[Store], _Apart]) -> _Apart:
    with Store.open(path) as own:
        return read(own)


def _weeks(
    store: Store,
    volume: _Volume,
    firsts: _Responses,
    nexts: _Responses,
    closes: _Closes,
    lo: int,
    hi: int,
) -> tuple[Week, ...]:
    count = -(-(hi - lo) // _WEEK_SECONDS)
    new = Counter(
        int(week)
        for (week,) in store.conn.execute(
            "SELECT (first_message_at - ?1) / ?3 FROM conversations"
            " WHERE first_message_at >= ?1 AND first_message_at < ?2",
            (lo, hi, _WEEK_SECONDS),
        )
    )
    return tuple(
        Week(
            start=from_epoch(lo + index * _WEEK_SECONDS),
            end=from_epoch(min(hi, lo + (index + 1) * _WEEK_SECONDS)),
            conversations_new=new[index],
            messages_incoming=volume.weeks[index],
            first_response=stats(firsts.weeks.get(index, [])),
            next_response=stats(nexts.weeks.get(index, [])),
            time_to_close=stats(closes.weeks.get(index, [])),
        )
        for index in range(count)
    )


def _sla(
    responses: _Responses,
    clock: waits_store.Clock,
    policy: SlaPolicy | None,
    now: int,
    *,
    first: bool,
) -> tuple[SlaFigure, ...]:
    if policy is None:
        return ()
    targets = policy.first_response_seconds if first else policy.next_response_seconds
    found = []
    for tier, answered in responses.answered.items():
        target = targets.get(tier, targets.get("unknown"))
        if target is None:
            continue
        within = sum(1 for seconds in answered if seconds <= target)
        overdue = sum(
            1 for start in responses.unanswered.get(tier, ()) if clock.seconds(start, now) > target
        )
        due = len(answered) + overdue
        found.append(
            SlaFigure(tier, target, len(answered), within, overdue, within / due if due else None)
        )
    return tuple(sorted(found, key=lambda f: (f.target_seconds, f.tier)))


def _breaches(store: Store, lo: int, hi: int) -> tuple[Breach, ...]:
    rows = store.conn.execute(
        "SELECT e.conversation_id, coalesce(c.subject, ''), e.detail, e.at FROM events e"
        " LEFT JOIN conversations c ON c.id = e.conversation_id"
        " WHERE e.kind = 'sla_breached' AND e.at >= ? AND e.at < ?"
        " ORDER BY e.at DESC, e.id DESC LIMIT ?",
        (lo, hi, MAX_BREACHES_LISTED),
    )
    return tuple(
        Breach(
            int(cid or 0), str(subject), str(json.loads(detail).get("tier", "unknown")),
            from_epoch(int(at)),
        )
        for cid, subject, detail, at in rows
    )  # fmt: skip


def _teammates(store: Store, period: Period, lo: int, hi: int) -> tuple[Teammate, ...]:
    sent: dict[str, int] = {}
    conversations: dict[str, int] = {}
    for agent, count, distinct in store.conn.execute(
        f"SELECT r.agent, count(*), count(DISTINCT r.conversation_id) {_REPLIES} GROUP BY 1",
        (lo, hi),
    ):
        sent[str(agent)] = int(count)
        conversations[str(agent)] = int(distinct)
    closed: dict[str, int] = {
        str(actor): int(count)
        for actor, count in store.conn.execute(
            "SELECT actor, count(DISTINCT conversation_id) FROM events WHERE kind = 'closed'"
            " AND at >= ? AND at < ? AND conversation_id IS NOT NULL GROUP BY actor",
            (lo, hi),
        )
    }
    names = sorted(set(sent) | set(closed), key=lambda n: (-sent.get(n, 0), -closed.get(n, 0), n))
    return tuple(
        Teammate(
            name, sent.get(name, 0), conversations.get(name, 0), closed.get(name, 0),
            conversations.get(name, 0) / period.days,
        )
        for name in names
    )  # fmt: skip


def _owner_of(tag: str, stored: str | None, owners: Mapping[str, str]) -> str | None:
    return owners.get(tag) or stored or None


def _tags(
    store: Store, owners: Mapping[str, str], lo: int, mid: int, hi: int
) -> tuple[tuple[TagFigure, ...], tuple[OwnerFigure, ...]]:
    """Per tag and per owner: new conversations now ([mid, hi)) and before ([lo, mid))."""
    new_tagged = (
        "FROM conversations c JOIN conversation_tags ct ON ct.conversation_id = c.id"
        " WHERE c.first_message_at >= ?1 AND c.first_message_at < ?3"
    )
    found = [
        (int(tag_id), str(tag), _owner_of(str(tag), stored, owners), int(now), int(then))
        for tag_id, tag, stored, now, then in store.conn.execute(
            "SELECT t.id, t.name, t.owner, n.now, n.before FROM (SELECT ct.tag_id,"
            " sum(c.first_message_at >= ?2) AS now, sum(c.first_message_at < ?2) AS before"
            f" {new_tagged} GROUP BY ct.tag_id) n JOIN tags t ON t.id = n.tag_id",
            (lo, mid, hi),
        )
    ]
    # A conversation counts once for an owner, whichever of the owner's tags it has.
    owner_of = [(tag_id, owner) for tag_id, _tag, owner, _now, _then in found if owner]
    owned = (
        [
            OwnerFigure(str(owner), int(now), int(then))
            for owner, now, then in store.conn.execute(
                "SELECT owner, count(DISTINCT id) FILTER (WHERE first >= ?),"
                " count(DISTINCT id) FILTER (WHERE first < ?) FROM"
                " (SELECT c.id, c.first_message_at AS first,"
                f" CASE ct.tag_id {' '.join('WHEN ? THEN ?' for _ in owner_of)} END AS owner"
                " FROM conversations c CROSS JOIN conversation_tags ct"
                " ON ct.conversation_id = c.id"
                " WHERE c.first_message_at >= ? AND c.first_message_at < ?)"
                " WHERE owner IS NOT NULL GROUP BY owner",
                (mid, mid, *(v for pair in owner_of for v in pair), lo, hi),
            )
        ]
        if owner_of
        else []
    )
    return (
        tuple(
            TagFigure(tag, owner, now, then)
            for _id, tag, owner, now, then in sorted(found, key=lambda f: (-f[3], -f[4], f[1]))
        ),
        tuple(sorted(owned, key=lambda o: (-o.conversations, -o.previous_conversations, o.owner))),
    )


def _feature_requests(
    store: Store, feature_tag: str, lo: int, hi: int, top: int
) -> tuple[FeatureRequest, ...]:
    groups: dict[str, list[tuple[int, str, str, int]]] = defaultdict(list)
    for conversation_id, subject, subject_key, customer, first_at in store.conn.execute(
        "SELECT c.id, c.subject, c.subject_key,"
        " coalesce(nullif(cu.name, ''), c.customer_addr, ''), c.first_message_at"
        " FROM conversations c JOIN conversation_tags ct ON ct.conversation_id = c.id"
        " JOIN tags t ON t.id = ct.tag_id LEFT JOIN customers cu ON cu.id = c.customer_id"
        " WHERE t.name = ? AND c.first_message_at >= ? AND c.first_message_at < ?"
        " ORDER BY c.first_message_at DESC, c.id DESC",
        (feature_tag, lo, hi),
    ):
        key = str(subject_key) or str(subject)
        groups[key].append((int(conversation_id), str(subject), str(customer), int(first_at)))
    # Newest first within a group, so a group's first row is its latest request.
    ranked = sorted(groups.values(), key=lambda rows: (-len(rows), -rows[0][3], rows[0][0]))
    return tuple(
        FeatureRequest(
            subject=rows[0][1],
            conversations=len(rows),
            customers=tuple(dict.fromkeys(r[2] for r in rows if r[2])),
            last_at=from_epoch(rows[0][3]),
            conversation_ids=tuple(r[0] for r in rows),
        )
        for rows in ranked[:top]
    )


def _handle_time(store: Store, lo: int, hi: int) -> tuple[tuple[HandleTime, ...], int]:
    """Composer time per tag in [lo, hi), and the total over every conversation."""
    figures = []
    total = 0
    # One pass over the events: the per-tag rows, then the total (the row without a tag).
    for tag, count, seconds in store.conn.execute(
        "WITH spent AS MATERIALIZED (SELECT conversation_id,"
        " sum(json_extract(detail, '$.seconds')) AS seconds FROM events"
        " WHERE kind = ? AND at >= ? AND at < ? AND conversation_id IS NOT NULL"
        " GROUP BY conversation_id)"
        " SELECT t.name, count(*), sum(s.seconds) FROM spent s"
        " JOIN conversation_tags ct ON ct.conversation_id = s.conversation_id"
        " JOIN tags t ON t.id = ct.tag_id GROUP BY t.id"
        " UNION ALL SELECT NULL, count(*), coalesce(sum(seconds), 0) FROM spent",
        (COMPOSED_EVENT, lo, hi),
    ):
        if tag is None:
            total = int(seconds)
        else:
            figures.append(HandleTime(str(tag), int(count), seconds / count, int(seconds)))
    figures.sort(key=lambda h: (-h.total_seconds, h.tag))
    return tuple(figures), total


def _sales(store: Store, lo: int, hi: int) -> Sales:
    signal, handed = store.conn.execute(
        "SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM handoffs h"
        "   WHERE h.conversation_id = c.id)), 0)"
        " FROM conversations c WHERE c.first_message_at >= ? AND c.first_message_at < ?"
        " AND coalesce(c.sales_verdict, c.sales_detected) = 1",
        (lo, hi),
    ).fetchone()
    colleagues = tuple(
        ColleagueLeads(str(name), int(count), int(leads))
        for name, count, leads in store.conn.execute(
            "SELECT h.colleague, count(*), sum(coalesce(c.sales_verdict, c.sales_detected) = 1)"
            " FROM handoffs h JOIN conversations c ON c.id = h.conversation_id"
            " WHERE h.at >= ? AND h.at < ? GROUP BY h.colleague"
            " ORDER BY count(*) DESC, h.colleague",
            (lo, hi),
        )
    )
    return Sales(colleagues, int(signal), int(handed), handed / signal if signal else None)


def _saved_replies(store: Store, lo: int, hi: int, top: int) -> tuple[SavedReplyUse, ...]:
    return tuple(
        SavedReplyUse(str(name), int(uses))
        for name, uses in store.conn.execute(
            "SELECT json_extract(detail, '$.name') AS name, count(*) AS uses FROM events"
            " WHERE kind = 'saved_reply_used' AND at >= ? AND at < ? AND name IS NOT NULL"
            " GROUP BY name ORDER BY uses DESC, name LIMIT ?",
            (lo, hi, top),
        )
    )
