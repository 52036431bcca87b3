"""`frontdesk reindex`: everything derived is re-parsed from the stored raw bytes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mail.ingest import Ingestor
from mail.parse import unparsable
from mail.reindex import reindex
from storage import conversations, events, messages
from storage.db import Store
from storage.search import search
from tests.conftest import SUPPORT, later, mail, run_cli

GARBAGE = b"\x00\x01 no header here\n\nbody of garbage\n"

pytestmark = pytest.mark.usefixtures("isolated_cli")
run = run_cli


def test_reindex_restores_corrupted_fields_and_the_index(
    capsys: pytest.CaptureFixture[str], store_path: Path
) -> None:
    with Store.open(store_path) as store:
        Ingestor(store, [SUPPORT]).ingest(
            [
                mail(message_id="<a@x>", body="The kaleidoscope widget crashes.\n"),
                GARBAGE,
                mail(
                    sender="bob@contoso.test",
                    subject="Other",
                    message_id="<b@x>",
                    body="Plain question about pineapples.\n",
                    date=later(1),
                ),
            ]
        )
        before = store.conn.execute(
            "SELECT id, subject, from_addr, body_text, new_text FROM messages ORDER BY id"
        ).fetchall()
        flagged_id = store.scalar("SELECT id FROM messages WHERE parse_error IS NOT NULL")
        with store.atomic():
            store.conn.execute(
                "UPDATE messages SET body_text = 'x', new_text = 'x', subject = 'x',"
                " from_addr = 'x@x'"
            )
        assert search(store, "kaleidoscope") == []
        assert search(store, "pineapples") == []

    code, out, err = run(capsys, "reindex")
    assert code == 0, err
    assert "3 messages re-parsed, 1 still flagged" in out

    with Store.open(store_path) as store:
        after = store.conn.execute(
            "SELECT id, subject, from_addr, body_text, new_text FROM messages ORDER BY id"
        ).fetchall()
        assert after == before
        assert [h.subject for h in search(store, "kaleidoscope")] == ["Export is broken"]
        assert [h.subject for h in search(store, "pineapples")] == ["Other"]
        assert search(store, "x") == []  # the corrupt text left the index
        assert store.scalar("SELECT count(*) FROM messages_fts") == 3
        assert messages.raw_message(store, flagged_id) == GARBAGE
        assert store.scalar("SELECT parse_error FROM messages WHERE id = ?", (flagged_id,))


def test_reindex_keeps_conversations_tags_and_events(store: Store) -> None:
    Ingestor(store, [SUPPORT]).ingest(
        [
            mail(message_id="<a@x>"),
            mail(
                sender=SUPPORT,
                to="zoe@northwind.test",
                subject="Re: Export is broken",
                message_id="<o@x>",
                in_reply_to="<a@x>",
                date=later(1),
            ),
        ]
    )
    (conversation,) = conversations.queue(store, "all")
    with store.atomic():
        store.conn.execute("INSERT INTO tags (name) VALUES ('export')")
        store.conn.execute("INSERT INTO conversation_tags VALUES (?, 1)", (conversation.id,))
        events.record(store, "note", conversation.id, actor="ann", at=later(2))
    conversation = conversations.get(store, conversation.id)
    assert conversation.tags == ("export",)
    report = reindex(store, {SUPPORT})
    assert (report.messages, report.flagged, report.rethreaded, report.conflicts) == (2, 0, 0, 0)
    (again,) = conversations.queue(store, "all")
    assert again == conversation
    assert [e.kind for e in events.events_for(store, conversation.id)] == ["note"]


def test_reindex_applies_a_newly_known_support_address(store: Store) -> None:
    Ingestor(store).ingest(
        [
            mail(message_id="<a@x>"),
            mail(
                sender=SUPPORT,
                to="zoe@northwind.test",
                subject="Re: Export is broken",
                message_id="<o@x>",
                in_reply_to="<a@x>",
                date=later(1),
            ),
        ]
    )
    (conversation,) = conversations.queue(store, "all")
    assert conversation.awaiting_reply  # our reply was not known as ours yet
    reindex(store, {SUPPORT})
    fixed = conversations.get(store, conversation.id)
    assert (fixed.status.value, fixed.awaiting_reply) == ("pending", False)


def test_message_that_parses_now_is_threaded_afresh(store: Store) -> None:
    """A parser bug flagged a reply; after the fix, reindex puts it in its conversation."""
    ingestor = Ingestor(store, [SUPPORT])
    ingestor.ingest([mail(message_id="<a@x>", date=later(0))])
    raw = mail(
        message_id="<b@x>",
        subject="Re: Export is broken",
        in_reply_to="<a@x>",
        date=later(2),
        body="Any news?\n",
    )
    now = datetime.now(UTC).replace(microsecond=0)
    ingestor.store_batch([(unparsable(raw, now, "simulated parser bug"), "inbox#2")])
    rows = conversations.queue(store, "all")
    assert len(rows) == 2
    (flagged,) = [c for c in rows if c.flagged]
    with store.atomic():
        store.conn.execute("INSERT INTO tags (name) VALUES ('triage')")
        store.conn.execute("INSERT INTO conversation_tags VALUES (?, 1)", (flagged.id,))
        events.record(store, "note", flagged.id, actor="ann", at=later(3))

    report = reindex(store, {SUPPORT})

    assert (report.messages, report.flagged, report.rethreaded) == (2, 0, 1)
    (conversation,) = conversations.queue(store, "all")
    assert conversation.message_count == 2 and not conversation.flagged
    assert conversation.subject == "Export is broken"
    assert conversation.last_message_at == later(2)
    assert conversation.tags == ("triage",)  # nothing of the old conversation is lost
    assert "note" in [e.kind for e in events.events_for(store, conversation.id)]
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conversations.for_message_ids(store, ["a@x", "b@x"]) == {conversation.id}
    row_id = store.scalar("SELECT id FROM messages WHERE message_id = 'b@x'")
    assert messages.raw_message(store, row_id) == raw


def test_reindex_on_an_empty_store(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "reindex")
    assert code == 0
    assert "0 messages re-parsed" in out
    code, out, _ = run(capsys, "list", "--json", "--status", "all")
    assert json.loads(out) == []
