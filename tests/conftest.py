"""Shared fixtures: a fresh store in a real SQLite file, a builder of RFC 5322 messages, and
real servers (Dovecot) started by the suite."""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient

from mail.imap import Endpoint
from storage.db import Store
from tests.servers.dovecot import Dovecot, ServerUnavailable, start_dovecot
from tests.servers.smtp import SmtpSink, start_smtp

SUPPORT = "support@acme.test"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "frontdesk.db"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    with Store.open(store_path) as opened:
        yield opened


def mail(
    *,
    sender: str = "Zoë Müller <zoe@northwind.test>",
    to: str = SUPPORT,
    subject: str = "Export is broken",
    body: str = "Hi,\n\nthe CSV export fails with a 500 error.\n\nZoë\n",
    message_id: str | None = "<m1@northwind.test>",
    in_reply_to: str | None = None,
    references: str | None = None,
    date: datetime | None = T0,
    extra: dict[str, str] | None = None,
) -> bytes:
    """One plain-text message as bytes; any header can be left out by passing None."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if date is not None:
        msg["Date"] = format_datetime(date)
    if message_id is not None:
        msg["Message-ID"] = message_id
    if in_reply_to is not None:
        msg["In-Reply-To"] = in_reply_to
    if references is not None:
        msg["References"] = references
    for name, value in (extra or {}).items():
        msg[name] = value
    msg.set_content(body)
    return bytes(msg)


def later(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


# -- real servers ---------------------------------------------------------------------------

_user_counter = itertools.count(1)
_MAILBOXES = 300  # made up front: Dovecot notices passwd-file changes only to the second
PASSWORD = "s3cret pass"


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot per test worker. Under CI=true a server that cannot start fails the test
    (it must not pass as skipped)."""
    try:
        server = start_dovecot({f"user{i}": PASSWORD for i in range(1, _MAILBOXES + 1)})
    except (ServerUnavailable, OSError, subprocess.CalledProcessError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Dovecot could not start: {exc}")
        pytest.skip(f"Dovecot could not start: {exc}")
    yield server
    server.remove()


@dataclass
class ImapAccount:
    server: Dovecot
    user: str
    password: str

    def endpoint(self, security: str = "ssl") -> Endpoint:
        port = self.server.imaps_port if security == "ssl" else self.server.imap_port
        return Endpoint("imap", self.server.host, port, security, self.user, str(self.server.cert))

    def client(self) -> IMAPClient:
        client = IMAPClient(self.server.host, port=self.server.imap_port, ssl=False)
        client.login(self.user, self.password)
        return client


@pytest.fixture
def imap_account(dovecot: Dovecot) -> ImapAccount:
    """A fresh, empty mailbox (INBOX and Sent) on the session's Dovecot."""
    number = next(_user_counter)
    assert number <= _MAILBOXES, "raise _MAILBOXES: more tests use a mailbox than were made"
    return ImapAccount(dovecot, f"user{number}", PASSWORD)


SMTP_PASSWORD = "smtp secret"


@pytest.fixture(scope="session")
def _smtp_server() -> Iterator[SmtpSink]:
    try:
        sink = start_smtp(SMTP_PASSWORD)
    except Exception as exc:  # any reason it cannot listen on loopback
        if os.environ.get("CI") == "true":
            pytest.fail(f"the SMTP server (aiosmtpd) could not start: {exc}")
        pytest.skip(f"the SMTP server (aiosmtpd) could not start: {exc}")
    yield sink
    sink.stop()


@pytest.fixture
def smtp_sink(_smtp_server: SmtpSink) -> Iterator[SmtpSink]:
    """The suite's SMTP server, emptied and with no failure knobs set, for each test."""
    _smtp_server.clear()
    _smtp_server.reject_recipients.clear()
    _smtp_server.fail_next_data = None
    yield _smtp_server
    _smtp_server.clear()


# -- the command line, in-process -----------------------------------------------------------


@pytest.fixture
def isolated_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, store_path: Path) -> None:
    """No user config or data dir leaks in; the store is `store_path`."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("FRONTDESK_CONFIG", raising=False)
    monkeypatch.setenv("FRONTDESK_DB", str(store_path))


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Runs `frontdesk ARGV` in this process: (exit code, stdout, stderr); never a traceback."""
    from tui.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# -- the app ----------------------------------------------------------------------------------


@pytest.fixture
def utc_local_time() -> Iterator[None]:
    """Local time is UTC for the test: dates and snooze presets render the same anywhere.
    The TUI test modules use it for every test (`pytestmark`)."""
    from tests.support.tui import local_time_utc  # Textual loads only for the tests that use it

    with local_time_utc():
        yield


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A fresh copy of the fixed-time demo store, for one TUI test."""
    from tests.support.tui import demo_copy

    return demo_copy(tmp_path / "demo.db")
