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

import json
import math
import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import accumulate
from typing import NamedTuple
from zoneinfo import ZoneInfo

from storage import events
from storage.db import Store
from storage.errors import FrontdeskError
from storage.sla import SlaPolicy, business_windows
from storage.timeutil import from_epoch, to_epoch

COMPOSED_EVENT = "composed"
FEATURE_REQUEST_TAG = "feature-request"
OTHER_CLIENTS = "other clients"
"""The teammate a reply synced from the Sent folder counts under when it has no From name."""

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
    return Stats(
        count,
        float(statistics.median(ordered)),
        math.fsum(ordered) / count,
        float(ordered[math.ceil(0.9 * count) - 1]),
    )


class _Clock:
    """Seconds between two epoch instants: calendar, or business time from precomputed
    working windows and their running totals (one bisect per figure)."""

    def __init__(self, policy: SlaPolicy | None, zone: tzinfo, lo: int, hi: int) -> None:
        self.business = policy is not None and policy.business_hours is not None
        self.seconds: Callable[[int, int], int] = _calendar_seconds
        if policy is None or policy.business_hours is None:
            return
        first_day = from_epoch(lo).astimezone(zone).date() - timedelta(days=1)
        last_day = from_epoch(hi).astimezone(zone).date() + timedelta(days=1)
        windows = business_windows(
            first_day, last_day, policy.business_hours, policy.business_days, zone
        )
        opens = [w[0] for w in windows]
        closes = [w[1] for w in windows]
        before = [0, *accumulate(c - o for o, c in windows)]

        # Called once per response over large periods: one closure, no attribute lookups and
        # no call to min() (a third of its time when it had them).
        def business_seconds(start: int, end: int) -> int:
            if end <= start:
                return 0
            index = bisect_right(opens, end) - 1
            if index < 0:
                return 0
            close = closes[index]
            worked = before[index] + (end if end < close else close) - opens[index]
            index = bisect_right(opens, start) - 1
            if index >= 0:
                close = closes[index]
                worked -= before[index] + (start if start < close else close) - opens[index]
            return worked

        self.seconds = business_seconds


def _calendar_seconds(start: int, end: int) -> int:
    return end - start if end > start else 0


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


class _Wait(NamedTuple):
    conversation_id: int
    start: int  # the customer message that started it
    end: int | None  # our reply, None while unanswered
    first: bool
    seconds: int | None  # from start to end on the report's clock, None while unanswered


class _Close(NamedTuple):
    conversation_id: int
    closed_at: int
    tier: str
    seconds: int  # from the first message, on the report's clock


@dataclass
class _Timeline:
    waits: list[_Wait]
    incoming: list[int]  # dates of customer messages in the period
    incoming_before: int  # customer messages in the period before
    replies_before: int  # ours in the period before
    replied: set[int]  # conversations with one of ours in the period
    replied_before: set[int]  # conversations with one of ours in the period before
    reply_ids: list[int]  # the message rows of ours in the period
    tiers: dict[int, str]  # of the conversations active in the period


# The handoff notes to a colleague: `is_ours`, but not replies to the customer.
_NOTES = "SELECT m.id FROM handoffs h JOIN messages m ON m.message_id = h.note_message_id"

# The conversations with a message since ?1 and begun before ?2: `+` keeps SQLite on the index
# of the last message, the selective one for a recent period (the first message's would be
# all of them).
_ACTIVE = (
    "SELECT c.id FROM conversations c WHERE c.last_message_at >= ?1 AND +c.first_message_at < ?2"
)


def _timeline(store: Store, lo: int, mid: int, hi: int, clock: _Clock) -> _Timeline:
    """Every wait for us that started in [lo, hi), and the messages of the period [mid, hi)
    and of the one before [lo, mid), walking the messages of each conversation active in them
    in order (the covering index gives that order without reading a message row; at the same
    second, the customer's message comes first)."""
    # The tiers are only asked for the period's waits: those of the conversations active in
    # it, not since `lo` (for a long period, reading twice as many conversations).
    tiers: dict[int, str] = dict(
        store.conn.execute(
            "SELECT c.id, coalesce(cu.tier, 'unknown') FROM conversations c"
            " LEFT JOIN customers cu ON cu.id = c.customer_id"
            " WHERE c.last_message_at >= ? AND +c.first_message_at < ?",
            (mid, hi),
        )
    )
    # Only what the walk needs, handoff notes left out by SQLite: one row per message of
    # 100,000 conversations over a long period, so every column and test here counts.
    rows = store.conn.execute(
        "SELECT m.id, m.conversation_id, m.date, m.is_ours FROM messages m"
        f" WHERE m.conversation_id IN ({_ACTIVE})"
        f" AND NOT (m.is_ours AND m.id IN ({_NOTES}))"
        " ORDER BY m.conversation_id, m.date, m.is_ours, m.id",
        (lo, hi),
    )
    seconds_between = clock.seconds
    waits: list[_Wait] = []
    append_wait = waits.append
    incoming: list[int] = []
    incoming_before = replies_before = 0
    replied: set[int] = set()
    reply_ids: list[int] = []
    replied_before: set[int] = set()
    current = -1
    waiting_since: int | None = None
    answered_before = False  # a wait of this conversation was already counted as the first
    for row_id, conversation_id, moment, ours in rows:
        if conversation_id != current:
            if waiting_since is not None and lo <= waiting_since < hi:
                append_wait(_Wait(current, waiting_since, None, not answered_before, None))
            current, waiting_since, answered_before = conversation_id, None, False
        if ours:
            if moment >= mid:
                if moment < hi:
                    reply_ids.append(row_id)
                    replied.add(conversation_id)
            elif moment >= lo:
                replies_before += 1
                replied_before.add(conversation_id)
            if waiting_since is not None:
                if lo <= waiting_since < hi:
                    append_wait(
                        _Wait(
                            conversation_id,
                            waiting_since,
                            moment,
                            not answered_before,
                            seconds_between(waiting_since, moment),
                        )
                    )
                waiting_since, answered_before = None, True
        else:
            if moment >= mid:
                if moment < hi:
                    incoming.append(moment)
            elif moment >= lo:
                incoming_before += 1
            if waiting_since is None:
                waiting_since = moment
    if waiting_since is not None and lo <= waiting_since < hi:
        append_wait(_Wait(current, waiting_since, None, not answered_before, None))
    return _Timeline(
        waits, incoming, incoming_before, replies_before, replied, replied_before,
        reply_ids, tiers,
    )  # fmt: skip


def _closes(store: Store, lo: int, hi: int) -> list[tuple[int, int, int, str]]:
    """(conversation, first message, closed at, tier) of conversations closed in [lo, hi)."""
    return list(
        store.conn.execute(
            "SELECT c.id, c.first_message_at, c.closed_at, coalesce(cu.tier, 'unknown')"
            " FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id"
            " WHERE c.closed_at >= ? AND c.closed_at < ?",
            (lo, hi),
        )
    )


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
    tag when it has none there); `now` is when unanswered waits are measured to."""
    zone: tzinfo = ZoneInfo(policy.timezone) if policy is not None else UTC
    before = period.previous()
    lo, mid, hi = to_epoch(before.start), to_epoch(period.start), to_epoch(period.end)
    now_at = to_epoch(now)
    closed_rows = _closes(store, lo, hi)
    # A conversation closed in the period may have begun long before it.
    clock = _Clock(policy, zone, min([lo, *(row[1] for row in closed_rows)]), max(hi, now_at))
    closes = [
        _Close(cid, closed, tier, clock.seconds(first, closed))
        for cid, first, closed, tier in closed_rows
    ]
    timeline = _timeline(store, lo, mid, hi, clock)

    # The waits of each period, first and next responses apart, sorted out in one pass.
    split: dict[tuple[bool, bool], list[_Wait]] = {
        (current, first): [] for current in (True, False) for first in (True, False)
    }
    for wait in timeline.waits:
        split[wait.start >= mid, wait.first].append(wait)

    def waits_in(a: int, first: bool) -> list[_Wait]:
        return split[a == mid, first]

    def answered(waits: Iterable[_Wait]) -> list[float]:
        return [w.seconds for w in waits if w.seconds is not None]

    def headline(a: int, b: int) -> Headline:
        firsts, nexts = waits_in(a, True), waits_in(a, False)
        current = a == mid
        replied = timeline.replied if current else timeline.replied_before
        closed_by_hand = {
            int(r[0])
            for r in store.conn.execute(
                "SELECT DISTINCT conversation_id FROM events WHERE kind = 'closed'"
                " AND at >= ? AND at < ? AND conversation_id IS NOT NULL",
                (a, b),
            )
        }
        return Headline(
            conversations_new=_count(
                store,
                "SELECT count(*) FROM conversations WHERE first_message_at >= ?"
                " AND first_message_at < ?",
                (a, b),
            ),
            conversations_handled=len(replied | closed_by_hand),
            conversations_closed=sum(1 for c in closes if a <= c.closed_at < b),
            messages_incoming=len(timeline.incoming) if current else timeline.incoming_before,
            replies_sent=len(timeline.reply_ids) if current else timeline.replies_before,
            unanswered=sum(1 for w in firsts if w.end is None),
            first_response=stats(answered(firsts)),
            next_response=stats(answered(nexts)),
            time_to_close=stats([c.seconds for c in closes if a <= c.closed_at < b]),
        )

    firsts, nexts = waits_in(mid, True), waits_in(mid, False)
    closes_now = [c for c in closes if c.closed_at >= mid]

    def by_tier_waits(waits: Iterable[_Wait]) -> dict[str, Stats]:
        grouped: dict[str, list[_Wait]] = defaultdict(list)
        for w in waits:
            grouped[timeline.tiers.get(w.conversation_id, "unknown")].append(w)
        return {tier: stats(answered(grouped[tier])) for tier in sorted(grouped)}

    by_tier_close: dict[str, list[float]] = defaultdict(list)
    for close in closes_now:
        by_tier_close[close.tier].append(close.seconds)

    handle_time, handle_total = _handle_time(store, mid, hi)
    tag_figures, owner_figures = _tags(store, owners, lo, mid, hi)
    local = _LocalTime(zone)
    heat = [[0] * 24 for _ in range(7)]
    for at in timeline.incoming:
        weekday, hour = local.slot(at)
        heat[weekday][hour] += 1
    first_by_hour: list[list[_Wait]] = [[] for _ in range(24)]
    first_by_weekday: list[list[_Wait]] = [[] for _ in range(7)]
    for w in firsts:
        weekday, hour = local.slot(w.start)
        first_by_hour[hour].append(w)
        first_by_weekday[weekday].append(w)

    return Report(
        period=period,
        previous_period=before,
        business_time=clock.business,
        timezone=policy.timezone if policy is not None else "UTC",
        headline=headline(mid, hi),
        previous=headline(lo, mid),
        first_response_by_tier=by_tier_waits(firsts),
        next_response_by_tier=by_tier_waits(nexts),
        time_to_close_by_tier={tier: stats(by_tier_close[tier]) for tier in sorted(by_tier_close)},
        weeks=_weeks(store, timeline, closes_now, mid, hi),
        by_hour=tuple(
            Slot(sum(heat[d][h] for d in range(7)), stats(answered(first_by_hour[h])))
            for h in range(24)
        ),
        by_weekday=tuple(
            Slot(sum(heat[d]), stats(answered(first_by_weekday[d]))) for d in range(7)
        ),
        heatmap=tuple(tuple(row) for row in heat),
        sla_first_response=_sla(firsts, timeline.tiers, clock, policy, now_at, first=True),
        sla_next_response=_sla(nexts, timeline.tiers, clock, policy, now_at, first=False),
        breaches_count=_count(
            store,
            "SELECT count(*) FROM events WHERE kind = 'sla_breached' AND at >= ? AND at < ?",
            (mid, hi),
        ),
        breaches=_breaches(store, mid, hi),
        teammates=_teammates(store, timeline, period, mid, hi),
        tags=tag_figures,
        owners=owner_figures,
        feature_requests=_feature_requests(store, feature_tag, mid, hi, top),
        handle_time=handle_time,
        handle_seconds_total=handle_total,
        sales=_sales(store, mid, hi),
        saved_replies=_saved_replies(store, mid, hi, top),
    )


def _weeks(
    store: Store,
    timeline: _Timeline,
    closes: Sequence[_Close],
    lo: int,
    hi: int,
) -> tuple[Week, ...]:
    count = -(-(hi - lo) // _WEEK_SECONDS)
    new_at = [
        int(r[0])
        for r in store.conn.execute(
            "SELECT first_message_at FROM conversations"
            " WHERE first_message_at >= ? AND first_message_at < ?",
            (lo, hi),
        )
    ]
    new = Counter((at - lo) // _WEEK_SECONDS for at in new_at)
    incoming = Counter((at - lo) // _WEEK_SECONDS for at in timeline.incoming)
    firsts: dict[int, list[float]] = defaultdict(list)
    nexts: dict[int, list[float]] = defaultdict(list)
    for w in timeline.waits:
        if w.start >= lo and w.seconds is not None:
            target = firsts if w.first else nexts
            target[(w.start - lo) // _WEEK_SECONDS].append(w.seconds)
    closing: dict[int, list[float]] = defaultdict(list)
    for close in closes:
        closing[(close.closed_at - lo) // _WEEK_SECONDS].append(close.seconds)
    return tuple(
        Week(
            start=from_epoch(lo + index * _WEEK_SECONDS),
            end=from_epoch(min(hi, lo + (index + 1) * _WEEK_SECONDS)),
            conversations_new=new[index],
            messages_incoming=incoming[index],
            first_response=stats(firsts[index]),
            next_response=stats(nexts[index]),
            time_to_close=stats(closing[index]),
        )
        for index in range(count)
    )


def _sla(
    waits: Sequence[_Wait],
    tiers: Mapping[int, str],
    clock: _Clock,
    policy: SlaPolicy | None,
    now: int,
    *,
    first: bool,
) -> tuple[SlaFigure, ...]:
    if policy is None:
        return ()
    targets = policy.first_response_seconds if first else policy.next_response_seconds
    grouped: dict[str, list[_Wait]] = defaultdict(list)
    for w in waits:
        grouped[tiers.get(w.conversation_id, "unknown")].append(w)
    found = []
    for tier, tier_waits in grouped.items():
        target = targets.get(tier, targets.get("unknown"))
        if target is None:
            continue
        answered = [w.seconds for w in tier_waits if w.seconds is not None]
        within = sum(1 for seconds in answered if seconds <= target)
        overdue = sum(
            1 for w in tier_waits if w.end is None and clock.seconds(w.start, now) > target
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


def _teammates(
    store: Store, timeline: _Timeline, period: Period, lo: int, hi: int
) -> tuple[Teammate, ...]:
    # Replies sent from frontdesk count for their `replied` event's actor, when they were
    # sent; the others (synced from the Sent folder) for their From name. An event comes
    # after its message's Date header: a day's slack.
    sent: Counter[str] = Counter()
    conversations: Counter[str] = Counter()
    for actor, count, distinct in store.conn.execute(
        "SELECT actor, count(*), count(DISTINCT conversation_id) FROM events"
        " WHERE kind = 'replied' AND at >= ? AND at < ? GROUP BY actor",
        (lo, hi),
    ):
        sent[str(actor)] += int(count)
        conversations[str(actor)] += int(distinct)
    from_frontdesk = {
        row_id
        for (row_id,) in store.conn.execute(
            "SELECT m.id FROM messages m WHERE m.message_id IN"
            " (SELECT json_extract(detail, '$.message_id') FROM events"
            "  WHERE kind = 'replied' AND at >= ?)",
            (lo - _DAY_SECONDS,),
        )
    }
    others = [row_id for row_id in timeline.reply_ids if row_id not in from_frontdesk]
    for name, count, distinct in store.conn.execute(
        "SELECT coalesce(nullif(trim(from_name), ''), ?), count(*), count(DISTINCT conversation_id)"
        " FROM messages WHERE id IN (SELECT value FROM json_each(?)) GROUP BY 1",
        (OTHER_CLIENTS, json.dumps(others)),
    ):
        sent[str(name)] += int(count)
        conversations[str(name)] += int(distinct)
    closed: dict[str, int] = {
        str(actor): int(count)
        for actor, count in store.conn.execute(
            "SELECT actor, count(DISTINCT conversation_id) FROM events WHERE kind = 'closed'"
            " AND at >= ? AND at < ? AND conversation_id IS NOT NULL GROUP BY actor",
            (lo, hi),
        )
    }
    names = sorted(set(sent) | set(closed), key=lambda n: (-sent[n], -closed.get(n, 0), n))
    return tuple(
        Teammate(
            name, sent[name], conversations[name], closed.get(name, 0),
            conversations[name] / period.days,
        )
        for name in names
    )  # fmt: skip


def _owner_of(tag: str, stored: str | None, owners: Mapping[str, str]) -> str | None:
    return owners.get(tag) or stored or None


def _tags(
    store: Store, owners: Mapping[str, str], lo: int, mid: int, hi: int
) -> tuple[tuple[TagFigure, ...], tuple[OwnerFigure, ...]]:
    """Per tag and per owner: new conversations now ([mid, hi)) and before ([lo, mid))."""
    now: Counter[str] = Counter()
    then: Counter[str] = Counter()
    tag_owner: dict[str, str | None] = {}
    owner_now: dict[str, set[int]] = defaultdict(set)
    owner_then: dict[str, set[int]] = defaultdict(set)
    for conversation_id, tag, stored_owner, first_at in store.conn.execute(
        "SELECT c.id, t.name, t.owner, c.first_message_at FROM conversations c"
        " JOIN conversation_tags ct ON ct.conversation_id = c.id JOIN tags t ON t.id = ct.tag_id"
        " WHERE c.first_message_at >= ? AND c.first_message_at < ?",
        (lo, hi),
    ):
        owner = tag_owner.setdefault(tag, _owner_of(tag, stored_owner, owners))
        counts, by_owner = (now, owner_now) if first_at >= mid else (then, owner_then)
        counts[tag] += 1
        if owner:
            by_owner[owner].add(conversation_id)
    tags = sorted(tag_owner, key=lambda t: (-now[t], -then[t], t))
    owner_names = sorted(
        set(owner_now) | set(owner_then),
        key=lambda o: (-len(owner_now[o]), -len(owner_then[o]), o),
    )
    return (
        tuple(TagFigure(t, tag_owner[t], now[t], then[t]) for t in tags),
        tuple(OwnerFigure(o, len(owner_now[o]), len(owner_then[o])) for o in owner_names),
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
    per_conversation: dict[int, int] = {}
    for conversation_id, seconds in store.conn.execute(
        "SELECT conversation_id, sum(json_extract(detail, '$.seconds')) FROM events"
        " WHERE kind = ? AND at >= ? AND at < ? AND conversation_id IS NOT NULL"
        " GROUP BY conversation_id",
        (COMPOSED_EVENT, lo, hi),
    ):
        per_conversation[int(conversation_id)] = int(seconds or 0)
    per_tag: dict[str, list[int]] = defaultdict(list)
    for conversation_id, tag in store.conn.execute(
        "SELECT ct.conversation_id, t.name FROM conversation_tags ct"
        " JOIN tags t ON t.id = ct.tag_id WHERE ct.conversation_id IN (SELECT value FROM"
        " json_each(?))",
        (json.dumps(list(per_conversation)),),
    ):
        per_tag[str(tag)].append(per_conversation[int(conversation_id)])
    figures = sorted(
        (HandleTime(tag, len(s), sum(s) / len(s), sum(s)) for tag, s in per_tag.items()),
        key=lambda h: (-h.total_seconds, h.tag),
    )
    return tuple(figures), sum(per_conversation.values())


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
