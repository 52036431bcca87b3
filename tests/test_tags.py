"""The tag catalogue: configured tags and owners, counts, rename and merge (conversations and
saved replies follow, each change journaled)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage import conversations, events, replies, tags, work
from storage.db import Store
from storage.errors import NotFoundError
from storage.models import Status
from storage.tags import TagError, TagInfo
from storage.work import WorkError, normalize_tag
from tests.conftest import run_cli
from tests.test_queues import ME, NOW, fill


@pytest.fixture
def filled(store: Store) -> dict[str, int]:
    return fill(store)


def tags_on(store: Store, conversation_id: int) -> tuple[str, ...]:
    return conversations.get(store, conversation_id).tags


def journal(store: Store, conversation_id: int, kind: str) -> list[dict[str, object]]:
    return [
        json.loads(e.detail) for e in events.events_for(store, conversation_id) if e.kind == kind
    ]


def test_configured_tags_exist_with_their_owners_and_the_config_wins(store: Store) -> None:
    assert tags.ensure_tags(store, {"Bug-Report": "Engineering", "pricing": ""}, ["angry"]) == 3
    assert tags.ensure_tags(store, {"bug-report": "Engineering"}, ["angry"]) == 0  # no change
    tags.set_owner(store, "bug-report", "Design")
    assert tags.ensure_tags(store, {"bug-report": "Engineering"}, []) == 1
    tags.set_owner(store, "angry", "Support")  # not a category: its owner is kept
    tags.ensure_tags(store, {}, ["angry"])
    owners = {t.name: t.owner for t in tags.list_tags(store)}
    assert owners == {"bug-report": "Engineering", "pricing": None, "angry": "Support"}


def test_configured_tags_already_there_are_only_read(store: Store) -> None:
    tags.ensure_tags(store, {"bug-report": "Engineering"}, ["angry"])
    ran: list[str] = []
    store.conn.set_trace_callback(ran.append)
    assert tags.ensure_tags(store, {"Bug-Report": " Engineering "}, ["Angry"]) == 0
    store.conn.set_trace_callback(None)
    assert ran and all(sql.lstrip().upper().startswith("SELECT") for sql in ran)


def test_list_counts_open_and_all_conversations_most_used_first(
    store: Store, filled: dict[str, int]
) -> None:
    tags.ensure_tags(store, {"outage": "Engineering"}, [])
    work.add_tag(store, [filled["a"], filled["b"], filled["c"]], "billing", actor=ME)
    work.add_tag(store, [filled["a"]], "outage", actor=ME)
    conversations.set_status(store, filled["c"], Status.CLOSED, actor=ME, at=NOW)
    assert tags.list_tags(store) == [
        TagInfo("billing", None, open_count=2, total_count=3),
        TagInfo("outage", "Engineering", open_count=1, total_count=1),
    ]


def test_list_counts_pending_as_open_and_an_unused_tag_as_nothing(
    store: Store, filled: dict[str, int]
) -> None:
    tags.ensure_tags(store, {}, ["angry"])
    work.add_tag(store, [filled["a"], filled["b"]], "billing", actor=ME)
    conversations.set_status(store, filled["a"], Status.PENDING, actor=ME, at=NOW)
    conversations.set_status(store, filled["b"], Status.CLOSED, actor=ME, at=NOW)
    conversations.set_status(store, filled["b"], Status.OPEN, actor=ME, at=NOW)  # back again
    assert tags.list_tags(store) == [
        TagInfo("billing", None, open_count=2, total_count=2),
        TagInfo("angry", None, open_count=0, total_count=0),
    ]


def test_rename_follows_everywhere_and_is_journaled(store: Store, filled: dict[str, int]) -> None:
    a = filled["a"]
    work.add_tag(store, [a], "bug", actor=ME)
    reply = replies.create(store, "Known bug", "We are on it.", tags=["bug", "angry"])
    assert tags.rename_tag(store, "BUG", "bug-report", actor=ME, at=NOW) == 1
    assert tags_on(store, a) == ("bug-report",)
    assert replies.get(store, reply.id).tags == ("bug-report", "angry")
    assert journal(store, a, "tag_renamed") == [{"tag": "bug-report", "previous": "bug"}]
    with pytest.raises(NotFoundError, match="no tag named 'bug'"):
        tags.rename_tag(store, "bug", "x", actor=ME)


def test_rename_onto_an_existing_tag_is_refused_unless_merging(
    store: Store, filled: dict[str, int]
) -> None:
    a, b = filled["a"], filled["b"]
    work.add_tag(store, [a], "bug", actor=ME)
    work.add_tag(store, [a, b], "bug-report", actor=ME)
    with pytest.raises(TagError, match="exists already"):
        tags.rename_tag(store, "bug", "bug-report", actor=ME)
    assert tags.rename_tag(store, "bug", "bug-report", actor=ME, merge=True) == 0
    assert tags_on(store, a) == ("bug-report",)
    assert [t.name for t in tags.list_tags(store)] == ["bug-report"]


def test_merge_folds_several_into_one_once_per_conversation(
    store: Store, filled: dict[str, int]
) -> None:
    a, b, c = filled["a"], filled["b"], filled["c"]
    tags.ensure_tags(store, {"bug-report": "Engineering"}, [])
    work.add_tag(store, [a, b], "bug", actor=ME)
    work.add_tag(store, [a, c], "defect", actor=ME)
    work.add_tag(store, [c], "bug-report", actor=ME)
    reply = replies.create(store, "Fixed", "Fixed now.", tags=["defect", "bug"])

    gained = tags.merge_tags(store, ["bug", "Defect", "bug-report"], "bug-report", actor=ME)

    assert gained == 2  # a and b; c had it already
    assert [tags_on(store, i) for i in (a, b, c)] == [("bug-report",)] * 3
    assert tags.list_tags(store) == [TagInfo("bug-report", "Engineering", 3, 3)]
    assert replies.get(store, reply.id).tags == ("bug-report",)
    assert journal(store, a, "tags_merged") == [{"tag": "bug-report", "merged": ["bug", "defect"]}]
    with pytest.raises(TagError, match="at least one tag"):
        tags.merge_tags(store, ["bug-report"], "bug-report", actor=ME)


def test_merge_into_a_new_name_takes_the_first_tags_owner(store: Store) -> None:
    tags.ensure_tags(store, {"confused": "Design"}, ["lost"])
    tags.merge_tags(store, ["confused", "lost"], "ux", actor=ME)
    assert tags.list_tags(store) == [TagInfo("ux", "Design", 0, 0)]


def test_a_removal_here_is_remembered_for_the_sync(store: Store, filled: dict[str, int]) -> None:
    a = filled["a"]
    assert not tags.removed_here(store, a, "bug")
    work.add_tag(store, [a], "bug", actor=ME)
    assert not tags.removed_here(store, a, "bug")
    work.remove_tag(store, [a], "bug", actor=ME)
    assert tags.removed_here(store, a, "Bug")


# -- the command line ---------------------------------------------------------------------------


@pytest.mark.usefixtures("isolated_cli")
def test_cli_tags_a_conversation_and_lists_tags_with_counts(
    capsys: pytest.CaptureFixture[str], store_path: Path
) -> None:
    with Store.open(store_path) as store:
        a = fill(store)["a"]
    code, out, err = run_cli(capsys, "tag", str(a), "Bug-Report", "needs design")
    assert (code, err) == (0, "")
    assert out == f"#{a}: #bug-report #needs design\n"
    assert run_cli(capsys, "tag", str(a), "needs design", "--remove")[1] == f"#{a}: #bug-report\n"

    code, out, _ = run_cli(capsys, "tags", "list", "--json")
    listed = {row["name"]: row for row in json.loads(out)}
    assert listed["bug-report"] == {
        "name": "bug-report", "owner": "Engineering", "kind": "category", "open": 1, "total": 1
    }  # fmt: skip
    assert listed["angry"]["kind"] == "modifier" and listed["needs design"]["kind"] == "other"
    assert [row["kind"] for row in json.loads(out)][:12] == ["category"] * 10 + ["modifier"] * 2
    code, out, _ = run_cli(capsys, "tags", "list")
    assert out.splitlines()[0].split() == ["bug-report", "Engineering", "category", "1", "open",
                                           "1", "total"]  # fmt: skip


@pytest.mark.usefixtures("isolated_cli")
def test_cli_renames_and_merges_and_says_what_is_wrong(
    capsys: pytest.CaptureFixture[str], store_path: Path
) -> None:
    with Store.open(store_path) as store:
        a = fill(store)["a"]
    run_cli(capsys, "tag", str(a), "bug", "defect")
    code, _, err = run_cli(capsys, "tags", "rename", "bug", "defect")
    assert code == 2 and "exists already" in err and len(err.splitlines()) == 1
    assert run_cli(capsys, "tags", "rename", "bug", "crash")[1] == "Renamed on 1 conversation.\n"
    code, out, _ = run_cli(capsys, "tags", "merge", "crash", "defect", "--into", "bug-report")
    assert out == "Merged: 1 more conversation tagged.\n"
    assert run_cli(capsys, "tag", str(a), "x", "--remove")[1] == f"#{a}: #bug-report\n"
    code, _, err = run_cli(capsys, "tags", "owner", "bug-report", "Sales")
    assert code == 2 and "[tags.categories]" in err
    assert run_cli(capsys, "tags", "owner", "angry", "Support")[0] == 0
    code, _, err = run_cli(capsys, "tag", "999", "x")
    assert code == 2 and err.startswith("frontdesk: error:")


@pytest.mark.parametrize("name", ['say "hi"', "a\x1bb", "tab\x07"])
def test_a_tag_cannot_hold_a_quote_or_a_control_character(name: str) -> None:
    with pytest.raises(WorkError, match="cannot contain"):
        normalize_tag(name)


def test_without_open_counts_the_totals_are_the_same(store: Store, filled: dict[str, int]) -> None:
    work.add_tag(store, [filled["a"]], "bug-report", actor="ann")
    counted = tags.list_tags(store)
    totals = tags.list_tags(store, open_counts=False)
    assert [(t.name, t.total_count) for t in totals] == [(t.name, t.total_count) for t in counted]
    assert counted[0].open_count == 1 and all(t.open_count == 0 for t in totals)
