"""SLA clocks: when a reply is due (in calendar or business time), when the clock turns amber,
the priority key of each conversation, and the breaches recorded for the reports.

The arithmetic is pure and takes plain values; the policy it runs on is the one the store last
saved (`save_policy`, from the config by `mail.customers.apply_config`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from storage import events, settings
from storage.db import Store
from storage.queues import SNOOZING
from storage.timeutil import from_epoch, to_epoch

AT_RISK_TIERS = ("paying", "vip")
"""The tiers whose customer saying they are leaving puts the conversation at risk."""

_POLICY_KEY = "sla_policy"


# -- the arithmetic -----------------------------------------------------------------------------


def _wall(day: date, moment: time, zone: tzinfo) -> datetime:
    """The instant (UTC) the wall clock in `zone` shows `moment` on `day`; `time.max` is the
    following midnight (a span ending at 24:00)."""
    if moment == time.max:
        local = datetime.combine(day + timedelta(days=1), time(), zone)
    else:
        local = datetime.combine(day, moment, zone)
    return local.astimezone(UTC)


def add_business_time(
    start: datetime,
    span: timedelta,
    hours: tuple[time, time],
    days: Collection[int],
    zone: tzinfo,
) -> datetime:
    """The moment `span` of working time has passed since `start`, counting only `hours` on
    `days` (Monday = 0) as the wall clock of `zone` shows them, across weekends and DST.

    Working hours are found day by day on the wall clock, and measured in real (UTC) time, so
    a day whose clock jumps keeps its true length."""
    if not days:
        raise ValueError("no working days")
    remaining = span
    cursor = start.astimezone(UTC)
    day = cursor.astimezone(zone).date()
    while True:
        if day.weekday() in days:
            opens, closes = _wall(day, hours[0], zone), _wall(day, hours[1], zone)
            begin = max(cursor, opens)
            if begin < closes:
                if remaining <= closes - begin:
                    return begin + remaining
                remaining -= closes - begin
        day += timedelta(days=1)


def business_windows(
    first_day: date, last_day: date, hours: tuple[time, time], days: Collection[int], zone: tzinfo
) -> list[tuple[int, int]]:
    """The working hours of each working day from `first_day` to `last_day` (inclusive, dates
    on the wall clock of `zone`), as (opens, closes) epoch seconds, in order."""
    windows = []
    day = first_day
    while day <= last_day:
        if day.weekday() in days:
            opens, closes = _wall(day, hours[0], zone), _wall(day, hours[1], zone)
            if opens < closes:
                windows.append((int(opens.timestamp()), int(closes.timestamp())))
        day += timedelta(days=1)
    return windows


def business_seconds_between(
    start: datetime,
    end: datetime,
    hours: tuple[time, time],
    days: Collection[int],
    zone: tzinfo,
) -> int:
    """How much working time passes from `start` to `end` (0 when `end` is not later),
    counting only `hours` on `days` (Monday = 0) of the wall clock of `zone`, in real seconds:
    the inverse of `add_business_time`."""
    if end <= start:
        return 0
    begin, finish = int(start.timestamp()), int(end.timestamp())
    first_day = start.astimezone(zone).date()
    last_day = end.astimezone(zone).date()
    return sum(
        max(0, min(finish, closes) - max(begin, opens))
        for opens, closes in business_windows(first_day, last_day, hours, days, zone)
    )


@dataclass(frozen=True)
class SlaPolicy:
    """Targets and weights per tier, in seconds; business hours in `timezone` (an IANA name),
    or calendar time when `business_hours` is None."""

    first_response_seconds: Mapping[str, int] = field(default_factory=dict)
    next_response_seconds: Mapping[str, int] = field(default_factory=dict)
    weight_seconds: Mapping[str, int] = field(default_factory=dict)
    business_hours: tuple[time, time] | None = None
    business_days: frozenset[int] = frozenset(range(5))
    timezone: str = "UTC"
    warning_percent: int = 75

    def deadline(self, start: datetime, span: timedelta) -> datetime:
        """`span` after `start`, in business time when business hours are set."""
        if self.business_hours is None:
            return start + span
        zone = ZoneInfo(self.timezone)
        return add_business_time(start, span, self.business_hours, self.business_days, zone)

    def clock(self, tier: str, waiting_since: datetime, replied_before: bool) -> SlaClock:
        """The clock of a customer waiting since `waiting_since`: the first-response target if
        we never replied in the conversation, the next-response one otherwise."""
        targets = self.next_response_seconds if replied_before else self.first_response_seconds
        target = timedelta(seconds=targets.get(tier, targets.get("unknown", 0)))
        due_at = self.deadline(waiting_since, target)
        warn_at = self.deadline(waiting_since, target * self.warning_percent / 100)
        weight = timedelta(seconds=self.weight_seconds.get(tier, 0))
        return SlaClock(due_at, warn_at, due_at - weight)

    def to_json(self) -> dict[str, object]:
        hours = self.business_hours
        return {
            "first_response_seconds": dict(self.first_response_seconds),
            "next_response_seconds": dict(self.next_response_seconds),
            "weight_seconds": dict(self.weight_seconds),
            "business_hours": [t.isoformat() for t in hours] if hours else None,
            "business_days": sorted(self.business_days),
            "timezone": self.timezone,
            "warning_percent": self.warning_percent,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> SlaPolicy:
        hours = data.get("business_hours")
        days = data.get("business_days")
        return cls(
            first_response_seconds=_seconds(data.get("first_response_seconds")),
            next_response_seconds=_seconds(data.get("next_response_seconds")),
            weight_seconds=_seconds(data.get("weight_seconds")),
            business_hours=(
                (time.fromisoformat(str(hours[0])), time.fromisoformat(str(hours[1])))
                if isinstance(hours, list)
                else None
            ),
            business_days=frozenset(int(d) for d in days)
            if isinstance(days, list) and days
            else frozenset(range(5)),
            timezone=str(data.get("timezone") or "UTC"),
            warning_percent=int(str(data.get("warning_percent", 75))),
        )


def _seconds(value: object) -> dict[str, int]:
    return {str(k): int(v) for k, v in value.items()} if isinstance(value, dict) else {}


@dataclass(frozen=True)
class SlaClock:
    due_at: datetime
    warn_at: datetime  # when the clock turns amber
    priority_at: datetime  # the sort key: due time minus the tier's head start


# -- the policy the store runs on ---------------------------------------------------------------


def save_policy(store: Store, policy: SlaPolicy) -> bool:
    """Saves the policy; when it differs from the saved one, recomputes every clock."""
    with store.atomic():
        changed = settings.write(store, _POLICY_KEY, policy.to_json())
        if changed:
            recompute_all(store)
    return changed


def saved_policy(store: Store) -> SlaPolicy | None:
    saved = settings.read(store, _POLICY_KEY)
    return SlaPolicy.from_json(saved) if isinstance(saved, dict) else None


def policy(store: Store) -> SlaPolicy:
    """The saved policy; before any was saved, zero targets: the longest wait comes first."""
    return saved_policy(store) or SlaPolicy()


# -- the maintained columns ---------------------------------------------------------------------


def recompute(store: Store, conversation_ids: Iterable[int]) -> None:
    """Recomputes the SLA clock, priority key and risk of these conversations. A reply that
    came after the due time records the breach."""
    ids = list(conversation_ids)
    if not ids:
        return
    rules = policy(store)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        found = store.conn.execute(
            f"""SELECT c.id, c.status, c.awaiting_reply, c.waiting_since, c.last_our_message_at,
                       c.sla_due_at, c.churn_reasons, coalesce(cu.tier, 'unknown')
                FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id
                WHERE c.id IN ({marks})""",
            chunk,
        ).fetchall()
        for row in found:
            _recompute_one(store, rules, *row)


def _recompute_one(
    store: Store,
    rules: SlaPolicy,
    conversation_id: int,
    status: str,
    awaiting_reply: int,
    waiting_since: int | None,
    last_ours_at: int | None,
    previous_due_at: int | None,
    churn_reasons: str | None,
    tier: str,
) -> None:
    clock = None
    if awaiting_reply and status != "closed" and waiting_since is not None:
        clock = rules.clock(tier, from_epoch(waiting_since), last_ours_at is not None)
    due_at = to_epoch(clock.due_at) if clock else None
    if previous_due_at is not None and due_at != previous_due_at:
        replied_late = last_ours_at is not None and last_ours_at >= previous_due_at
        if replied_late:
            _record_breach(store, conversation_id, previous_due_at, tier)
    at_risk = bool(churn_reasons and json.loads(churn_reasons)) and tier in AT_RISK_TIERS
    store.conn.execute(
        "UPDATE conversations SET sla_due_at = ?, sla_warn_at = ?, priority_at = ?, at_risk = ?"
        " WHERE id = ?",
        (
            due_at,
            to_epoch(clock.warn_at) if clock else None,
            to_epoch(clock.priority_at) if clock else None,
            int(at_risk and status != "closed"),
            conversation_id,
        ),
    )


def recompute_for_customers(store: Store, customer_ids: Iterable[int]) -> None:
    """After a tier change: the clocks of those customers' conversations still in play."""
    for customer_id in set(customer_ids):
        ids = [
            int(row[0])
            for row in store.conn.execute(
                "SELECT id FROM conversations WHERE customer_id = ? AND status != 'closed'",
                (customer_id,),
            )
        ]
        recompute(store, ids)


def recompute_all(store: Store) -> None:
    """Every conversation still in play (a closed one owes nothing under any policy)."""
    ids = [
        int(r[0])
        for r in store.conn.execute("SELECT id FROM conversations WHERE status != 'closed'")
    ]
    recompute(store, ids)


# -- breaches -----------------------------------------------------------------------------------


def _record_breach(store: Store, conversation_id: int, due_at: int, tier: str) -> bool:
    """Records the breach of this due time once (the event's time is the due time)."""
    seen = store.scalar(
        "SELECT 1 FROM events WHERE conversation_id = ? AND kind = 'sla_breached' AND at = ?",
        (conversation_id, due_at),
    )
    if seen is not None:
        return False
    moment = from_epoch(due_at)
    events.record(
        store, "sla_breached", conversation_id, at=moment, due_at=moment.isoformat(), tier=tier
    )
    return True


def record_breaches(store: Store, now: datetime) -> int:
    """Records an `sla_breached` event for each conversation past its due time, once per due
    time; how many were new. The app's poll and `frontdesk list` call it when they look."""
    # Those already recorded are left out in SQL: a big backlog of breached conversations must
    # not cost one query each on every look.
    found = store.conn.execute(
        f"""SELECT c.id, c.sla_due_at, coalesce(cu.tier, 'unknown')
            FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id
            WHERE c.sla_due_at IS NOT NULL AND c.sla_due_at <= :now AND c.awaiting_reply
              AND c.status != 'closed' AND NOT {SNOOZING}
              AND NOT EXISTS (SELECT 1 FROM events e WHERE e.conversation_id = c.id
                              AND e.kind = 'sla_breached' AND e.at = c.sla_due_at)""",
        {"now": to_epoch(now)},
    ).fetchall()
    recorded = 0
    with store.atomic():
        for conversation_id, due_at, tier in found:
            recorded += _record_breach(store, conversation_id, due_at, tier)
    return recorded


def next_breach_check_at(store: Store, now: datetime) -> datetime | None:
    """The first moment after `now` at which `record_breaches` could find a new breach without
    the store changing first: a due time passing, or a snooze ending over one already past.
    None when no such moment is stored. Early is harmless (a look that finds nothing)."""
    moments = [
        store.scalar(
            "SELECT min(sla_due_at) FROM conversations WHERE sla_due_at > ?", (to_epoch(now),)
        ),
        store.scalar(
            "SELECT min(snoozed_until) FROM conversations WHERE snoozed_until > ?",
            (to_epoch(now),),
        ),
    ]
    found = [int(moment) for moment in moments if moment is not None]
    return from_epoch(min(found)) if found else None
