"""Replies going out through a real SMTP server (aiosmtpd) and a real Sent folder (Dovecot):
what the server receives, undo, failures kept in the outbox, and SIGKILL at each step."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mail.config import Config, parse_config
from mail.ingest import Ingestor
from mail.send import Sender, account_transport, cancel, discard, queue_reply, retry
from storage import conversations, events, outbox
from storage.db import Store
from tests.conftest import SUPPORT, ImapAccount, mail
from tests.servers.smtp import SmtpSink

ROOT = Path(__file__).resolve().parent.parent


def account_config(imap: ImapAccount, sink: SmtpSink, **send: object) -> Config:
    return parse_config({
        "account": {
            "email": SUPPORT, "name": "Acme Support",
            "imap": {"host": "127.0.0.1", "port": imap.server.imaps_port, "security": "ssl",
                     "username": imap.user, "ca_file": str(imap.server.cert)},
            "smtp": {"host": "127.0.0.1", "port": sink.port, "security": "starttls",
                     "username": "support", "ca_file": str(sink.cert)},
        },
        "send": {"undo_seconds": 10, **send},
        "team": {"me": "Dana Whitfield"},
    })  # fmt: skip


@pytest.fixture
def passwords(
    monkeypatch: pytest.MonkeyPatch, imap_account: ImapAccount, smtp_sink: SmtpSink
) -> None:
    monkeypatch.setenv("FRONTDESK_IMAP_PASSWORD", imap_account.password)
    monkeypatch.setenv("FRONTDESK_SMTP_PASSWORD", smtp_sink.password)


def a_conversation(store: Store) -> int:
    Ingestor(store, [SUPPORT]).ingest([
        mail(message_id="<q1@northwind.test>", subject="Export is broken",
             extra={"Reply-To": "Zoë Ops <ops@northwind.test>"}),
    ])  # fmt: skip
    return conversations.queue(store)[0].id


def sent_copies(account: ImapAccount, message_id: str) -> int:
    client = account.client()
    try:
        client.select_folder("Sent")
        return len(client.search(["HEADER", "Message-ID", f"<{message_id}>"]))
    finally:
        client.logout()


def test_a_reply_waits_out_the_undo_window_then_goes_out_once(
    store: Store, imap_account: ImapAccount, smtp_sink: SmtpSink, passwords: None
) -> None:
    config = account_config(imap_account, smtp_sink)
    conversation_id = a_conversation(store)
    start = datetime.now(UTC).replace(microsecond=0)  # the store keeps whole seconds
    item = queue_reply(
        store,
        config,
        conversation_id,
        "Hi Zoë,\n\nfixed — try again?\n\nDana",
        cc=["boss@northwind.test"],
        now=start,
    )
    assert item.state == "queued" and item.send_after == start + timedelta(seconds=10)

    early = Sender(store, config, account_transport(config), now=lambda: start).flush()
    assert early.sent == 0 and smtp_sink.messages == []

    late = Sender(
        store, config, account_transport(config), now=lambda: start + timedelta(seconds=11)
    ).flush()
    assert late.sent == 1, late.errors
    (received,) = smtp_sink.messages
    assert sorted(received.rcpt_tos) == ["boss@northwind.test", "ops@northwind.test"]
    assert received.mail_from == SUPPORT
    parsed = email.message_from_bytes(received.data, policy=email.policy.default)
    assert parsed["Subject"] == "Re: Export is broken"
    assert parsed["In-Reply-To"] == "<q1@northwind.test>"
    assert "<q1@northwind.test>" in parsed["References"]
    assert parsed.get_content().startswith("Hi Zoë,")
    assert sent_copies(imap_account, item.message_id) == 1

    conversation = conversations.get(store, conversation_id)
    assert conversation.message_count == 2 and conversation.awaiting_reply is False
    assert conversation.status == "pending"
    kinds = [e.kind for e in events.events_for(store, conversation_id)]
    assert "replied" in kinds
    assert outbox.get(store, item.id).state == "sent"


def test_undo_in_time_sends_nothing(
    store: Store, imap_account: ImapAccount, smtp_sink: SmtpSink, passwords: None
) -> None:
    config = account_config(imap_account, smtp_sink)
    item = queue_reply(store, config, a_conversation(store), "On it!")
    assert cancel(store, item.id) is True
    Sender(
        store,
        config,
        account_transport(config),
        now=lambda: datetime.now(UTC) + timedelta(minutes=5),
    ).flush()
    assert smtp_sink.messages == []
    assert outbox.get(store, item.id).state == "cancelled"


def test_too_late_to_undo_once_sent(
    store: Store, imap_account: ImapAccount, smtp_sink: SmtpSink, passwords: None
) -> None:
    config = account_config(imap_account, smtp_sink)
    item = queue_reply(store, config, a_conversation(store), "Done.", delay=0)
    Sender(store, config, account_transport(config)).flush()
    assert cancel(store, item.id) is False
    assert len(smtp_sink.messages) == 1


def test_send_and_close_closes_the_conversation(
    store: Store, imap_account: ImapAccount, smtp_sink: SmtpSink, passwords: None
) -> None:
    config = account_config(imap_account, smtp_sink)
    conversation_id = a_conversation(store)
    queue_reply(store, config, conversation_id, "All sorted, closing.", close=True, delay=0)
    Sender(store, config, account_transport(config)).flush()
    assert conversations.get(store, conversation_id).status == "closed"


def test_a_server_that_is_down_leaves_the_reply_in_the_outbox_with_the_reason(
    store: Store, imap_account: ImapAccount, smtp_sink: SmtpSink, passwords: None
) -> None:
    from tests.servers.dovecot import free_port

    down = account_config(imap_account, smtp_sink)
    down = parse_config(
        {
            **_as_dict(down),
            "account": {
                **_as_dict(down)["account"],
                "smtp": {**_as_dict(down)["account"]["smtp"], "port": free_port()},
            },
        }
    )
    item = queue_reply(store, down, a_conversation(store), "Hello?", delay=0)
    report = Sender(store, down, account_transport(down)).flush()
    row = outbox.get(store, item.id)
    assert report.failed == 1 and row.state == "failed" and not row.permanent_error
    assert row.last_error and "Connection refused" in row.last_error
    assert row.next_attempt_at is not None and row.next_attempt_at > datetime.now(UTC)

    # Not due yet: a flush now leaves it alone; once due, the working server takes it.
    up = account_config(imap_account, smtp_sink)
    assert Sender(store, up, account_transport(up)).flush().sent == 0
    later = Sender(
        store, up, account_transport(up), now=lambda: datetime.now(UTC) + timedelta(minutes=2)
    ).flush()
    assert later.sent == 1 and len(smtp_sink.messages) == 1


def test_a_rejected_recipient_is_a_permanent_failure_the_user_can_retry_or_discard(
    store: Store, imap_account: ImapAccount, smtp_sink: SmtpSink, passwords: None
) -> None:
    config = account_config(imap_account, smtp_sink)
    smtp_sink.reject_recipients.add("ops@northwind.test")
    item = queue_reply(store, config, a_conversation(store), "Hi", delay=0)
    Sender(store, config, account_transport(config)).flush()
    row = outbox.get(store, item.id)
    assert row.state == "failed" and row.permanent_error
    assert row.last_error and "550" in row.last_error
    # Never retried by itself...
    Sender(
        store, config, account_transport(config), now=lambda: datetime.now(UTC) + timedelta(days=1)
    ).flush()
    assert smtp_sink.messages == []
    # ...until the user says so.
    smtp_sink.reject_recipients.clear()
    assert retry(store, item.id)
    Sender(store, config, account_transport(config)).flush()
    assert len(smtp_sink.messages) == 1
    assert discard(store, item.id) is False  # sent: nothing to discard


def test_a_temporary_refusal_is_retried_with_backoff(
    store: Store, imap_account: ImapAccount, smtp_sink: SmtpSink, passwords: None
) -> None:
    config = account_config(imap_account, smtp_sink)
    smtp_sink.fail_next_data = "451 4.3.0 try again later"
    item = queue_reply(store, config, a_conversation(store), "Hi", delay=0)
    first = Sender(store, config, account_transport(config)).flush()
    assert first.failed == 1 and "451" in (outbox.get(store, item.id).last_error or "")
    second = Sender(
        store,
        config,
        account_transport(config),
        now=lambda: datetime.now(UTC) + timedelta(minutes=2),
    ).flush()
    assert second.sent == 1 and len(smtp_sink.messages) == 1


def test_gmail_is_not_given_a_second_copy_in_sent(
    store: Store, imap_account: ImapAccount, smtp_sink: SmtpSink, passwords: None
) -> None:
    config = account_config(imap_account, smtp_sink, append_to_sent="never")
    item = queue_reply(store, config, a_conversation(store), "Hi", delay=0)
    Sender(store, config, account_transport(config)).flush()
    assert len(smtp_sink.messages) == 1
    assert sent_copies(imap_account, item.message_id) == 0


def _as_dict(config: Config) -> dict[str, object]:
    from dataclasses import asdict

    return asdict(config)


# -- crash safety: SIGKILL at each step, then the next run ----------------------------------------

CRASH_STEPS = ["sending", "delivered", "filed", "sent"]


@pytest.mark.parametrize("step", CRASH_STEPS)
def test_sigkill_at_each_step_then_the_next_run_sends_exactly_once(
    step: str, tmp_path: Path, imap_account: ImapAccount, smtp_sink: SmtpSink
) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(_toml(imap_account, smtp_sink))
    db = tmp_path / "store.db"
    with Store.open(db) as store:
        conversation_id = a_conversation(store)
    env = {
        **os.environ,
        "FRONTDESK_DB": str(db),
        "FRONTDESK_CONFIG": str(config_file),
        "FRONTDESK_IMAP_PASSWORD": imap_account.password,
        "FRONTDESK_SMTP_PASSWORD": smtp_sink.password,
        "PYTHONPATH": str(ROOT),
    }

    crashed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.support.crash_at",
            step,
            "reply",
            str(conversation_id),
            "--body-file",
            "-",
            "--now",
        ],
        input="Thanks for your patience — fixed.\n",
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert crashed.returncode == -9, crashed.stderr  # it really was killed at that step

    resumed = subprocess.run(
        [sys.executable, "-m", "tui.cli", "sync"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr

    smtp_sink.wait_for(1)
    assert len(smtp_sink.messages) == 1  # never lost, never twice
    with Store.open(db) as store:
        (row,) = outbox.items(store, ["sent"])
        assert sent_copies(imap_account, row.message_id) == 1
        conversation = conversations.get(store, conversation_id)
        assert conversation.message_count == 2  # our reply stored once, the Sent copy known
        replied = [e for e in events.events_for(store, conversation_id) if e.kind == "replied"]
        assert len(replied) == 1


def _toml(imap: ImapAccount, sink: SmtpSink) -> str:
    return f"""
[account]
email = "{SUPPORT}"
name = "Acme Support"

[account.imap]
host = "127.0.0.1"
port = {imap.server.imaps_port}
security = "ssl"
username = "{imap.user}"
ca_file = "{imap.server.cert}"

[account.smtp]
host = "127.0.0.1"
port = {sink.port}
security = "starttls"
username = "support"
ca_file = "{sink.cert}"

[sync]
retries = 0
"""
