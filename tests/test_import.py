"""`frontdesk import`: mbox files, Maildir folders, .eml files and folders mixing them; support
addresses; errors; and a kill in the middle of a large import."""

from __future__ import annotations

import json
import mailbox
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage import conversations, messages
from storage.db import Store
from tests.conftest import SUPPORT, later, mail, run_cli

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.usefixtures("isolated_cli")
run = run_cli


def write_mbox(path: Path, raws: list[bytes]) -> Path:
    box = mailbox.mbox(path)
    for raw in raws:
        box.add(raw)
    box.flush()
    box.close()
    return path


def write_maildir(path: Path, new: list[bytes], cur: list[bytes]) -> Path:
    box = mailbox.Maildir(path)
    for raw in new:
        box.add(raw)
    for raw in cur:
        msg = mailbox.MaildirMessage(raw)
        msg.set_subdir("cur")
        msg.set_flags("S")
        box.add(msg)
    box.close()
    return path


def customer_mail(n: int, **kwargs: object) -> bytes:
    defaults: dict[str, object] = {
        "sender": f"Customer {n} <c{n}@cust.test>",
        "subject": f"Question {n}",
        "message_id": f"<q{n}@cust.test>",
        "date": later(n),
        "body": f"Question number {n}, please help.\n",
    }
    defaults.update(kwargs)
    return mail(**defaults)  # type: ignore[arg-type]


def our_answer(n: int, sender: str = SUPPORT) -> bytes:
    return mail(
        sender=sender,
        to=f"c{n}@cust.test",
        subject=f"Re: Question {n}",
        message_id=f"<a{n}@acme.test>",
        in_reply_to=f"<q{n}@cust.test>",
        date=later(n + 0.5),
        body="Here is the answer.\n",
    )


def test_import_mbox_prints_the_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    box = write_mbox(tmp_path / "in.mbox", [customer_mail(1), customer_mail(2), our_answer(1)])
    code, out, err = run(capsys, "import", str(box), "--support-address", SUPPORT)
    assert code == 0, err
    assert "3 read, 3 stored, 0 duplicates, 0 flagged" in out
    code, out, _ = run(capsys, "import", str(box))
    assert code == 0
    assert "3 read, 0 stored, 3 duplicates, 0 flagged" in out
    with Store.open(store_path) as store:
        assert store.scalar("SELECT count(*) FROM messages") == 3
        counts = sorted(c.message_count for c in conversations.queue(store, "all"))
        assert counts == [1, 2]
        # Its waits measured, as a sync's are: a report reads them stored.
        assert store.scalar("SELECT count(*) FROM waits_stale") == 0
        assert store.scalar("SELECT count(DISTINCT conversation_id) FROM waits") == 2


def test_import_maildir_reads_new_and_cur(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    box = write_maildir(
        tmp_path / "Maildir", [customer_mail(1)], [customer_mail(2), customer_mail(3)]
    )
    assert len(os.listdir(box / "new")) == 1 and len(os.listdir(box / "cur")) == 2
    code, out, err = run(capsys, "import", str(box))
    assert code == 0, err
    assert "3 read, 3 stored, 0 duplicates, 0 flagged" in out
    with Store.open(store_path) as store:
        subjects = {c.subject for c in conversations.queue(store, "all")}
    assert subjects == {"Question 1", "Question 2", "Question 3"}


def test_import_single_eml_keeps_its_bytes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    raw = customer_mail(1)
    eml = tmp_path / "one.eml"
    eml.write_bytes(raw)
    code, out, _ = run(capsys, "import", str(eml))
    assert code == 0
    assert "1 read, 1 stored, 0 duplicates, 0 flagged" in out
    with Store.open(store_path) as store:
        row_id = store.scalar("SELECT id FROM messages")
        assert messages.raw_message(store, row_id) == raw


def test_import_a_folder_mixing_sources(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    write_mbox(folder / "archive.mbox", [customer_mail(1), customer_mail(2)])
    write_mbox(folder / "Sent", [our_answer(1)])  # an mbox without extension
    write_maildir(folder / "Inbox", [customer_mail(3)], [customer_mail(4)])
    (folder / "loose.eml").write_bytes(customer_mail(5))
    nested = folder / "2025" / "old"
    nested.mkdir(parents=True)
    (nested / "older.EML").write_bytes(customer_mail(6))
    (folder / "README.txt").write_text("not mail\n")
    (folder / ".hidden.eml").write_bytes(customer_mail(7))

    code, out, err = run(capsys, "import", str(folder), "--support-address", SUPPORT)
    assert code == 0, err
    assert "7 read, 7 stored, 0 duplicates, 0 flagged" in out
    with Store.open(store_path) as store:
        rows = {c.subject: c for c in conversations.queue(store, "all")}
    assert set(rows) == {f"Question {n}" for n in range(1, 7)}
    assert rows["Question 1"].message_count == 2
    assert not rows["Question 1"].awaiting_reply


def test_import_with_an_unparsable_message_flags_it_and_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.eml").write_bytes(customer_mail(1))
    (folder / "b.eml").write_bytes(b"\x00\x01\x02 garbage without any header\n\nbody\n")
    (folder / "c.eml").write_bytes(customer_mail(2))
    code, out, err = run(capsys, "import", str(folder))
    assert code == 0
    assert "3 read, 3 stored, 0 duplicates, 1 flagged" in out
    assert "b.eml" in err and "flagged" in err


def test_support_address_is_remembered_for_later_imports(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    first = write_mbox(
        tmp_path / "1.mbox", [customer_mail(1), our_answer(1, "Team <Team@Acme.test>")]
    )
    code, _, err = run(capsys, "import", str(first), "--support-address", "Team@Acme.test")
    assert code == 0, err
    second = write_mbox(tmp_path / "2.mbox", [customer_mail(2), our_answer(2, "team@acme.test")])
    code, _, err = run(capsys, "import", str(second))  # no flag this time
    assert code == 0, err
    with Store.open(store_path) as store:
        rows = conversations.queue(store, "all")
        assert len(rows) == 2
        for conversation in rows:
            assert conversation.message_count == 2
            assert not conversation.awaiting_reply
            assert conversation.customer is not None
            assert conversation.customer.addr.endswith("@cust.test")
        assert store.scalar("SELECT addr FROM support_addresses") == "team@acme.test"


def test_missing_path_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    good = tmp_path / "ok.eml"
    good.write_bytes(customer_mail(1))
    code, out, err = run(capsys, "import", str(good), str(tmp_path / "nope.mbox"))
    assert code == 2
    assert err.count("\n") == 1 and "nope.mbox" in err
    assert out == ""


@pytest.mark.parametrize("address", ["nobody", "two words@acme.test", ""])
def test_invalid_support_address_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, address: str
) -> None:
    good = tmp_path / "ok.eml"
    good.write_bytes(customer_mail(1))
    code, out, err = run(capsys, "import", str(good), "--support-address", address)
    assert code == 2
    assert err.count("\n") == 1 and "--support-address" in err
    assert "stored" not in out


def test_empty_mbox_file_is_an_empty_mailbox(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    """Mail clients keep an empty file for an empty folder: it holds no message."""
    empty = tmp_path / "Sent"
    empty.write_bytes(b"")
    folder = tmp_path / "profile"
    folder.mkdir()
    (folder / "Drafts").write_bytes(b"")
    write_mbox(folder / "Inbox", [customer_mail(1)])
    code, out, _ = run(capsys, "import", str(empty), str(folder))
    assert code == 0
    assert "1 read, 1 stored, 0 duplicates, 0 flagged" in out
    with Store.open(store_path) as store:
        assert store.scalar("SELECT count(*) FROM messages WHERE parse_error IS NOT NULL") == 0


@pytest.mark.timeout(20)
def test_path_that_is_not_a_file_or_folder_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "import", str(fifo))  # must neither hang nor crash
    assert code == 2
    assert err.count("\n") == 1 and "pipe" in err
    sock_path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        code, _, err = run(capsys, "import", str(sock_path))
    assert code == 2
    assert err.count("\n") == 1 and "sock" in err


def test_import_end_to_end_in_a_subprocess(tmp_path: Path) -> None:
    box = write_mbox(tmp_path / "in.mbox", [customer_mail(1), our_answer(1)])
    db = tmp_path / "sub" / "fd.db"
    env = subprocess_env(tmp_path, db)
    args = [sys.executable, "-m", "tui.cli", "import", str(box), "--support-address", SUPPORT]
    done = subprocess.run(args, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert "2 read, 2 stored, 0 duplicates, 0 flagged" in done.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "tui.cli", "list", "--json", "--status", "all"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert (row["message_count"], row["status"], row["awaiting_reply"]) == (2, "pending", False)
    missing = subprocess.run(
        [sys.executable, "-m", "tui.cli", "import", str(tmp_path / "missing")],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr


def subprocess_env(tmp_path: Path, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update(
        FRONTDESK_DB=str(db),
        XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
    )
    return env


# -- a kill between batches -------------------------------------------------------------------

THREADS = 300
TOTAL = 3000

_TEMPLATE = (
    "From c{t}@cust.test Mon Nov  2 09:00:00 2026\n"
    "From: Customer {t} <c{t}@cust.test>\n"
    "To: support@acme.test\n"
    "Subject: {prefix}Issue {t}\n"
    "Date: Mon, 02 Nov 2026 {hh:02d}:{mm:02d}:{ss:02d} +0000\n"
    "Message-ID: <m{i}@big.test>\n"
    "{refs}"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Message {i} in thread {t}.\n"
    "\n"
)


def write_big_mbox(path: Path) -> None:
    """TOTAL messages in THREADS threads of TOTAL/THREADS, each reply referencing the last."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(TOTAL):
            t = i % THREADS
            refs = f"References: <m{i - THREADS}@big.test>\n" if i >= THREADS else ""
            seconds = 9 * 3600 + i
            out.write(
                _TEMPLATE.format(
                    t=t,
                    i=i,
                    refs=refs,
                    prefix="Re: " if i >= THREADS else "",
                    hh=seconds // 3600,
                    mm=seconds // 60 % 60,
                    ss=seconds % 60,
                )
            )


def count_stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        return 0
    try:
        return int(conn.execute("SELECT count(*) FROM messages").fetchone()[0])
    except sqlite3.Error:  # schema not there yet
        return 0
    finally:
        conn.close()


def assert_consistent(store: Store) -> None:
    assert store.scalar("PRAGMA integrity_check") == "ok"
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    stale = store.conn.execute(
        """SELECT c.id FROM conversations c
           WHERE c.message_count != (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)
              OR c.last_message_at != (SELECT max(date) FROM messages m WHERE m.conversation_id = c.id)"""
    ).fetchall()
    assert stale == []
    assert store.scalar("SELECT count(*) FROM messages_fts") == store.scalar(
        "SELECT count(*) FROM messages"
    )


def test_killed_import_leaves_a_consistent_store_that_a_rerun_completes(tmp_path: Path) -> None:
    box = tmp_path / "big.mbox"
    write_big_mbox(box)
    db = tmp_path / "kill" / "fd.db"
    env = subprocess_env(tmp_path, db)
    args = [sys.executable, "-m", "tui.cli", "import", str(box)]

    child = subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    seen = 0
    deadline = time.monotonic() + 60
    try:
        while child.poll() is None and time.monotonic() < deadline:
            seen = count_stored(db)
            if seen > 0:
                child.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL, "the import finished before it could be killed"
    assert 0 < seen < TOTAL

    with Store.open(db) as store:
        after_kill = int(store.scalar("SELECT count(*) FROM messages"))
        assert 0 < after_kill < TOTAL
        assert after_kill % 500 == 0  # whole batches only
        assert_consistent(store)

    rerun = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    stored = TOTAL - after_kill
    assert f"{TOTAL} read, {stored} stored, {after_kill} duplicates, 0 flagged" in rerun.stdout

    with Store.open(db) as store:
        assert store.scalar("SELECT count(*) FROM messages") == TOTAL
        assert store.scalar("SELECT count(DISTINCT message_id) FROM messages") == TOTAL
        assert_consistent(store)
        rows = conversations.queue(store, "all")
        assert len(rows) == THREADS
        assert sum(c.message_count for c in rows) == TOTAL
        assert {c.message_count for c in rows} == {TOTAL // THREADS}
        assert all(c.awaiting_reply for c in rows)
        assert {c.subject for c in rows} == {f"Issue {t}" for t in range(THREADS)}
