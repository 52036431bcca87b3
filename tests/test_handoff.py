"""Handing a conversation to a colleague, through the real SMTP server: in `pass` mode the
customer gets a personal reply with the colleague in CC and the colleague a handoff note; in
`cc` mode the agent's answer goes out with the colleague in CC and the conversation stays."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from mail.config import Config, parse_config
from mail.handoff import HandoffError, find_colleague, hand_off, suggestions, when_in_touch
from mail.ingest import Ingestor
from mail.send import Sender, account_transport, demo_transport
from storage import conversations, events, handoffs, outbox
from storage.db import Store
from tests.conftest import SUPPORT, ImapAccount, mail, run_cli
from tests.servers.smtp import SmtpSink
from tests.test_send import account_config

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)  # a Wednesday
PETE = {"name": "Pete Lindqvist", "email": "pete@acme.test", "role": "sales",
        "description": "plans and larger teams", "hours": "09:00-17:00"}  # fmt: skip
INES = {"name": "Ines Duarte", "email": "ines@acme.test", "role": "success"}


def with_colleagues(config: Config) -> Config:
    data = {
        "colleagues": [INES, PETE],
        "sla": {"timezone": "UTC"},
        "team": {"me": "Dana Whitfield"},
    }
    extra = parse_config(data)
    return Config(
        account=config.account, send=config.send, team=extra.team,
        colleagues=extra.colleagues, sla=extra.sla,
    )  # fmt: skip


def a_sales_question(store: Store) -> int:
    Ingestor(store, [SUPPORT]).ingest([
        mail(message_id="<q1@northwind.test>", subject="What plan do we need?",
             sender="Zoë Müller <zoe@northwind.test>",
             body="Hi,\n\nwe are 40 people. Which plan do we need, and what would it cost?\n\nZoë\n",
             date=NOW - timedelta(hours=1)),
    ])  # fmt: skip
    return conversations.queue(store)[0].id


def parsed(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_pass_sends_a_personal_reply_with_the_colleague_in_cc_and_a_note_to_them(
    store: Store, imap_account: ImapAccount, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_SMTP_PASSWORD", smtp_sink.password)
    monkeypatch.setenv("FRONTDESK_IMAP_PASSWORD", imap_account.password)
    config = with_colleagues(account_config(imap_account, smtp_sink))
    conversation_id = a_sales_question(store)

    done = hand_off(
        store, config, conversation_id, "Pete", mode="pass",
        note="40 seats, wants SSO", now=NOW, delay=0,
    )  # fmt: skip
    assert done.note is not None and done.colleague.name == "Pete Lindqvist"
    report = Sender(store, config, account_transport(config), now=lambda: NOW).flush()
    assert report.sent == 2, report.errors

    by_recipients = {tuple(sorted(m.rcpt_tos)): parsed(m.data) for m in smtp_sink.messages}
    reply = by_recipients[("pete@acme.test", "zoe@northwind.test")]
    assert reply["To"] == "Zoë Müller <zoe@northwind.test>"
    assert reply["Cc"] == "Pete Lindqvist <pete@acme.test>"
    assert reply["In-Reply-To"] == "<q1@northwind.test>"
    assert reply["Subject"] == "Re: What plan do we need?"
    text = reply.get_content()
    assert text.startswith("Hi Zoë,")
    assert "let me pass you to Pete, who looks after plans and larger teams" in text
    assert "will be in touch today" in text
    assert "{" not in text

    note = by_recipients[("pete@acme.test",)]
    assert note["To"] == "Pete Lindqvist <pete@acme.test>"
    assert note["From"].addresses[0].addr_spec == SUPPORT
    assert note["In-Reply-To"] == "<q1@northwind.test>"
    assert note["Subject"] == "Handoff: What plan do we need? (Zoë Müller)"
    body = note.get_content().replace("\r\n", "\n")
    assert body.startswith("Hi Pete,")
    assert "Customer: Zoë Müller <zoe@northwind.test>" in body
    assert "Note from Dana Whitfield:\n40 seats, wants SSO" in body
    assert "Which plan do we need, and what would it cost?" in body

    conversation = conversations.get(store, conversation_id)
    assert conversation.awaiting_reply is False
    handed = store.scalar(
        "SELECT handed_off_to FROM conversations WHERE id = ?", (conversation_id,)
    )
    assert handed == "Pete Lindqvist"
    kinds = [e.kind for e in events.events_for(store, conversation_id)]
    assert kinds.count("handed_off") == 1 and kinds.count("replied") == 1  # the note is no reply
    assert {outbox.get(store, i).kind for i in (done.reply.id, done.note.id)} == {
        "reply",
        "handoff",
    }


def test_cc_answers_with_the_colleague_in_cc_and_the_conversation_stays(
    store: Store, imap_account: ImapAccount, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_SMTP_PASSWORD", smtp_sink.password)
    monkeypatch.setenv("FRONTDESK_IMAP_PASSWORD", imap_account.password)
    config = with_colleagues(account_config(imap_account, smtp_sink))
    conversation_id = a_sales_question(store)
    answer = "Hi Zoë,\n\nfor 40 people the Business plan fits: $25 a seat.\n\nDana"
    done = hand_off(
        store, config, conversation_id, "pete lindqvist", mode="cc", body=answer, now=NOW, delay=0
    )
    assert done.note is None
    Sender(store, config, account_transport(config), now=lambda: NOW).flush()
    (sent,) = smtp_sink.messages
    assert sorted(sent.rcpt_tos) == ["pete@acme.test", "zoe@northwind.test"]
    message = parsed(sent.data)
    assert message["Cc"] == "Pete Lindqvist <pete@acme.test>"
    text = message.get_content().replace("\r\n", "\n")
    assert text == (
        "Hi Zoë,\n\nfor 40 people the Business plan fits: $25 a seat.\n\n"
        "I've copied in Pete, who looks after plans and larger teams: happy to set up a call "
        "with Pete if that helps.\n\nDana\n"
    )
    row = store.conn.execute(
        "SELECT handed_off_to, shared_with FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    assert tuple(row) == (None, "Pete Lindqvist")


def test_a_cc_handoff_needs_an_answer_and_a_known_colleague(store: Store) -> None:
    config = with_colleagues(parse_config({"account": {"email": SUPPORT}}))
    conversation_id = a_sales_question(store)
    with pytest.raises(HandoffError, match="write the answer"):
        hand_off(store, config, conversation_id, "Pete", mode="cc", now=NOW)
    with pytest.raises(HandoffError, match=r"no colleague called 'Bob' \(known: Ines Duarte, Pete"):
        hand_off(store, config, conversation_id, "Bob", now=NOW)
    with pytest.raises(HandoffError, match="mode must be pass or cc"):
        hand_off(store, config, conversation_id, "Pete", mode="forward", now=NOW)
    assert store.scalar("SELECT count(*) FROM outbox") == 0
    assert store.scalar("SELECT count(*) FROM handoffs") == 0


def test_sales_signals_suggest_the_sales_colleague_first() -> None:
    config = with_colleagues(Config())
    assert [c.name for c in suggestions(config, sales_signal=True)] == [
        "Pete Lindqvist",
        "Ines Duarte",
    ]
    assert suggestions(config, sales_signal=False)[0].name == "Ines Duarte"
    assert find_colleague(config, "ines").email == "ines@acme.test"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 18, 10, 0, tzinfo=UTC), "today"),  # Wednesday morning
        (datetime(2026, 11, 18, 17, 30, tzinfo=UTC), "tomorrow"),  # after hours
        (datetime(2026, 11, 20, 18, 0, tzinfo=UTC), "on Monday"),  # Friday evening
        (datetime(2026, 11, 21, 9, 0, tzinfo=UTC), "on Monday"),  # Saturday
    ],
)
def test_when_the_colleague_will_be_in_touch(moment: datetime, expected: str) -> None:
    config = with_colleagues(Config())
    assert when_in_touch(find_colleague(config, "Pete"), config, moment) == expected


# -- follow-through ---------------------------------------------------------------------------


def passed_and_sent(store: Store, tmp_path: Path, at: datetime) -> tuple[Config, int]:
    config = with_colleagues(parse_config({"account": {"email": SUPPORT, "name": "Acme"}}))
    conversation_id = a_sales_question(store)
    hand_off(store, config, conversation_id, "Pete", now=at, delay=0)
    transport = demo_transport(tmp_path / "outbox.mbox")
    assert Sender(store, config, transport, now=lambda: at).flush().sent == 2
    return config, conversation_id


def test_the_colleagues_reply_in_the_thread_is_the_teams_and_ends_the_follow_up(
    store: Store, tmp_path: Path
) -> None:
    config, conversation_id = passed_and_sent(store, tmp_path, NOW)
    (row,) = handoffs.handoffs(store)
    assert (row.colleague, row.mode, row.current, row.colleague_replied_at) == (
        "Pete Lindqvist", "pass", True, None,
    )  # fmt: skip
    Ingestor(store, config.support_addresses()).ingest([
        mail(message_id="<p1@acme.test>", sender="Pete Lindqvist <pete@acme.test>",
             to="zoe@northwind.test", subject="Re: What plan do we need?",
             in_reply_to="<q1@northwind.test>", references="<q1@northwind.test>",
             body="Hi Zoë, Business fits: shall we talk on Thursday?", date=NOW + timedelta(hours=3)),
    ])  # fmt: skip
    (row,) = handoffs.handoffs(store, conversation_id=conversation_id)
    assert row.colleague_replied_at == NOW + timedelta(hours=3)
    assert row.customer_replied_at is None
    assert conversations.get(store, conversation_id).awaiting_reply is False
    assert not row.overdue(NOW + timedelta(days=30), 2, range(5), UTC)


def test_an_unanswered_handoff_is_flagged_after_working_days(store: Store, tmp_path: Path) -> None:
    friday = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    _, _ = passed_and_sent(store, tmp_path, friday)
    (row,) = handoffs.handoffs(store)
    due = row.follow_up_due(2, range(5), UTC)
    assert due == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Monday, Tuesday: not the weekend
    assert not row.overdue(due - timedelta(minutes=1), 2, range(5), UTC)
    assert row.overdue(due, 2, range(5), UTC)


def test_taking_back_ends_the_handoff(store: Store, tmp_path: Path) -> None:
    _, conversation_id = passed_and_sent(store, tmp_path, NOW)
    assert handoffs.take_back(store, conversation_id, actor="Dana", at=NOW) is True
    assert handoffs.take_back(store, conversation_id, actor="Dana", at=NOW) is False
    (row,) = handoffs.handoffs(store)
    assert row.current is False


def test_ingest_detects_the_sale_and_the_agent_corrects_it_either_way(store: Store) -> None:
    conversation_id = a_sales_question(store)
    state = handoffs.sales_state(store, conversation_id)
    assert (state.signal, state.score) == (True, 2.4)
    assert state.reasons == (
        'seats: "40 people"',
        'plan fit: "Which plan"',
        'quote: "what would it cost"',
    )
    handoffs.record_detection(store, conversation_id, 0.5, ['quote: "what would it cost"', "x"])
    state = handoffs.sales_state(store, conversation_id)
    assert state.score == 2.4 and state.reasons[-2:] == ('quote: "what would it cost"', "x")
    wrong = handoffs.set_sales_verdict(store, conversation_id, False, actor="Dana", at=NOW)
    assert (wrong.detected, wrong.signal) == (True, False)
    again = handoffs.set_sales_verdict(store, conversation_id, None, actor="Dana", at=NOW)
    assert again.signal is True
    kinds = [e.kind for e in events.events_for(store, conversation_id)]
    assert kinds.count("sales_verdict") == 2


# -- the command line -------------------------------------------------------------------------


@pytest.mark.usefixtures("isolated_cli")
def test_cli_handoff_then_list_and_handoffs_show_it(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation_id = a_sales_question(store)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[account]\nemail = "{SUPPORT}"\n[team]\nme = "Dana Whitfield"\n'
        '[[colleagues]]\nname = "Pete Lindqvist"\nemail = "pete@acme.test"\n',
        encoding="utf-8",
    )
    code, out, _ = run_cli(capsys, "--config", str(config), "list", "--queue", "sales", "--json")
    (row,) = json.loads(out)
    assert (row["id"], row["sales_signal"], row["sales_score"]) == (conversation_id, True, 2.4)
    assert row["sales_reasons"][1] == 'plan fit: "Which plan"' and row["handed_off_to"] is None

    code, out, _ = run_cli(
        capsys, "--config", str(config), "handoff", str(conversation_id), "--to", "pete",
        "--note", "40 seats", "--queue-only",
    )  # fmt: skip
    assert code == 0, out
    assert "Passed to Pete Lindqvist <pete@acme.test>." in out
    assert (
        "Queued reply 1 to zoe@northwind.test, pete@acme.test; handoff note 2 to pete@acme.test"
        in out
    )
    code, out, _ = run_cli(
        capsys, "--config", str(config), "list", "--queue", "handed-off", "--json"
    )
    (row,) = json.loads(out)
    assert row["handed_off_to"] == "Pete Lindqvist"
    code, out, _ = run_cli(
        capsys, "--config", str(config), "list", "--queue", "needs-reply", "--json"
    )
    assert json.loads(out) == []  # passed on: out of the support queue
    code, out, _ = run_cli(capsys, "--config", str(config), "handoffs", "--json")
    (handed,) = json.loads(out)
    assert (handed["colleague"], handed["mode"], handed["note"]) == (
        "Pete Lindqvist",
        "pass",
        "40 seats",
    )
    assert (handed["current"], handed["overdue"], handed["colleague_replied_at"]) == (
        True,
        False,
        None,
    )
    code, out, _ = run_cli(capsys, "--config", str(config), "handoffs")
    assert "pass → Pete Lindqvist" in out and "waiting" in out

    code, out, _ = run_cli(capsys, "--config", str(config), "sales", str(conversation_id), "no")
    assert code == 0 and "not a sales signal (your word)" in out
    code, out, _ = run_cli(capsys, "--config", str(config), "list", "--queue", "sales", "--json")
    assert json.loads(out) == []


@pytest.mark.usefixtures("isolated_cli")
def test_cli_handoff_errors_are_one_line(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation_id = a_sales_question(store)
    code, _, err = run_cli(capsys, "handoff", str(conversation_id), "--to", "Pete")
    assert code == 2 and "no colleagues configured: frontdesk colleagues add" in err
    assert err.count("\n") == 1
