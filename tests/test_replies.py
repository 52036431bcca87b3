"""Saved replies: the store (names, tags, uses, tag renames), the ranking, the Markdown files
(export, import, round trip, malformed files), the demo's set and the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from mail import demo_replies, templates
from mail.ingest import Ingestor
from mail.replies import (
    ReplyFileError,
    export_dir,
    from_markdown,
    import_dir,
    parse_status,
    rank,
    ranked_for,
    to_markdown,
)
from storage import conversations, events, messages, replies
from storage.db import Store
from storage.errors import FrontdeskError, NotFoundError
from storage.models import Message, Status
from storage.replies import ReplyError, SavedReply
from tests.conftest import SUPPORT, T0, mail, run_cli

# -- the store ------------------------------------------------------------------------------


def test_create_get_and_list(store: Store) -> None:
    created = replies.create(
        store,
        "  Refund   policy ",
        "Hi {customer.first_name|there},\r\n\r\nrefunded.  \n\n\n",
        tags=["Billing", "billing", " Pricing "],
        set_status=Status.CLOSED,
        at=T0,
    )
    assert created == SavedReply(
        id=created.id,
        name="Refund policy",
        body="Hi {customer.first_name|there},\n\nrefunded.",
        tags=("billing", "pricing"),
        set_status=Status.CLOSED,
        use_count=0,
        last_used_at=None,
    )
    replies.create(store, "bug acknowledged", "Thanks!")
    assert [r.name for r in replies.all_replies(store)] == ["bug acknowledged", "Refund policy"]
    assert replies.by_name(store, "REFUND POLICY") == created
    assert replies.by_name(store, "nope") is None
    with pytest.raises(NotFoundError):
        replies.get(store, 999)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "needs a name"),
        ("   ", "needs a name"),
        ("two\nlines", "one line"),
        ("x" * 81, "at most 80"),
    ],
)
def test_names_are_one_line_of_1_to_80_characters(store: Store, name: str, message: str) -> None:
    with pytest.raises(ReplyError, match=message):
        replies.create(store, name, "body")
    replies.create(store, "x" * 80, "body")


def test_names_are_unique_whatever_the_case(store: Store) -> None:
    first = replies.create(store, "Refund", "body")
    other = replies.create(store, "Other", "body")
    with pytest.raises(ReplyError, match="already exists"):
        replies.create(store, "REFUND", "body")
    with pytest.raises(ReplyError, match="already exists"):
        replies.rename(store, other.id, "refund")
    assert replies.rename(store, first.id, "REFUND").name == "REFUND"  # its own case may change


def test_empty_body_and_bad_tags_are_refused(store: Store) -> None:
    with pytest.raises(ReplyError, match="needs some text"):
        replies.create(store, "Empty", " \n\n ")
    with pytest.raises(FrontdeskError, match="at most 40"):
        replies.create(store, "Tagged", "body", tags=["x" * 41])


def test_update_rename_delete(store: Store) -> None:
    reply = replies.create(store, "Refund", "old", tags=["billing"], set_status=Status.CLOSED)
    updated = replies.update(store, reply.id, body="new", tags=["pricing"], set_status=None)
    assert (updated.body, updated.tags, updated.set_status) == ("new", ("pricing",), None)
    assert replies.rename(store, reply.id, "Refunds").name == "Refunds"
    assert replies.delete(store, reply.id) is True
    assert replies.delete(store, reply.id) is False
    with pytest.raises(NotFoundError):
        replies.update(store, reply.id, body="x", tags=[], set_status=None)


def _conversation(store: Store, n: int, subject: str, body: str) -> int:
    Ingestor(store, [SUPPORT]).ingest(
        [
            mail(
                sender=f"Customer {n} <c{n}@example.test>",
                subject=subject,
                body=body,
                message_id=f"<c{n}@example.test>",
                date=T0 + timedelta(hours=n),
            )
        ]
    )
    return next(c.id for c in conversations.queue(store, "all") if c.subject == subject)


def test_record_use_counts_and_journals(store: Store) -> None:
    conversation_id = _conversation(store, 1, "Refund please", "Please refund me.")
    reply = replies.create(store, "Refund", "body")
    replies.record_use(store, reply.id, conversation_id, "Dana", at=T0)
    replies.record_use(store, reply.id, conversation_id, "Sam", at=T0 + timedelta(hours=1))
    counted = replies.get(store, reply.id)
    assert counted.use_count == 2
    assert counted.last_used_at == T0 + timedelta(hours=1)
    used = [e for e in events.events_for(store, conversation_id) if e.kind == "saved_reply_used"]
    assert [(e.actor, json.loads(e.detail)["name"]) for e in used] == [
        ("Dana", "Refund"),
        ("Sam", "Refund"),
    ]
    assert replies.use_history(store) == {reply.id: [conversation_id]}


def test_replace_tag_renames_merges_and_removes(store: Store) -> None:
    both = replies.create(store, "Both", "body", tags=["billing", "pricing"])
    one = replies.create(store, "One", "body", tags=["Billing"])
    none = replies.create(store, "None", "body", tags=["bug-report"])
    assert replies.replace_tag(store, "BILLING", "pricing") == 2
    assert replies.get(store, both.id).tags == ("pricing",)
    assert replies.get(store, one.id).tags == ("pricing",)
    assert replies.get(store, none.id).tags == ("bug-report",)
    assert replies.replace_tag(store, "bug-report", None) == 1
    assert replies.get(store, none.id).tags == ()


# -- ranking ----------------------------------------------------------------------------------


def test_the_reply_used_on_similar_conversations_comes_first(store: Store) -> None:
    refund = replies.create(store, "Refund policy", "We refund within 30 days.")
    reset = replies.create(store, "Password reset", "Here is a new link.")
    replies.create(store, "A never used one", "Hello.")
    charged = _conversation(
        store, 1, "Charged twice", "I was charged twice this month, please refund the duplicate."
    )
    replies.record_use(store, refund.id, charged, "Dana", at=T0)
    # The password reply is used far more, on other questions.
    for n in range(2, 8):
        locked = _conversation(
            store, n, f"Locked out {n}", "The password reset email never arrives in my inbox."
        )
        replies.record_use(store, reset.id, locked, "Dana", at=T0)
    new = _conversation(store, 20, "Billing", "Hi, you charged my card twice. Can I get a refund?")
    order = [r.reply.name for r in ranked_for(store, new, _messages(store, new))]
    assert order == ["Refund policy", "Password reset", "A never used one"]

    lost = _conversation(store, 21, "Login", "My password reset email never came.")
    order = [r.reply.name for r in ranked_for(store, lost, _messages(store, lost))]
    assert order[0] == "Password reset"


def _messages(store: Store, conversation_id: int) -> list[Message]:
    return messages.messages_of(store, conversation_id)


def _saved(reply_id: int, name: str, uses: int) -> SavedReply:
    return SavedReply(reply_id, name, "body", (), None, uses, None)


def test_without_history_use_counts_then_names_decide() -> None:
    saved = [_saved(1, "b", 0), _saved(2, "a", 0), _saved(3, "z", 5)]
    assert [r.reply.name for r in rank(saved, "any text", {})] == ["z", "a", "b"]


def test_similarity_outweighs_a_few_more_uses() -> None:
    saved = [_saved(1, "export", 1), _saved(2, "popular", 30)]
    history = {1: ["the csv export fails with an error"], 2: ["invoice address change"]}
    ranked = rank(saved, "CSV export broken: error 500", history)
    assert [r.reply.name for r in ranked] == ["export", "popular"]
    assert ranked[0].similarity > 0.3
    assert ranked[1].similarity == 0.0


def test_the_conversation_being_answered_teaches_nothing(store: Store) -> None:
    reply = replies.create(store, "Refund", "body")
    other = replies.create(store, "Other", "body")
    conversation_id = _conversation(store, 1, "Refund", "refund refund refund")
    replies.record_use(store, reply.id, conversation_id, "Dana", at=T0)
    replies.record_use(store, other.id, conversation_id, "Dana", at=T0)
    ranked = ranked_for(store, conversation_id, _messages(store, conversation_id))
    assert all(r.similarity == 0.0 for r in ranked)


# -- files ------------------------------------------------------------------------------------


def test_markdown_format() -> None:
    reply = SavedReply(
        1, "Refund: policy", "Hi {customer.first_name|there},\n\nDone.", ("billing", "a,b"),
        Status.CLOSED, 3, None,
    )  # fmt: skip
    text = to_markdown(reply)
    assert text == (
        '---\nname: Refund: policy\ntags: [billing, "a,b"]\nstatus: closed\n---\n'
        "Hi {customer.first_name|there},\n\nDone.\n"
    )
    parsed = from_markdown(text)
    assert (parsed.name, parsed.body, parsed.tags, parsed.set_status) == (
        reply.name,
        reply.body,
        reply.tags,
        reply.set_status,
    )
    plain = from_markdown("---\nname: Plain\n---\nHello\n")
    assert (plain.tags, plain.set_status) == ((), None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\n---\nbody", "does not start"),
        ("---\nname: x\nbody", "no closing"),
        ("---\ntags: []\n---\nbody", "no 'name:'"),
        ("---\nname: x\ncolour: red\n---\nbody", "line 3"),
        ("---\nname: x\nname: y\n---\nbody", "given twice"),
        ("---\nname: x\ntags: a, b\n---\nbody", r"\[one, two\]"),
        ("---\nname: x\nstatus: done\n---\nbody", "open, pending, closed"),
        ("---\nname: x\n---\n\n", "needs some text"),
    ],
)
def test_malformed_files_say_why(text: str, message: str) -> None:
    with pytest.raises(ReplyFileError, match=message):
        from_markdown(text)


def test_status_words() -> None:
    assert parse_status("close") == Status.CLOSED
    assert parse_status(" Pending ") == Status.PENDING
    assert parse_status("none") is None
    assert parse_status("") is None


def _snapshot(store: Store) -> list[tuple[str, str, tuple[str, ...], Status | None]]:
    return [(r.name, r.body, r.tags, r.set_status) for r in replies.all_replies(store)]


def test_export_then_import_into_a_fresh_store_is_identical(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as source:
        for saved in demo_replies.SAVED_REPLIES:
            replies.create(
                source, saved.name, saved.body, tags=saved.tags, set_status=saved.set_status
            )
        replies.create(source, "A/B: odd name?", "Line {{braces}}\n\n  indented", tags=["x,y"])
        replies.create(source, "a_b_ odd name_", "Collides with the one above on disk")
        written = export_dir(source, tmp_path / "out")
        expected = _snapshot(source)
    assert len(written) == len(expected) == 9
    assert len({p.name.casefold() for p in written}) == 9
    first = {p.name: p.read_bytes() for p in written}
    with Store.open(tmp_path / "b.db") as fresh:
        report = import_dir(fresh, tmp_path / "out")
        assert sorted(report.created) == sorted(name for name, *_ in expected)
        assert report.errors == [] and report.updated == []
        assert _snapshot(fresh) == expected
        export_dir(fresh, tmp_path / "again")
    again = {p.name: p.read_bytes() for p in (tmp_path / "again").iterdir()}
    assert again == first  # stable output: a re-export changes nothing in git


def test_import_updates_by_name_and_skips_malformed_files(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "replies"
    folder.mkdir()
    replies.create(store, "Refund", "old text", tags=["billing"])
    replies.create(store, "Same", "unchanged")
    (folder / "refund.md").write_text("---\nname: refund\nstatus: closed\n---\nnew text\n")
    (folder / "same.md").write_text("---\nname: Same\ntags: []\n---\nunchanged\n")
    (folder / "new.md").write_text("---\nname: New one\ntags: [bug-report]\n---\nHi!\n")
    (folder / "broken.md").write_text("no header at all\n")
    (folder / "twice.md").write_text("---\nname: NEW ONE\n---\nagain\n")
    (folder / "notes.txt").write_text("not a reply file")
    report = import_dir(store, folder)
    assert report.created == ["New one"]
    assert report.updated == ["refund"]
    assert report.unchanged == ["Same"]
    assert [name for name, _ in report.errors] == ["broken.md", "twice.md"]
    refund = replies.by_name(store, "refund")
    assert refund is not None
    assert (refund.name, refund.body, refund.tags, refund.set_status) == (
        "refund",
        "new text",
        (),
        Status.CLOSED,
    )


# -- the demo ---------------------------------------------------------------------------------


def test_the_demo_set_renders_without_problems_and_asks_the_trial_question() -> None:
    names = [saved.name for saved in demo_replies.SAVED_REPLIES]
    assert len(names) == 7
    context = templates.Context(
        customer_name="Emily Sullivan",
        customer_company="Acme",
        agent_name="Dana Whitfield",
        subject="Question",
        colleague_name="Pete Lindqvist",
    )
    for saved in demo_replies.SAVED_REPLIES:
        rendered = templates.render(saved.body, context)
        assert rendered.problems == (), saved.name
        assert rendered.text.startswith("Hi Emily,") and rendered.text.endswith("Dana")
    by_name = {saved.name: saved.body for saved in demo_replies.SAVED_REPLIES}
    assert "what would make this a successful trial for you?" in by_name["Trial check-in"]
    assert "{colleague.first_name}" in by_name["Handoff intro"]


def test_the_demo_store_has_the_replies_with_earlier_uses(tmp_path: Path) -> None:
    from mail.demo_store import build_demo_store

    path, _ = build_demo_store(tmp_path)
    with Store.open(path) as store:
        saved = {r.name: r for r in replies.all_replies(store)}
    assert len(saved) == 7
    assert saved["Password reset"].use_count > 0
    assert saved["Trial check-in"].use_count == 0


# -- the command line -------------------------------------------------------------------------


@pytest.mark.usefixtures("isolated_cli")
def test_cli_list_export_import(
    capsys: pytest.CaptureFixture[str], store_path: Path, tmp_path: Path
) -> None:
    code, out, _ = run_cli(capsys, "replies")
    assert code == 0 and "No saved replies yet" in out
    with Store.open(store_path) as store:
        reply = replies.create(store, "Refund", "Hi!", tags=["billing"], set_status=Status.CLOSED)
        replies.record_use(store, reply.id, None, "Dana", at=T0)
        replies.create(store, "Bug", "Thanks")
    code, out, _ = run_cli(capsys, "replies", "list")
    assert code == 0
    assert out.splitlines() == [
        "Bug         0 uses  -",
        "Refund      1 uses  closed   #billing",
    ]
    code, out, _ = run_cli(capsys, "replies", "list", "--json")
    assert json.loads(out)[1] == {
        "name": "Refund",
        "tags": ["billing"],
        "status": "closed",
        "uses": 1,
        "last_used_at": T0.isoformat(),
    }
    folder = tmp_path / "team-replies"
    code, out, _ = run_cli(capsys, "replies", "export", str(folder))
    assert code == 0 and "Wrote 2 saved replies" in out
    assert sorted(p.name for p in folder.iterdir()) == ["Bug.md", "Refund.md"]
    (folder / "Bug.md").write_text("---\nname: Bug\n---\nThanks, fixed!\n")
    (folder / "Zzz.md").write_text("---\nname: \n---\nbody\n")
    code, out, err = run_cli(capsys, "replies", "import", str(folder))
    assert code == 1
    assert "updated    Bug" in out and "unchanged  Refund" in out
    assert "Zzz.md: its header has no 'name:' (not imported)" in err
    code, _, err = run_cli(capsys, "replies", "import", str(tmp_path / "missing"))
    assert code == 2 and "is not a folder" in err
