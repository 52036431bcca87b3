"""`frontdesk reply` and `frontdesk outbox` as a user runs them: exit codes, the queue, the
failed list, retry and discard."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mail.ingest import Ingestor
from storage import conversations, outbox
from storage.db import Store
from tests.conftest import SUPPORT, ImapAccount, mail
from tests.servers.smtp import SmtpSink
from tests.test_send import _toml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path: Path, imap_account: ImapAccount, smtp_sink: SmtpSink) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(_toml(imap_account, smtp_sink) + "\n[send]\nundo_seconds = 2\n")
    with Store.open(tmp_path / "store.db") as store:
        Ingestor(store, [SUPPORT]).ingest([mail(message_id="<q@northwind.test>")])
    return {
        **os.environ,
        "FRONTDESK_DB": str(tmp_path / "store.db"),
        "FRONTDESK_CONFIG": str(config),
        "FRONTDESK_IMAP_PASSWORD": imap_account.password,
        "FRONTDESK_SMTP_PASSWORD": smtp_sink.password,
        "PYTHONPATH": str(ROOT),
    }


def frontdesk(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        input=stdin,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_reply_waits_out_the_undo_delay_then_sends(
    env: dict[str, str], smtp_sink: SmtpSink
) -> None:
    started = time.monotonic()
    result = frontdesk(env, "reply", "1", "--body-file", "-", stdin="Fixed, sorry!\n")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 2  # the undo window was waited out
    assert "Sent reply" in result.stdout
    assert len(smtp_sink.messages) == 1


def test_ctrl_c_during_the_undo_window_sends_nothing(
    env: dict[str, str], smtp_sink: SmtpSink
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "reply", "1", "--body-file", "-"],
        env=env,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    process.stdin.write("Wait, wrong customer\n")
    process.stdin.close()
    process.stdin = None  # closed by us: communicate() must not flush it
    # Ctrl-C once the reply waits in the outbox (however long a loaded machine takes to start
    # the command), well inside the 10-second undo window.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with Store.open(Path(env["FRONTDESK_DB"])) as store:
            if outbox.items(store, ["queued"]):
                break
        time.sleep(0.05)
    time.sleep(0.3)  # from the commit into the waiting loop
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 1 and "Undone" in err
    time.sleep(2)
    assert smtp_sink.messages == []
    with Store.open(Path(env["FRONTDESK_DB"])) as store:
        assert [row.state for row in outbox.items(store, ["cancelled"])] == ["cancelled"]


def test_queue_only_leaves_it_to_sync(env: dict[str, str], smtp_sink: SmtpSink) -> None:
    queued = frontdesk(
        env,
        "reply",
        "1",
        "--body-file",
        "-",
        "--queue-only",
        "--close",
        stdin="Closing this one.\n",
    )
    assert queued.returncode == 0 and "Queued reply" in queued.stdout
    listed = json.loads(frontdesk(env, "outbox", "--json").stdout)
    assert [item["state"] for item in listed] == ["queued"]
    assert smtp_sink.messages == []
    # The 2 s undo window, which ends on a whole second (mail.send.queue_reply rounds it up).
    time.sleep(3.1)
    synced = frontdesk(env, "sync")
    assert synced.returncode == 0, synced.stderr
    assert "sent 1 reply" in synced.stdout, synced.stderr
    assert len(smtp_sink.messages) == 1
    assert frontdesk(env, "outbox").stdout.strip() == "The outbox is empty."
    with Store.open(Path(env["FRONTDESK_DB"])) as store:
        assert conversations.get(store, 1).status == "closed"


def test_a_refused_reply_is_listed_with_the_reason_and_can_be_discarded(
    env: dict[str, str], smtp_sink: SmtpSink
) -> None:
    smtp_sink.reject_recipients.add("zoe@northwind.test")
    result = frontdesk(env, "reply", "1", "--body-file", "-", "--now", stdin="Hi\n")
    assert result.returncode == 1
    assert "stays in the outbox" in result.stderr and "550" in result.stderr
    listing = frontdesk(env, "outbox").stdout
    assert "failed" in listing and "needs you" in listing and "550" in listing
    assert frontdesk(env, "outbox", "retry", "99").returncode == 2
    discarded = frontdesk(env, "outbox", "discard", "1")
    assert discarded.returncode == 0
    assert frontdesk(env, "outbox").stdout.strip() == "The outbox is empty."
    assert smtp_sink.messages == []


def test_replying_to_an_unknown_conversation_is_one_line(env: dict[str, str]) -> None:
    result = frontdesk(env, "reply", "404", "--body-file", "-", stdin="Hi\n")
    assert result.returncode == 2
    assert result.stderr.strip() == "frontdesk: error: no conversation 404"


def test_an_empty_reply_is_refused(env: dict[str, str]) -> None:
    result = frontdesk(env, "reply", "1", "--body-file", "-", stdin="  \n")
    assert result.returncode == 2 and "empty" in result.stderr
