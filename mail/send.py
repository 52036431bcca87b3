"""Replies going out: queued in the outbox with an undo window, delivered over SMTP, filed in
the Sent folder, then recorded as our reply. Killed at any point, the next run finishes the job
without losing the reply or sending it twice.

States: queued → sending → delivered (the SMTP server took it) → sent (filed, recorded).
A reply found in `sending` after a crash is looked for in the Sent folder before it is sent
again; one found in `delivered` is only filed and recorded.
"""

from __future__ import annotations

import mailbox
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from mail import csat
from mail.compose import Identity, compose_reply
from mail.config import Config
from mail.ingest import Ingestor
from mail.lock import AlreadyRunning, SendLock
from mail.parse import parse_message
from storage import conversations, events, messages, outbox
from storage.db import Store
from storage.errors import FrontdeskError
from storage.models import Status

# Waits before retrying a delivery that failed for a passing reason (server down, 4xx).
RETRY_DELAYS = (
    timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1),
)  # fmt: skip


class DeliveryError(FrontdeskError):
    """The server did not take the reply. `permanent`: retrying as it is will not help."""

    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Transport(Protocol):
    """Where replies go: an SMTP server and a Sent folder, or the demo's outbox file."""

    def deliver(self, envelope_from: str, recipients: Sequence[str], raw: bytes) -> str | None:
        """Hands the reply over; returns a note when some recipients were refused (the rest
        took it), raises DeliveryError when none did."""
        ...

    def in_sent(self, message_id: str) -> bool: ...

    def file_in_sent(self, raw: bytes) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class OutboxItem:
    id: int
    conversation_id: int | None
    message_id: str
    state: str
    subject: str
    recipients: tuple[str, ...]
    send_after: datetime
    attempts: int
    last_error: str | None
    created_at: datetime
    permanent_error: bool = False
    kind: str = "reply"  # or "handoff": a note to a colleague


def _item(row: outbox.OutboxRow) -> OutboxItem:
    headers = parse_message(row.raw, row.created_at)
    return OutboxItem(
        id=row.id,
        conversation_id=row.conversation_id,
        message_id=row.message_id,
        state=row.state,
        subject=headers.subject,
        recipients=row.recipients,
        send_after=row.send_after,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        permanent_error=row.permanent_error,
        kind=row.kind,
    )


def identity(config: Config) -> Identity:
    if not config.account.email:
        raise FrontdeskError("no support address configured: run `frontdesk account add`")
    return Identity(
        address=config.account.email,
        name=config.send.from_name or config.account.name,
        signature=config.send.signature,
    )


def queue_reply(
    store: Store,
    config: Config,
    conversation_id: int,
    body: str,
    *,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    close: bool = False,
    actor: str = "",
    delay: float | None = None,
    now: datetime | None = None,
) -> OutboxItem:
    """Builds the reply and writes it to the outbox; it goes out once the undo window (the
    config's `send.undo_seconds` unless `delay` is given) has passed."""
    moment = now or datetime.now(UTC)
    conversation = conversations.get(store, conversation_id)
    thread = messages.messages_of(store, conversation_id)
    composed = compose_reply(
        conversation, thread, identity(config), body, cc=cc, bcc=bcc,
        quote_last=config.send.quote, now=moment,
        rating_line=csat.rating_line(store, config, conversation_id),
    )  # fmt: skip
    wait = config.send.undo_seconds if delay is None else delay
    send_after = moment + timedelta(seconds=wait)
    if wait > 0 and send_after.microsecond:  # whole seconds are stored: never cut the window
        send_after = send_after.replace(microsecond=0) + timedelta(seconds=1)
    outbox_id = outbox.add(
        store,
        conversation_id=conversation_id,
        message_id=composed.message_id,
        raw=composed.raw,
        envelope_from=composed.envelope_from,
        recipients=composed.recipients,
        close_after=close,
        actor=actor or config.team.me,
        send_after=send_after,
    )
    with store.atomic():
        store.conn.execute("DELETE FROM drafts WHERE conversation_id = ?", (conversation_id,))
    return _item(outbox.get(store, outbox_id))


def outbox_item(store: Store, outbox_id: int) -> OutboxItem:
    return _item(outbox.get(store, outbox_id))


def cancel(store: Store, outbox_id: int) -> bool:
    """Undo: stops a reply still waiting out its undo window. False when it is too late."""
    return outbox.move(store, outbox_id, [outbox.QUEUED], outbox.CANCELLED)


def discard(store: Store, outbox_id: int) -> bool:
    """Drops a reply that is waiting or failed; one on its way out cannot be discarded."""
    return outbox.move(store, outbox_id, [outbox.QUEUED, outbox.FAILED], outbox.CANCELLED)


def retry(store: Store, outbox_id: int, now: datetime | None = None) -> bool:
    """Sends a failed reply again at the next flush (after the user fixed the cause)."""
    return outbox.move(
        store, outbox_id, [outbox.FAILED], outbox.QUEUED,
        send_after=now or datetime.now(UTC), next_attempt_at=None, permanent_error=0,
    )  # fmt: skip


def outbox_items(store: Store, states: Sequence[str] = outbox.PENDING_STATES) -> list[OutboxItem]:
    return [_item(row) for row in outbox.items(store, states)]


@dataclass
class FlushReport:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    sent_ids: list[int] = field(default_factory=list)
    busy: bool = False  # another sender holds the store's send lock


class Sender:
    """Delivers what the outbox has due. One per thread; it holds the store's send lock while
    it works, so a half-sent reply it finds was left by a crash."""

    def __init__(
        self,
        store: Store,
        config: Config,
        transport: Transport,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.config = config
        self.transport = transport
        self.now = now
        self.ingestor = Ingestor(store, config.support_addresses())

    def flush(self) -> FlushReport:
        report = FlushReport()
        lock = SendLock(self.store.path) if self.store.path is not None else None
        try:
            if lock is not None:
                lock.acquire()
        except AlreadyRunning:
            report.busy = True
            return report
        try:
            for row in outbox.due(self.store, self.now()):
                self._send(row, report)
        finally:
            if lock is not None:
                lock.release()
        return report

    def _send(self, row: outbox.OutboxRow, report: FlushReport) -> None:
        try:
            self._advance(row, report)
        except FrontdeskError as exc:
            # The Sent folder could not be checked or written: leave the reply where it is
            # (never guess that it went out, never send it blind); the next flush goes on.
            report.errors.append(str(exc))

    def _advance(self, row: outbox.OutboxRow, report: FlushReport) -> None:
        state = row.state
        if state == outbox.SENDING and self.transport.in_sent(row.message_id):
            # A crash after the server took it: it is already in Sent, so it went out.
            outbox.move(self.store, row.id, [outbox.SENDING], outbox.DELIVERED)
            state = outbox.DELIVERED
        if state in (outbox.QUEUED, outbox.FAILED, outbox.SENDING):
            if not outbox.move(
                self.store, row.id, [state], outbox.SENDING, attempts=row.attempts + 1
            ):
                return  # cancelled (undo) in the meantime, or taken by someone else
            try:
                note = self.transport.deliver(row.envelope_from, row.recipients, row.raw)
            except DeliveryError as exc:
                self._failed(row, exc, report)
                return
            outbox.move(self.store, row.id, [outbox.SENDING], outbox.DELIVERED, last_error=note)
        if self._files_in_sent() and not self.transport.in_sent(row.message_id):
            self.transport.file_in_sent(row.raw)
        self._record(row)
        report.sent += 1
        report.sent_ids.append(row.id)

    def _files_in_sent(self) -> bool:
        policy = self.config.send.append_to_sent
        if policy == "auto":
            host = self.config.account.imap.host.lower()
            return not host.endswith(("gmail.com", "googlemail.com"))
        return policy == "always"

    def _failed(self, row: outbox.OutboxRow, exc: DeliveryError, report: FlushReport) -> None:
        attempt = row.attempts + 1
        delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
        outbox.move(
            self.store, row.id, [outbox.SENDING], outbox.FAILED,
            last_error=str(exc), permanent_error=int(exc.permanent),
            next_attempt_at=self.now() + delay,
        )  # fmt: skip
        report.failed += 1
        report.errors.append(str(exc))

    def _record(self, row: outbox.OutboxRow) -> None:
        """Marks the reply sent, stores it in its conversation (so it shows, and the Sent
        folder's copy is known as a duplicate when synced) and journals the reply."""
        moment = self.now()
        with self.store.atomic():
            if not outbox.move(self.store, row.id, [outbox.DELIVERED], outbox.SENT, sent_at=moment):
                return
            self.ingestor.store_batch([(parse_message(row.raw, moment), f"outbox {row.id}")])
            if row.kind == "handoff":
                return  # a note to a colleague: the handoff itself is journaled already
            if row.conversation_id is not None and _exists(self.store, row.conversation_id):
                events.record(
                    self.store,
                    "replied",
                    row.conversation_id,
                    actor=row.actor,
                    at=moment,
                    message_id=row.message_id,
                )
                if row.close_after:
                    conversations.set_status(
                        self.store, row.conversation_id, Status.CLOSED, actor=row.actor, at=moment
                    )


def _exists(store: Store, conversation_id: int) -> bool:
    return store.scalar("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)) is not None


# -- transports ---------------------------------------------------------------------------------


class DemoTransport:
    """`frontdesk demo` sends nothing: replies are appended to a local mbox file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def deliver(self, envelope_from: str, recipients: Sequence[str], raw: bytes) -> str | None:
        box = mailbox.mbox(self.path)
        try:
            box.lock()
            box.add(raw)
            box.flush()
        finally:
            box.unlock()
            box.close()
        return None

    def in_sent(self, message_id: str) -> bool:
        if not self.path.exists():
            return False
        return f"<{message_id}>".encode() in self.path.read_bytes()

    def file_in_sent(self, raw: bytes) -> None:
        """The demo outbox file is its own Sent folder."""

    def close(self) -> None:
        """Nothing stays open."""


def demo_transport(path: Path) -> Transport:
    return DemoTransport(path)


class AccountTransport:
    """The account's SMTP server, and its IMAP Sent folder for filing and crash checks."""

    def __init__(self, config: Config) -> None:
        from mail import secrets
        from mail.account import endpoint

        self.config = config
        self.smtp = endpoint(config, "smtp")
        self.imap = endpoint(config, "imap")
        self.smtp_password = secrets.get_password("smtp", self.smtp.username, self.smtp.host)
        self.imap_password = secrets.get_password("imap", self.imap.username, self.imap.host)
        self._imap_client: Any = None
        self._sent_folder: str | None = None

    def deliver(self, envelope_from: str, recipients: Sequence[str], raw: bytes) -> str | None:
        from mail.imap import CertificateRejected, ConnectionFailed, LoginRefused
        from mail.smtp import close_quietly, connect

        try:
            client = connect(self.smtp, self.smtp_password, self.config.sync.timeout_seconds)
        except (LoginRefused, CertificateRejected) as exc:
            raise DeliveryError(str(exc), permanent=True) from exc
        except ConnectionFailed as exc:
            raise DeliveryError(str(exc), permanent=False) from exc
        try:
            refused = client.sendmail(envelope_from, list(recipients), raw)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(
                _refusals(exc.recipients), permanent=_all_permanent(exc.recipients)
            ) from exc
        except smtplib.SMTPResponseException as exc:
            reason = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise DeliveryError(
                f"{self.smtp.describe()}: {exc.smtp_code} {reason}", permanent=exc.smtp_code >= 500
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"{self.smtp.describe()}: {exc}", permanent=False) from exc
        finally:
            close_quietly(client)
        # Some recipients took it, so it is delivered; say who did not.
        return f"refused by some recipients: {_refusals(refused)}" if refused else None

    def _client(self) -> Any:
        from mail.imap import connect
        from mail.sync import detect_sent_folder

        if self._imap_client is None:
            self._imap_client = connect(
                self.imap, self.imap_password, self.config.sync.timeout_seconds
            )
            self._sent_folder = self.config.sync.sent_folder or detect_sent_folder(
                self._imap_client
            )
        return self._imap_client

    def in_sent(self, message_id: str) -> bool:
        from mail.imap import ConnectionFailed

        try:
            client = self._client()
            if not self._sent_folder:
                return False
            client.select_folder(self._sent_folder, readonly=True)
            return bool(client.search(["HEADER", "Message-ID", f"<{message_id}>"]))
        except ConnectionFailed:
            raise
        except Exception as exc:  # any IMAP trouble: the caller must not guess
            raise DeliveryError(f"cannot check the Sent folder: {exc}", permanent=False) from exc

    def file_in_sent(self, raw: bytes) -> None:
        client = self._client()
        if self._sent_folder:
            client.append(self._sent_folder, raw, flags=[b"\\Seen"])

    def close(self) -> None:
        from mail.imap import close_quietly

        if self._imap_client is not None:
            close_quietly(self._imap_client)
            self._imap_client = None


def account_transport(config: Config) -> Transport:
    return AccountTransport(config)


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{addr}: {code} {message.decode('utf-8', 'replace')}"
        for addr, (code, message) in refused.items()
    )


def _all_permanent(refused: dict[str, tuple[int, bytes]]) -> bool:
    return all(code >= 500 for code, _ in refused.values())
