"""SLA clocks: due times in calendar and business time (weekends, time zones, DST), the amber
point, first- and next-response targets; the priority order they give; breaches recorded once;
a change of SLA settings noticed and recomputed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from mail import customers
from mail.config import Config, parse_config
from mail.customers import apply_config, local_zone_name, record_breaches, sla_policy
from mail.ingest import Ingestor, RawMail
from storage import conversations, events, queues, work
from storage.db import Store
from storage.models import Status
from storage.queues import QueueKey, SlaState
from storage.sla import SlaPolicy, add_business_time, business_seconds_between
from tests.conftest import SUPPORT, T0, mail

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NINE_TO_FIVE = (time(9), time(17))
WEEKDAYS = range(5)
ME = "Dana"


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


# -- the arithmetic ---------------------------------------------------------------------------


def test_business_time_skips_the_night_and_the_weekend() -> None:
    friday_4pm = berlin(2026, 11, 20, 16, 0)
    due = add_business_time(friday_4pm, timedelta(hours=4), NINE_TO_FIVE, WEEKDAYS, BERLIN)
    assert due == berlin(2026, 11, 23, 12, 0)  # 1 h on Friday, 3 h on Monday
    assert due.tzinfo == UTC


def test_business_time_starting_outside_hours_starts_at_the_next_opening() -> None:
    saturday = berlin(2026, 11, 21, 11, 0)
    assert add_business_time(
        saturday, timedelta(hours=1), NINE_TO_FIVE, WEEKDAYS, BERLIN
    ) == berlin(2026, 11, 23, 10, 0)
    before_opening = berlin(2026, 11, 24, 6, 30)
    assert add_business_time(
        before_opening, timedelta(minutes=30), NINE_TO_FIVE, WEEKDAYS, BERLIN
    ) == berlin(2026, 11, 24, 9, 30)
    at_closing = berlin(2026, 11, 24, 17, 0)
    assert add_business_time(
        at_closing, timedelta(hours=8), NINE_TO_FIVE, WEEKDAYS, BERLIN
    ) == berlin(2026, 11, 25, 17, 0)


def test_business_time_across_a_dst_weekend() -> None:
    # Europe/Berlin springs forward on Sunday 29 March 2026: Friday is UTC+1, Monday UTC+2.
    friday = berlin(2026, 3, 27, 16, 0)
    due = add_business_time(friday, timedelta(hours=2), NINE_TO_FIVE, WEEKDAYS, BERLIN)
    assert due.astimezone(BERLIN) == berlin(2026, 3, 30, 10, 0)
    assert due == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    # Working round the clock, the short Sunday is one hour shorter in real time.
    always = (time(0), time.max)
    saturday_noon = berlin(2026, 3, 28, 12, 0)
    due = add_business_time(saturday_noon, timedelta(hours=36), always, range(7), BERLIN)
    assert due == saturday_noon.astimezone(UTC) + timedelta(hours=36)
    assert due.astimezone(BERLIN).hour == 1  # Monday 01:00 on the wall clock, not 00:00


def test_the_same_moment_is_due_at_different_times_in_different_zones() -> None:
    monday_8pm_utc = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    four_hours = timedelta(hours=4)
    # 15:00 in New York: 2 h left today, 2 h tomorrow from 09:00.
    in_new_york = add_business_time(monday_8pm_utc, four_hours, NINE_TO_FIVE, WEEKDAYS, NEW_YORK)
    assert in_new_york.astimezone(NEW_YORK) == datetime(2026, 11, 24, 11, 0, tzinfo=NEW_YORK)
    # 21:00 in Berlin: closed; all four hours tomorrow.
    in_berlin = add_business_time(monday_8pm_utc, four_hours, NINE_TO_FIVE, WEEKDAYS, BERLIN)
    assert in_berlin == berlin(2026, 11, 24, 13, 0)


def test_no_working_days_is_refused() -> None:
    with pytest.raises(ValueError):
        add_business_time(berlin(2026, 11, 23, 9), timedelta(hours=1), NINE_TO_FIVE, (), BERLIN)


def test_business_seconds_between_skip_nights_and_the_weekend() -> None:
    friday_4pm, monday_noon = berlin(2026, 11, 20, 16, 0), berlin(2026, 11, 23, 12, 0)
    assert business_seconds_between(friday_4pm, monday_noon, NINE_TO_FIVE, WEEKDAYS, BERLIN) == (
        4 * 3600  # 1 h on Friday, 3 h on Monday
    )
    saturday, sunday = berlin(2026, 11, 21, 10, 0), berlin(2026, 11, 22, 18, 0)
    assert business_seconds_between(saturday, sunday, NINE_TO_FIVE, WEEKDAYS, BERLIN) == 0
    night, morning = berlin(2026, 11, 24, 19, 0), berlin(2026, 11, 25, 9, 30)
    assert business_seconds_between(night, morning, NINE_TO_FIVE, WEEKDAYS, BERLIN) == 1800
    a_full_week = business_seconds_between(
        berlin(2026, 11, 23, 0, 0), berlin(2026, 11, 30, 0, 0), NINE_TO_FIVE, WEEKDAYS, BERLIN
    )
    assert a_full_week == 5 * 8 * 3600
    # The wrong way round, or no time at all, is no working time.
    assert business_seconds_between(monday_noon, friday_4pm, NINE_TO_FIVE, WEEKDAYS, BERLIN) == 0


def test_business_seconds_between_is_the_inverse_of_add_business_time() -> None:
    start = berlin(2026, 11, 19, 15, 20)
    for hours in (0.5, 3, 8, 17, 45):
        span = timedelta(hours=hours)
        due = add_business_time(start, span, NINE_TO_FIVE, WEEKDAYS, NEW_YORK)
        seconds = business_seconds_between(start, due, NINE_TO_FIVE, WEEKDAYS, NEW_YORK)
        assert seconds == span.total_seconds()


def test_business_seconds_between_across_dst() -> None:
    # Round the clock across Berlin's spring-forward Sunday: the real hours, 23 that day.
    always = (time(0), time.max)
    saturday_noon, monday_noon = berlin(2026, 3, 28, 12, 0), berlin(2026, 3, 30, 12, 0)
    assert business_seconds_between(saturday_noon, monday_noon, always, range(7), BERLIN) == (
        47 * 3600
    )
    # Nine to five on the wall clock both sides of the change: 8 h each working day.
    friday, tuesday = berlin(2026, 3, 27, 9, 0), berlin(2026, 3, 31, 9, 0)
    assert business_seconds_between(friday, tuesday, NINE_TO_FIVE, WEEKDAYS, BERLIN) == (
        2 * 8 * 3600
    )


def policy_of(**sla: object) -> SlaPolicy:
    return sla_policy(parse_config({"sla": sla}))


def test_clock_uses_first_then_next_response_targets_and_the_tier_weight() -> None:
    rules = policy_of(
        first_response={"paying": "4h"}, next_response={"paying": "8h"}, weights={"paying": "1h"}
    )
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    first = rules.clock("paying", start, replied_before=False)
    assert first.due_at == start + timedelta(hours=4)
    assert first.warn_at == start + timedelta(hours=3)  # 75 % of 4 h
    assert first.priority_at == start + timedelta(hours=3)  # due minus the 1 h head start
    later = rules.clock("paying", start, replied_before=True)
    assert later.due_at == start + timedelta(hours=8)


def test_the_defaults_are_the_issues_targets() -> None:
    rules = sla_policy(Config())
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    targets = {
        tier: rules.clock(tier, start, False).due_at - start
        for tier in ("vip", "trial", "paying", "lapsed", "unknown", "free")
    }
    assert targets == {
        "vip": timedelta(hours=1),
        "trial": timedelta(hours=2),
        "paying": timedelta(hours=4),
        "lapsed": timedelta(hours=8),
        "unknown": timedelta(hours=8),
        "free": timedelta(hours=48),
    }


def test_business_hours_apply_to_due_and_warning_alike() -> None:
    rules = policy_of(
        business_hours="09:00-17:00", timezone="Europe/Berlin", first_response={"vip": "4h"}
    )
    friday_4pm = berlin(2026, 11, 20, 16, 0)
    clock = rules.clock("vip", friday_4pm, replied_before=False)
    assert clock.due_at == berlin(2026, 11, 23, 12, 0)
    assert clock.warn_at == berlin(2026, 11, 23, 11, 0)  # 3 of the 4 working hours


def test_the_policy_survives_its_round_trip_through_the_store() -> None:
    rules = policy_of(
        business_hours="08:30-24:00", business_days=["sat", "sun"], timezone="Asia/Tokyo"
    )
    assert SlaPolicy.from_json(rules.to_json()) == rules
    assert rules.business_days == frozenset({5, 6})


def test_the_local_zone_comes_from_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    assert local_zone_name() == "America/New_York"
    monkeypatch.setenv("TZ", "Nowhere/Special")
    assert ZoneInfo(local_zone_name())  # falls back to something real


# -- in the store ------------------------------------------------------------------------------

NOW = T0 + timedelta(hours=10)


def ingest(store: Store, *raws: bytes, config: Config | None = None) -> None:
    Ingestor(store, [SUPPORT], config=config).ingest(RawMail(r, received_at=NOW) for r in raws)


def cid(store: Store, message_id: str) -> int:
    return int(
        store.scalar("SELECT conversation_id FROM messages WHERE message_id = ?", (message_id,))
    )


def customer_of(store: Store, conversation_id: int) -> int:
    return int(
        store.scalar("SELECT customer_id FROM conversations WHERE id = ?", (conversation_id,))
    )


def row(store: Store, conversation_id: int) -> queues.QueueRow:
    found = queues.get_row(store, conversation_id, now=NOW)
    assert found is not None
    return found


def order(store: Store, queue: QueueKey = QueueKey.NEEDS_REPLY) -> list[int]:
    return [r.id for r in queues.rows(store, queue, me=ME, now=NOW)]


def test_a_free_user_about_to_breach_passes_fresh_paying_ones(store: Store) -> None:
    config = Config()
    ingest(
        store,
        # The free user has waited 47 of their 48 hours; the paying one 1 of 4.
        mail(sender="fay@free.test", message_id="<f@x>", date=NOW - timedelta(hours=47)),
        mail(sender="pat@pay.test", message_id="<p@x>", date=NOW - timedelta(hours=1)),
        mail(sender="fred@free.test", message_id="<f2@x>", date=NOW - timedelta(hours=2)),
        config=config,
    )
    free, paying, fresh_free = cid(store, "f@x"), cid(store, "p@x"), cid(store, "f2@x")
    customers.set_tier(store, config, [customer_of(store, free)], "free", actor=ME)
    customers.set_tier(store, config, [customer_of(store, fresh_free)], "free", actor=ME)
    customers.set_tier(store, config, [customer_of(store, paying)], "paying", actor=ME)
    # Free: due in 1 h; paying: due in 3 h, minus its 1 h head start: 2 h. A fresh free user
    # (due in 46 h) comes last.
    assert order(store) == [free, paying, fresh_free]
    assert row(store, free).sla_state(NOW) == SlaState.WARNING
    assert row(store, paying).sla_state(NOW) == SlaState.OK
    assert row(store, paying).sla_due_at == NOW + timedelta(hours=3)
    # A VIP's 4 h head start puts a fresh VIP question first.
    customers.set_tier(store, config, [customer_of(store, fresh_free)], "vip", actor=ME)
    assert order(store)[0] == fresh_free


def test_changing_the_weights_in_the_config_reorders_the_queue(store: Store) -> None:
    ingest(
        store,
        mail(sender="pat@pay.test", message_id="<p@x>", date=NOW - timedelta(hours=1)),
        mail(sender="una@unknown.test", message_id="<u@x>", date=NOW - timedelta(hours=7)),
    )
    paying, unknown = cid(store, "p@x"), cid(store, "u@x")
    config = Config()
    customers.set_tier(store, config, [customer_of(store, paying)], "paying", actor=ME)
    assert order(store) == [unknown, paying]  # due in 1 h, vs in 3 h less a 1 h head start
    assert not apply_config(store, config)  # nothing changed: nothing recomputed
    heavier = dataclasses.replace(
        config, sla=dataclasses.replace(config.sla, weights={**config.sla.weights, "paying": "3h"})
    )
    assert apply_config(store, heavier)
    assert order(store) == [paying, unknown]  # now a 3 h head start
    assert not apply_config(store, heavier)


def test_snoozed_closed_and_answered_conversations_owe_nothing(store: Store) -> None:
    ingest(
        store,
        mail(sender="a@one.test", message_id="<a@x>", date=NOW - timedelta(hours=9)),
        mail(sender="b@two.test", message_id="<b@x>", date=NOW - timedelta(hours=9)),
        mail(sender="c@three.test", message_id="<c@x>", date=NOW - timedelta(hours=9)),
        mail(
            sender=SUPPORT,
            to="c@three.test",
            message_id="<c2@x>",
            in_reply_to="<c@x>",
            date=NOW - timedelta(hours=1),
        ),
    )
    a, b, c = cid(store, "a@x"), cid(store, "b@x"), cid(store, "c@x")
    assert row(store, a).sla_state(NOW) == SlaState.BREACHED  # 9 h of an unknown's 8 h
    work.snooze(store, [a], NOW + timedelta(days=1), actor=ME, at=NOW)
    conversations.set_status(store, b, Status.CLOSED, actor=ME, at=NOW)
    assert row(store, a).sla_state(NOW) == SlaState.NONE
    assert (row(store, b).sla_state(NOW), row(store, b).sla_due_at) == (SlaState.NONE, None)
    assert (row(store, c).sla_state(NOW), row(store, c).sla_due_at) == (SlaState.NONE, None)
    conversations.set_status(store, b, Status.OPEN, actor=ME, at=NOW)
    assert row(store, b).sla_state(NOW) == SlaState.BREACHED


def breaches(store: Store, conversation_id: int) -> list[events.Event]:
    return [e for e in events.events_for(store, conversation_id) if e.kind == "sla_breached"]


def test_a_breach_is_recorded_once_when_seen(store: Store) -> None:
    ingest(store, mail(sender="a@one.test", message_id="<a@x>", date=NOW - timedelta(hours=9)))
    ingest(store, mail(sender="b@two.test", message_id="<b@x>", date=NOW - timedelta(hours=1)))
    a, b = cid(store, "a@x"), cid(store, "b@x")
    assert record_breaches(store, NOW) == 1
    assert record_breaches(store, NOW + timedelta(minutes=5)) == 0
    (breach,) = breaches(store, a)
    assert breach.at == NOW - timedelta(hours=1)  # when it was due
    assert '"tier": "unknown"' in breach.detail
    assert breaches(store, b) == []
    assert record_breaches(store, NOW + timedelta(hours=8)) == 1  # b's turn


def test_a_late_reply_records_the_breach_even_unseen(store: Store) -> None:
    ingest(store, mail(sender="a@one.test", message_id="<a@x>", date=NOW - timedelta(hours=9)))
    ingest(
        store,
        mail(
            sender=SUPPORT,
            to="a@one.test",
            message_id="<a2@x>",
            in_reply_to="<a@x>",
            date=NOW,
        ),
    )
    a = cid(store, "a@x")
    assert len(breaches(store, a)) == 1
    assert record_breaches(store, NOW) == 0  # answered: nothing owed, nothing more to record


def test_an_on_time_reply_records_nothing_and_the_next_target_applies(store: Store) -> None:
    ingest(store, mail(sender="a@one.test", message_id="<a@x>", date=NOW - timedelta(hours=3)))
    a = cid(store, "a@x")
    ingest(
        store,
        mail(sender=SUPPORT, to="a@one.test", message_id="<a2@x>", in_reply_to="<a@x>", date=NOW),
        mail(
            sender="a@one.test",
            message_id="<a3@x>",
            in_reply_to="<a2@x>",
            date=NOW + timedelta(hours=1),
        ),
        config=parse_config({"sla": {"next_response": {"unknown": "2h"}}}),
    )
    assert breaches(store, a) == []
    assert row(store, a).sla_due_at == NOW + timedelta(hours=3)  # 1 h later + 2 h next target


def test_a_store_that_never_saw_a_policy_gets_its_clocks_at_first_apply(store: Store) -> None:
    ingest(store, mail(sender="a@one.test", message_id="<a@x>", date=NOW - timedelta(hours=1)))
    a = cid(store, "a@x")
    # As a store migrated from before SLA clocks: nothing computed, no settings saved.
    store.conn.execute("UPDATE conversations SET sla_due_at = NULL, priority_at = NULL")
    store.conn.execute("DELETE FROM settings")
    store.conn.commit()
    assert row(store, a).sla_state(NOW) == SlaState.NONE
    assert apply_config(store, Config())
    assert row(store, a).sla_due_at == NOW + timedelta(hours=7)
