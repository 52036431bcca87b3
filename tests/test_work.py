"""Work on a conversation: assigning, snoozing, tagging, reading; each change journaled once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from storage import events, tags, work
from storage.db import Store
from storage.work import WorkError
from tests.test_queues import ME, NOW, fill


@pytest.fixture
def filled(store: Store) -> dict[str, int]:
    return fill(store)


def kinds(store: Store, conversation_id: int) -> list[tuple[str, str, dict[str, object]]]:
    return [
        (e.kind, e.actor, json.loads(e.detail))
        for e in events.events_for(store, conversation_id)
        if e.kind not in {"closed", "reopened"}
    ]


def test_assign_journals_who_had_it_before(store: Store, filled: dict[str, int]) -> None:
    a = filled["a"]
    assert work.assign(store, [a], "Sam", actor=ME, at=NOW) == 1
    assert work.assign(store, [a], "Sam", actor=ME, at=NOW) == 0  # no change, no event
    assert work.assign(store, [a], None, actor=ME, at=NOW) == 1
    assert kinds(store, a) == [
        ("assigned", ME, {"assignee": "Sam", "previous": None}),
        ("unassigned", ME, {"assignee": None, "previous": "Sam"}),
    ]


def test_bulk_changes_skip_conversations_that_do_not_exist(
    store: Store, filled: dict[str, int]
) -> None:
    assert work.assign(store, [filled["a"], filled["b"], 999], ME, actor=ME) == 2
    assert work.add_tag(store, [filled["a"], 999], "bug", actor=ME) == 1


def test_tags_are_normalized_and_journaled(store: Store, filled: dict[str, int]) -> None:
    a = filled["a"]
    assert work.add_tag(store, [a], "  Needs   Design ", actor=ME, at=NOW) == 1
    assert work.add_tag(store, [a], "needs design", actor=ME, at=NOW) == 0
    assert [t.name for t in tags.list_tags(store)] == ["needs design"]
    assert work.remove_tag(store, [a], "NEEDS DESIGN", actor=ME, at=NOW) == 1
    assert work.remove_tag(store, [a], "never-made", actor=ME, at=NOW) == 0
    assert [k for k, _, _ in kinds(store, a)] == ["tagged", "untagged"]
    with pytest.raises(WorkError):
        work.add_tag(store, [a], "   ", actor=ME)


def test_snooze_needs_a_future_time(store: Store, filled: dict[str, int]) -> None:
    with pytest.raises(WorkError, match="future"):
        work.snooze(store, [filled["a"]], NOW - timedelta(hours=1), actor=ME, at=NOW)
    work.snooze(store, [filled["a"]], NOW + timedelta(hours=1), actor=ME, at=NOW)
    ((kind, actor, detail),) = kinds(store, filled["a"])
    assert (kind, actor) == ("snoozed", ME)
    assert detail["until"] == (NOW + timedelta(hours=1)).isoformat()


def test_viewing_is_remembered_but_not_journaled(store: Store, filled: dict[str, int]) -> None:
    work.mark_viewed(store, filled["a"], at=NOW)
    assert store.scalar("SELECT last_viewed_at FROM conversations WHERE id = ?", (filled["a"],))
    assert kinds(store, filled["a"]) == []
