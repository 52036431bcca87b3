"""Connecting to an IMAP server: certificates verified, plaintext only to loopback and only when
the config says so, errors turned into one clear, typed line.

imapclient is not thread-safe: each worker opens its own connection.
"""

from __future__ import annotations

import contextlib
import ipaddress
import ssl
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from imapclient.imapclient import SocketTimeout

from storage.errors import FrontdeskError

SECURITY_CHOICES = ("ssl", "starttls", "none")
DEFAULT_PORTS = {
    "imap": {"ssl": 993, "starttls": 143, "none": 143},
    "smtp": {"ssl": 465, "starttls": 587, "none": 25},
}


class ConnectionFailed(FrontdeskError):
    """The server could not be reached or dropped us: worth retrying later."""


class LoginRefused(FrontdeskError):
    """The server refused the username or password: retrying will not help."""


class CertificateRejected(FrontdeskError):
    """The server's TLS certificate is not trusted: retrying will not help."""


class InsecureConnection(FrontdeskError):
    """A plaintext connection was asked for where it is not allowed."""


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach one server (IMAP or SMTP)."""

    kind: str  # "imap" or "smtp"
    host: str
    port: int
    security: str
    username: str
    ca_file: str = ""

    def describe(self) -> str:
        return f"{self.kind.upper()} {self.username}@{self.host}:{self.port} ({self.security})"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_context(endpoint: Endpoint) -> ssl.SSLContext:
    """Verifying context; a self-signed server is trusted only through an explicit ca_file."""
    try:
        return ssl.create_default_context(cafile=endpoint.ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise CertificateRejected(f"cannot load ca_file {endpoint.ca_file}: {exc}") from exc


def check_security(endpoint: Endpoint) -> None:
    if endpoint.security not in SECURITY_CHOICES:
        raise InsecureConnection(
            f"{endpoint.kind}.security must be one of {', '.join(SECURITY_CHOICES)}, "
            f"not {endpoint.security!r}"
        )
    if endpoint.security == "none" and not is_loopback(endpoint.host):
        raise InsecureConnection(
            f"refusing a plaintext {endpoint.kind.upper()} connection to {endpoint.host}: "
            'passwords would cross the network unencrypted. Use security = "ssl" or '
            '"starttls" (plaintext is allowed only to a loopback address)'
        )


def describe_tls_failure(endpoint: Endpoint, exc: BaseException) -> str:
    reason = getattr(exc, "verify_message", None) or str(exc)
    hint = "" if endpoint.ca_file else "; for a self-signed server, set ca_file in the config"
    return f"{endpoint.describe()}: certificate not trusted ({reason}){hint}"


def connect(endpoint: Endpoint, password: str, timeout: float = 30.0) -> IMAPClient:
    """A logged-in IMAPClient, or one of this module's errors."""
    check_security(endpoint)
    context = tls_context(endpoint) if endpoint.security != "none" else None
    timeouts = SocketTimeout(connect=min(timeout, 15.0), read=timeout)
    client: Any = None
    try:
        client = IMAPClient(
            endpoint.host,
            port=endpoint.port,
            ssl=endpoint.security == "ssl",
            ssl_context=context,
            timeout=timeouts,
        )
        if endpoint.security == "starttls":
            client.starttls(context)
        client.login(endpoint.username, password)
    except LoginError as exc:
        _close(client)
        raise LoginRefused(f"{endpoint.describe()}: login refused ({_text(exc)})") from exc
    except ssl.SSLCertVerificationError as exc:
        _close(client)
        raise CertificateRejected(describe_tls_failure(endpoint, exc)) from exc
    except (OSError, IMAPClientError, ssl.SSLError) as exc:
        _close(client)
        reason = _text(exc) or type(exc).__name__
        raise ConnectionFailed(f"{endpoint.describe()}: {reason}") from exc
    return client


def _close(client: Any) -> None:
    if client is not None:
        with contextlib.suppress(OSError, IMAPClientError):
            client.shutdown()


def _text(exc: BaseException) -> str:
    text = str(exc)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text.replace("\r", " ").replace("\n", " ").strip()


def close_quietly(client: Any) -> None:
    """Logs out if the connection still works, else just drops it."""
    try:
        client.logout()
    except (OSError, IMAPClientError):
        _close(client)
