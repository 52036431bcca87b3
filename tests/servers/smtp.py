"""A private SMTP server (aiosmtpd) for one test session, on free loopback ports, recording what
it receives; knobs make it refuse recipients, fail a DATA or change the password.

Two listeners share one record: `port` offers STARTTLS and AUTH only after it, `plain_port` takes
AUTH in plaintext (as `security = "none"` allows on loopback). User "support" logs in with
`password`. aiosmtpd runs each listener's event loop in its own thread: state is behind a lock.
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.servers.dovecot import ServerUnavailable, free_port, make_certificate

USER = "support"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    """One message as the server got it: envelope, bytes after DATA (dot-unstuffed, CRLF kept),
    who had logged in, and whether the session had switched to TLS."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    user: str | None
    tls: bool


@dataclass(eq=False)
class SmtpSink:
    """The running server: where it listens, what it received, and the knobs tests turn."""

    host: str
    port: int
    plain_port: int
    cert: Path
    password: str
    root: Path
    reject_recipients: set[str] = field(default_factory=set)
    _fail_next_data: str | None = field(default=None, init=False)
    _messages: list[Received] = field(default_factory=list, init=False)
    _changed: threading.Condition = field(default_factory=threading.Condition, init=False)
    _controllers: list[Any] = field(default_factory=list, init=False)

    # -- what tests read and set ---------------------------------------------------------

    @property
    def messages(self) -> list[Received]:
        """A copy of what was received so far, oldest first."""
        with self._changed:
            return list(self._messages)

    @property
    def fail_next_data(self) -> str | None:
        """A reply such as "451 try again later" for the next DATA only, then cleared."""
        with self._changed:
            return self._fail_next_data

    @fail_next_data.setter
    def fail_next_data(self, reply: str | None) -> None:
        with self._changed:
            self._fail_next_data = reply

    def clear(self) -> None:
        with self._changed:
            self._messages.clear()

    def wait_for(self, count: int, timeout: float = 5) -> list[Received]:
        """Blocks until `count` messages were received; AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"the SMTP sink got {len(self._messages)} message(s), not {count}, "
                        f"within {timeout} s"
                    )
                self._changed.wait(left)
            return list(self._messages)

    # -- aiosmtpd hooks (called on a server thread) -----------------------------------------

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
            if login == USER and password == self.password:
                return AuthResult(success=True, auth_data=auth_data)
        # handled=False makes aiosmtpd answer 535 itself; handled=True would leave the
        # client waiting for a reply that never comes.
        return AuthResult(success=False, handled=False)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        # Checked here rather than with aiosmtpd's auth_required, which warns on every
        # connection to a listener that takes AUTH without TLS (the plain one, on purpose).
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in {r.lower() for r in set(self.reject_recipients)}:
            return f"550 5.1.1 <{address}>: recipient rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._changed:
            failure, self._fail_next_data = self._fail_next_data, None
        if failure is not None:
            return failure
        auth_data = getattr(session, "auth_data", None)
        login = getattr(auth_data, "login", None)
        received = Received(
            mail_from=envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=bytes(envelope.original_content),
            user=login.decode("utf-8", "replace") if isinstance(login, bytes) else None,
            tls=session.ssl is not None,
        )
        with self._changed:
            self._messages.append(received)
            self._changed.notify_all()
        return "250 2.0.0 OK: queued"

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        try:
            from aiosmtpd.controller import Controller
        except ImportError as exc:
            raise ServerUnavailable("aiosmtpd is not installed (pip install aiosmtpd)") from exc
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.cert, self.cert.with_suffix(".key"))
        common: dict[str, Any] = {
            "hostname": self.host,
            # A fixed name: the default, socket.getfqdn(), can wait on DNS for seconds.
            "server_hostname": "localhost",
            "authenticator": self._authenticate,
            "ready_timeout": 10.0,
        }
        listeners = [
            Controller(
                self,
                port=self.port,
                tls_context=tls,
                require_starttls=True,
                auth_require_tls=True,
                **common,
            ),
            Controller(self, port=self.plain_port, auth_require_tls=False, **common),
        ]
        try:
            for controller in listeners:
                controller.start()
                self._controllers.append(controller)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        """Stops both listeners and deletes the certificate's directory."""
        while self._controllers:
            self._controllers.pop().stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_smtp(password: str) -> SmtpSink:
    """Starts both listeners with a fresh self-signed certificate (SAN localhost, 127.0.0.1)."""
    root = Path(tempfile.mkdtemp(prefix="frontdesk-smtp-"))
    try:
        cert, _ = make_certificate(root)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    sink = SmtpSink(HOST, free_port(), free_port(), cert, password, root)
    sink.start()
    return sink
