"""The configured account, as what the mail code needs: endpoints, sync settings; and saving
an account into the config file (passwords go to the keychain, never there)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from mail.config import Config, ConfigError, ServerConfig
from mail.config_file import update_config
from mail.imap import DEFAULT_PORTS, Endpoint
from mail.sync import SyncSettings


class NoAccount(ConfigError):
    """No IMAP account is configured yet."""


def endpoint(config: Config, kind: str) -> Endpoint:
    """The IMAP or SMTP endpoint of the configured account."""
    server: ServerConfig = getattr(config.account, kind)
    if not server.host:
        if kind == "imap":
            raise NoAccount("no IMAP account configured: run `frontdesk account add`")
        raise NoAccount("no SMTP server configured: run `frontdesk account add` with --smtp-host")
    port = server.port or DEFAULT_PORTS[kind][server.security]
    username = server.username or config.account.email
    return Endpoint(kind, server.host, port, server.security, username, server.ca_file)


def sync_settings(config: Config, since: date | None = None) -> SyncSettings:
    sync = config.sync
    configured_since = date.fromisoformat(sync.since) if sync.since else None
    return SyncSettings(
        folders=tuple(sync.folders),
        sent_folder=sync.sent_folder,
        sync_sent=sync.sync_sent,
        batch_size=sync.batch_size,
        since=since or configured_since,
        close_older_than=(
            timedelta(days=sync.close_older_than_days) if sync.close_older_than_days else None
        ),
        subject_window=timedelta(days=config.mailbox.subject_window_days),
        retries=sync.retries,
        timeout=float(sync.timeout_seconds),
    )


@dataclass(frozen=True)
class NewAccount:
    email: str
    name: str
    imap: ServerConfig
    smtp: ServerConfig | None


def save_account(path: Path, account: NewAccount) -> Config:
    """Writes the account into the config file (other sections kept), readable by the owner
    only, after checking the result is a valid config. Returns the new config."""
    section: dict[str, Any] = {"email": account.email, "name": account.name}
    section["imap"] = _server_table(account.imap)
    if account.smtp is not None:
        section["smtp"] = _server_table(account.smtp)

    def change(data: dict[str, Any]) -> None:
        data["account"] = section

    return update_config(path, change)


def _server_table(server: ServerConfig) -> dict[str, Any]:
    table: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "security": server.security,
        "username": server.username,
    }
    if server.ca_file:
        table["ca_file"] = server.ca_file
    return table
