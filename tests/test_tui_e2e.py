"""`frontdesk demo` for real, in a real terminal (tmux, 120×35): start, navigate, reply,
close, quit; the reply lands in the demo outbox file, the store has the close."""

from __future__ import annotations

import mailbox
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import Store

ROOT = Path(__file__).resolve().parent.parent
FRONTDESK = Path(sys.executable).parent / "frontdesk"

# Under CI=true a missing tmux fails the test instead (scripts/test installs it).
pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None and os.environ.get("CI") != "true",
    reason="tmux is not installed (apt-get install tmux)",
)


class Terminal:
    """A tmux server of our own (its own socket: no other tmux's settings, no clash)."""

    def __init__(self, socket: str, session: str) -> None:
        self.socket = socket
        self.session = session

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True,
            timeout=10,
        ).stdout  # fmt: skip

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never showed; the screen was:\n{shown}")
            time.sleep(0.1)

    def alive(self) -> bool:
        found = subprocess.run(
            ["tmux", "-L", self.socket, "has-session", "-t", self.session],
            capture_output=True,
            check=False,
        )
        return found.returncode == 0


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    socket = f"frontdesk-e2e-{uuid.uuid4().hex[:8]}"
    session = "demo"
    env = {
        "HOME": str(tmp_path),
        "PATH": os.environ.get("PATH", ""),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    # The tmux server inherits this process's environment, where COLUMNS/LINES may be set
    # (they would override the real terminal size): the app runs without them.
    command = f"env -u COLUMNS -u LINES {FRONTDESK} demo --dir {tmp_path / 'demo'}"
    subprocess.run(
        [
            "tmux", "-L", socket, "new-session", "-d", "-s", session, "-x", "120", "-y", "35",
            *[arg for name, value in env.items() for arg in ("-e", f"{name}={value}")],
            command,
        ],
        check=True,
        cwd=ROOT,
        timeout=10,
    )  # fmt: skip
    terminal = Terminal(socket, session)
    socket_path = terminal.tmux("display-message", "-p", "#{socket_path}").strip()
    yield terminal
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, check=False)
    Path(socket_path).unlink(missing_ok=True)


def test_frontdesk_demo_start_navigate_reply_close_quit(terminal: Terminal, tmp_path: Path) -> None:
    shown = terminal.wait_for("Needs reply", timeout=30)
    assert "demo, no network" in shown
    terminal.keys("j", "j", "Enter")
    shown = terminal.wait_for("3 of ")
    # Subject and customer: the demo has two customers asking under one subject.
    header = shown.splitlines()[:2]
    total = int(re.search(r"3 of (\d+)", shown).group(1))  # type: ignore[union-attr]
    terminal.keys("r")
    terminal.wait_for("Reply to ")
    terminal.type("Thanks for the patience, this is fixed now.")
    terminal.keys("C-s")
    terminal.wait_for("outbox 1")
    terminal.keys("e")  # close: it has no category tag, so the demo asks for one first
    terminal.wait_for("Tag before closing")
    terminal.keys("C-s")  # close without a tag: on to the next one
    shown = terminal.wait_for(f"3 of {total - 1}")
    assert shown.splitlines()[:2] != header
    # The undo window (10 s in the demo) passes, then the reply goes to the outbox file.
    terminal.wait_for("outbox 0", timeout=30)
    terminal.keys("q")
    terminal.wait_for("Needs reply")
    terminal.keys("q")
    deadline = time.monotonic() + 10
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not terminal.alive(), "frontdesk did not quit"

    (sent,) = list(mailbox.mbox(tmp_path / "demo" / "demo-outbox.mbox"))
    assert "this is fixed now" in str(sent.get_payload(decode=True), "utf-8")
    with Store.open(tmp_path / "demo" / "demo.db") as store:
        closed = store.scalar(
            "SELECT count(*) FROM events WHERE kind = 'closed' AND actor = 'Dana Whitfield'"
            " AND at > strftime('%s', 'now') - 600"
        )
        replied = store.scalar("SELECT count(*) FROM outbox WHERE state = 'sent'")
    assert (closed, replied) == (1, 1)
