"""The reports' figures on hand-built timelines, each value worked out by hand: response times
(a second customer message does not restart the clock, replies from other clients count,
handoff notes do not, unanswered is not answered), business hours across a weekend, per tier,
per week, per hour and weekday in the policy's zone, the previous period, teammates, tags and
owners, handle time, sales, saved replies, SLA shares."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mail.ingest import Ingestor
from storage import conversations, events, metrics, waits
from storage.db import Store
from storage.metrics import Period, ReportError, Stats, stats
from storage.models import Status
from storage.sla import SlaPolicy, business_seconds_between
from tests.conftest import SUPPORT, mail

BERLIN = ZoneInfo("Europe/Berlin")
WEEK_START = datetime(2026, 11, 16, tzinfo=UTC)  # a Monday
PERIOD = Period(WEEK_START, WEEK_START + timedelta(days=7))
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HOUR = 3600
OWNERS = {"feature-request": "Design", "bug-report": "Engineering"}
POLICY = SlaPolicy(
    first_response_seconds={"vip": HOUR, "paying": HOUR, "free": 24 * HOUR, "unknown": HOUR},
    next_response_seconds={"vip": HOUR, "unknown": 2 * HOUR},
    timezone="Europe/Berlin",
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def customer(key: str) -> str:
    return f"{key.upper()} Customer <{key}@customers.test>"


class Timeline:
    """Conversations written message by message: `ask` is the customer, `answer` us."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.raw: list[bytes] = []
        self.last: dict[str, str] = {}
        self.count = 0

    def _add(self, key: str, sender: str, when: datetime, to: str = SUPPORT) -> str:
        self.count += 1
        message_id = f"<{key}-{self.count}@timeline.test>"
        parent = self.last.get(key)
        self.raw.append(
            mail(
                sender=sender, to=to, subject=f"About {key}", message_id=message_id,
                in_reply_to=parent, references=parent, date=when,
            )
        )  # fmt: skip
        self.last.setdefault(key, message_id)
        return message_id[1:-1]

    def ask(self, key: str, when: datetime) -> str:
        return self._add(key, customer(key), when)

    def answer(self, key: str, when: datetime, name: str = "") -> str:
        return self._add(key, f"{name} <{SUPPORT}>" if name else SUPPORT, when, customer(key))

    def note(self, key: str, when: datetime) -> str:
        return self._add(key, SUPPORT, when, "Pete <pete@acme.test>")

    def store_all(self) -> dict[str, int]:
        Ingestor(self.store, [SUPPORT]).ingest(self.raw)
        return {
            key: int(
                self.store.scalar(
                    "SELECT conversation_id FROM messages WHERE message_id = ?", (first[1:-1],)
                )
            )
            for key, first in self.last.items()
        }


def set_tier(store: Store, key: str, tier: str) -> None:
    store.conn.execute(
        "UPDATE customers SET tier = ? WHERE id = (SELECT customer_id FROM addresses"
        " WHERE addr = ?)",
        (tier, f"{key}@customers.test"),
    )


def tag(store: Store, conversation_id: int, *names: str) -> None:
    from storage import work

    for name in names:
        work.add_tag(store, [conversation_id], name, actor="Dana", at=NOW)


@pytest.fixture
def week(store: Store) -> dict[str, int]:
    """The week of 16 November 2026 (and one conversation from the week before):

    A (vip): asks Mon 09:00 and again 09:30, Dana answers 10:00 (first response 1 h); asks
      11:00, Sam answers 13:00 from another client (next response 2 h); Dana closes at 15:00.
    B (paying): asks Tue 14:00, Sam answers 16:00 (2 h); Sam closes Wed 09:00.
    C (free): asks Wed 08:00; a handoff note to Pete at 09:00; answered at 12:00 from another
      client with no name (4 h).
    D (unknown): asks Thu 10:00; no answer yet.
    E (vip): asks Mon 9 Nov 10:00, Dana answers 11:00 (the week before); asks again Mon 16
      10:00, Dana answers 10:30 (a next response of 30 min in this week).
    """
    t = Timeline(store)
    t.ask("e", at(9, 10))
    e1 = t.answer("e", at(9, 11))
    t.ask("a", at(16, 9))
    t.ask("a", at(16, 9, 30))
    a1 = t.answer("a", at(16, 10))
    t.ask("e", at(16, 10))
    e2 = t.answer("e", at(16, 10, 30))
    t.ask("a", at(16, 11))
    t.answer("a", at(16, 13), name="Sam Rivera")
    t.ask("b", at(17, 14))
    b1 = t.answer("b", at(17, 16), name="Trellis Support")
    t.ask("c", at(18, 8))
    note = t.note("c", at(18, 9))
    t.answer("c", at(18, 12))
    t.ask("d", at(19, 10))
    ids = t.store_all()
    for key, tier in (("a", "vip"), ("b", "paying"), ("c", "free"), ("d", "unknown"), ("e", "vip")):
        set_tier(store, key, tier)
    for key, message_id, actor, when in (
        ("e", e1, "Dana", at(9, 11)),
        ("a", a1, "Dana", at(16, 10)),
        ("e", e2, "Dana", at(16, 10, 30)),
        ("b", b1, "Sam Rivera", at(17, 16)),
    ):
        events.record(store, "replied", ids[key], actor=actor, at=when, message_id=message_id)
    store.conn.execute(
        "INSERT INTO handoffs (conversation_id, colleague, colleague_email, mode,"
        " note_message_id, actor, at) VALUES (?, 'Pete', 'pete@acme.test', 'pass', ?, 'Dana', ?)",
        (ids["c"], note, int(at(18, 9).timestamp())),
    )
    conversations.set_status(store, ids["a"], Status.CLOSED, actor="Dana", at=at(16, 15))
    conversations.set_status(store, ids["b"], Status.CLOSED, actor="Sam Rivera", at=at(18, 9))
    return ids


def week_report(store: Store, policy: SlaPolicy | None = POLICY) -> metrics.Report:
    return metrics.report(store, PERIOD, policy=policy, owners=OWNERS, now=NOW)


# -- percentiles --------------------------------------------------------------------------------


def test_stats_on_odd_and_even_counts() -> None:
    assert stats([]) == Stats(0, None, None, None)
    assert stats([300, 100, 200]) == Stats(3, 200.0, 200.0, 300.0)
    # Even: the median is the mean of the two middle values; p90 the value at rank ceil(3.6)=4.
    assert stats([10, 40, 20, 30]) == Stats(4, 25.0, 25.0, 40.0)
    # Ten values: p90 is the 9th smallest (rank ceil(9.0) = 9), not an interpolation.
    assert stats(list(range(1, 11))).p90 == 9.0
    assert stats(list(range(1, 12))).p90 == 10.0  # eleven: rank ceil(9.9) = 10


# -- response times -----------------------------------------------------------------------------


def test_first_response_counts_from_the_first_customer_message(
    store: Store, week: dict[str, int]
) -> None:
    report = week_report(store, policy=None)
    # A 1 h (the 09:30 message does not restart it), B 2 h, C 4 h (the note is not a reply).
    assert report.headline.first_response == Stats(3, 7200.0, 8400.0, 14400.0)
    assert report.headline.unanswered == 1  # D
    # A's second wait (2 h, answered from another client) and E's (30 min).
    assert report.headline.next_response == Stats(2, 4500.0, 4500.0, 7200.0)
    # A closed 6 h after its first message, B 19 h after.
    assert report.headline.time_to_close == Stats(2, 45000.0, 45000.0, 68400.0)
    assert not report.business_time


def test_volume_and_the_previous_period(store: Store, week: dict[str, int]) -> None:
    report = week_report(store)
    headline = report.headline
    assert headline.conversations_new == 4  # A B C D; E began the week before
    assert headline.conversations_handled == 4  # replied: A B C E (closed: A B)
    assert headline.conversations_closed == 2
    assert headline.messages_incoming == 7  # A 3, B, C, D, E
    assert headline.replies_sent == 5  # A 2, B, C, E; not the note
    assert report.previous_period == Period(at(9, 0), at(16, 0))
    previous = report.previous
    assert (previous.conversations_new, previous.messages_incoming, previous.replies_sent) == (
        1,
        1,
        1,
    )
    assert previous.first_response == Stats(1, 3600.0, 3600.0, 3600.0)
    assert previous.next_response == Stats(0, None, None, None)


def test_the_previous_period_counts_only_its_own_messages(
    store: Store, week: dict[str, int]
) -> None:
    # The walk covers both periods at once: E's 9 Nov exchange is the previous period's, its
    # 16 Nov one this period's, and the handoff note of 18 Nov is no reply in either.
    previous = week_report(store).previous
    assert previous.conversations_handled == 1  # E, answered 9 Nov
    assert (previous.conversations_closed, previous.unanswered) == (0, 0)
    longer = metrics.report(
        store, Period(at(9, 0), at(23, 0)), policy=None, owners=OWNERS, now=NOW
    ).headline
    assert (longer.messages_incoming, longer.replies_sent) == (8, 6)
    assert longer.conversations_handled == 4  # A B C E
    assert longer.unanswered == 1  # D


def test_what_is_read_apart_is_read_on_another_connection_and_comes_out_the_same(
    store: Store, week: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The events, tags and ratings half of the report is read on a second connection beside
    the waits; with something uncommitted (that one would not see) on this one, here."""
    readers: list[str] = []
    read = metrics._Apart.read

    def recorded(own: Store, *args: object, **kwargs: object) -> metrics._Apart:
        readers.append(threading.current_thread().name)
        return read(own, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(metrics._Apart, "read", recorded)
    store.conn.commit()  # the week's writes
    apart = week_report(store)
    store.conn.execute("BEGIN")
    try:
        together = week_report(store)
    finally:
        store.conn.execute("ROLLBACK")
    assert readers[0] != threading.current_thread().name
    assert readers[1] == threading.current_thread().name
    assert apart == together
    assert apart.teammates and apart.sales.colleagues  # figures from both halves
    assert apart.headline.replies_sent


def test_per_tier(store: Store, week: dict[str, int]) -> None:
    report = week_report(store)
    assert report.first_response_by_tier == {
        "free": Stats(1, 14400.0, 14400.0, 14400.0),
        "paying": Stats(1, 7200.0, 7200.0, 7200.0),
        "unknown": Stats(0, None, None, None),  # D, unanswered
        "vip": Stats(1, 3600.0, 3600.0, 3600.0),
    }
    assert report.next_response_by_tier == {"vip": Stats(2, 4500.0, 4500.0, 7200.0)}
    assert report.time_to_close_by_tier == {
        "paying": Stats(1, 68400.0, 68400.0, 68400.0),
        "vip": Stats(1, 21600.0, 21600.0, 21600.0),
    }


def test_hours_and_weekdays_are_the_policy_zones(store: Store, week: dict[str, int]) -> None:
    report = week_report(store)  # Europe/Berlin: UTC+1 in November
    heat = report.heatmap
    assert heat[0][10] == 2  # Monday 09:00 and 09:30 UTC (A)
    assert heat[0][11] == 1  # Monday 10:00 UTC (E)
    assert heat[0][12] == 1  # Monday 11:00 UTC (A again)
    assert heat[1][15] == 1  # B, Tuesday 14:00 UTC
    assert heat[2][9] == 1  # C
    assert heat[3][11] == 1  # D
    assert sum(map(sum, heat)) == 7
    assert [s.messages_incoming for s in report.by_weekday] == [4, 1, 1, 1, 0, 0, 0]
    assert report.by_hour[10] == metrics.Slot(2, Stats(1, 3600.0, 3600.0, 3600.0))
    assert report.by_hour[15].first_response == Stats(1, 7200.0, 7200.0, 7200.0)
    assert report.by_weekday[3].first_response == Stats(0, None, None, None)  # D unanswered
    in_utc = week_report(store, policy=None)
    assert in_utc.heatmap[0][9] == 2 and in_utc.heatmap[0][10] == 1


def test_weeks_are_seven_day_slices_from_the_start(store: Store, week: dict[str, int]) -> None:
    two_weeks = Period(at(9, 0), at(23, 0))
    report = metrics.report(store, two_weeks, policy=None, owners=OWNERS, now=NOW)
    first, second = report.weeks
    assert (first.start, first.end, second.end) == (at(9, 0), at(16, 0), at(23, 0))
    assert (first.conversations_new, first.messages_incoming) == (1, 1)
    assert first.first_response == Stats(1, 3600.0, 3600.0, 3600.0)
    assert (second.conversations_new, second.messages_incoming) == (4, 7)
    assert second.first_response == Stats(3, 7200.0, 8400.0, 14400.0)
    assert second.time_to_close.count == 2
    short = metrics.report(store, Period(at(9, 0), at(19, 0)), policy=None, owners={}, now=NOW)
    assert [w.end for w in short.weeks] == [at(16, 0), at(19, 0)]  # the last one is shorter


def test_business_hours_skip_the_weekend(store: Store) -> None:
    t = Timeline(store)
    t.ask("w", datetime(2026, 11, 20, 16, 0, tzinfo=BERLIN))  # Friday, an hour before closing
    t.answer("w", datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN))  # Monday, an hour after opening
    t.ask("n", datetime(2026, 11, 21, 11, 0, tzinfo=BERLIN))  # Saturday
    t.answer("n", datetime(2026, 11, 21, 12, 0, tzinfo=BERLIN))  # answered on Saturday: 0
    t.store_all()
    policy = SlaPolicy(business_hours=(time(9), time(17)), timezone="Europe/Berlin")
    period = Period.dates(date(2026, 11, 16), date(2026, 11, 22), BERLIN)
    now = datetime(2026, 11, 24, tzinfo=UTC)
    business = metrics.report(store, period, policy=policy, owners={}, now=now)
    assert business.business_time
    assert business.headline.first_response == Stats(2, 3600.0, 3600.0, 7200.0)
    calendar = metrics.report(store, period, policy=None, owners={}, now=now)
    # 66 h over the weekend, 1 h on Saturday.
    assert calendar.headline.first_response == Stats(2, 120600.0, 120600.0, 237600.0)


def test_time_to_close_of_a_conversation_begun_long_before(store: Store) -> None:
    t = Timeline(store)
    t.ask("old", datetime(2026, 10, 30, 16, 0, tzinfo=BERLIN))  # a Friday, an hour to go
    ids = t.store_all()
    closed = datetime(2026, 11, 17, 10, 0, tzinfo=BERLIN)  # a Tuesday, an hour in
    conversations.set_status(store, ids["old"], Status.CLOSED, actor="Dana", at=closed)
    policy = SlaPolicy(business_hours=(time(9), time(17)), timezone="Europe/Berlin")
    report = metrics.report(store, PERIOD, policy=policy, owners={}, now=NOW)
    # 1 h + two full weeks (80 h) + Monday (8 h) + 1 h.
    assert report.headline.time_to_close == Stats(1, 324000.0, 324000.0, 324000.0)
    assert report.headline.conversations_handled == 1  # closed in the period
    assert report.headline.conversations_new == 0


def test_a_customer_who_keeps_writing_is_still_unanswered(store: Store) -> None:
    t = Timeline(store)
    t.ask("q", at(16, 9))
    t.ask("q", at(17, 9))
    t.ask("q", at(18, 9))
    t.store_all()
    report = week_report(store)
    assert report.headline.unanswered == 1
    assert report.headline.first_response.count == 0
    assert report.headline.next_response.count == 0  # no reply ever opened a new wait
    # 'unknown' has a 1 h target: overdue, so nothing of the tier is within its target.
    assert report.sla_first_response == (metrics.SlaFigure("unknown", HOUR, 0, 0, 1, 0.0),)


# -- SLA ----------------------------------------------------------------------------------------


def test_sla_share_within_target_per_tier(store: Store, week: dict[str, int]) -> None:
    report = week_report(store)
    assert report.sla_first_response == (
        metrics.SlaFigure("paying", HOUR, 1, 0, 0, 0.0),  # 2 h against 1 h
        metrics.SlaFigure("unknown", HOUR, 0, 0, 1, 0.0),  # D, waiting since Thursday
        metrics.SlaFigure("vip", HOUR, 1, 1, 0, 1.0),  # exactly on target counts as within
        metrics.SlaFigure("free", 24 * HOUR, 1, 1, 0, 1.0),
    )
    # vip: A's 2 h misses, E's 30 min meets.
    assert report.sla_next_response == (metrics.SlaFigure("vip", HOUR, 2, 1, 0, 0.5),)
    assert week_report(store, policy=None).sla_first_response == ()


def test_breaches_of_the_period_are_listed(store: Store, week: dict[str, int]) -> None:
    store.conn.execute("DELETE FROM events WHERE kind = 'sla_breached'")
    events.record(store, "sla_breached", week["b"], at=at(17, 15), tier="paying")
    events.record(store, "sla_breached", week["d"], at=at(19, 11), tier="unknown")
    events.record(store, "sla_breached", week["e"], at=at(9, 12), tier="vip")  # the week before
    report = week_report(store)
    assert report.breaches_count == 2
    assert report.breaches == (
        metrics.Breach(week["d"], "About d", "unknown", at(19, 11)),
        metrics.Breach(week["b"], "About b", "paying", at(17, 15)),
    )


# -- who did the work, and on what ----------------------------------------------------------------


def test_teammates_from_events_and_from_other_clients(store: Store, week: dict[str, int]) -> None:
    report = week_report(store)
    assert report.teammates == (
        # A 10:00 and E 10:30 sent from frontdesk; closed A.
        metrics.Teammate("Dana", 2, 2, 1, 2 / 7),
        # A 13:00 from another client with Sam's From name, B from frontdesk (the event's actor
        # wins over the From name); closed B.
        metrics.Teammate("Sam Rivera", 2, 2, 1, 2 / 7),
        metrics.Teammate(metrics.OTHER_CLIENTS, 1, 1, 0, 1 / 7),  # C, no From name
    )


def test_tags_and_owners_against_the_previous_period(store: Store, week: dict[str, int]) -> None:
    tag(store, week["a"], "feature-request")
    tag(store, week["b"], "feature-request", "bug-report", "angry")
    tag(store, week["c"], "bug-report")
    tag(store, week["e"], "bug-report")  # E is new in the week before
    report = week_report(store)
    assert report.tags == (
        metrics.TagFigure("bug-report", "Engineering", 2, 1),
        metrics.TagFigure("feature-request", "Design", 2, 0),
        metrics.TagFigure("angry", None, 1, 0),
    )
    assert report.owners == (  # a tie broken by the previous period's count
        metrics.OwnerFigure("Engineering", 2, 1),
        metrics.OwnerFigure("Design", 2, 0),
    )
    # The store's owner of a tag counts when the mapping has none.
    store.conn.execute("UPDATE tags SET owner = 'Support' WHERE name = 'angry'")
    assert week_report(store).tags[2] == metrics.TagFigure("angry", "Support", 1, 0)


def test_feature_requests_grouped_by_subject(store: Store, week: dict[str, int]) -> None:
    tag(store, week["a"], "feature-request")
    tag(store, week["b"], "feature-request")
    store.conn.execute(
        "UPDATE conversations SET subject = 'Dark mode', subject_key = 'dark mode'"
        " WHERE id IN (?, ?)",
        (week["a"], week["b"]),
    )
    tag(store, week["d"], "feature-request")
    report = week_report(store)
    first, second = report.feature_requests
    assert first == metrics.FeatureRequest(
        "Dark mode", 2, ("B Customer", "A Customer"), at(17, 14), (week["b"], week["a"])
    )
    assert second.subject == "About d" and second.conversations == 1


def test_handle_time_per_tag(store: Store, week: dict[str, int]) -> None:
    tag(store, week["a"], "feature-request")
    tag(store, week["b"], "feature-request", "bug-report")
    tag(store, week["c"], "bug-report")
    for key, seconds, when in (
        ("a", 300, at(16, 10)),
        ("a", 100, at(16, 13)),
        ("b", 200, at(17, 16)),
        ("c", 60, at(18, 12)),
        ("d", 40, at(19, 11)),  # untagged: only in the total
        ("e", 900, at(9, 11)),  # the week before
        ("e", 0.4, at(16, 10)),  # under a second: not recorded
    ):
        metrics.record_handle_time(store, week[key], seconds, actor="Dana", at=when)
    report = week_report(store)
    assert report.handle_time == (
        metrics.HandleTime("feature-request", 2, 300.0, 600),
        metrics.HandleTime("bug-report", 2, 130.0, 260),
    )
    assert report.handle_seconds_total == 700
    composed = store.scalar("SELECT count(*) FROM events WHERE kind = 'composed'")
    assert composed == 6
    with pytest.raises(ValueError):
        metrics.record_handle_time(store, week["a"], -1, actor="Dana", at=NOW)


def test_sales_handoffs(store: Store, week: dict[str, int]) -> None:
    store.conn.execute("UPDATE conversations SET sales_detected = 1 WHERE id = ?", (week["c"],))
    store.conn.execute("UPDATE conversations SET sales_verdict = 1 WHERE id = ?", (week["d"],))
    store.conn.execute(
        "UPDATE conversations SET sales_detected = 1, sales_verdict = 0 WHERE id = ?",
        (week["b"],),
    )
    store.conn.execute(
        "INSERT INTO handoffs (conversation_id, colleague, colleague_email, mode, actor, at)"
        " VALUES (?, 'Eng', 'eng@acme.test', 'cc', 'Dana', ?)",
        (week["b"], int(at(17, 17).timestamp())),
    )
    sales = week_report(store).sales
    assert sales.signal_conversations == 2  # C detected, D by the agent's verdict; not B
    assert sales.handed_off == 1 and sales.share_handed_off == 0.5
    assert sales.colleagues == (
        metrics.ColleagueLeads("Eng", 1, 0),
        metrics.ColleagueLeads("Pete", 1, 1),
    )


def test_saved_replies_most_used(store: Store, week: dict[str, int]) -> None:
    for name, when in (
        ("Refund policy", at(16, 10)),
        ("Bug acknowledged", at(17, 16)),
        ("Refund policy", at(18, 12)),
        ("Bug acknowledged", at(9, 11)),  # the week before
    ):
        events.record(store, "saved_reply_used", week["a"], at=when, name=name, reply_id=1)
    assert week_report(store).saved_replies == (
        metrics.SavedReplyUse("Refund policy", 2),
        metrics.SavedReplyUse("Bug acknowledged", 1),
    )


# -- periods and the business clock -------------------------------------------------------------


def test_periods() -> None:
    last_week = Period.last_days(7, NOW)
    assert (last_week.start, last_week.end, last_week.days) == (NOW - timedelta(days=7), NOW, 7.0)
    assert last_week.previous() == Period(NOW - timedelta(days=14), NOW - timedelta(days=7))
    berlin = Period.dates(date(2026, 11, 1), date(2026, 11, 30), BERLIN)
    assert berlin.start == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
    assert berlin.end == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    # Across the autumn DST change, a local day is 25 hours.
    october = Period.dates(date(2026, 10, 25), date(2026, 10, 25), BERLIN)
    assert october.days == 25 / 24
    with pytest.raises(ReportError):
        Period.last_days(0, NOW)
    with pytest.raises(ReportError):
        Period.dates(date(2026, 11, 2), date(2026, 11, 1), BERLIN)


def test_the_reports_business_clock_agrees_with_the_pure_function() -> None:
    import random

    hours = (time(8, 30), time(17, 45))
    days = {0, 1, 2, 3, 5}
    policy = SlaPolicy(
        business_hours=hours, business_days=frozenset(days), timezone="Europe/Berlin"
    )
    lo = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())
    hi = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())
    clock = waits.Clock(policy, BERLIN, lo, hi)
    rng = random.Random(9)
    for _ in range(300):
        start = rng.randrange(lo, hi - 20 * 86400)
        end = start + rng.choice((rng.randrange(0, 7200), rng.randrange(0, 20 * 86400)))
        expected = business_seconds_between(
            datetime.fromtimestamp(start, UTC),
            datetime.fromtimestamp(end, UTC),
            hours,
            days,
            BERLIN,
        )
        assert clock.seconds(start, end) == expected


def test_an_empty_store_gives_empty_figures(tmp_path: Path) -> None:
    with Store.open(tmp_path / "empty.db") as empty:
        report = metrics.report(empty, PERIOD, policy=POLICY, owners=OWNERS, now=NOW)
    assert report.headline == metrics.Headline(0, 0, 0, 0, 0, 0, *[Stats(0, None, None, None)] * 3)
    assert report.teammates == () and report.tags == () and report.sla_first_response == ()
    assert len(report.weeks) == 1 and len(report.by_hour) == 24 and len(report.heatmap) == 7
    assert report.sales == metrics.Sales((), 0, 0, None)
