"""Queues: which conversations each named queue holds, in which order, how many; snoozing
in and out of them; search operators; the customer behind a conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mail import customers
from mail.config import Config
from mail.ingest import Ingestor, RawMail
from storage import conversations, handoffs, queues, work
from storage.db import Store
from storage.models import Status
from storage.queues import QueryError, QueueKey, parse_query
from tests.conftest import SUPPORT, T0, later, mail

NOW = T0 + timedelta(days=2)
ME = "Dana"
CONFIG = Config()


def ingest(store: Store, *raws: bytes, received_at: datetime | None = None) -> None:
    Ingestor(store, [SUPPORT]).ingest(RawMail(r, received_at=received_at or NOW) for r in raws)


def cid(store: Store, message_id: str) -> int:
    return int(
        store.scalar("SELECT conversation_id FROM messages WHERE message_id = ?", (message_id,))
    )


def set_tier(store: Store, conversation_id: int, tier: str, company: str = "") -> None:
    customer_id = int(
        store.scalar("SELECT customer_id FROM conversations WHERE id = ?", (conversation_id,))
    )
    customers.set_tier(store, CONFIG, [customer_id], tier, actor=ME, at=NOW)
    customers.update_customer(store, CONFIG, customer_id, actor=ME, company=company or None)


def fill(store: Store) -> dict[str, int]:
    """Three conversations: Ann's and Bob's wait on us, Cy's we answered."""
    ingest(
        store,
        mail(sender="Ann <ann@one.test>", subject="Login fails", message_id="<a@x>", date=later(0)),
        mail(sender="Bob <bob@two.test>", subject="Invoice", message_id="<b@x>", date=later(1)),
        mail(sender="Cy <cy@three.test>", subject="Export", message_id="<c@x>", date=later(2)),
        mail(
            sender=SUPPORT,
            to="cy@three.test",
            subject="Re: Export",
            message_id="<c2@x>",
            in_reply_to="<c@x>",
            date=later(3),
            body="Fixed, try again.\n",
        ),
    )
    return {name: cid(store, f"{name}@x") for name in "abc"}


@pytest.fixture
def filled(store: Store) -> dict[str, int]:
    return fill(store)


def keys(rows: list[queues.QueueRow]) -> list[int]:
    return [r.id for r in rows]


def test_needs_reply_holds_what_waits_on_us_longest_first(
    store: Store, filled: dict[str, int]
) -> None:
    rows = queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=NOW)
    assert keys(rows) == [filled["a"], filled["b"]]
    assert rows[0].customer is not None and rows[0].customer.name == "Ann"
    assert rows[0].unread and rows[0].awaiting_reply
    assert rows[0].waiting_since == later(0)


def test_bigger_accounts_come_first_among_what_waits(store: Store, filled: dict[str, int]) -> None:
    set_tier(store, filled["b"], "vip", "Bob Corp")
    rows = queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=NOW)
    assert keys(rows) == [filled["b"], filled["a"]]
    assert (rows[0].tier, rows[0].company) == ("vip", "Bob Corp")
    assert queues.rows(store, QueueKey.VIP, me=ME, now=NOW)[0].id == filled["b"]


def test_a_conversation_carries_its_customers_tier_however_either_is_written(
    store: Store, filled: dict[str, int]
) -> None:
    """The tier queues read the tier kept on each conversation (schema m014): set on the
    customer after the conversation began, carried by the customer's next conversation,
    changed again, and left behind when a conversation is moved to another customer."""
    set_tier(store, filled["a"], "paying")
    ingest(
        store,
        mail(sender="Ann <ann@one.test>", subject="Export", message_id="<a2@x>", date=later(4)),
    )
    second = cid(store, "a2@x")
    assert second != filled["a"]
    assert set(keys(queues.rows(store, QueueKey.PAYING, me=ME, now=NOW))) == {filled["a"], second}

    set_tier(store, filled["a"], "vip")
    assert set(keys(queues.rows(store, QueueKey.VIP, me=ME, now=NOW))) == {filled["a"], second}
    assert queues.rows(store, QueueKey.PAYING, me=ME, now=NOW) == []

    bob = store.scalar("SELECT customer_id FROM conversations WHERE id = ?", (filled["b"],))
    store.conn.execute("UPDATE conversations SET customer_id = ? WHERE id = ?", (bob, second))
    assert keys(queues.rows(store, QueueKey.VIP, me=ME, now=NOW)) == [filled["a"]]
    assert second in keys(queues.rows(store, QueueKey.UNKNOWN, me=ME, now=NOW))
    assert search(store, "tier:vip") == [filled["a"]]


def test_the_counts_of_the_queues_in_play_read_an_index_alone(
    store: Store, filled: dict[str, int]
) -> None:
    """Every conversation in play is counted at each recount: from the columns of
    conversations_queue_order alone (a lookup of each row in the table read ~21,000 rows'
    pages at 100,000 conversations, and kept 20 MB of them in the connection's cache)."""
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    queues.counts(store, me=ME, now=NOW)
    store.conn.set_trace_callback(None)
    together = next(sql for sql in statements if "FILTER" in sql)
    plan = [row[3] for row in store.conn.execute(f"EXPLAIN QUERY PLAN {together}")]
    assert plan[0].startswith("SEARCH c USING COVERING INDEX conversations_queue_order"), plan


def test_counts_match_the_rows_of_every_queue(store: Store, filled: dict[str, int]) -> None:
    work.assign(store, [filled["a"]], ME, actor=ME, at=NOW)
    work.assign(store, [filled["c"]], "Sam", actor=ME, at=NOW)
    handoffs.record_detection(store, filled["b"], 1.2, ['plan fit: "which plan"'])
    set_tier(store, filled["c"], "trial")
    conversations.set_status(store, filled["c"], Status.CLOSED, actor=ME, at=NOW)
    counted = queues.counts(store, me=ME, now=NOW)
    for queue in queues.QUEUES:
        assert counted[queue.key] == len(queues.rows(store, queue.key, me=ME, now=NOW)), queue
    assert counted[QueueKey.NEEDS_REPLY] == 2
    assert counted[QueueKey.MINE] == 1
    assert counted[QueueKey.UNASSIGNED] == 1
    assert counted[QueueKey.SALES] == 1
    assert counted[QueueKey.TRIAL] == 0  # closed
    assert counted[QueueKey.CLOSED] == 1
    assert counted[QueueKey.ALL] == 3
    (sale,) = queues.rows(store, QueueKey.SALES, me=ME, now=NOW)
    assert sale.sales_signal and sale.sales_reasons == ('plan fit: "which plan"',)
    handoffs.set_sales_verdict(store, filled["b"], False, actor=ME, at=NOW)
    assert queues.rows(store, QueueKey.SALES, me=ME, now=NOW) == []
    handoffs.set_sales_verdict(store, filled["a"], True, actor=ME, at=NOW)
    assert keys(queues.rows(store, QueueKey.SALES, me=ME, now=NOW)) == [filled["a"]]


def test_handed_off_means_passed_to_a_colleague(store: Store, filled: dict[str, int]) -> None:
    work.add_tag(store, [filled["a"]], "bug", actor=ME, at=NOW)
    store.conn.execute("UPDATE tags SET owner = 'Engineering' WHERE name = 'bug'")
    store.conn.commit()
    assert queues.counts(store, me=ME, now=NOW)[QueueKey.HANDED_OFF] == 0  # an owner is no handoff
    store.conn.execute(
        "UPDATE conversations SET handed_off_to = 'Pete' WHERE id = ?", (filled["a"],)
    )
    store.conn.commit()
    rows = queues.rows(store, QueueKey.HANDED_OFF, me=ME, now=NOW)
    assert keys(rows) == [filled["a"]] and rows[0].handed_off_to == "Pete"
    # Passed on, it has left the support queues.
    assert filled["a"] not in keys(queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=NOW))
    assert filled["a"] not in keys(queues.rows(store, QueueKey.UNASSIGNED, me=ME, now=NOW))


def test_snoozed_leaves_the_queues_until_its_time(store: Store, filled: dict[str, int]) -> None:
    work.snooze(store, [filled["a"]], NOW + timedelta(hours=1), actor=ME, at=NOW)
    assert keys(queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=NOW)) == [filled["b"]]
    snoozed = queues.rows(store, QueueKey.SNOOZED, me=ME, now=NOW)
    assert keys(snoozed) == [filled["a"]]
    assert snoozed[0].snoozed_until == NOW + timedelta(hours=1)
    later_on = NOW + timedelta(hours=1, minutes=1)
    assert filled["a"] in keys(queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=later_on))
    assert queues.counts(store, me=ME, now=later_on)[QueueKey.SNOOZED] == 0
    woken = queues.get_row(store, filled["a"], now=later_on)
    assert woken is not None and woken.snoozed_until is None


def test_the_customer_writing_again_wakes_a_snoozed_conversation(
    store: Store, filled: dict[str, int]
) -> None:
    work.snooze(store, [filled["a"]], NOW + timedelta(days=7), actor=ME, at=NOW)
    ingest(
        store,
        mail(
            sender="Ann <ann@one.test>",
            subject="Re: Login fails",
            message_id="<a2@x>",
            in_reply_to="<a@x>",
            date=NOW + timedelta(minutes=5),
            body="Still broken!\n",
        ),
        received_at=NOW + timedelta(minutes=5),
    )
    after = NOW + timedelta(minutes=10)
    assert filled["a"] in keys(queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=after))
    assert queues.counts(store, me=ME, now=after)[QueueKey.SNOOZED] == 0


def test_unsnooze_brings_it_back_at_once(store: Store, filled: dict[str, int]) -> None:
    work.snooze(store, [filled["a"]], NOW + timedelta(days=1), actor=ME, at=NOW)
    assert work.unsnooze(store, [filled["a"]], actor=ME, at=NOW) == 1
    assert queues.counts(store, me=ME, now=NOW)[QueueKey.SNOOZED] == 0


def test_reading_or_answering_clears_unread(store: Store, filled: dict[str, int]) -> None:
    assert queues.unread_count(store, now=NOW) == 2  # c was answered by us
    work.mark_viewed(store, filled["a"], at=NOW)
    assert queues.unread_count(store, now=NOW) == 1
    row = queues.get_row(store, filled["a"], now=NOW)
    assert row is not None and not row.unread


def test_rows_show_tags_assignee_and_draft(store: Store, filled: dict[str, int]) -> None:
    from storage import drafts

    work.add_tag(store, [filled["a"]], "bug", actor=ME, at=NOW)
    work.assign(store, [filled["a"]], "Sam", actor=ME, at=NOW)
    drafts.save(store, filled["a"], "Hello", at=NOW)
    row = queues.get_row(store, filled["a"], now=NOW)
    assert row is not None
    assert (row.tags, row.assignee, row.has_draft) == (("bug",), "Sam", True)


def test_ids_give_every_queue_in_its_order_and_rows_by_id_its_rows(
    store: Store, filled: dict[str, int]
) -> None:
    work.assign(store, [filled["a"]], ME, actor=ME, at=NOW)
    conversations.set_status(store, filled["c"], Status.CLOSED, actor=ME, at=NOW)
    counted = queues.counts(store, me=ME, now=NOW)
    for queue in queues.QUEUES:
        rows = queues.rows(store, queue.key, me=ME, now=NOW, limit=None)
        ordered = queues.ids(store, queue.key, me=ME, now=NOW)
        assert ordered == keys(rows), queue
        assert counted[queue.key] == len(ordered), queue
    everything = queues.rows(store, QueueKey.ALL, me=ME, now=NOW)
    wanted = [filled["c"], filled["a"], 10_000]  # one that does not exist
    assert queues.rows_by_id(store, wanted, now=NOW) == {
        row.id: row for row in everything if row.id in wanted
    }
    assert queues.rows_by_id(store, [], now=NOW) == {}


def test_counts_and_orders_never_read_the_whole_table(store: Store, filled: dict[str, int]) -> None:
    """At 100,000 conversations, counting a queue or ordering it must not read every row:
    each query searches an index (or counts over one), none scans the table."""
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    queues.counts(store, me=ME, now=NOW)
    for queue in queues.QUEUES:
        queues.ids(store, queue.key, me=ME, now=NOW)
    store.conn.set_trace_callback(None)
    # The queues in play are counted together, in one pass; the other four alone.
    assert len(statements) == 5 + len(queues.QUEUES)
    for sql in statements:
        plan = [
            str(row[3])
            for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", {"me": ME, "now": 0})
        ]
        assert "SCAN c" not in plan and "SCAN cu" not in plan, (sql, plan)


def test_queue_queries_use_indexes(store: Store) -> None:
    """Needs reply, Mine, Snoozed and Closed are found through an index, not a table scan."""
    for key in (QueueKey.NEEDS_REPLY, QueueKey.MINE, QueueKey.SNOOZED, QueueKey.CLOSED):
        where = queues.spec(key).where
        plan = " ".join(
            str(row[3])
            for row in store.conn.execute(
                f"EXPLAIN QUERY PLAN SELECT count(*) FROM conversations c WHERE {where}",
                {"me": ME, "now": 0},
            )
        )
        assert "USING" in plan and "INDEX" in plan, (key, plan)


def test_the_customer_overview_lists_their_other_conversations(
    store: Store, filled: dict[str, int]
) -> None:
    ingest(
        store,
        mail(sender="Ann <ann@one.test>", subject="Billing", message_id="<a3@x>", date=later(5)),
    )
    overview = queues.customer_overview(store, filled["a"], now=NOW)
    assert overview is not None
    assert overview.customer.email == "ann@one.test"
    assert [c.subject for c in overview.conversations] == ["Billing"]


# -- search ---------------------------------------------------------------------------------


def test_parse_query_splits_operators_from_words() -> None:
    query = parse_query(
        'export from:"Ann Lee" tag:Bug is:open tier:VIP to:billing@ "500 error" after:2026-11-01',
        now=NOW,
    )
    assert query.words == 'export "500 error"'
    assert query.senders == ("Ann Lee",)
    assert query.tags == ("bug",)
    assert query.tiers == ("vip",)
    assert query.states == ("open",)
    assert query.recipients == ("billing@",)
    assert query.after is not None and query.after.date().isoformat() == "2026-11-01"


def test_parse_query_understands_ages() -> None:
    assert parse_query("after:3d", now=NOW).after == NOW - timedelta(days=3)
    assert parse_query("before:2h", now=NOW).before == NOW - timedelta(hours=2)


@pytest.mark.parametrize(
    ("text", "message"),
    [("is:lost", "is:lost is not a state"), ("before:soon", "not a date"), ("from:", "needs")],
)
def test_parse_query_names_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(text, now=NOW)


def search(store: Store, text: str) -> list[int]:
    return keys(queues.search(store, parse_query(text, now=NOW), me=ME, now=NOW))


def test_search_combines_words_and_operators(store: Store, filled: dict[str, int]) -> None:
    work.add_tag(store, [filled["b"]], "billing", actor=ME, at=NOW)
    assert search(store, "invoice") == [filled["b"]]
    assert search(store, "from:ann") == [filled["a"]]
    assert search(store, "from:support@acme") == [filled["c"]]
    assert search(store, "to:cy@three") == [filled["c"]]
    assert search(store, "tag:billing") == [filled["b"]]
    assert search(store, "is:pending") == [filled["c"]]
    assert search(store, "is:open invoice") == [filled["b"]]
    assert search(store, "is:open") == [filled["b"], filled["a"]]  # most recent first
    assert search(store, f"before:{later(0.5).isoformat()}") == [filled["a"]]
    assert search(store, f"after:{later(0.5).isoformat()}") == [filled["c"], filled["b"]]
    assert search(store, "tier:unknown login") == [filled["a"]]
    assert search(store, "tier:vip") == []


def test_search_finds_snoozed_and_wildcards_stay_literal(
    store: Store, filled: dict[str, int]
) -> None:
    work.snooze(store, [filled["a"]], NOW + timedelta(days=1), actor=ME, at=NOW)
    assert search(store, "is:snoozed") == [filled["a"]]
    assert search(store, "is:open") == [filled["b"]]
    assert search(store, "from:%") == []


def test_an_empty_search_is_an_error(store: Store) -> None:
    with pytest.raises(QueryError, match="empty search"):
        queues.search(store, parse_query("  ", now=NOW), me=ME, now=NOW)


def test_times_are_epoch_seconds() -> None:
    assert parse_query("after:2026-11-01T10:00:00+00:00", now=NOW).after == datetime(
        2026, 11, 1, 10, tzinfo=UTC
    )


def test_the_priority_order_is_read_from_an_index(store: Store) -> None:
    """At 100k conversations the queue must not sort them all: the index gives the order, and
    only ties on every key are sorted."""
    where = queues.spec(QueueKey.NEEDS_REPLY).where
    plan = " ".join(
        str(row[3])
        for row in store.conn.execute(
            f"EXPLAIN QUERY PLAN SELECT c.id FROM conversations c WHERE {where}"
            f" ORDER BY {queues._PRIORITY} LIMIT 50",
            {"me": ME, "now": 0},
        )
    )
    assert "conversations_queue_order" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan  # at most for the tie-breaking right part


def test_all_lists_the_most_recent_first_from_an_index_and_the_cli_keeps_priority(
    store: Store, filled: dict[str, int]
) -> None:
    """All is for finding a conversation, as a mail client's All Mail: most recent activity
    first (Cy's, answered last), read in order from an index at any size. `frontdesk list`
    without a queue still lists by priority (what waits on us first)."""
    recent = queues.rows(store, QueueKey.ALL, me=ME, now=NOW)
    assert keys(recent) == [filled["c"], filled["b"], filled["a"]]
    assert queues.ids(store, QueueKey.ALL, me=ME, now=NOW) == keys(recent)
    assert queues.ids(store, QueueKey.ALL, me=ME, now=NOW, limit=2) == keys(recent)[:2]
    by_priority = queues.rows(store, QueueKey.ALL, me=ME, now=NOW, by_priority=True)
    assert keys(by_priority)[:2] == [filled["a"], filled["b"]]  # waiting on us, oldest first
    where, order = queues._query(QueueKey.ALL, None)
    plan = " ".join(
        str(row[3])
        for row in store.conn.execute(
            f"EXPLAIN QUERY PLAN SELECT c.id FROM conversations c WHERE {where} ORDER BY {order}"
        )
    )
    assert "conversations_last" in plan and "TEMP B-TREE" not in plan, plan
