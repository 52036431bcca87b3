"""Keeping the store in step with the IMAP server: new mail, flags both ways, tags as keywords
both ways, deletions, UIDVALIDITY changes, IDLE push. Never loses or duplicates a message.

Every batch of new messages commits together with the folder's (UID → message) links, so a kill
at any moment loses at most the batch in flight, which the next run fetches again. What is new
is decided by comparing the server's UID set with the stored one, never by \\Seen.

Tags merge as mbsync merges flags, with the flags last seen on each copy as the base: a tag
the store has and the base lacks was added here (its keyword is pushed to every copy of the
conversation's messages); a keyword the server has and the base lacks was added there (the
conversation gets the tag); a removal on either side removes, unless the other side added the
same tag meanwhile: additions win, a tag one side added is never dropped.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from multiprocessing import get_context
from typing import Any

from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from mail import keywords
from mail.imap import ConnectionFailed, Endpoint, close_quietly, connect
from mail.ingest import Ingestor, Reader, Reading
from mail.parse import message_ids, parse_message
from storage import folders, messages, tags, work
from storage.db import Store
from storage.errors import FrontdeskError
from storage.folders import Location
from storage.models import IncomingMessage

COMMON_SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "Sent Mail", "INBOX.Sent", "INBOX/Sent")
GMAIL_ALL_MAIL = "[Gmail]/All Mail"
_BODY = b"BODY[]"
_MESSAGE_ID_FIELD = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
_FLAGS_SLICE = 2000
SYNC_ACTOR = "sync"  # who the journal says tagged a conversation because of a keyword


class SyncError(FrontdeskError):
    """The sync could not complete."""


@dataclass(frozen=True)
class SyncSettings:
    folders: tuple[str, ...] = ("INBOX",)
    sent_folder: str = ""  # empty: detect (SPECIAL-USE \Sent, else a common name)
    sync_sent: bool = True
    batch_size: int = 200
    since: date | None = None
    close_older_than: timedelta | None = timedelta(days=30)
    subject_window: timedelta = timedelta(days=14)
    retries: int = 3
    retry_delay: float = 2.0
    timeout: float = 30.0


@dataclass
class FolderReport:
    name: str
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    flagged: int = 0
    vanished: int = 0
    flag_updates: int = 0
    flags_pushed: int = 0
    flags_refused: int = 0  # flag changes the server would not make (a keyword too long...)
    tags_in: int = 0  # tags put on or taken off conversations because of keywords
    tags_local: bool = False  # the folder keeps no new keywords: tags stay in the store
    uidvalidity_reset: bool = False


@dataclass
class SyncReport:
    folders: list[FolderReport] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    attempts: int = 1

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.folders)

    def summary(self) -> str:
        parts = [
            f"{self.total('fetched')} fetched",
            f"{self.total('stored')} stored",
            f"{self.total('duplicates')} duplicates",
            f"{self.total('flagged')} flagged",
            f"{self.total('vanished')} removed on server",
            f"{self.total('flag_updates')} flag changes in",
            f"{self.total('flags_pushed')} out",
        ]
        if self.total("flags_refused"):
            parts.append(f"{self.total('flags_refused')} flag changes refused by the server")
        if self.total("tags_in"):
            parts.append(f"{self.total('tags_in')} tag changes in")
        names = ", ".join(f.name for f in self.folders)
        local = [f.name for f in self.folders if f.tags_local]
        if local:
            parts.append(f"tags stay local ({', '.join(local)} keeps no new keywords)")
        return f"{names}: " + ", ".join(parts)


@dataclass(frozen=True)
class Progress:
    folder: str
    done: int
    total: int


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


def _flag_names(flags: Iterable[bytes | str]) -> frozenset[str]:
    """The flags worth keeping: \\Recent belongs to one session and changes by itself."""
    names = (f.decode("utf-8", "replace") if isinstance(f, bytes) else f for f in flags)
    return frozenset(name for name in names if name != "\\Recent")


PARALLEL_PARSE_FROM = 1000  # new messages; below this a second process costs more than it saves


@dataclass
class _Fetched:
    """One batch as fetched: raw messages to parse, flags, and Gmail copies already stored."""

    batch: list[int]
    uids: list[int] = field(default_factory=list)
    raws: list[tuple[bytes, datetime | None]] = field(default_factory=list)
    flags: dict[int, frozenset[str]] = field(default_factory=dict)
    gm_ids: dict[int, int] = field(default_factory=dict)
    known: dict[int, int] = field(default_factory=dict)


Parsed = list[tuple[IncomingMessage, Reading | None]]  # None: not read yet


def parse_batch(raws: list[tuple[bytes, datetime | None]]) -> Parsed:
    return [(parse_message(raw, received), None) for raw, received in raws]


class _Worker:
    """What the parse worker is given as it starts: once, as the detectors take a while to
    compile."""

    reader: Reader | None = None


def _start_worker(reader: Reader) -> None:
    _Worker.reader = reader


def _parse_and_read(raws: list[tuple[bytes, datetime | None]]) -> Parsed:
    """In the parse worker: parses, and reads the customers' messages too."""
    reader = _Worker.reader
    assert reader is not None
    parsed = [parse_message(raw, received) for raw, received in raws]
    return [(msg, reader.read_message(msg)) for msg in parsed]


class _Parsers:
    """Parses batches in a second process when `parallel`, else right here; either way each
    batch's result is a Future. The worker also reads customers' messages with `reader`, which
    the storing process would otherwise do. A worker that dies is replaced by parsing in this
    process."""

    def __init__(self, parallel: bool, reader: Reader) -> None:
        self._pool: ProcessPoolExecutor | None = None
        if parallel and (os.cpu_count() or 1) > 1:
            self._pool = ProcessPoolExecutor(
                1,
                mp_context=get_context("forkserver"),
                initializer=_start_worker,
                initargs=(reader,),
            )

    def submit(self, raws: list[tuple[bytes, datetime | None]]) -> Future[Parsed]:
        if self._pool is not None:
            try:
                return _Resilient(self._pool.submit(_parse_and_read, raws), raws)
            except BrokenProcessPool:
                self._pool = None
        done: Future[Parsed] = Future()
        done.set_result(parse_batch(raws))
        return done

    def __enter__(self) -> _Parsers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


class _Resilient(Future[Parsed]):
    """A worker's answer, or the same batch parsed here if the worker died."""

    def __init__(self, inner: Future[Parsed], raws: list[Any]) -> None:
        super().__init__()
        self._inner = inner
        self._raws = raws

    def result(self, timeout: float | None = None) -> Parsed:
        try:
            return self._inner.result(timeout)
        except BrokenProcessPool:
            return parse_batch(self._raws)


def _utc(moment: object) -> datetime | None:
    """An IMAP INTERNALDATE as an aware UTC datetime (imapclient gives naive local times)."""
    if not isinstance(moment, datetime):
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def detect_sent_folder(client: Any) -> str | None:
    """SPECIAL-USE \\Sent when the server marks it, else a common name that exists."""
    listed = client.list_folders()
    names = [name for _flags, _sep, name in listed]
    for flags, _sep, name in listed:
        if b"\\Sent" in flags or "\\Sent" in flags:
            return str(name)
    for candidate in COMMON_SENT_NAMES:
        if candidate in names:
            return candidate
    lowered = {str(n).lower(): str(n) for n in names}
    for candidate in COMMON_SENT_NAMES:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None


class SyncEngine:
    """One store, one account. `run_once()` syncs every folder; `watch()` keeps at it."""

    def __init__(
        self,
        store: Store,
        endpoint: Endpoint,
        password: str,
        support_addresses: Iterable[str],
        settings: SyncSettings | None = None,
        progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.store = store
        self.endpoint = endpoint
        self.password = password
        self.settings = settings or SyncSettings()
        self.ingestor = Ingestor(store, support_addresses, self.settings.subject_window)
        self.progress = progress

    # -- connection and retries ------------------------------------------------------------

    def connect(self) -> Any:
        client = connect(self.endpoint, self.password, self.settings.timeout)
        if b"CONDSTORE" in client.capabilities():
            client.enable("CONDSTORE")  # SELECT then reports HIGHESTMODSEQ
        return client

    def run_once(self, sleep: Callable[[float], object] = time.sleep) -> SyncReport:
        """Syncs every folder, retrying lost connections with backoff; raises when it could
        not sync at all (a refused login or certificate is not retried)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                report = self._sync_all()
            except ConnectionFailed as exc:
                if attempt > self.settings.retries:
                    raise SyncError(f"{exc} (gave up after {attempt} attempts)") from exc
                sleep(self.settings.retry_delay * 2 ** (attempt - 1))
                continue
            report.attempts = attempt
            return report

    def _sync_all(self) -> SyncReport:
        client = self.connect()
        report = SyncReport()
        try:
            for name in self.folder_names(client):
                report.folders.append(self.sync_folder(client, name))
            # Tags learned in one folder reach the copies in folders synced before it.
            for folder_report in report.folders:
                if not folder_report.tags_local:
                    folder_report.flags_pushed += self._push_tags(
                        client, folder_report.name, folder_report
                    )
        except (OSError, IMAPClientError) as exc:
            close_quietly(client)
            raise ConnectionFailed(f"{self.endpoint.describe()}: connection lost ({exc})") from exc
        close_quietly(client)
        return report

    def folder_names(self, client: Any) -> list[str]:
        names = list(self.settings.folders)
        if self.settings.sync_sent:
            sent = self.settings.sent_folder or detect_sent_folder(client)
            if sent and sent not in names:
                names.append(sent)
        if GMAIL_ALL_MAIL not in self.settings.folders:
            names = [n for n in names if n != GMAIL_ALL_MAIL]
        return names

    # -- staying in step --------------------------------------------------------------------

    def watch(
        self,
        stop: threading.Event,
        poll_seconds: float = 60.0,
        on_report: Callable[[SyncReport], None] | None = None,
        on_error: Callable[[FrontdeskError], None] | None = None,
    ) -> None:
        """Syncs, then waits for mail with IDLE on the first folder (polling every
        `poll_seconds` when the server has no IDLE), until `stop` is set. A full sync of every
        folder also runs every `poll_seconds`. A lost connection is reported and retried with
        backoff; a refused login or certificate is reported and ends the watch."""
        failures = 0
        while not stop.is_set():
            try:
                report = self.run_once(sleep=stop.wait)
                failures = 0
                if on_report is not None:
                    on_report(report)
                self._wait_for_mail(stop, poll_seconds, on_report)
            except (SyncError, ConnectionFailed) as exc:
                failures += 1
                if on_error is not None:
                    on_error(exc)
                stop.wait(min(300.0, self.settings.retry_delay * 2 ** min(failures, 8)))
            except FrontdeskError as exc:  # a refused login or certificate: retrying won't help
                if on_error is not None:
                    on_error(exc)
                return

    def _wait_for_mail(
        self,
        stop: threading.Event,
        poll_seconds: float,
        on_report: Callable[[SyncReport], None] | None,
    ) -> None:
        client = self.connect()
        try:
            if b"IDLE" not in client.capabilities():
                stop.wait(poll_seconds)
                return
            folder = self.settings.folders[0]
            client.select_folder(folder)
            deadline = time.monotonic() + poll_seconds
            while not stop.is_set() and time.monotonic() < deadline:
                client.idle()
                responses: list[Any] = []
                # Short waits so a stop request is noticed; re-IDLE well inside 29 minutes.
                while not responses and not stop.is_set() and time.monotonic() < deadline:
                    responses = client.idle_check(timeout=1)
                client.idle_done()
                if responses:
                    report = SyncReport(folders=[self.sync_folder(client, folder)])
                    if on_report is not None:
                        on_report(report)
        except (OSError, IMAPClientError) as exc:
            raise ConnectionFailed(f"{self.endpoint.describe()}: connection lost ({exc})") from exc
        finally:
            close_quietly(client)

    # -- one folder -----------------------------------------------------------------------------

    def sync_folder(self, client: Any, name: str) -> FolderReport:
        report = FolderReport(name)
        info = client.select_folder(name)
        uidvalidity = int(info[b"UIDVALIDITY"])
        uidnext = int(info[b"UIDNEXT"]) if b"UIDNEXT" in info else None
        server_modseq = int(info[b"HIGHESTMODSEQ"]) if b"HIGHESTMODSEQ" in info else None
        with self.store.atomic():
            state = folders.folder(self.store, name)
        if state.uidvalidity is not None and state.uidvalidity != uidvalidity:
            report.uidvalidity_reset = self._uidvalidity_changed(client, state.id)
            state = folders.FolderState(state.id, name, None, None, None, state.last_sync_at)
        report.tags_local = not keywords.accepts_keywords(info.get(b"PERMANENTFLAGS"))
        if not report.tags_local:
            self._queue_tag_keywords(state.id)

        report.flags_pushed = self._push_flags(client, state.id, report)
        server_uids = set(client.search(["ALL"]))
        local = folders.locations(self.store, state.id)
        vanished = set(local) - server_uids
        if vanished:
            with self.store.atomic():
                report.vanished = folders.remove_locations(self.store, state.id, vanished)

        new = sorted(server_uids - set(local))
        if new and self.settings.since is not None:
            recent = set(client.search(["SINCE", self.settings.since]))
            new = [uid for uid in new if uid in recent]
        self._fetch_new(client, state, new, uidvalidity, uidnext, report)

        known = sorted(set(local) - vanished)
        report.flag_updates = self._pull_flags(client, state.id, known, state.highestmodseq, report)
        with self.store.atomic():
            folders.save_state(
                self.store,
                state.id,
                uidvalidity=uidvalidity,
                uidnext=uidnext,
                highestmodseq=server_modseq,
            )
        return report

    def _fetch_new(
        self,
        client: Any,
        state: folders.FolderState,
        uids: list[int],
        uidvalidity: int,
        uidnext: int | None,
        report: FolderReport,
    ) -> None:
        """Fetches, parses and stores new messages batch by batch. On a big fetch, parsing (and
        reading customers' mail for churn and sales signals) runs in a second process while
        this one fetches and stores: a pipeline over two cores."""
        close_before = None
        if self.settings.close_older_than is not None:
            close_before = datetime.now(UTC) - self.settings.close_older_than
        gmail = b"X-GM-EXT-1" in client.capabilities()
        done = 0
        parallel = len(uids) >= PARALLEL_PARSE_FROM
        with _Parsers(parallel, self.ingestor.reader) as parsers:
            in_flight: deque[tuple[_Fetched, Future[Parsed]]] = deque()
            for batch in _chunks(uids, self.settings.batch_size):
                fetched = self._fetch_batch(client, batch, gmail)
                in_flight.append((fetched, parsers.submit(fetched.raws)))
                if len(in_flight) > 1:  # one batch parses while the one before is stored
                    done += self._store_fetched(
                        state, *in_flight.popleft(), uidvalidity, uidnext, close_before, report
                    )
                    self._report_progress(state, done, len(uids))
            while in_flight:
                done += self._store_fetched(
                    state, *in_flight.popleft(), uidvalidity, uidnext, close_before, report
                )
                self._report_progress(state, done, len(uids))

    def _report_progress(self, state: folders.FolderState, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(Progress(state.name, done, total))

    def _fetch_batch(self, client: Any, batch: list[int], gmail: bool) -> _Fetched:
        fetched = _Fetched(batch)
        if gmail:
            answer = client.fetch(batch, ["X-GM-MSGID"])
            fetched.gm_ids = {uid: int(data[b"X-GM-MSGID"]) for uid, data in answer.items()}
            by_gm = messages.rows_by_gm_msgid(self.store, fetched.gm_ids.values())
            fetched.known = {uid: by_gm[gm] for uid, gm in fetched.gm_ids.items() if gm in by_gm}
        wanted = [uid for uid in batch if uid not in fetched.known]
        response = client.fetch(wanted, ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"]) if wanted else {}
        for uid in wanted:
            data = response.get(uid)
            if data is None or _BODY not in data:
                continue  # expunged between SEARCH and FETCH: it is gone, nothing to store
            fetched.uids.append(uid)
            fetched.raws.append((bytes(data[_BODY]), _utc(data.get(b"INTERNALDATE"))))
            fetched.flags[uid] = _flag_names(data.get(b"FLAGS", ()))
        if fetched.known:
            for uid, data in client.fetch(sorted(fetched.known), ["FLAGS"]).items():
                fetched.flags[uid] = _flag_names(data.get(b"FLAGS", ()))
        return fetched

    def _store_fetched(
        self,
        state: folders.FolderState,
        fetched: _Fetched,
        parsing: Future[Parsed],
        uidvalidity: int,
        uidnext: int | None,
        close_before: datetime | None,
        report: FolderReport,
    ) -> int:
        """Stores one batch with its (UID → message) links and the folder state, in one
        transaction; the keywords of the new copies become tags. Returns how many UIDs the
        batch covered."""
        results = parsing.result()
        parsed = [(msg, str(uid)) for (msg, _), uid in zip(results, fetched.uids, strict=True)]
        readings = [reading for _, reading in results]
        with self.store.atomic():
            stored = self.ingestor.store_batch(parsed, close_before, readings)
            rows = dict(zip(fetched.uids, stored.message_rows, strict=True))
            for uid, row_id in rows.items():
                if uid in fetched.gm_ids:
                    messages.set_gm_msgid(self.store, row_id, fetched.gm_ids[uid])
            rows.update(fetched.known)
            folders.add_locations(
                self.store,
                state.id,
                [
                    Location(uid, row_id, fetched.flags.get(uid, frozenset()), None)
                    for uid, row_id in rows.items()
                ],
            )
            if not report.tags_local:
                report.tags_in += self._adopt_keywords(state.id, fetched.flags)
            folders.save_state(
                self.store,
                state.id,
                uidvalidity=uidvalidity,
                uidnext=uidnext,
                highestmodseq=state.highestmodseq,
            )
        report.fetched += len(parsed)
        report.stored += stored.stored
        report.duplicates += stored.duplicates + len(fetched.known)
        report.flagged += stored.flagged
        return len(fetched.batch)

    # -- flags ------------------------------------------------------------------------------------

    def _push_flags(self, client: Any, folder_id: int, report: FolderReport | None = None) -> int:
        """Sends local flag changes (+FLAGS/-FLAGS, so the server's other changes survive).
        A change the server refuses (a keyword it will not keep) is dropped and the copy's
        flags put back as they were, so the refusal is not later taken for a removal."""
        changes = folders.pending_flag_changes(self.store, folder_id)
        refused: list[folders.FlagChange] = []
        for change in changes:
            try:
                if change.add:
                    client.add_flags([change.uid], sorted(change.add), silent=True)
                if change.remove:
                    client.remove_flags([change.uid], sorted(change.remove), silent=True)
            except IMAPClientAbortError:
                raise
            except IMAPClientError:
                refused.append(change)
        if changes:
            with self.store.atomic():
                folders.clear_flag_changes(self.store, [c.id for c in changes])
                for change in refused:
                    folders.undo_flag_change(self.store, change)
        if report is not None:
            report.flags_refused += len(refused)
        return len(changes) - len(refused)

    def _pull_flags(
        self,
        client: Any,
        folder_id: int,
        uids: list[int],
        since_modseq: int | None,
        report: FolderReport,
    ) -> int:
        if not uids:
            return 0
        condstore = b"CONDSTORE" in client.capabilities()
        changed: list[tuple[int, frozenset[str], int | None]] = []
        known = folders.locations(self.store, folder_id)
        # imapclient's fetch takes a list of UIDs (it filters its answer by them), so the
        # command line is kept short by asking in slices.
        for batch in _chunks(uids, _FLAGS_SLICE):
            if condstore and since_modseq:
                response = client.fetch(
                    batch, ["FLAGS"], modifiers=[f"CHANGEDSINCE {since_modseq}"]
                )
            else:
                response = client.fetch(batch, ["FLAGS"])  # a flags scan
            for uid, data in response.items():
                flags = _flag_names(data.get(b"FLAGS", ()))
                location = known.get(uid)
                if location is not None and location.flags != flags:
                    modseq = data.get(b"MODSEQ")
                    changed.append((uid, flags, int(modseq[0]) if modseq else None))
        if changed:
            with self.store.atomic():
                if not report.tags_local:
                    before = {uid: known[uid].flags for uid, _flags, _modseq in changed}
                    after = {uid: flags for uid, flags, _modseq in changed}
                    report.tags_in += self._merge_keywords(folder_id, before, after)
                folders.set_flags(self.store, folder_id, changed)
        return len(changed)

    # -- tags as keywords -----------------------------------------------------------------------

    def _queue_tag_keywords(self, folder_id: int) -> int:
        """Queues the keyword changes that make each copy in the folder carry exactly its
        conversation's tags: what was tagged or untagged here since the copy was last seen
        (its flags then are the base), and conversations' tags on copies new to them."""
        changes: list[tuple[int, frozenset[str], frozenset[str]]] = []
        for location in folders.tagged_locations(self.store, folder_id):
            carried = keywords.tags_in(location.flags)
            wanted = location.conversation_tags
            add = frozenset(
                keyword
                for tag in wanted - carried.keys()
                if (keyword := keywords.tag_keyword(tag)) is not None
            )
            remove = frozenset(
                keyword for tag in carried.keys() - wanted for keyword in carried[tag]
            )
            if add or remove:
                changes.append((location.uid, add, remove))
        if not changes:
            return 0
        return folders.queue_location_changes(self.store, folder_id, changes)

    def _push_tags(self, client: Any, name: str, report: FolderReport) -> int:
        """A second push, after every folder was pulled, of the keywords tags learned later
        in the run call for (selects the folder only when there is something to push)."""
        with self.store.atomic():
            state = folders.folder(self.store, name)
        if not self._queue_tag_keywords(state.id):
            return 0
        client.select_folder(name)
        return self._push_flags(client, state.id, report)

    def _adopt_keywords(self, folder_id: int, found: dict[int, frozenset[str]]) -> int:
        """Tags the conversations of newly stored copies with the tags their keywords carry,
        except a tag taken off here since (the copy then holds an old keyword). Runs inside
        the batch's transaction. Returns how many tags were put on."""
        carrying = {uid: keywords.tags_in(flags) for uid, flags in found.items()}
        carrying = {uid: found_tags for uid, found_tags in carrying.items() if found_tags}
        if not carrying:
            return 0
        added = 0
        owners = folders.conversations_of(self.store, folder_id, carrying)
        for uid, found_tags in carrying.items():
            conversation_id = owners.get(uid)
            if conversation_id is None:
                continue
            for tag in found_tags:
                if not tags.removed_here(self.store, conversation_id, tag):
                    added += work.add_tag(self.store, [conversation_id], tag, actor=SYNC_ACTOR)
        return added

    def _merge_keywords(
        self, folder_id: int, before: dict[int, frozenset[str]], after: dict[int, frozenset[str]]
    ) -> int:
        """Applies the server's keyword changes (base `before`, now `after`) to the
        conversations' tags. An addition anywhere wins over a removal; a removal is dropped
        when a local change not yet pushed adds the same tag. Returns how many tags changed."""
        owners = folders.conversations_of(self.store, folder_id, after)
        added: dict[int, set[str]] = {}
        removed: dict[int, set[str]] = {}
        for uid, flags in after.items():
            conversation_id = owners.get(uid)
            if conversation_id is None:
                continue
            old, new = keywords.tags_in(before[uid]).keys(), keywords.tags_in(flags).keys()
            added.setdefault(conversation_id, set()).update(new - old)
            removed.setdefault(conversation_id, set()).update(old - new)
        changed = 0
        for conversation_id, found_tags in added.items():
            for tag in found_tags:
                changed += work.add_tag(self.store, [conversation_id], tag, actor=SYNC_ACTOR)
        for conversation_id, removals in removed.items():
            lost = removals - added.get(conversation_id, set())
            if not lost:
                continue
            pending = folders.pending_additions(self.store, conversation_id)
            kept = {keywords.keyword_tag(keyword) for keyword in pending}
            for tag in lost - kept:
                changed += work.remove_tag(self.store, [conversation_id], tag, actor=SYNC_ACTOR)
        return changed

    # -- UIDVALIDITY ------------------------------------------------------------------------------

    def _uidvalidity_changed(self, client: Any, folder_id: int) -> bool:
        """Believes a new UIDVALIDITY only when the Message-IDs say the UIDs really changed
        (as mbsync does); then re-maps stored messages by Message-ID. Returns True when the
        folder's UIDs were re-mapped."""
        known = folders.message_header_ids(self.store, folder_id)
        server = self._server_message_ids(client)
        shared = [uid for uid in known if uid in server]
        if shared and all(server[uid] == known[uid] for uid in shared):
            return False  # the same messages under the same UIDs: only the number changed
        by_message_id: dict[str, int] = {}
        for row_id, message_id in self.store.conn.execute(
            "SELECT fm.message_id, m.message_id FROM folder_messages fm"
            " JOIN messages m ON m.id = fm.message_id WHERE fm.folder_id = ?",
            (folder_id,),
        ):
            by_message_id[message_id] = row_id
        remapped = [
            Location(uid, by_message_id[mid], frozenset(), None)
            for uid, mid in server.items()
            if mid in by_message_id
        ]
        with self.store.atomic():
            folders.forget_folder_uids(self.store, folder_id)
            folders.add_locations(self.store, folder_id, remapped)
            folders.save_state(
                self.store, folder_id, uidvalidity=None, uidnext=None, highestmodseq=None
            )
        return True

    def _server_message_ids(self, client: Any) -> dict[int, str]:
        uids = client.search(["ALL"])
        found: dict[int, str] = {}
        for batch in _chunks(sorted(uids), _FLAGS_SLICE):
            response = client.fetch(batch, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
            for uid, data in response.items():
                header = bytes(data.get(_MESSAGE_ID_FIELD, b"")).decode("utf-8", "replace")
                ids = message_ids(_HEADER_VALUE.sub("", header).strip())
                if ids:
                    found[uid] = ids[0]
        return found


_HEADER_VALUE = re.compile(r"^message-id:", re.IGNORECASE)
