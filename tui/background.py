"""The long-running work behind the app, as plain loops for thread workers: the sync (IDLE
when the server has it, polling otherwise), the sender that flushes the outbox; and the watch
that tells the screens when another connection changed the store.

Each loop opens its own store and reports through a callback; it ends when `stop` is set.
Failures are reported, never raised: the app stays usable on what the store holds.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mail.config import Config
from storage import sla
from storage.db import Store
from storage.errors import FrontdeskError

if TYPE_CHECKING:
    from mail.send import Transport

OFFLINE, CONNECTING, SYNCING, IDLE, POLLING, ERROR, ELSEWHERE, DEMO = (
    "offline", "connecting", "syncing", "idle", "polling", "error", "elsewhere", "demo"
)  # fmt: skip


@dataclass(frozen=True)
class SyncState:
    """Where the sync stands. `detail` is the reason (offline, error) or the progress."""

    kind: str
    detail: str = ""
    last_sync: datetime | None = None
    stored: int = 0  # new messages in the sync just finished


@dataclass(frozen=True)
class OutboxReport:
    sent: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()
    unavailable: str = ""  # why nothing can be sent (no SMTP account…)


def sync_forever(
    db_path: Path,
    config: Config,
    stop: threading.Event,
    report: Callable[[SyncState], None],
    now: Callable[[], datetime],
    lock_attempts: int = 40,
) -> None:
    """Keeps the store in step with the configured mailbox until `stop` is set."""
    from mail import secrets
    from mail.account import endpoint, sync_settings
    from mail.customers import refresh_waits
    from mail.imap import ConnectionFailed, close_quietly
    from mail.lock import AlreadyRunning, SyncLock
    from mail.sync import Progress, SyncEngine, SyncError, SyncReport

    try:
        imap = endpoint(config, "imap")
        password = secrets.get_password("imap", imap.username, imap.host)
    except FrontdeskError as exc:
        report(SyncState(OFFLINE, str(exc)))
        return
    lock = SyncLock(db_path)
    # A restarted sync ("sync now") waits for the one it replaces to let go of the lock.
    for attempt in range(lock_attempts):
        try:
            lock.acquire()
            break
        except AlreadyRunning:
            if attempt == lock_attempts - 1 or stop.wait(0.25):
                report(SyncState(ELSEWHERE, "another frontdesk process syncs this store"))
                return
    idle = False
    last: datetime | None = None

    def progress(step: Progress) -> None:
        report(SyncState(SYNCING, f"{step.folder} {step.done}/{step.total}", last))

    def finished(result: SyncReport) -> None:
        nonlocal last
        if result.total("stored"):
            refresh_waits(store, config)  # a report then reads them stored
        last = now()
        report(SyncState(IDLE if idle else POLLING, "", last, result.total("stored")))

    def failed(exc: FrontdeskError) -> None:
        # A lost connection is retried; a refused login or certificate ends the watch.
        retrying = isinstance(exc, ConnectionFailed | SyncError)
        report(SyncState(ERROR, f"{exc} (retrying)" if retrying else str(exc), last))

    try:
        with Store.open(db_path) as store:
            engine = SyncEngine(
                store, imap, password, config.support_addresses(), sync_settings(config), progress
            )
            report(SyncState(CONNECTING, imap.describe()))
            try:
                client: Any = engine.connect()
                idle = b"IDLE" in client.capabilities()
                close_quietly(client)
            except FrontdeskError as exc:
                failed(exc)
            engine.watch(stop, float(config.sync.poll_seconds), on_report=finished, on_error=failed)
    except FrontdeskError as exc:  # a refused login or certificate: retrying will not help
        report(SyncState(ERROR, str(exc), last))
    finally:
        lock.release()


def send_forever(
    db_path: Path,
    config: Config,
    transport: Callable[[], Transport],
    stop: threading.Event,
    report: Callable[[OutboxReport], None],
    now: Callable[[], datetime],
    interval: float = 1.0,
) -> None:
    """Delivers what the outbox has due, every `interval` seconds, until `stop` is set."""
    from mail.send import Sender

    try:
        chosen = transport()
    except FrontdeskError as exc:
        report(OutboxReport(unavailable=str(exc)))
        return
    try:
        with Store.open(db_path) as store:
            sender = Sender(store, config, chosen, now=now)
            while not stop.is_set():
                flush_once(sender, report)
                stop.wait(interval)
    finally:
        chosen.close()


def flush_once(sender: Any, report: Callable[[OutboxReport], None]) -> None:
    result = sender.flush()
    if result.sent or result.failed or result.errors:
        report(OutboxReport(result.sent, result.failed, tuple(result.errors)))


class StoreWatch:
    """What the look at the store every few seconds remembers, so that a look when nothing
    changed opens no store and runs one pragma: `look` says whether the screens must show the
    store again (a message, an event or the outbox changed, or the minute their clocks show).

    While the app runs, SLA breaches are journaled as they happen (the reports count them):
    again only when the store changed since the last look (a due time may have moved) or a
    due time or a snooze passed since."""

    def __init__(self, db_path: Path, now: Callable[[], datetime]) -> None:
        self.db_path = db_path
        self.now = now
        self._lock = threading.Lock()  # looks run in worker threads: one at a time
        # `PRAGMA data_version` changes when another connection commits, as seen by the one it
        # is read on: this one, kept open across looks (and threads) for that alone.
        self._versions: sqlite3.Connection | None = None
        self._version: int | None = None
        self._fingerprint: tuple[int, ...] | None = None
        self._minute = ""
        self._next_breach_at: datetime | None = None

    def look(self, open_store: Callable[[], AbstractContextManager[Store]]) -> bool:
        with self._lock:
            now = self.now()
            if self._versions is None:
                self._versions = sqlite3.connect(self.db_path, check_same_thread=False)
            version = int(self._versions.execute("PRAGMA data_version").fetchone()[0])
            breach_due = self._next_breach_at is not None and now >= self._next_breach_at
            fingerprint = self._fingerprint
            if version != self._version or breach_due:
                # Read before the look writes its own breaches: the next look then sees them
                # as a change, once, rather than miss another writer's meanwhile.
                self._version = version
                with open_store() as store:
                    sla.record_breaches(store, now)
                    self._next_breach_at = sla.next_breach_check_at(store, now)
                    fingerprint = store_fingerprint(store)
            minute = f"{now:%Y%m%d%H%M}"
            shown_again = self._fingerprint is not None and (
                fingerprint != self._fingerprint or minute != self._minute
            )
            self._fingerprint, self._minute = fingerprint, minute
            return shown_again

    def close(self) -> None:
        with self._lock:
            if self._versions is not None:
                self._versions.close()
                self._versions = None


def store_fingerprint(store: Store) -> tuple[int, ...]:
    """Changes whenever what the screens show changed: a message, an event, the outbox (a
    conversation only read, or a draft saved, leaves it as it was)."""
    found = store.conn.execute(
        "SELECT (SELECT coalesce(max(id), 0) FROM messages),"
        " (SELECT coalesce(max(id), 0) FROM events),"
        " (SELECT coalesce(max(updated_at), 0) FROM outbox),"
        " (SELECT count(*) FROM outbox)"
    ).fetchone()
    return tuple(int(value) for value in found)


@dataclass
class StopSignals:
    """One event per background loop, all set when the app exits."""

    events: list[threading.Event] = field(default_factory=list)

    def new(self) -> threading.Event:
        event = threading.Event()
        self.events.append(event)
        return event

    def set_all(self) -> None:
        for event in self.events:
            event.set()
