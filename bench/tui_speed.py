"""How the app feels on a big store: 100,000 conversations (the demo generator scaled up, with a
team's work on top; see bench/big_store.py), against neomutt opening the same mail (issue 10).

Run: .venv/bin/python bench/tui_speed.py [--conversations N] [--days D] [--runs R] [--presses P]
     [--samples S] [--no-peer | --peer-runs R] [--markdown]
Needs tmux, pyte (pip install -e '.[bench]') and, for the peer, neomutt
(bench/neomutt_peer.py). The cached store is never written to: it is copied to a temporary
folder and opened once there, untimed (migrations, the config's customer rules, the SLA
breaches so far, and the waits a sync measures of what it stores: the builder stores without
syncing), so every timed run starts from a store the app has already opened today. All runs
then share that copy; what they write (a conversation read, a tag, a few closes) is small
beside 100,000 conversations.

- Cold start: a fresh `frontdesk --db COPY` (no subcommand, no account: the app opens offline
  on the store) in a 120x35 tmux session, the pane polled every 10 ms: time from spawning to
  the first queue rows on screen, and to the first key accepted (`j` sent as soon as rows show,
  until the cursor row is drawn one lower). Each run twice: with the store file in the OS page
  cache (an app restarted), and evicted from it first (posix_fadvise, as after a reboot). Then
  the run goes on: 1,000 `j` sent at once and Enter, and the process's resident memory is read
  from /proc once the conversation is on screen.
- Keys: in-process, `App.run_test(size=(120, 35))` on the same copy, the store poll and sync
  loops off. Each key is posted as the terminal driver posts it, then timed until its action
  ran, every worker it started is done, everything they posted is handled and the screen is
  repainted. Each frame is rendered to terminal bytes, as a real terminal would be sent, and
  fed to a terminal emulator (pyte); the key's time ends at the last frame that changed a cell
  of the screen (character, colour or attribute). A frame that draws again what the terminal
  already shows is not waited for by anyone; the time to the last frame drawn, those included,
  is printed too. Pilot's `press` is not used: it sleeps 20 ms at least per key.
- CLI: `frontdesk list --json --limit 50` and `frontdesk report --days 180 --json`, wall time
  of a fresh process; `frontdesk --help` is Python start-up and imports alone.
Percentiles are nearest rank, over all runs of a step; the median is the middle value.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyte
from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerState

from bench.big_store import big_store
from bench.machine import describe

# The same twenty queries as the store-level bench, so the store's share of a search can be
# told from the screen's.
from bench.search_speed import QUERIES
from mail.config import load_config
from mail.customers import refresh_waits
from storage.queues import QueueKey
from tui.app import FrontdeskApp
from tui.backend import Backend
from tui.screens.conversation import ConversationScreen
from tui.screens.queue import QueueScreen
from tui.screens.search import SearchScreen
from tui.screens.tag_picker import TagPickerScreen

FRONTDESK = str(Path(sys.executable).parent / "frontdesk")
# Subprocesses run this tree's code, even where another frontdesk is installed in the venv
# (the lead runs this script from an exported commit to measure it apart from work in
# progress).
ENV = os.environ | {"PYTHONPATH": str(ROOT)}
# An installed app starts from compiled bytecode; a shell with PYTHONDONTWRITEBYTECODE set
# would make every cold start compile the sources again (~140 ms of CPU). The bytecode goes to
# a folder of its own, outside the tree; the first run of the script compiles it (warm-up).
PYCACHE = Path(tempfile.gettempdir()) / "frontdesk-bench-pycache"
ENV.pop("PYTHONDONTWRITEBYTECODE", None)
ENV["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
COLUMNS, ROWS = 120, 35
POLL_SECONDS = 0.01
CONFIG = """\
[team]
me = "Dana Whitfield"
members = ["Dana Whitfield", "Sam Rivera"]
"""
SEARCH_FIRST = "search, each query's first run on the copy (its index pages read from disk)"
TARGETS_MS = {"cold": 1000.0, "step": 50.0, "open": 100.0, "search": 150.0, "report": 1000.0}
RSS_TARGET_MB = 300.0


# -- figures ------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(fraction * len(ordered)) - 1]


@dataclasses.dataclass(frozen=True)
class Target:
    """What a figure is held to: `limit` at the percentile `statistic` (median, p95, p99)."""

    statistic: str
    limit: float
    unit: str = "ms"


@dataclasses.dataclass
class Figure:
    """One row of the table: a step's timings (or memory), shown beside its target."""

    name: str
    values: list[float]  # milliseconds, or MB for memory
    target: Target | None = None
    unit: str = "ms"
    note: str = ""

    def stat(self, statistic: str) -> float:
        if statistic == "median":
            return statistics.median(self.values)
        return percentile(self.values, int(statistic[1:]) / 100)

    def verdict(self) -> str:
        if self.target is None:
            return ""
        met = self.stat(self.target.statistic) <= self.target.limit
        return (
            f"{'PASS' if met else 'MISS'} ({self.target.statistic} ≤"
            f" {self.target.limit:,.0f} {self.target.unit})"
        )

    def cells(self) -> list[str]:
        def shown(value: float) -> str:
            return f"{value:,.0f} {self.unit}" if value >= 10 else f"{value:,.1f} {self.unit}"

        return [
            self.name,
            str(len(self.values)),
            shown(self.stat("median")),
            shown(self.stat("p95")),
            shown(self.stat("p99")),
            self.verdict(),
        ]


HEADERS = ["step", "n", "median", "p95", "p99", "target"]


def print_table(figures: list[Figure], markdown: bool) -> None:
    rows = [figure.cells() for figure in figures]
    if markdown:
        print("| " + " | ".join(HEADERS) + " |")
        print("| " + " | ".join("---" for _ in HEADERS) + " |")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(row[i]) for row in [HEADERS, *rows]) for i in range(len(HEADERS))]
    for row in [HEADERS, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


# -- the store copy -------------------------------------------------------------------------


def prepare_copy(cached: Path, folder: Path, config_path: Path) -> Path:
    """A copy of the cached store, opened once as the app opens it (untimed)."""
    copy = folder / "store.db"
    started = time.perf_counter()
    shutil.copyfile(cached, copy)
    copied = time.perf_counter() - started
    backend = Backend(copy, load_config(config_path, True), lambda: datetime.now(UTC))
    backend.apply_config()
    backend.record_breaches()
    with backend.store() as store:
        refresh_waits(store, backend.config)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(
        f"copy: {copied:.0f} s to copy, {time.perf_counter() - started - copied:.0f} s to open"
        " it once (migrations, customer rules, breaches, waits): not part of any figure"
    )
    return copy


def evict_from_os_cache(db: Path) -> None:
    """Drops the store's pages from the OS page cache (this file only, no root needed)."""
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if not path.exists():
            continue
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)  # dirty pages cannot be dropped
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


# -- cold start in tmux ---------------------------------------------------------------------


ESCAPES = re.compile(r"\x1b\[[0-9;:?]*[A-Za-z]")
SIDEBAR_EDGE = "│"


class Tmux:
    """A private tmux server (its own socket): runs neither see nor disturb other sessions."""

    def __init__(self, socket_name: str) -> None:
        self.socket_name = socket_name

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-u", "-L", self.socket_name, *args],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


@contextmanager
def tmux_server() -> Iterator[Tmux]:
    """Kept alive by an idle session, so each timed run only adds a session."""
    tmux = Tmux(f"tui-speed-{os.getpid()}")
    tmux.run("new-session", "-d", "-s", "idle", "-x", str(COLUMNS), "-y", str(ROWS), "cat")
    try:
        yield tmux
    finally:
        subprocess.run(
            ["tmux", "-L", tmux.socket_name, "kill-server"], check=False, capture_output=True
        )


def table_rows(screen: str) -> list[str] | None:
    """The queue table's lines right of the sidebar, escapes kept (the cursor row is drawn in
    its own colours), once the header and a first row are on screen; else None."""
    lines = screen.splitlines()
    for index, line in enumerate(lines[:-1]):
        plain = ESCAPES.sub("", line)
        if "Customer" in plain and "Subject" in plain:
            rows = [row.partition(SIDEBAR_EDGE)[2] for row in lines[index + 1 : index + 4]]
            if ESCAPES.sub("", rows[0]).strip():
                return rows
    return None


@dataclasses.dataclass(frozen=True)
class ColdRun:
    first_rows_seconds: float
    first_key_seconds: float
    browse_seconds: float  # 1,000 `j` sent at once, then Enter, until the conversation shows
    rss_mb: float
    peak_rss_mb: float


def _wait_for(tmux: Tmux, session: str, done: Callable[[str], bool], timeout: float) -> str:
    deadline = time.perf_counter() + timeout
    while True:
        screen = tmux.run("capture-pane", "-p", "-e", "-t", session)
        if done(screen):
            return screen
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the app did not get there in time; last screen:\n{screen}")
        time.sleep(POLL_SECONDS)


def _memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of the process, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cold_run(tmux: Tmux, db: Path, config: Path, presses: int) -> ColdRun:
    session = "frontdesk"
    command = (
        f"exec env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX={PYCACHE} PYTHONPATH={ROOT}"
        f" FRONTDESK_CONFIG={config} LANG=C.UTF-8 {FRONTDESK} --db {db}"
    )
    started = time.perf_counter()
    tmux.run("new-session", "-d", "-s", session, "-x", str(COLUMNS), "-y", str(ROWS), command)
    pid = int(tmux.run("display-message", "-p", "-t", session, "#{pane_pid}"))
    try:
        first = table_rows(_wait_for(tmux, session, lambda s: table_rows(s) is not None, 120))
        assert first is not None
        first_rows = time.perf_counter() - started
        tmux.run("send-keys", "-t", session, "j")

        def moved(screen: str) -> bool:
            rows = table_rows(screen)
            return rows is not None and rows[0] != first[0] and rows[1] != first[1]

        _wait_for(tmux, session, moved, 60)
        first_key = time.perf_counter() - started
        browsing = time.perf_counter()
        tmux.run("send-keys", "-t", session, "-N", str(presses - 1), "j")
        tmux.run("send-keys", "-t", session, "Enter")
        _wait_for(tmux, session, lambda s: "n/p next/previous" in ESCAPES.sub("", s), 300)
        browse = time.perf_counter() - browsing
        rss, peak = _memory_mb(pid)
        return ColdRun(first_rows, first_key, browse, rss, peak)
    finally:
        tmux.run("kill-session", "-t", session)
        deadline = time.perf_counter() + 10
        while Path(f"/proc/{pid}").exists() and time.perf_counter() < deadline:
            time.sleep(0.05)


# -- keys, in-process -----------------------------------------------------------------------

LOOPS = ("sync", "sender")  # the workers that run as long as the app
CHARACTERS = {"enter": "\r", "tab": "\t", "escape": "\x1b", "space": " ", "slash": "/"}


class KeyClock:
    """Times keys on a running app: posts each as the driver does and waits until the app is
    settled, counting the actions run and the frames drawn. Every frame's terminal bytes also
    go to a terminal emulator (pyte), so a key's time can end at the last frame that changed
    what the terminal shows: a frame that draws again what is already there (Textual repaints
    a widget once more when its styles are refreshed after it was drawn) is not something the
    user waits for."""

    def __init__(self, pilot: Pilot[None]) -> None:
        self.pilot = pilot
        self.app: App[None] = pilot.app
        self.actions = 0
        self.last_frame = 0.0
        self.settled_ms = 0.0  # the last key's time to its settled screen, redundant frames too
        self._frames: list[tuple[float, str]] = []  # drawn, not yet fed to the terminal
        self._terminal = pyte.Screen(*self.app.size)
        self._stream = pyte.Stream(self._terminal)
        display, run_action = self.app._display, self.app.run_action

        def counted_display(screen: Any, renderable: Any) -> None:
            if renderable is not None and not self.app._batch_count:
                if hasattr(renderable, "render_segments"):  # what a terminal is sent
                    self._frames.append(
                        (time.perf_counter(), renderable.render_segments(self.app.console))
                    )
                self.last_frame = time.perf_counter()
            display(screen, renderable)

        async def counted_action(action: Any, default_namespace: Any = None) -> bool:
            try:
                return await run_action(action, default_namespace)
            finally:
                self.actions += 1

        self.app._display = counted_display  # type: ignore[method-assign]
        self.app.run_action = counted_action  # type: ignore[method-assign]
        # The screen as it is now, drawn whole: the frames after it update it.
        full = self.app.screen._compositor.render_update(full=True)
        self._stream.feed(full.render_segments(self.app.console))
        self._shown = self._screen_cells()

    def _screen_cells(self) -> tuple[tuple[Any, ...], ...]:
        """Every cell of the emulated terminal: its character and its colours and attributes."""
        buffer, (columns, rows) = self._terminal.buffer, self.app.size
        return tuple(tuple(buffer[y][x] for x in range(columns)) for y in range(rows))

    def _feed(self) -> float:
        """Feeds the frames drawn since the last call to the terminal; returns the time of the
        last one that changed a cell (0 when none did)."""
        changed = 0.0
        for drawn, output in self._frames:
            self._stream.feed(output)
            cells = self._screen_cells()
            if cells != self._shown:
                self._shown, changed = cells, drawn
        self._frames.clear()
        return changed

    def _working(self) -> str:
        """The worker still running ("" when none): checked first, as it costs the app
        nothing (waiting for the screen posts a message to every widget)."""
        for worker in self.app.workers:
            if worker.name not in LOOPS and worker.state in (
                WorkerState.PENDING,
                WorkerState.RUNNING,
            ):
                return f"worker {worker.name}"
        return ""

    def _drawing(self) -> str:
        """The frame the screen has still to draw ("" when none): checked before waiting for
        the widgets, as that wait costs the app a message to each of them."""
        screen = self.app.screen
        for flag in ("_layout_required", "_scroll_required", "_repaint_required"):
            if getattr(screen, flag):
                return f"screen {flag}"
        return "dirty widgets" if screen._dirty_widgets else ""

    def _busy(self) -> str:
        """What the screen is still doing ("" when nothing)."""
        screen = self.app.screen
        if drawing := self._drawing():
            return drawing
        for pump in [self.app, *screen.walk_children(with_self=True)]:
            if pump._message_queue.qsize():
                return f"messages for {pump!r}"
            for flag in ("_repaint_required", "_layout_required"):
                if getattr(pump, flag, False):
                    return f"{pump!r} {flag}"
        return ""

    async def settle(self, started: float, actions: int, timeout: float = 120) -> float:
        """Milliseconds from `started` to the last frame once the app is settled: the key's
        action ran, no worker runs, every message is handled and the screen is drawn, twice
        in a row. The end is the last frame's time, so how often this looks does not count;
        it looks every 2 ms, and only while no worker runs and no frame is due does it wait
        for the widgets (a message to each: about 1.5 ms of the app's time, which a frame due
        would wait behind)."""
        quiet = 0
        while quiet < 2:
            busy = "the key's action" if self.actions <= actions else self._working()
            busy = busy or self._drawing()
            if not busy:
                await self.pilot._wait_for_screen()
                busy = self._busy()
            if not busy:
                quiet += 1
                await asyncio.sleep(0)
                continue
            quiet = 0
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"the app did not settle in {timeout:.0f} s: {busy}")
            await asyncio.sleep(0.002)
        end = self.last_frame if self.last_frame > started else time.perf_counter()
        return (end - started) * 1000

    async def press(self, key: str) -> float:
        """Milliseconds from the key to the last frame that changed the screen (`settled_ms`:
        to the settled screen)."""
        self._feed()  # what was drawn before the key
        actions = self.actions
        started = time.perf_counter()
        assert self.app._driver is not None
        self.app._driver.send_message(
            events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None))
        )
        self.settled_ms = await self.settle(started, actions)
        changed = self._feed()
        return (changed - started) * 1000 if changed else self.settled_ms


async def time_keys(
    db: Path, config_path: Path, presses: int, samples: int
) -> tuple[list[Figure], list[Figure], list[Figure]]:
    """The keys' figures to the last change on screen, the same to the settled screen, and
    each search query's apart."""
    app = FrontdeskApp(db, load_config(config_path, True), background=False)
    timings: dict[str, list[float]] = {}
    settled: dict[str, list[float]] = {}  # the same keys, to the settled screen
    by_query: dict[str, list[float]] = {}
    rows_found: dict[str, int] = {}
    asked_first = 0

    def record(name: str, ms: float) -> None:
        timings.setdefault(name, []).append(ms)
        settled.setdefault(name, []).append(clock.settled_ms)

    async with app.run_test(size=(COLUMNS, ROWS)) as pilot:
        clock = KeyClock(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        while not queue.loaded:
            await pilot.pause()
        await clock.settle(time.perf_counter(), -1)
        rows = queue.table.row_count

        for _ in range(presses):
            record("j (next row)", await clock.press("j"))
        assert queue.table.cursor_row == min(presses, rows - 1)

        for _ in range(samples):
            await clock.press("k")
            expected = queue.table.current_id
            record("open a conversation (Enter)", await clock.press("enter"))
            assert isinstance(app.screen, ConversationScreen)
            assert app.screen.view is not None and app.screen.view.row.id == expected
            record("back to the queue (Esc)", await clock.press("escape"))
            assert app.screen is queue

        for _ in range(samples):
            before = queue.queue
            record("switch queue (Tab)", await clock.press("tab"))
            assert queue.queue != before
        while queue.queue != QueueKey.NEEDS_REPLY:
            await clock.press("tab")

        for _ in range(samples):
            await clock.press("j")
            record("tag: picker open (t)", await clock.press("t"))
            picker = app.screen
            assert isinstance(picker, TagPickerScreen)
            picker.toggle(picker._shown[0])  # the first category: on, or off where it was on
            await clock.settle(time.perf_counter(), -1)
            record("tag: apply (ctrl+s)", await clock.press("ctrl+s"))
            assert app.screen is queue

        await clock.press("enter")
        for _ in range(samples):
            conversation = app.screen
            assert isinstance(conversation, ConversationScreen)
            closed = conversation.conversation_id
            ms = await clock.press("e")
            if isinstance(app.screen, TagPickerScreen):  # untagged: it asks for a category
                asked_first += 1
                record("close: e, untagged, to the category prompt", ms)
                record("close: ctrl+s in the prompt, to the next", await clock.press("ctrl+s"))
            else:
                record("close and next (e)", ms)
            assert isinstance(app.screen, ConversationScreen)
            assert app.screen.conversation_id != closed
        await clock.press("escape")

        # Each query twice at least: its first run reads its part of the full-text index from
        # disk (the store was just copied; on this kind of VM the OS keeps little of a file it
        # has not read), the next from memory, as a store in use has it.
        for round_number in range(max(2, round(samples / len(QUERIES)))):
            first = round_number == 0
            for text in QUERIES:
                await clock.press("slash")
                search = app.screen
                assert isinstance(search, SearchScreen)
                search.query_one(Input).insert_text_at_cursor(text)
                await clock.settle(time.perf_counter(), -1)
                ms = await clock.press("enter")
                record(SEARCH_FIRST if first else "search (Enter on the query)", ms)
                by_query.setdefault(text, []).append(ms)
                assert app.screen is queue and queue.search_text == text
                rows_found[text] = queue.table.row_count
                await clock.press("escape")

    notes = {
        "close and next (e)": (
            f"{samples - asked_first} of {samples} closes; the other {asked_first} asked for a"
            " category first, each of their two keys timed on its own line"
        ),
        "switch queue (Tab)": "through all 15 queues in turn",
    }
    step = Target("p99", TARGETS_MS["step"])
    targets = {
        "open a conversation (Enter)": Target("p95", TARGETS_MS["open"]),
        "search (Enter on the query)": Target("p95", TARGETS_MS["search"]),
        SEARCH_FIRST: Target("p95", TARGETS_MS["search"]),
    }
    keys = [
        Figure(name, values, targets.get(name, step), note=notes.get(name, ""))
        for name, values in timings.items()
    ]
    queries = [
        Figure(f"/{text}  ({rows_found[text]:,} rows)", values) for text, values in by_query.items()
    ]
    to_settled = [Figure(name, values) for name, values in settled.items()]
    return keys, to_settled, queries


# -- the command line -----------------------------------------------------------------------


def time_command(args: list[str], config: Path, runs: int) -> list[float]:
    env = ENV | {"FRONTDESK_CONFIG": str(config)}
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([FRONTDESK, *args], env=env, check=True, capture_output=True)
        seconds.append((time.perf_counter() - started) * 1000)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365, help="how far back the mail goes")
    parser.add_argument("--runs", type=int, default=5, help="cold starts and CLI runs each")
    parser.add_argument("--presses", type=int, default=1000, help="`j` presses in a row")
    parser.add_argument(
        "--samples", type=int, default=20, help="times each other key is timed in-process"
    )
    parser.add_argument("--no-peer", action="store_true", help="skip neomutt")
    parser.add_argument(
        "--peer-runs",
        type=int,
        help="neomutt's cold and warm starts each (default: --runs; a cold one takes minutes)",
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    cached = big_store(args.conversations, args.days)
    print(describe())
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="tui-speed-") as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(CONFIG)
        db = prepare_copy(cached, Path(tmp), config)

        cold: dict[str, list[ColdRun]] = {"evicted": [], "cached": []}
        with tmux_server() as tmux:
            cold_run(tmux, db, config, args.presses)  # warm-up: compiles the bytecode once
            for _ in range(args.runs):
                evict_from_os_cache(db)
                cold["evicted"].append(cold_run(tmux, db, config, args.presses))
                cold["cached"].append(cold_run(tmux, db, config, args.presses))
        cold_target = Target("median", TARGETS_MS["cold"])
        for kind, words in (("cached", "store in OS cache"), ("evicted", "store not in OS cache")):
            runs = cold[kind]
            figures += [
                Figure(
                    f"cold start to queue rows ({words})",
                    [r.first_rows_seconds * 1000 for r in runs],
                    cold_target,
                ),
                Figure(
                    f"cold start to first key ({words})",
                    [r.first_key_seconds * 1000 for r in runs],
                    cold_target,
                ),
            ]
        figures.append(
            Figure(
                f"tmux: {args.presses:,} j sent at once + Enter, to the conversation",
                [r.browse_seconds * 1000 for r in cold["cached"]],
            )
        )
        every_run = cold["cached"] + cold["evicted"]
        memory = Target("p99", RSS_TARGET_MB, "MB")
        figures.append(
            Figure("resident memory after browsing", [r.rss_mb for r in every_run], memory, "MB")
        )
        figures.append(
            Figure("peak resident memory (VmHWM)", [r.peak_rss_mb for r in every_run], memory, "MB")
        )

        keys, to_settled, queries = asyncio.run(time_keys(db, config, args.presses, args.samples))
        figures += keys

        report_target = Target("median", TARGETS_MS["report"])
        figures += [
            Figure(
                "frontdesk --help (Python start-up)", time_command(["--help"], config, args.runs)
            ),
            Figure(
                "frontdesk list --json --limit 50",
                time_command(
                    ["--db", str(db), "list", "--json", "--limit", "50"], config, args.runs
                ),
            ),
            Figure(
                "frontdesk report --days 180 --json",
                time_command(
                    ["--db", str(db), "report", "--days", "180", "--json"], config, args.runs
                ),
                report_target,
            ),
        ]

    print(
        "keys: in-process at 120x35, from the key to the last frame that changed the screen,"
        " once its action ran, its workers finished and what they posted is on screen"
    )
    print_table(figures, args.markdown)
    for figure in figures:
        if figure.note:
            print(f"{'- ' if args.markdown else ''}{figure.name}: {figure.note}")
    print(
        "\nthe same keys to the settled screen: to the last frame drawn, frames that drew again"
        " what was on screen included:"
    )
    print_table(to_settled, args.markdown)
    print("\nsearch, each query: its first run on the copy, then again (rows shown, ≤ 1,000):")
    print_table(queries, args.markdown)
    usable = next(f for f in figures if f.name == "cold start to first key (store in OS cache)")
    frontdesk_cold = statistics.median(usable.values) / 1000
    if args.no_peer:
        print("peer: skipped (--no-peer): no ratio to neomutt")
    else:
        from bench.neomutt_peer import neomutt_start_times

        peer = neomutt_start_times(cached, args.peer_runs or args.runs)
        warm = statistics.median(peer["warm"])
        print(
            f"neomutt to its first index: cold median {statistics.median(peer['cold']):.2f} s,"
            f" warm median {warm:.2f} s"
        )
        ratio = frontdesk_cold / warm
        print(
            f"frontdesk cold start / neomutt warm start: {ratio:.2f}x"
            f" {'PASS' if ratio < 1 else 'MISS'} (target < 1, faster than neomutt)"
        )
    load = os.getloadavg()
    print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
