"""Query plans: every statement the app runs while a user works (the queues, search, a
conversation, tags, close, the reports, the customer panel) and the CLI's list, search and
report, explained on the store they ran on. A full scan of a table that grows with the mail,
or a sort of one, fails, unless the allowlist below says why it is fine.

The statements are recorded as they run (a trace on every connection `Store` opens), so a
query added or changed anywhere is checked without being listed here. The store keeps no
planner statistics (storage/db.py says why), so a plan depends on the schema and the SQL
alone: the demo store's plans are those of a store of 100,000 conversations.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from storage.db import Store
from storage.queues import QUEUES
from tests.conftest import run_cli
from tests.support.tui import make_app, run_async, settle, type_text

pytestmark = pytest.mark.usefixtures("utc_local_time")

ROOT = Path(__file__).resolve().parent.parent

# Tables that grow with the mail: a full pass over one costs more with every month of it.
BIG_TABLES = frozenset(
    {
        "messages",
        "messages_fts",
        "raw_messages",
        "attachments",
        "thread_ids",
        "folder_messages",
        "conversations",
        "conversation_tags",
        "events",
        "customers",
        "addresses",
    }
)
# A sort is cheap when what it sorts belongs to one conversation, customer or message: the
# big table is then reached by equality on one of these.
ONE_OWNER_KEYS = frozenset({"rowid", "id", "conversation_id", "customer_id", "message_id", "addr"})

# Statements allowed a full scan or a sort, by the function that runs them and the table:
# each says why that is fine (or whose it is to change).
ALLOWED: dict[tuple[str, str], str] = {
    ("storage.search:search", "messages_fts"): (
        "sorts the matches by rank, then the best message of each conversation: at most "
        "storage.search.RANKED_MATCHES messages, however big the store"
    ),
    ("storage.queues:search_ids", "messages_fts"): (
        "sorts the matching conversations by rank: at most storage.search.RANKED_MATCHES "
        "messages' worth, however big the store"
    ),
    ("storage.metrics:_saved_replies", "events"): (
        "a report: sorts one row per saved reply used in the period"
    ),
    ("storage.metrics:_feature_requests", "conversation_tags"): (
        "a report: sorts the period's feature requests (hundreds in a month at 100,000 "
        "conversations a year), found through the tag's index"
    ),
    ("storage.queues:ids", "conversations"): (
        "storage/queues.py's owner: the priority order of a queue that spans two statuses "
        "(IN ('open', 'pending')) or starts from another index (assignee) cannot be read from "
        "conversations_queue_order, which leads with one status; the ids alone are sorted "
        "(about 20,000 for Needs reply at 100,000 conversations)"
    ),
}


@dataclass
class Statement:
    sql: str  # as run, parameters in place
    callers: set[str] = field(default_factory=set)  # module:function in frontdesk's code


@dataclass
class Recorder:
    """The distinct statements run on the stores opened while it is installed."""

    statements: dict[str, Statement] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def trace(self, sql: str) -> None:
        words = sql.lstrip().split(None, 1)
        if not words or words[0].upper() not in {"SELECT", "WITH", "UPDATE", "DELETE", "INSERT"}:
            return
        caller = _caller()
        with self.lock:
            found = self.statements.setdefault(_shape(sql), Statement(sql))
            found.callers.add(caller)


def _shape(sql: str) -> str:
    """The statement with its values taken out: one entry for every run of it."""
    shape = re.sub(r"'(?:[^']|'')*'|\bX'[0-9A-Fa-f]*'|\b\d+(?:\.\d+)?\b|\bNULL\b", "?", sql)
    shape = re.sub(r"\?(?:\s*,\s*\?)+", "?…", shape)
    return " ".join(shape.split())


def _caller() -> str:
    """The innermost frame of frontdesk's own storage, mail or tui code that ran the statement."""
    for frame in reversed(traceback.extract_stack()):
        path = Path(frame.filename)
        if path.is_relative_to(ROOT) and path.parts[len(ROOT.parts)] in ("storage", "mail", "tui"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            return f"{module}:{frame.name}"
    return "?"


def install_recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Records what every store opened from now on runs (until the test ends)."""
    recording = Recorder()
    prepare = Store._prepare.__func__  # type: ignore[attr-defined]

    def traced(cls: type[Store], conn: sqlite3.Connection, path: Path | None) -> Store:
        conn.set_trace_callback(recording.trace)
        return prepare(cls, conn, path)  # type: ignore[no-any-return]

    monkeypatch.setattr(Store, "_prepare", classmethod(traced))
    return recording


# -- what a user does ---------------------------------------------------------------------

SEARCHES = (
    "export",
    '"password reset"',
    "invoice OR refund NOT export",
    "webho*",
    "from:emily",
    "from:support@trellis.app export",
    "to:billing",
    "tag:billing",
    "tier:vip export",
    "is:open",
    "is:pending",
    "is:closed export",
    "is:snoozed",
    "is:unread",
    "after:30d before:today",
    "nothingmatchesthis",
)


async def _work_the_queues(db: Path, tmp_path: Path) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in QUEUES:
            await pilot.press("tab")
            await settle(pilot)
        await pilot.press("g", "n")
        await settle(pilot)
        for text in SEARCHES:
            await pilot.press("slash")
            await settle(pilot)
            await pilot.press("ctrl+u")  # the search box opens with the current search
            await type_text(pilot, text)
            await pilot.press("enter")
            await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        # A conversation (with its customer panel), the next and previous, closing it (which
        # moves on to the next one), the tag picker, back to the queue.
        await pilot.press("enter")
        await settle(pilot)
        for key in ("n", "n", "p", "e", "t", "escape", "escape"):
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("g", "r")
        await settle(pilot)
        for key in ("2", "3", "1"):
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)


def _use_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["list"],
        ["list", "--queue", "all", "--limit", "50"],
        ["search", "export"],
        ["search", '"password reset" OR refund*'],
        ["report"],
        ["report", "--days", "7"],
    ):
        code, _, err = run_cli(capsys, *argv)
        assert code == 0, (argv, err)


# -- the plans ----------------------------------------------------------------------------


def _aliases(sql: str) -> dict[str, str]:
    """Each name a statement gives a table (`conversations c`), and the table's own name."""
    keywords = {
        "WHERE",
        "JOIN",
        "LEFT",
        "INNER",
        "CROSS",
        "ON",
        "USING",
        "SET",
        "GROUP",
        "ORDER",
        "LIMIT",
        "AS",
        "NATURAL",
        "WINDOW",
        "UNION",
        "VALUES",
        "SELECT",
    }
    found: dict[str, str] = {}
    pattern = r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?"
    for table, alias in re.findall(pattern, sql, flags=re.IGNORECASE):
        found[table] = table
        if alias and alias.upper() not in keywords:
            found[alias] = table
    return found


def problems_of(sql: str, plan: list[str]) -> list[tuple[str, str]]:
    """(table, what is wrong) for each full scan or big sort in a statement's plan."""
    tables = _aliases(sql)
    found: list[tuple[str, str]] = []
    unbounded = []  # big tables read in full or by a key many rows share, for the sort
    has_limit = re.search(r"\bLIMIT\b", sql, re.IGNORECASE) is not None
    subqueries: list[int] = []  # the depths of the scalar and list subqueries we are in
    for line in plan:
        detail = line.lstrip()
        depth = len(line) - len(detail)
        subqueries = [d for d in subqueries if d < depth]
        if re.match(r"(CORRELATED )?(SCALAR|LIST) SUBQUERY", detail):
            subqueries.append(depth)
        step = re.match(r"(SCAN|SEARCH) (\w+)(.*)", detail)
        if step is None:
            continue
        kind, name, rest = step.groups()
        table = tables.get(name, name)
        if table not in BIG_TABLES:
            continue
        # A subquery's rows are not what the statement sorts.
        counted = unbounded if not subqueries else []
        if kind == "SCAN":
            counted.append(table)
            if "COVERING INDEX" in rest:
                continue
            if "VIRTUAL TABLE" in rest:
                # FTS5's plan string: M for a MATCH, = for one rowid; neither reads it all.
                plan_string = rest.rsplit(":", 1)[-1]
                if "M" not in plan_string and "=" not in plan_string:
                    found.append((table, f"full scan: {detail}"))
                continue
            if " USING INDEX " in rest and has_limit:
                continue  # read in the index's order, and stopped at the limit
            found.append((table, f"full scan: {detail}"))
        else:
            key = re.search(r"\((\w+)=", rest)
            if key is None or key.group(1) not in ONE_OWNER_KEYS:
                counted.append(table)
    if any(line.strip() == "USE TEMP B-TREE FOR ORDER BY" for line in plan) and unbounded:
        found.append((unbounded[0], f"sorts rows of {', '.join(sorted(set(unbounded)))}"))
    return found


def explain(conn: sqlite3.Connection, sql: str) -> list[str]:
    """The statement's plan, a line a step, indented two spaces a level as sqlite3 shows it."""
    depth = {0: -1}
    lines = []
    for node, parent, _, detail in conn.execute(f"EXPLAIN QUERY PLAN {sql}"):
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


@pytest.fixture
def recorded(
    db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[tuple[Recorder, Path]]:
    recorder = install_recorder(monkeypatch)
    run_async(_work_the_queues)(db, tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("FRONTDESK_CONFIG", raising=False)
    monkeypatch.setenv("FRONTDESK_DB", str(db))
    _use_the_cli(capsys)
    yield recorder, db


def test_every_statement_the_screens_and_cli_run_uses_an_index(
    recorded: tuple[Recorder, Path],
) -> None:
    recorder, db = recorded
    # The session reached the places it was meant to: a test that saw nothing checks nothing.
    callers = {c for s in recorder.statements.values() for c in s.callers}
    for needed in (
        "storage.queues:counts",
        "storage.queues:rows",
        "storage.queues:search_ids",
        "storage.queues:customer_overview",
        "storage.messages:messages_of",
        "storage.search:search",
        "storage.conversations:set_status",
    ):
        assert needed in callers, f"the session never ran {needed}, only {sorted(callers)}"
    conn = sqlite3.connect(db)
    # Without statistics (storage/db.py says why the store keeps none) the planner's choice
    # does not depend on how much mail there is: these are a 100,000-conversation store's.
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name LIKE 'sqlite_stat%'").fetchall()
    failures = []
    used_allowances = set()
    for statement in recorder.statements.values():
        plan = explain(conn, statement.sql)
        for table, problem in problems_of(statement.sql, plan):
            allowed = [(c, table) for c in statement.callers if (c, table) in ALLOWED]
            if allowed and len(allowed) == len(statement.callers):
                used_allowances.update(allowed)
                continue
            failures.append(
                f"{problem}\n  run by {', '.join(sorted(statement.callers))}\n"
                f"  {' '.join(statement.sql.split())[:1500]}\n    " + "\n    ".join(plan)
            )
    conn.close()
    assert not failures, f"{len(failures)} bad plans:\n\n" + "\n\n".join(sorted(failures))
    assert used_allowances == set(ALLOWED), (
        f"allowed but never needed: {set(ALLOWED) - used_allowances}"
    )


def test_the_plan_check_catches_a_scan_and_a_sort(db: Path) -> None:
    conn = sqlite3.connect(db)
    scan = "SELECT id FROM messages WHERE body_text LIKE '%refund%'"
    assert problems_of(scan, explain(conn, scan)) == [("messages", "full scan: SCAN messages")]
    sort = "SELECT id FROM conversations c WHERE c.status = 'open' ORDER BY c.preview LIMIT 10"
    assert [table for table, _ in problems_of(sort, explain(conn, sort))] == ["conversations"]
    fine = "SELECT id FROM messages m WHERE m.conversation_id = 3 ORDER BY m.subject"
    assert problems_of(fine, explain(conn, fine)) == []
    # A subquery's rows are not sorted with the statement's, but its scans are still scans.
    counted = "(SELECT count(*) FROM events e WHERE e.kind = 'closed')"
    inner = f"SELECT c.id, {counted} FROM conversations c WHERE c.id = 3 ORDER BY c.subject"
    assert problems_of(inner, explain(conn, inner)) == []
    scanned = "(SELECT count(*) FROM messages m WHERE m.body_text LIKE '%x%')"
    inner_scan = f"SELECT c.id, {scanned} FROM conversations c WHERE c.id = 3"
    assert [table for table, _ in problems_of(inner_scan, explain(conn, inner_scan))] == [
        "messages"
    ]
    conn.close()


def test_a_search_finds_its_matches_conversations_in_indexes_not_in_the_table_rows(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each full-text match is a message; its conversation is read from
    messages_conversation_of (schema m015), where a page holds hundreds of them, not from the
    messages table, where a page holds two or three message bodies; and what its conditions
    and order read of each conversation from conversations_search_lookup (m016), not from the
    conversations table: a search's first run on a store the OS has not cached reads a few
    pages instead of one a match."""
    from datetime import UTC, datetime

    from storage import queues, search

    recorder = install_recorder(monkeypatch)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    with Store.open(db) as store:
        query = queues.parse_query("refund is:open tier:vip before:2026-02-01", now=now)
        found = queues.search_ids(store, queues.parse_query("refund", now=now), me="", now=now)
        queues.search_ids(store, query, me="", now=now)  # conditions: read from the index too
        hits = search.search(store, "refund")
    assert found and hits  # the demo mail has refunds: the statements ran on real matches
    conn = sqlite3.connect(db)
    looked_up: dict[str, list[list[str]]] = {}
    for statement in recorder.statements.values():
        if "messages_fts MATCH" in statement.sql and "JOIN messages" in statement.sql:
            (caller,) = statement.callers
            looked_up.setdefault(caller, []).append(explain(conn, statement.sql))
    conn.close()
    assert {caller: len(plans) for caller, plans in looked_up.items()} == {
        "storage.queues:search_ids": 2,  # with words alone, and with conditions too
        "storage.search:search": 1,
    }
    lookup = "SEARCH c USING COVERING INDEX conversations_search_lookup (id=?"
    for caller, plans in looked_up.items():
        for plan in plans:
            assert any("COVERING INDEX messages_conversation_of (id=?)" in p for p in plan), plan
            if caller == "storage.queues:search_ids":
                assert any(lookup in line for line in plan), plan
