"""Connecting to the SMTP server with the same rules as IMAP: certificates verified, plaintext
only to loopback, typed errors in one clear line."""

from __future__ import annotations

import smtplib
import ssl

from mail.imap import (
    DEFAULT_PORTS,
    CertificateRejected,
    ConnectionFailed,
    Endpoint,
    LoginRefused,
    check_security,
    describe_tls_failure,
    tls_context,
)


def connect(endpoint: Endpoint, password: str, timeout: float = 30.0) -> smtplib.SMTP:
    """A logged-in SMTP connection, or one of mail.imap's connection errors."""
    check_security(endpoint)
    port = endpoint.port or DEFAULT_PORTS["smtp"][endpoint.security]
    context = tls_context(endpoint) if endpoint.security != "none" else None
    client: smtplib.SMTP | None = None
    try:
        if endpoint.security == "ssl":
            client = smtplib.SMTP_SSL(endpoint.host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(endpoint.host, port, timeout=timeout)
            if endpoint.security == "starttls":
                client.starttls(context=context)
        client.login(endpoint.username, password)
    except smtplib.SMTPAuthenticationError as exc:
        close_quietly(client)
        error = exc.smtp_error
        reason = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        raise LoginRefused(f"{endpoint.describe()}: login refused ({reason.strip()})") from exc
    except ssl.SSLCertVerificationError as exc:
        close_quietly(client)
        raise CertificateRejected(describe_tls_failure(endpoint, exc)) from exc
    except UnicodeEncodeError as exc:  # smtplib's AUTH PLAIN/LOGIN take ASCII passwords only
        close_quietly(client)
        raise LoginRefused(
            f"{endpoint.describe()}: the password has characters this server's login cannot carry"
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        close_quietly(client)
        raise ConnectionFailed(f"{endpoint.describe()}: {exc or type(exc).__name__}") from exc
    return client


def check_login(endpoint: Endpoint, password: str) -> None:
    """Logs in and out: what `frontdesk account add` tests before saving."""
    client = connect(endpoint, password)
    close_quietly(client)


def close_quietly(client: smtplib.SMTP | None) -> None:
    """QUIT if the server still listens, else just drop the connection."""
    if client is None:
        return
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()
