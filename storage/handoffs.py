"""Handoffs and sales signals as the store keeps them: every conversation passed to (or shared
with) a colleague, with its follow-through — has the colleague written in the thread since, has
the customer —, and the sales signal of each conversation with the agent's correction."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from storage import events
from storage.db import Store
from storage.errors import NotFoundError
from storage.models import Address
from storage.timeutil import from_epoch, now_epoch, to_epoch


@dataclass(frozen=True)
class HandoffRow:
    """One handoff and what followed it in the conversation."""

    id: int
    conversation_id: int
    subject: str
    customer: Address | None
    colleague: str
    colleague_email: str
    mode: str  # 'pass' or 'cc'
    note: str
    actor: str
    at: datetime
    colleague_replied_at: datetime | None  # the colleague's first message in the thread since
    customer_replied_at: datetime | None  # the customer's first message since
    current: bool  # still the conversation's handoff (not passed on again, not taken back)

    def follow_up_due(self, working_days: int, days: Collection[int], zone: tzinfo) -> datetime:
        """When a handoff the colleague has not answered is flagged: `working_days` working
        days (on `days`, Monday = 0) after it, at the same wall-clock time."""
        local = self.at.astimezone(zone)
        left = working_days
        while left > 0:
            local += timedelta(days=1)
            if local.weekday() in days:
                left -= 1
        return local

    def overdue(
        self, now: datetime, working_days: int, days: Collection[int], zone: tzinfo
    ) -> bool:
        return self.colleague_replied_at is None and now >= self.follow_up_due(
            working_days, days, zone
        )


_SELECT = """
    SELECT h.id, h.conversation_id, c.subject, c.customer_addr,
           coalesce(nullif(cu.name, ''), a.name, ''), h.colleague, h.colleague_email, h.mode,
           h.note, h.actor, h.at,
           (SELECT min(m.date) FROM messages m WHERE m.conversation_id = h.conversation_id
              AND m.from_addr = h.colleague_email AND m.date > h.at),
           (SELECT min(m.date) FROM messages m WHERE m.conversation_id = h.conversation_id
              AND m.is_ours = 0 AND m.date > h.at),
           h.id = (SELECT max(h2.id) FROM handoffs h2 WHERE h2.conversation_id = h.conversation_id)
             AND (c.handed_off_to = h.colleague OR c.shared_with = h.colleague)
    FROM handoffs h
    JOIN conversations c ON c.id = h.conversation_id
    LEFT JOIN customers cu ON cu.id = c.customer_id
    LEFT JOIN addresses a ON a.addr = c.customer_addr
"""


def _row(row: Sequence[Any]) -> HandoffRow:
    return HandoffRow(
        id=row[0],
        conversation_id=row[1],
        subject=row[2],
        customer=Address(row[3], row[4]) if row[3] else None,
        colleague=row[5],
        colleague_email=row[6],
        mode=row[7],
        note=row[8],
        actor=row[9],
        at=from_epoch(row[10]),
        colleague_replied_at=from_epoch(row[11]) if row[11] is not None else None,
        customer_replied_at=from_epoch(row[12]) if row[12] is not None else None,
        current=bool(row[13]),
    )


def handoffs(
    store: Store,
    *,
    conversation_id: int | None = None,
    since: datetime | None = None,
    limit: int = 1000,
) -> list[HandoffRow]:
    """Handoffs, newest first: of one conversation, or all (since a moment)."""
    conditions, params = ["1"], []
    if conversation_id is not None:
        conditions.append("h.conversation_id = ?")
        params.append(conversation_id)
    if since is not None:
        conditions.append("h.at >= ?")
        params.append(to_epoch(since))
    sql = f"{_SELECT} WHERE {' AND '.join(conditions)} ORDER BY h.at DESC, h.id DESC LIMIT ?"
    return [_row(r) for r in store.conn.execute(sql, (*params, int(limit)))]


def take_back(
    store: Store, conversation_id: int, *, actor: str, at: datetime | None = None
) -> bool:
    """Brings a handed-off or shared conversation back to support alone."""
    moment = at or from_epoch(now_epoch())
    with store.atomic():
        cursor = store.conn.execute(
            "UPDATE conversations SET handed_off_to = NULL, shared_with = NULL"
            " WHERE id = ? AND (handed_off_to IS NOT NULL OR shared_with IS NOT NULL)",
            (conversation_id,),
        )
        if cursor.rowcount:
            events.record(store, "taken_back", conversation_id, actor=actor, at=moment)
    return bool(cursor.rowcount)


# -- sales signals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesState:
    detected: bool
    score: float
    reasons: tuple[str, ...]
    verdict: bool | None  # the agent's word: True a sale, False not, None not given

    @property
    def signal(self) -> bool:
        return self.detected if self.verdict is None else self.verdict


def record_detection(
    store: Store, conversation_id: int, score: float, reasons: Sequence[str]
) -> None:
    """Keeps a message's sales signal on its conversation: the best score, every reason."""
    found = store.conn.execute(
        "SELECT sales_score, sales_reasons FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    if found is None:
        return
    known = list(json.loads(found[1])) if found[1] else []
    merged = known + [r for r in reasons if r not in known]
    store.conn.execute(
        "UPDATE conversations SET sales_detected = 1, sales_score = max(sales_score, ?),"
        " sales_reasons = ? WHERE id = ?",
        (float(score), json.dumps(merged), conversation_id),
    )


def sales_state(store: Store, conversation_id: int) -> SalesState:
    found = store.conn.execute(
        "SELECT sales_detected, sales_score, sales_reasons, sales_verdict FROM conversations"
        " WHERE id = ?",
        (conversation_id,),
    ).fetchone()
    if found is None:
        raise NotFoundError(f"no conversation {conversation_id}")
    detected, score, reasons, verdict = found
    return SalesState(
        bool(detected),
        float(score),
        tuple(json.loads(reasons)) if reasons else (),
        None if verdict is None else bool(verdict),
    )


def set_sales_verdict(
    store: Store,
    conversation_id: int,
    verdict: bool | None,
    *,
    actor: str,
    at: datetime | None = None,
) -> SalesState:
    """The agent's correction of the detector (either way), or None to let it stand again.
    Journaled, so the detector's misses and false alarms can be counted."""
    before = sales_state(store, conversation_id)
    with store.atomic():
        store.conn.execute(
            "UPDATE conversations SET sales_verdict = ? WHERE id = ?",
            (None if verdict is None else int(verdict), conversation_id),
        )
        events.record(
            store,
            "sales_verdict",
            conversation_id,
            actor=actor,
            at=at or from_epoch(now_epoch()),
            verdict=verdict,
            detected=before.detected,
        )
    return sales_state(store, conversation_id)
