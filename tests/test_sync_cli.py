"""`frontdesk account` and `frontdesk sync` as a user runs them, against the suite's Dovecot:
set-up, passwords and the keychain, exit codes, the lock, and SIGKILL at many points."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mail import demo
from mail.lock import AlreadyRunning, SyncLock
from tests.conftest import ImapAccount, mail

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


class Cli:
    """Runs `frontdesk` in a subprocess with its own config, store and environment."""

    def __init__(self, tmp_path: Path, account: ImapAccount) -> None:
        self.account = account
        self.config = tmp_path / "config.toml"
        self.db = tmp_path / "store.db"
        self.keyring = tmp_path / "keyring.json"
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("FRONTDESK_", "PYTHON_KEYRING"))
        }
        self.env.update(
            FRONTDESK_CONFIG=str(self.config), FRONTDESK_DB=str(self.db), PYTHONPATH=str(ROOT)
        )

    def add_flags(self, security: str = "ssl") -> list[str]:
        server = self.account.server
        port = server.imaps_port if security == "ssl" else server.imap_port
        return [
            "account",
            "add",
            "--email",
            "support@acme.test",
            "--name",
            "Acme Support",
            "--imap-host",
            "127.0.0.1",
            "--imap-port",
            str(port),
            "--imap-security",
            security,
            "--imap-username",
            self.account.user,
            "--ca-file",
            str(server.cert),
        ]

    def run(self, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tui.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**self.env, **env},
            cwd=ROOT,
            timeout=120,
            check=False,
        )

    def popen(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "tui.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**self.env, **env},
            cwd=ROOT,
        )

    def configure(self, extra: str = "") -> None:
        result = self.run(*self.add_flags(), "--no-test")
        assert result.returncode == 0, result.stderr
        if extra:
            with self.config.open("a") as handle:
                handle.write(extra)


@pytest.fixture
def cli(tmp_path: Path, imap_account: ImapAccount) -> Cli:
    return Cli(tmp_path, imap_account)


def test_account_add_tests_the_login_and_saves_no_password_in_the_config(cli: Cli) -> None:
    result = cli.run(
        *cli.add_flags(),
        "--password-stdin",
        stdin=cli.account.password + "\n",
        PYTHON_KEYRING_BACKEND="tests.support.filekeyring.FileKeyring",
        FRONTDESK_TEST_KEYRING=str(cli.keyring),
    )
    assert result.returncode == 0, result.stderr
    assert "Logged in to IMAP" in result.stdout
    config_text = cli.config.read_text()
    assert cli.account.password not in config_text
    assert 'host = "127.0.0.1"' in config_text
    assert oct(cli.config.stat().st_mode & 0o777) == "0o600"
    stored = json.loads(cli.keyring.read_text())
    assert stored == {f"frontdesk/imap:{cli.account.user}@127.0.0.1": cli.account.password}

    # The keychain's password is what `sync` uses.
    synced = cli.run(
        "sync",
        PYTHON_KEYRING_BACKEND="tests.support.filekeyring.FileKeyring",
        FRONTDESK_TEST_KEYRING=str(cli.keyring),
    )
    assert synced.returncode == 0, synced.stderr


def test_without_a_keychain_it_says_so_and_names_the_alternatives(cli: Cli) -> None:
    result = cli.run(
        *cli.add_flags(),
        "--password-stdin",
        stdin=cli.account.password + "\n",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    assert result.returncode == 2
    assert "no usable keychain" in result.stderr
    assert "FRONTDESK_IMAP_PASSWORD" in result.stderr
    assert "Traceback" not in result.stderr
    assert cli.account.password not in cli.config.read_text()
    # The environment variable then does the job.
    synced = cli.run(
        "sync",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        FRONTDESK_IMAP_PASSWORD=cli.account.password,
    )
    assert synced.returncode == 0, synced.stderr


def test_a_wrong_password_is_one_line_and_exit_2(cli: Cli) -> None:
    result = cli.run(*cli.add_flags(), "--password-stdin", stdin="wrong\n")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "login refused" in result.stderr
    assert not cli.config.exists()


def test_a_self_signed_server_without_ca_file_is_refused(cli: Cli) -> None:
    flags = cli.add_flags()
    index = flags.index("--ca-file")
    del flags[index : index + 2]
    result = cli.run(*flags, "--password-stdin", stdin=cli.account.password + "\n")
    assert result.returncode == 2
    assert "certificate not trusted" in result.stderr and "ca_file" in result.stderr


def test_account_test_names_folders_sent_and_extensions(cli: Cli) -> None:
    cli.configure()
    result = cli.run("account", "test", FRONTDESK_IMAP_PASSWORD=cli.account.password)
    assert result.returncode == 0, result.stderr
    assert "Sent folder: Sent" in result.stdout
    assert "IDLE" in result.stdout and "CONDSTORE" in result.stdout
    assert "INBOX" in result.stdout


def test_sync_without_an_account_or_password_is_a_clear_error(cli: Cli) -> None:
    cli.config.write_text("")
    result = cli.run("sync")
    assert result.returncode == 2 and "account add" in result.stderr
    cli.configure()
    result = cli.run("sync", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    assert result.returncode == 2 and "FRONTDESK_IMAP_PASSWORD" in result.stderr


def test_sync_exits_1_only_when_it_could_not_reach_the_server(cli: Cli) -> None:
    from tests.servers.dovecot import free_port

    cli.configure("\n[sync]\nretries = 1\n")
    port = str(cli.account.server.imaps_port)
    cli.config.write_text(cli.config.read_text().replace(f"port = {port}", f"port = {free_port()}"))
    result = cli.run("sync", FRONTDESK_IMAP_PASSWORD=cli.account.password)
    assert result.returncode == 1
    assert result.stderr.startswith("frontdesk: sync failed:")
    assert result.stderr.count("\n") == 1


def test_a_sync_that_stored_mail_measures_its_waits_for_the_reports(cli: Cli) -> None:
    """A report then reads the waits stored: it does not measure a big sync's worth first."""
    client = cli.account.client()
    client.append("INBOX", mail(message_id="<w1@northwind.test>", subject="Export fails"))
    client.append("INBOX", mail(message_id="<w2@northwind.test>", subject="Invoice wrong"))
    client.logout()
    cli.configure()
    result = cli.run("sync", FRONTDESK_IMAP_PASSWORD=cli.account.password)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(cli.db) as conn:
        assert conn.execute("SELECT count(*) FROM waits_stale").fetchone() == (0,)
        assert conn.execute("SELECT count(DISTINCT conversation_id) FROM waits").fetchone() == (2,)


def test_two_syncs_never_run_at_once(cli: Cli) -> None:
    cli.configure()
    with SyncLock(cli.db):
        result = cli.run("sync", FRONTDESK_IMAP_PASSWORD="x")
        with pytest.raises(AlreadyRunning):
            SyncLock(cli.db).acquire()
    assert result.returncode == 2 and "already running" in result.stderr


def test_a_crashed_sync_leaves_no_lock(cli: Cli) -> None:
    code = (
        f"from mail.lock import SyncLock; SyncLock({str(cli.db)!r}).acquire(); import os; "
        "os.kill(os.getpid(), 9)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False)
    with SyncLock(cli.db):
        pass


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM messages").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not created yet


def test_sigkill_at_many_points_then_resume_matches_the_server_exactly(cli: Cli) -> None:
    messages = demo.generate(conversations=1200, now=NOW)[:3000]
    messages.insert(1500, b"\xff\xfe\x00 not mail")  # a parser reject in the middle
    client = cli.account.client()
    for start in range(0, len(messages), 300):
        client.multiappend("INBOX", messages[start : start + 300])
    client.logout()
    cli.configure("\n[sync]\nbatch_size = 100\nsync_sent = false\nclose_older_than_days = 0\n")
    env = {"FRONTDESK_IMAP_PASSWORD": cli.account.password}

    kills = 0
    for threshold in (1, 250, 700, 1300, 1900, 2600):
        process = cli.popen("sync", **env)
        deadline = time.monotonic() + 60
        while _count(cli.db) < threshold and process.poll() is None:
            assert time.monotonic() < deadline, "sync made no progress"
            time.sleep(0.02)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    # And kills at arbitrary moments, inside transactions as likely as between them.
    for delay in (0.15, 0.4):
        process = cli.popen("sync", **env)
        time.sleep(delay)
        process.kill()
        process.wait()

    final = cli.run("sync", **env)
    assert final.returncode == 0, final.stderr
    assert kills >= 4

    with sqlite3.connect(cli.db) as conn:
        stored = [row[0] for row in conn.execute("SELECT message_id FROM messages")]
        uids = {
            row[0]
            for row in conn.execute(
                "SELECT uid FROM folder_messages fm JOIN folders f ON f.id = fm.folder_id"
                " WHERE f.name = 'INBOX'"
            )
        }
        flagged = conn.execute(
            "SELECT count(*) FROM messages WHERE parse_error IS NOT NULL"
        ).fetchone()[0]
        total_in_conversations = conn.execute(
            "SELECT sum(message_count) FROM conversations"
        ).fetchone()[0]
    client = cli.account.client()
    client.select_folder("INBOX")
    server = set(client.search(["ALL"]))
    client.logout()
    assert uids == server
    assert len(stored) == len(messages) == len(set(stored))
    assert flagged == 1
    assert total_in_conversations == len(messages)


def test_watch_delivers_new_mail_within_five_seconds(cli: Cli) -> None:
    cli.configure()
    process = cli.popen("sync", "--watch", FRONTDESK_IMAP_PASSWORD=cli.account.password)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "synced" in first, process.stderr.read() if process.stderr else ""
        time.sleep(0.5)
        client = cli.account.client()
        client.append("INBOX", mail(message_id="<watched@x.test>"))
        client.logout()
        arrived = time.monotonic()
        while time.monotonic() - arrived < 5 and _count(cli.db) < 1:
            time.sleep(0.05)
        assert _count(cli.db) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
    assert process.returncode == 0
