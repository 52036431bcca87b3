"""The peer for the start-up bench: neomutt opening the same mail as a Maildir, cold (header
cache emptied) and warm (header cache kept), time to its first index screen, driven in tmux.

Run: .venv/bin/python bench/neomutt_peer.py [--conversations N] [--days D] [--runs R]
Needs neomutt and tmux, both from Debian: apt-get install neomutt tmux. The store is the cached
big store (bench/big_store.py); its messages are exported once, from the raw bytes the store
keeps, as a Maildir in the bench cache (a folder named after the store file). Each run spawns
neomutt in a fresh 120x35 tmux session and polls the pane every 10 ms until index lines are on
screen and the reading counter is gone. Before each cold run the header cache is emptied and,
when the kernel allows it, the OS page cache is dropped; warm runs reuse the header cache the
previous run wrote. bench/tui_speed.py imports `neomutt_start_times` to compare.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.big_store import big_store
from bench.machine import describe
from storage.db import Store
from storage.messages import iter_raw

COLUMNS, ROWS = 120, 35
POLL_SECONDS = 0.01
FIRST_SCREEN_TIMEOUT_SECONDS = 900.0  # a cold start on 290,000 files takes minutes, not hours
EXPORT_MARKER = "export-complete.json"
# IMAP system flags and their Maildir info letters (https://cr.yp.to/proto/maildir.html).
MAILDIR_FLAG_LETTERS = {
    "\\Draft": "D",
    "\\Flagged": "F",
    "\\Answered": "R",
    "\\Seen": "S",
    "\\Deleted": "T",
}
# Neomutt's default index_format, set explicitly so that the line pattern below matches it:
# message number, flags, date, then author, size and subject (not matched: a wide character
# in a name shifts the columns).
INDEX_FORMAT = "%4C %Z %{%b %d} %-15.15L (%?l?%4l&%4c?) %s"
INDEX_LINE = re.compile(r"^ *\d+ .{3} [A-Z][a-z]{2} [ \d]\d ")
# What neomutt shows when it cannot go on by itself (a configuration error, for one).
STUCK_PROMPT = "Press any key to continue..."
# The status bar, drawn below the index lines: with them, the whole first frame is there.
STATUS_BAR = re.compile(r"^-.*NeoMutt: ")
# What neomutt writes on its message line while it loads ("Reading /path... 340/4647 (7%)").
LOADING_WORDS = ("Reading ", "Scanning ", "Sorting ")


def export_dir(store: Path) -> Path:
    """Where the Maildir export of `store` is cached: beside it, named after the file."""
    return store.with_name(f"{store.stem}.maildir")


@contextlib.contextmanager
def _read_only(store: Path) -> Iterator[sqlite3.Connection]:
    """A connection that can neither migrate nor change the store."""
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def _store_signature(store: Path) -> dict[str, int]:
    """What identifies the store's mail: its messages, not the file's mtime, which changes
    whenever frontdesk opens the store (a checkpoint, a migration)."""
    with _read_only(store) as conn:
        count, last_id = conn.execute("SELECT count(*), max(id) FROM messages").fetchone()
    return {"store_messages": count, "store_last_message_id": last_id or 0}


def _info_letters(row_flags: str | None, seen_by_us: bool) -> str:
    """Maildir info letters for a message: the server's flags when the store has a copy of
    them; otherwise frontdesk's own knowledge (our messages, closed or viewed conversations)
    stands in for \\Seen, since a store built without a sync keeps no server flags."""
    if row_flags is None:
        return "S" if seen_by_us else ""
    flags = set(row_flags.split())
    return "".join(sorted(letter for flag, letter in MAILDIR_FLAG_LETTERS.items() if flag in flags))


def export_maildir(store: Path, target: Path) -> tuple[int, int]:
    """Writes every message of the store at `store` into the Maildir `target` (created with
    cur/, new/, tmp/), with CRLF turned into LF as Maildir on Unix expects; returns how many
    messages and how many bytes it wrote.

    The store is opened read-only: no migration runs and nothing in it changes. Messages
    without flags (unread) go to new/ without info, the rest to cur/ with their flags, as a
    mail client would have left them."""
    with _read_only(store) as conn:
        server_flags: dict[int, str] = {}
        for row_id, flags in conn.execute("SELECT message_id, flags FROM folder_messages"):
            server_flags[row_id] = f"{server_flags.get(row_id, '')} {flags}"
        seen_by_us = {
            row[0]
            for row in conn.execute(
                "SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                " WHERE m.is_ours OR c.status = 'closed' OR m.received_at <= c.last_viewed_at"
            )
        }
        for folder in ("cur", "new", "tmp"):
            (target / folder).mkdir(parents=True, exist_ok=True)
        written = 0
        written_bytes = 0
        # Store() around the read-only connection, not Store.open(), which would migrate.
        # Not mailbox.Maildir: carrying flags needs a MaildirMessage, which parses every
        # message; this only writes bytes.
        for row_id, raw, received_at in iter_raw(Store(Database(conn), store), batch=2000):
            letters = _info_letters(server_flags.get(row_id), row_id in seen_by_us)
            name = f"{received_at}.M{row_id}.frontdesk-export"
            path = target / "cur" / f"{name}:2,{letters}" if letters else target / "new" / name
            written_bytes += path.write_bytes(raw.replace(b"\r\n", b"\n"))
            written += 1
    return written, written_bytes


def cached_export(store: Path) -> tuple[Path, int]:
    """The Maildir export of `store` and its message count, exported first unless a complete
    export of the same messages is already there (the marker, written last, records which)."""
    folder = export_dir(store)
    marker = folder / EXPORT_MARKER
    signature = _store_signature(store)
    if marker.exists():
        recorded = json.loads(marker.read_text())
        if {key: recorded.get(key) for key in signature} == signature:
            return folder / "INBOX", int(recorded["messages"])
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    messages, maildir_bytes = export_maildir(store, folder / "INBOX")
    export = {
        "messages": messages,
        "maildir_bytes": maildir_bytes,
        "export_seconds": round(time.perf_counter() - started, 1),
        "exported_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
    }
    marker.write_text(json.dumps({**signature, **export}))
    return folder / "INBOX", messages


def drop_os_cache() -> bool:
    """Asks the kernel to drop its clean page cache (needs root, outside most containers);
    False when it may not, and the cold runs then read files the OS may still hold."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def require_neomutt() -> None:
    """Stops with what to install when neomutt or tmux is missing."""
    missing = [tool for tool in ("neomutt", "tmux") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(
            f"{' and '.join(missing)} not found: install with `apt-get install -y"
            f" {' '.join(missing)}` (Debian packages) and run again"
        )


def write_muttrc(path: Path, maildir: Path, header_cache: Path) -> None:
    """A throwaway neomutt configuration: the Maildir as spool file, threads like a support
    user reads them, a header cache, and nothing that would check other mail or prompt."""
    path.write_text(
        "\n".join(
            [
                "set mbox_type=Maildir",
                f'set folder="{maildir.parent}"',
                f'set spoolfile="{maildir}"',
                f'set header_cache="{header_cache}/"',
                "set sort=threads",
                f'set index_format="{INDEX_FORMAT}"',
                "set mail_check=3600",
                "set mail_check_stats=no",
                "set timeout=0",
                # Leaving the mailbox must not move new/ to cur/: every run reads the same files.
                "set mark_old=no",
                "set quit=yes",
                "",
            ]
        )
    )


class Tmux:
    """A tmux control-mode client (`tmux -C`) on a private server (its own socket, in the
    bench's temporary folder), so runs neither see nor disturb other sessions. Commands go
    down one pipe: polling the screen every 10 ms spawns no process, and takes little CPU
    from the program being timed."""

    def __init__(self, socket: Path) -> None:
        # The client sits in an idle session of its own: control mode streams the output of
        # the panes it is attached to, and neomutt's must not flood the pipe.
        self.process = subprocess.Popen(
            ["tmux", "-S", str(socket), "-C", "new-session", "-s", "idle", "cat"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )

    def run(self, *args: str) -> list[str]:
        """The output lines of one tmux command; RuntimeError with tmux's message if it fails."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(" ".join(shlex.quote(arg) for arg in args) + "\n")
        self.process.stdin.flush()
        # A reply is framed by `%begin TIME NUMBER FLAGS` and `%end` (or `%error`) with the
        # same fields; flags 1 marks this client's commands, anything else is a notification.
        for line in self.process.stdout:
            if line.startswith("%begin ") and line.split()[-1] == "1":
                fields = line.split(maxsplit=1)[1]
                break
        else:
            raise RuntimeError("tmux control client ended")
        output: list[str] = []
        for line in self.process.stdout:
            if line in (f"%end {fields}", f"%error {fields}"):
                if line.startswith("%error"):
                    raise RuntimeError(f"tmux {args[0]}: {' '.join(output)}")
                return output
            output.append(line.rstrip("\n"))
        raise RuntimeError("tmux control client ended")

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.run("kill-server")
        self.process.wait()


@contextlib.contextmanager
def tmux_server(folder: Path) -> Iterator[Tmux]:
    """A private tmux server for the runs, its socket in `folder`, ended afterwards."""
    tmux = Tmux(folder / "tmux.sock")
    try:
        yield tmux
    finally:
        tmux.close()


def is_first_screen(lines: list[str]) -> bool:
    """Index lines and the status bar below them are on screen, and no loading counter is
    left (the counter starts its line; a subject with the same word never does)."""
    return (
        any(INDEX_LINE.match(line) for line in lines)
        and any(STATUS_BAR.match(line) for line in lines)
        and not any(line.startswith(LOADING_WORDS) for line in lines)
    )


def first_screen_seconds(tmux: Tmux, muttrc: Path) -> float:
    """Seconds from spawning neomutt to its first index screen; neomutt is quit afterwards."""
    session = "neomutt"
    command = f"env LANG=C.UTF-8 neomutt -n -F {shlex.quote(str(muttrc))}"
    started = time.perf_counter()
    tmux.run("new-session", "-d", "-s", session, "-x", str(COLUMNS), "-y", str(ROWS), command)
    try:
        while True:
            screen = tmux.run("capture-pane", "-p", "-t", session)
            if is_first_screen(screen):
                return time.perf_counter() - started
            waited_seconds = time.perf_counter() - started
            stuck = any(STUCK_PROMPT in line for line in screen)
            if waited_seconds > FIRST_SCREEN_TIMEOUT_SECONDS or stuck:
                last_screen = "\n".join(screen)
                raise RuntimeError(f"neomutt showed no index; its screen:\n{last_screen}")
            time.sleep(POLL_SECONDS)
    finally:
        # Wait for neomutt to close the mailbox, so the next run finds the header cache whole.
        deadline = time.perf_counter() + 60
        while session in tmux.run("list-sessions", "-F", "#{session_name}"):
            if time.perf_counter() > deadline:
                tmux.run("kill-session", "-t", session)
            else:
                tmux.run("send-keys", "-t", session, "q")
            time.sleep(0.1)


def neomutt_start_times(store: Path, runs: int) -> dict[str, list[float]]:
    """Seconds to neomutt's first index screen over the store's mail as a Maildir: `runs`
    cold starts (header cache emptied, OS page cache dropped when allowed) then `runs` warm
    starts (header cache from the previous run)."""
    require_neomutt()
    maildir, _ = cached_export(store)
    seconds: dict[str, list[float]] = {"cold": [], "warm": []}
    with tempfile.TemporaryDirectory(prefix="neomutt-peer-") as tmp, tmux_server(Path(tmp)) as tmux:
        header_cache = Path(tmp) / "header-cache"
        muttrc = Path(tmp) / "muttrc"
        write_muttrc(muttrc, maildir, header_cache)
        for _ in range(runs):
            shutil.rmtree(header_cache, ignore_errors=True)
            header_cache.mkdir()
            drop_os_cache()
            seconds["cold"].append(first_screen_seconds(tmux, muttrc))
        for _ in range(runs):
            seconds["warm"].append(first_screen_seconds(tmux, muttrc))
    return seconds


def p95(values: list[float]) -> float:
    """95th percentile, nearest rank."""
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365, help="how far back the mail goes")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    require_neomutt()
    store = big_store(args.conversations, args.days)
    print(describe())
    version = subprocess.run(["neomutt", "-v"], check=True, capture_output=True, text=True).stdout
    print(f"peer: {version.splitlines()[0]}, {COLUMNS}x{ROWS} tmux, sort=threads")
    maildir, messages = cached_export(store)
    export = json.loads((maildir.parent / EXPORT_MARKER).read_text())
    print(
        f"maildir: {messages:,} messages, {export['maildir_bytes'] / 2**20:,.0f} MB in"
        f" {maildir}, exported in {export['export_seconds']:.0f} s at {export['exported_at']}"
    )
    dropped = drop_os_cache()
    print(
        "cold: header cache emptied, OS page cache dropped before each run"
        if dropped
        else "cold: header cache emptied; OS page cache NOT dropped (no permission)"
    )
    # The machine may be shared: the load on either side of the runs says how much to trust them.
    load_before = os.getloadavg()[0]
    seconds = neomutt_start_times(store, args.runs)
    print(
        f"load average (1 min): {load_before:.1f} before the runs, {os.getloadavg()[0]:.1f} after"
    )
    for kind, values in seconds.items():
        runs = ", ".join(f"{value:.2f}" for value in values)
        print(
            f"neomutt {kind:4} median {statistics.median(values):7.2f} s"
            f"  p95 {p95(values):7.2f} s  (runs: {runs})"
        )


if __name__ == "__main__":
    main()
