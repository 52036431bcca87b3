"""Queues: the named views of the work (Needs reply, Mine, VIP, Snoozed…), their live counts,
their rows in priority order, and search with operators, whose results are a queue too.

A snoozed conversation is out of every queue but Snoozed until its time comes or its customer
writes again (a message received after the `snoozed` event), whichever is first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from storage.customers import get_customer
from storage.db import Store
from storage.errors import FrontdeskError
from storage.models import Address, Customer, Status
from storage.search import ABOVE_EVERY_ROW, fts_query, ranked_floor, sender_query
from storage.timeutil import from_epoch, to_epoch

DEFAULT_LIMIT = 1000


class QueueKey(StrEnum):
    NEEDS_REPLY = "needs_reply"
    MINE = "mine"
    UNASSIGNED = "unassigned"
    VIP = "vip"
    AT_RISK = "at_risk"
    TRIAL = "trial"
    PAYING = "paying"
    FREE = "free"
    LAPSED = "lapsed"
    UNKNOWN = "unknown"
    SALES = "sales"
    HANDED_OFF = "handed_off"
    SNOOZED = "snoozed"
    CLOSED = "closed"
    ALL = "all"


@dataclass(frozen=True)
class QueueSpec:
    key: QueueKey
    title: str
    where: str  # a SQL condition over `c` (conversations) and `cu` (customers)
    order: str = ""  # empty: priority order
    # Only conversations in play (open or pending): counted together in one pass over them.
    in_play: bool = True


class SlaState(StrEnum):
    """Where a conversation's SLA clock stands; `none` when nothing is owed."""

    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    NONE = "none"


# Whether a conversation is asleep now: snoozed into the future, and no customer message
# received since it was snoozed. Parameters: :now.
SNOOZING = """(c.snoozed_until IS NOT NULL AND c.snoozed_until > :now AND NOT EXISTS (
    SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.is_ours = 0
      AND max(m.received_at, m.date) > coalesce((SELECT max(e.at) FROM events e
            WHERE e.conversation_id = c.id AND e.kind = 'snoozed'), :now)))"""
_AWAKE = f"NOT {SNOOZING}"
# Not closed, spelled as a range of the indexes that lead with status (conversations_queue_order):
# `status != 'closed'` would read every row of the table.
_IN_PLAY = "c.status IN ('open', 'pending')"
_ACTIVE = f"{_IN_PLAY} AND {_AWAKE}"
_UNREAD = (
    "c.last_customer_message_at > max(coalesce(c.last_viewed_at, 0),"
    " coalesce(c.last_our_message_at, 0))"
)
_HANDED_OFF = "c.handed_off_to IS NOT NULL"
_IN_SUPPORT = "c.handed_off_to IS NULL"  # passed to a colleague, it leaves the support queues
# The agent's word on a sales signal wins over the detector's.
_SALES = "coalesce(c.sales_verdict, c.sales_detected)"

# Priority: a customer about to leave first; then what waits on us, by due time minus the
# tier's head start (`priority_at`, see storage.sla), so a free user about to breach passes
# fresh paying ones; the rest most recent first. The conversations_queue_order index serves it.
_PRIORITY = """c.at_risk DESC, c.awaiting_reply DESC, c.priority_at ASC,
    c.last_message_at DESC, c.id DESC"""


def _tier(name: str) -> str:
    # The customer's tier, kept on the conversation (schema m014): conversations_tier_order.
    return f"c.tier = '{name}' AND {_ACTIVE} AND {_IN_SUPPORT}"


QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec(
        QueueKey.NEEDS_REPLY, "Needs reply", f"c.status = 'open' AND {_AWAKE} AND {_IN_SUPPORT}"
    ),
    QueueSpec(QueueKey.MINE, "Mine", f"c.assignee = :me AND {_ACTIVE}"),
    QueueSpec(
        QueueKey.UNASSIGNED,
        "Unassigned",
        f"c.assignee IS NULL AND c.status = 'open' AND {_AWAKE} AND {_IN_SUPPORT}",
    ),
    QueueSpec(QueueKey.VIP, "VIP", _tier("vip")),
    QueueSpec(
        QueueKey.AT_RISK,
        "At risk",
        # Closed ones too; spelled as ranges of conversations_queue_order (status, at_risk…).
        f"c.status IN ('open', 'pending', 'closed') AND c.at_risk > 0 AND {_AWAKE}",
        in_play=False,
    ),
    QueueSpec(QueueKey.TRIAL, "Trial", _tier("trial")),
    QueueSpec(QueueKey.PAYING, "Paying", _tier("paying")),
    QueueSpec(QueueKey.FREE, "Free", _tier("free")),
    QueueSpec(QueueKey.LAPSED, "Lapsed", _tier("lapsed")),
    QueueSpec(QueueKey.UNKNOWN, "Unknown", _tier("unknown")),
    QueueSpec(QueueKey.SALES, "Sales signals", f"{_SALES} AND {_ACTIVE}"),
    QueueSpec(QueueKey.HANDED_OFF, "Handed off", f"{_HANDED_OFF} AND {_ACTIVE}"),
    QueueSpec(QueueKey.SNOOZED, "Snoozed", SNOOZING, "c.snoozed_until ASC, c.id", in_play=False),
    QueueSpec(
        QueueKey.CLOSED,
        "Closed",
        "c.status = 'closed'",
        "c.last_message_at DESC, c.id DESC",
        in_play=False,
    ),
    # Every conversation, most recent first, as a mail client's All Mail: a place to find one,
    # not a worklist (the other queues are those, by priority). Read in order from
    # conversations_last, backwards, with no sort of the 100,000.
    QueueSpec(QueueKey.ALL, "All", "1", "c.last_message_at DESC, c.id DESC", in_play=False),
)
_SPECS = {spec.key: spec for spec in QUEUES}


def spec(key: QueueKey | str) -> QueueSpec:
    return _SPECS[QueueKey(key)]


@dataclass(frozen=True)
class QueueRow:
    """One conversation as a queue shows it."""

    id: int
    subject: str
    customer: Address | None
    company: str | None
    tier: str
    status: Status
    awaiting_reply: bool
    waiting_since: datetime | None
    last_message_at: datetime
    last_customer_message_at: datetime | None
    message_count: int
    preview: str
    flagged: bool
    tags: tuple[str, ...]
    assignee: str | None
    snoozed_until: datetime | None  # set only while it sleeps
    unread: bool
    handed_off: bool
    has_draft: bool
    sla_due_at: datetime | None = None
    sla_warn_at: datetime | None = None  # when the clock turns amber
    at_risk: bool = False  # a paying or VIP customer said they are leaving
    churn_reasons: tuple[str, ...] = ()  # the words that said so
    plan: str | None = None
    trial_ends: date | None = None
    first_message_at: datetime | None = None
    sales_signal: bool = False  # the detector's, or the agent's correction of it
    sales_score: float = 0.0
    sales_reasons: tuple[str, ...] = ()  # what the detector matched, shown to the agent
    handed_off_to: str | None = None  # the colleague it was passed to
    shared_with: str | None = None  # the colleague CC'd on our answer

    def sla_state(self, now: datetime) -> SlaState:
        owed = self.awaiting_reply and self.status != Status.CLOSED and self.snoozed_until is None
        if not owed or self.sla_due_at is None:
            return SlaState.NONE
        if now >= self.sla_due_at:
            return SlaState.BREACHED
        if self.sla_warn_at is not None and now >= self.sla_warn_at:
            return SlaState.WARNING
        return SlaState.OK

    def trial_days_left(self, today: date) -> int | None:
        """Days until the trial ends (0 on its last day, negative once over); None without."""
        return None if self.trial_ends is None else (self.trial_ends - today).days


_SELECT = f"""
    SELECT c.id, c.subject, c.customer_addr, coalesce(nullif(cu.name, ''), a.name, ''),
           cu.company, c.tier, c.status, c.awaiting_reply,
           c.waiting_since, c.last_message_at, c.last_customer_message_at, c.message_count,
           c.preview, c.flagged_count, c.assignee,
           CASE WHEN {SNOOZING} THEN c.snoozed_until END,
           coalesce({_UNREAD}, 0),
           {_HANDED_OFF},
           EXISTS (SELECT 1 FROM drafts d WHERE d.conversation_id = c.id),
           (SELECT group_concat(t.name, char(31)) FROM conversation_tags ct
              JOIN tags t ON t.id = ct.tag_id WHERE ct.conversation_id = c.id),
           c.sla_due_at, c.sla_warn_at, c.at_risk, c.churn_reasons, cu.plan, cu.trial_ends,
           c.first_message_at, {_SALES}, c.sales_score, c.sales_reasons, c.handed_off_to,
           c.shared_with
    FROM conversations c
    LEFT JOIN customers cu ON cu.id = c.customer_id
    LEFT JOIN addresses a ON a.addr = c.customer_addr
"""


def _row(row: tuple[Any, ...]) -> QueueRow:
    return QueueRow(
        id=row[0],
        subject=row[1],
        customer=Address(row[2], row[3]) if row[2] else None,
        company=row[4],
        tier=row[5],
        status=Status(row[6]),
        awaiting_reply=bool(row[7]),
        waiting_since=from_epoch(row[8]) if row[8] is not None else None,
        last_message_at=from_epoch(row[9]),
        last_customer_message_at=from_epoch(row[10]) if row[10] is not None else None,
        message_count=row[11],
        preview=row[12],
        flagged=bool(row[13]),
        assignee=row[14],
        snoozed_until=from_epoch(row[15]) if row[15] is not None else None,
        unread=bool(row[16]),
        handed_off=bool(row[17]),
        has_draft=bool(row[18]),
        tags=tuple(sorted(row[19].split("\x1f"))) if row[19] else (),
        sla_due_at=from_epoch(row[20]) if row[20] is not None else None,
        sla_warn_at=from_epoch(row[21]) if row[21] is not None else None,
        at_risk=bool(row[22]),
        churn_reasons=tuple(json.loads(row[23])) if row[23] else (),
        plan=row[24],
        trial_ends=date.fromisoformat(row[25]) if row[25] else None,
        first_message_at=from_epoch(row[26]),
        sales_signal=bool(row[27]),
        sales_score=float(row[28]),
        sales_reasons=tuple(json.loads(row[29])) if row[29] else (),
        handed_off_to=row[30],
        shared_with=row[31],
    )


def _params(me: str, now: datetime) -> dict[str, Any]:
    return {"me": me, "now": to_epoch(now)}


def _from(where: str) -> str:
    """The FROM clause a condition needs: customers joined only when it asks about them."""
    joins = " LEFT JOIN customers cu ON cu.id = c.customer_id" if "cu." in where else ""
    return f"FROM conversations c{joins}"


def counts(store: Store, *, me: str, now: datetime) -> dict[QueueKey, int]:
    """How many conversations each queue holds right now: the queues of conversations in
    play in one pass over them (an index range), each other queue by its own indexed count."""
    params = _params(me, now)
    together = [queue for queue in QUEUES if queue.in_play]
    filters = ", ".join(f"count(*) FILTER (WHERE {queue.where})" for queue in together)
    sql = f"SELECT {filters} {_from(' '.join(q.where for q in together))} WHERE {_IN_PLAY}"
    found = dict(
        zip([q.key for q in together], store.conn.execute(sql, params).fetchone(), strict=True)
    )
    for queue in QUEUES:
        if not queue.in_play:
            sql = f"SELECT count(*) {_from(queue.where)} WHERE {queue.where}"
            found[queue.key] = store.conn.execute(sql, params).fetchone()[0]
    return {queue.key: int(found[queue.key]) for queue in QUEUES}


def unread_count(store: Store, *, now: datetime) -> int:
    """Conversations still in play with a customer message nobody has read or answered."""
    sql = f"SELECT count(*) FROM conversations c WHERE {_UNREAD} AND {_ACTIVE}"
    return int(store.conn.execute(sql, _params("", now)).fetchone()[0])


def _query(queue: QueueKey | str, status: Status | None) -> tuple[str, str]:
    """The queue's condition (narrowed to `status` when given) and its order."""
    chosen = spec(queue)
    where = chosen.where if status is None else f"({chosen.where}) AND c.status = :status"
    return where, chosen.order or _PRIORITY


def rows(
    store: Store,
    queue: QueueKey | str,
    *,
    me: str,
    now: datetime,
    limit: int | None = DEFAULT_LIMIT,
    status: Status | None = None,
    by_priority: bool = False,
) -> list[QueueRow]:
    """The queue's conversations, in its order (priority, unless the queue has its own, or
    priority whatever the queue with `by_priority`); only those with `status` when given; all
    of them when `limit` is None."""
    where, order = _query(queue, status)
    if by_priority:
        order = _PRIORITY
    sql = f"{_SELECT} WHERE {where} ORDER BY {order} LIMIT :limit"
    params = _params(me, now) | {"limit": -1 if limit is None else int(limit)}
    if status is not None:
        params["status"] = str(status)
    return [_row(r) for r in store.conn.execute(sql, params)]


def ids(
    store: Store, queue: QueueKey | str, *, me: str, now: datetime, limit: int | None = None
) -> list[int]:
    """Every conversation id of the queue (the first `limit`, when given), in the order `rows`
    gives: cheap at any size (the order comes from an index), so a screen can hold the whole
    queue and fetch its rows a page at a time with `rows_by_id`."""
    where, order = _query(queue, None)
    sql = f"SELECT c.id {_from(where)} WHERE {where} ORDER BY {order}"
    params = _params(me, now)
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    return _split_ids(store.conn.execute(_joined(sql), params).fetchone())


def _joined(sql: str) -> str:
    """The ids a query selects, in its order, handed over by SQLite as one row (read them with
    `_split_ids`): each row fetched gives up and takes back the interpreter lock, which a busy
    UI thread then holds (720 ms against 93 ms for 20,000 ids beside it). SQLite's aggregate
    keeps the order it is given. The caller runs it, so a trace names who asked."""
    return f"SELECT group_concat(id) FROM ({sql})"


def _split_ids(row: tuple[str | None]) -> list[int]:
    (joined,) = row
    return [int(i) for i in joined.split(",")] if joined else []


def rows_by_id(
    store: Store, conversation_ids: Sequence[int], *, now: datetime
) -> dict[int, QueueRow]:
    """The queue rows of these conversations (those that still exist), by id."""
    sql = f"{_SELECT} WHERE c.id IN (SELECT value FROM json_each(:ids))"
    params = _params("", now) | {"ids": json.dumps(list(conversation_ids))}
    return {row.id: row for row in map(_row, store.conn.execute(sql, params))}


def get_row(store: Store, conversation_id: int, *, now: datetime) -> QueueRow | None:
    found = store.conn.execute(
        f"{_SELECT} WHERE c.id = :id", _params("", now) | {"id": conversation_id}
    ).fetchone()
    return None if found is None else _row(found)


# -- the customer behind a conversation ------------------------------------------------------


@dataclass(frozen=True)
class CustomerOverview:
    """What the conversation screen shows about the customer: who, which tier and plan, their
    other conversations (most recent first), how many they ever had, and when they last wrote."""

    customer: Customer
    addresses: tuple[str, ...]
    conversations: tuple[QueueRow, ...]
    lifetime_conversations: int = 0
    last_contact_at: datetime | None = None  # their last message to us


def customer_overview(
    store: Store, conversation_id: int, *, now: datetime, limit: int = 20
) -> CustomerOverview | None:
    found = store.conn.execute(
        "SELECT c.customer_id FROM conversations c WHERE c.id = ?", (conversation_id,)
    ).fetchone()
    customer = get_customer(store, found[0]) if found and found[0] is not None else None
    if customer is None:
        return None
    customer_id = customer.id
    addresses = tuple(
        str(r[0])
        for r in store.conn.execute(
            "SELECT addr FROM addresses WHERE customer_id = ? ORDER BY addr", (customer_id,)
        )
    )
    others = [
        _row(r)
        for r in store.conn.execute(
            f"{_SELECT} WHERE c.customer_id = :customer AND c.id != :id"
            " ORDER BY c.last_message_at DESC, c.id DESC LIMIT :limit",
            _params("", now) | {"customer": customer_id, "id": conversation_id, "limit": limit},
        )
    ]
    lifetime, last_contact = store.conn.execute(
        "SELECT count(*), max(last_customer_message_at) FROM conversations WHERE customer_id = ?",
        (customer_id,),
    ).fetchone()
    return CustomerOverview(
        customer,
        addresses,
        tuple(others),
        lifetime_conversations=int(lifetime),
        last_contact_at=from_epoch(last_contact) if last_contact is not None else None,
    )


# -- search ---------------------------------------------------------------------------------


class QueryError(FrontdeskError):
    """The search query has an operator whose value cannot be used."""


STATES = ("open", "pending", "closed", "snoozed", "unread")
OPERATORS = ("from", "to", "tag", "tier", "is", "before", "after")
_TOKEN = re.compile(
    r"(?P<op>\b(?:" + "|".join(OPERATORS) + r'):)(?P<value>"[^"]*"?|[^\s"]*)|"[^"]*"?|\S+',
    re.IGNORECASE,
)
_RELATIVE = re.compile(r"^(\d{1,4})([hdwm])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


@dataclass(frozen=True)
class Query:
    """A search query split into full-text words and operator filters."""

    words: str = ""
    senders: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    before: datetime | None = None
    after: datetime | None = None

    def is_empty(self) -> bool:
        return not (
            fts_query(self.words)
            or self.senders
            or self.recipients
            or self.tags
            or self.tiers
            or self.states
            or self.before
            or self.after
        )


def _moment(value: str, now: datetime, operator: str) -> datetime:
    """A date (local midnight), a date and time, `today`, `yesterday`, or an age like 3d."""
    local_now = now.astimezone()
    lowered = value.lower()
    if lowered == "today":
        return datetime.combine(local_now.date(), time(), local_now.tzinfo)
    if lowered == "yesterday":
        return datetime.combine(local_now.date() - timedelta(days=1), time(), local_now.tzinfo)
    relative = _RELATIVE.match(lowered)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        span = timedelta(days=30 * amount) if unit == "m" else _UNITS[unit] * amount
        return now - span
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time()).astimezone()
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise QueryError(
            f"{operator}:{value} is not a date: use YYYY-MM-DD, today, yesterday, or an age "
            "like 3d, 2w"
        ) from None
    return moment if moment.tzinfo else moment.astimezone()


def parse_query(text: str, *, now: datetime) -> Query:
    """Splits `from:`, `to:`, `tag:`, `tier:`, `is:`, `before:` and `after:` off the words.

    Operator values may be quoted (`from:"Dana W"`); each operator may repeat (all must hold).
    """
    words: list[str] = []
    found: dict[str, list[str]] = {name: [] for name in OPERATORS}
    for match in _TOKEN.finditer(text):
        operator = match.group("op")
        if operator is None:
            words.append(match.group(0))
            continue
        name = operator[:-1].lower()
        value = match.group("value").strip('"').strip()
        if not value:
            raise QueryError(f"{name}: needs a value, e.g. {_EXAMPLES[name]}")
        found[name].append(value)
    for state in found["is"]:
        if state.lower() not in STATES:
            raise QueryError(f"is:{state} is not a state: use is:{', is:'.join(STATES)}")
    before = min((_moment(v, now, "before") for v in found["before"]), default=None)
    after = max((_moment(v, now, "after") for v in found["after"]), default=None)
    return Query(
        words=" ".join(words),
        senders=tuple(found["from"]),
        recipients=tuple(found["to"]),
        tags=tuple(v.lower() for v in found["tag"]),
        tiers=tuple(v.lower() for v in found["tier"]),
        states=tuple(v.lower() for v in found["is"]),
        before=before,
        after=after,
    )


_EXAMPLES = {
    "from": "from:dana@example.com",
    "to": "to:billing@",
    "tag": "tag:bug",
    "tier": "tier:vip",
    "is": "is:open",
    "before": "before:2026-01-31",
    "after": "after:7d",
}


def _like(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# The columns of conversations_search_lookup (schema m016): what a search's conditions and
# order read of each matching conversation.
_SEARCH_LOOKUP_COLUMNS = frozenset(
    {
        "id",
        "status",
        "last_message_at",
        "snoozed_until",
        "tier",
        "last_customer_message_at",
        "last_viewed_at",
        "last_our_message_at",
    }
)

_STATE_CONDITIONS = {
    "open": f"c.status = 'open' AND {_AWAKE}",
    "pending": f"c.status = 'pending' AND {_AWAKE}",
    "closed": "c.status = 'closed'",
    "snoozed": SNOOZING,
    "unread": _UNREAD,
}


def search(
    store: Store, query: Query, *, me: str, now: datetime, limit: int = DEFAULT_LIMIT
) -> list[QueueRow]:
    """The conversations matching every part of the query: with words, the best matches first
    (the full-text index's ranking, see storage.search), then the most recent; with operators
    alone, the most recent first."""
    return _in_order(store, search_ids(store, query, me=me, now=now, limit=limit), now)


def search_ids(
    store: Store, query: Query, *, me: str, now: datetime, limit: int = DEFAULT_LIMIT
) -> list[int]:
    """The ids of what `search` finds, in its order: a screen fetches the rows it shows."""
    if query.is_empty():
        raise QueryError("empty search: type words to find, or operators like tag:bug is:open")
    conditions: list[str] = []
    params = _params(me, now) | {"limit": int(limit)}

    def bind(value: object) -> str:
        name = f"p{len(params)}"
        params[name] = value
        return f":{name}"

    for recipient in query.recipients:
        like = bind(_like(recipient))
        conditions.append(
            "EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND"
            f" (lower(m.to_json) LIKE {like} ESCAPE '\\' OR lower(m.cc_json) LIKE {like}"
            " ESCAPE '\\'))"
        )
    for tag in query.tags:
        # Walking the conversations newest first and asking each beats sorting every
        # conversation of a common tag (a category can hold a fifth of the store).
        conditions.append(
            "EXISTS (SELECT 1 FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id"
            f" WHERE ct.conversation_id = c.id AND t.name = {bind(tag)})"
        )
    for tier in query.tiers:
        conditions.append(f"c.tier = {bind(tier)}")
    conditions.extend(_STATE_CONDITIONS[state] for state in query.states)
    if query.before is not None:
        conditions.append(f"c.last_message_at < {bind(to_epoch(query.before))}")
    if query.after is not None:
        conditions.append(f"c.last_message_at >= {bind(to_epoch(query.after))}")
    where = " AND ".join(conditions) or "1"
    newest = "c.last_message_at DESC, c.id DESC"
    # The matching ids are found and ordered first, and only the rows shown are built: a
    # row's columns (tags, snooze state) cost more than finding it.
    source = _from(where)
    # Words and senders are looked up in the full-text index together, in one message:
    # from:dana refund is Dana's mail about a refund.
    words = fts_query(query.words)
    senders = [sender_query(sender) for sender in query.senders]
    if not all(senders):
        return []  # a sender with no word in it (from:%) is nobody's
    terms = ([f"({words})"] if words else []) + senders
    if not terms:
        sql = f"SELECT c.id {source} WHERE {where} ORDER BY {newest} LIMIT :limit"
        return _split_ids(store.conn.execute(_joined(sql), params).fetchone())
    # Each match's conversation from an index, not the message rows (schema m015 says why),
    # and what the conditions and the order read of it from another (m016).
    if set(re.findall(r"\bc\.(\w+)", where)) <= _SEARCH_LOOKUP_COLUMNS and "cu." not in where:
        source = "FROM conversations c INDEXED BY conversations_search_lookup"
    sql = (
        f"SELECT c.id {source} JOIN (SELECT m.conversation_id AS id, min(f.rank) AS rank"
        " FROM messages_fts f JOIN messages m INDEXED BY messages_conversation_of"
        " ON m.id = f.rowid"
        " WHERE messages_fts MATCH :fts AND f.rowid >= :floor AND f.rowid < :below"
        " GROUP BY m.conversation_id) matched ON matched.id = c.id"
        f" WHERE {where} AND c.id NOT IN (SELECT value FROM json_each(:found))"
        f" ORDER BY {f'matched.rank, {newest}' if words else newest} LIMIT :limit"
    )
    # The matches are ranked RANKED_MATCHES at a time, newest first, until enough
    # conversations pass the other conditions: a common word with a narrow filter
    # (invoice before:2026-06-01) still finds its older matches.
    params["fts"] = " AND ".join(terms)
    found: list[int] = []
    below = ABOVE_EVERY_ROW
    while below and len(found) < limit:
        floor = ranked_floor(store, params["fts"], below)
        params |= {
            "floor": floor,
            "below": below,
            "found": json.dumps(found),
            "limit": limit - len(found),
        }
        found += _split_ids(store.conn.execute(_joined(sql), params).fetchone())
        below = floor
    return found


def _in_order(store: Store, conversation_ids: list[int], now: datetime) -> list[QueueRow]:
    """The queue rows of these conversations, in this order."""
    by_id = rows_by_id(store, conversation_ids, now=now)
    return [by_id[conversation_id] for conversation_id in conversation_ids]
