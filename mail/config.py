"""The configuration file: one TOML file, typed and documented field by field.

Every field has a default and a `doc`; a key the file has but this module does not know is an
error naming the key. `FRONTDESK_CONFIG` or `--config` points at another file.
"""

from __future__ import annotations

import os
import tomllib
import types
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from platformdirs import user_config_dir, user_data_dir

from storage.errors import FrontdeskError

APP_NAME = "frontdesk"


class ConfigError(FrontdeskError):
    """The configuration file is missing, unreadable or invalid."""


def _doc(text: str, default: Any = MISSING, factory: Any = MISSING) -> Any:
    if factory is not MISSING:
        return field(default_factory=factory, metadata={"doc": text})
    return field(default=default, metadata={"doc": text})


SECURITY_CHOICES = ("ssl", "starttls", "none")


@dataclass(frozen=True)
class ServerConfig:
    """How to reach one mail server (the IMAP one, or the SMTP one)."""

    host: str = _doc("The server's host name, e.g. imap.example.com.", "")
    port: int = _doc("The port; 0 means the usual one for `security` (993/143, 465/587).", 0)
    security: str = _doc(
        "'ssl' (TLS from the start), 'starttls', or 'none' (allowed only to a loopback host).",
        "ssl",
    )
    username: str = _doc("The login name; the password lives in the OS keychain.", "")
    ca_file: str = _doc(
        "A PEM file of certificates to trust besides the system's: for a self-signed server.", ""
    )


@dataclass(frozen=True)
class AccountConfig:
    """The support mailbox frontdesk answers from."""

    email: str = _doc("The support address customers write to, e.g. support@example.com.", "")
    name: str = _doc("The display name replies are sent under, e.g. 'Acme Support'.", "")
    imap: ServerConfig = _doc("[account.imap]", factory=ServerConfig)
    smtp: ServerConfig = _doc("[account.smtp]", factory=ServerConfig)


@dataclass(frozen=True)
class SyncConfig:
    """What `frontdesk sync` fetches, and how."""

    folders: list[str] = _doc(
        "The folders to sync; the Sent folder is added unless `sync_sent` is false.",
        factory=lambda: ["INBOX"],
    )
    sent_folder: str = _doc(
        "The Sent folder's name; empty means found by the server's \\Sent mark or a common name.",
        "",
    )
    sync_sent: bool = _doc(
        "Sync the Sent folder, so replies sent from other mail clients count as replies.", True
    )
    since: str = _doc(
        "A date (YYYY-MM-DD): mail older than it is never fetched. Empty: everything.", ""
    )
    close_older_than_days: int = _doc(
        "Conversations whose last message is older than this many days when first synced are "
        "imported closed: history, not work. 0 keeps everything open.",
        30,
    )
    batch_size: int = _doc("Messages fetched and stored per transaction.", 200)
    poll_seconds: int = _doc(
        "With --watch: a full sync this often; without IDLE on the server, the polling interval.",
        60,
    )
    retries: int = _doc("Attempts after a lost connection before giving up, with backoff.", 3)
    timeout_seconds: int = _doc("How long to wait for the server before calling it lost.", 30)


@dataclass(frozen=True)
class MailboxConfig:
    """How mail is turned into conversations."""

    support_addresses: list[str] = _doc(
        "More addresses whose mail counts as our replies (teammates' own addresses, an old "
        "support address). The account's email always counts.",
        factory=list,
    )
    subject_window_days: int = _doc(
        "A reply that lost its threading headers joins the same customer's conversation with "
        "the same subject if that conversation was active within this many days.",
        14,
    )


APPEND_TO_SENT_CHOICES = ("auto", "always", "never")


@dataclass(frozen=True)
class SendConfig:
    """How replies go out."""

    undo_seconds: int = _doc(
        "A reply waits this long in the outbox before it is sent, so it can be undone.", 10
    )
    from_name: str = _doc(
        "The From name of replies when not the account's name, e.g. 'Dana at Acme'.", ""
    )
    signature: str = _doc("Appended to every reply after a '-- ' line. Empty: none.", "")
    quote: bool = _doc("Quote the customer's last message below the reply.", False)
    append_to_sent: str = _doc(
        "File a copy of each reply in the IMAP Sent folder: 'auto' (not on Gmail, which files "
        "it itself), 'always' or 'never'.",
        "auto",
    )


@dataclass(frozen=True)
class TeamConfig:
    """Who works the queue."""

    me: str = _doc("Your name as the team knows it: what 'Mine' and the events show.", "")
    members: list[str] = _doc(
        "Teammates conversations can be assigned to (names, e.g. 'Sam Rivera').", factory=list
    )


@dataclass(frozen=True)
class Config:
    """The whole configuration file."""

    account: AccountConfig = _doc("[account]", factory=AccountConfig)
    mailbox: MailboxConfig = _doc("[mailbox]", factory=MailboxConfig)
    sync: SyncConfig = _doc("[sync]", factory=SyncConfig)
    send: SendConfig = _doc("[send]", factory=SendConfig)
    team: TeamConfig = _doc("[team]", factory=TeamConfig)
    keys: dict[str, str] = _doc(
        'Key remaps by binding id, e.g. close = "d" (see the help screen, `?`, for ids).',
        factory=dict,
    )

    def support_addresses(self) -> set[str]:
        found = {a.strip().lower() for a in self.mailbox.support_addresses if a.strip()}
        if self.account.email:
            found.add(self.account.email.strip().lower())
        return found


def default_config_path() -> Path:
    return Path(user_config_dir(APP_NAME)) / "config.toml"


def default_db_path() -> Path:
    return Path(user_data_dir(APP_NAME)) / "frontdesk.db"


def config_path(explicit: str | None) -> tuple[Path, bool]:
    """The file to read and whether the user named it (then it must exist)."""
    if explicit:
        return Path(explicit).expanduser(), True
    env = os.environ.get("FRONTDESK_CONFIG")
    if env:
        return Path(env).expanduser(), True
    return default_config_path(), False


def load_config(path: Path, required: bool) -> Config:
    """Reads and validates the configuration file; a missing default file means defaults."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise ConfigError(f"config file {path} does not exist") from None
        return Config()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    return parse_config(data, str(path))


MAX_SUBJECT_WINDOW_DAYS = 3650


def parse_config(data: dict[str, Any], where: str = "config") -> Config:
    result = _build(Config, data, where, "")
    assert isinstance(result, Config)
    _check_range(
        where,
        "mailbox.subject_window_days",
        result.mailbox.subject_window_days,
        0,
        MAX_SUBJECT_WINDOW_DAYS,
    )  # beyond, date arithmetic overflows
    for kind in ("imap", "smtp"):
        server: ServerConfig = getattr(result.account, kind)
        if server.security not in SECURITY_CHOICES:
            raise ConfigError(
                f"{where}: 'account.{kind}.security' must be one of "
                f"{', '.join(SECURITY_CHOICES)} (is {server.security!r})"
            )
        _check_range(where, f"account.{kind}.port", server.port, 0, 65535)
    sync = result.sync
    _check_range(where, "sync.close_older_than_days", sync.close_older_than_days, 0, 36500)
    _check_range(where, "sync.batch_size", sync.batch_size, 1, 5000)
    _check_range(where, "sync.poll_seconds", sync.poll_seconds, 5, 86400)
    _check_range(where, "sync.retries", sync.retries, 0, 20)
    _check_range(where, "sync.timeout_seconds", sync.timeout_seconds, 1, 3600)
    if sync.since:
        try:
            date.fromisoformat(sync.since)
        except ValueError:
            raise ConfigError(
                f"{where}: 'sync.since' must be a date like 2026-01-31 (is {sync.since!r})"
            ) from None
    _check_range(where, "send.undo_seconds", result.send.undo_seconds, 0, 600)
    if result.send.append_to_sent not in APPEND_TO_SENT_CHOICES:
        raise ConfigError(
            f"{where}: 'send.append_to_sent' must be one of {', '.join(APPEND_TO_SENT_CHOICES)}"
            f" (is {result.send.append_to_sent!r})"
        )
    if not sync.folders:
        raise ConfigError(f"{where}: 'sync.folders' must name at least one folder")
    return result


def _check_range(where: str, key: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{where}: '{key}' must be between {low} and {high} (is {value})")


def _build(cls: type, data: Any, where: str, prefix: str) -> Any:
    section = prefix.rstrip(".") or "the top level"
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: [{section}] must be a table")
    hints = get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"{where}: unknown key '{prefix}{key}' in {section} "
                f"(known: {', '.join(sorted(known))})"
            )
    values: dict[str, Any] = {}
    for name, value in data.items():
        values[name] = _convert(hints[name], value, where, f"{prefix}{name}")
    return cls(**values)


def _convert(kind: Any, value: Any, where: str, key: str) -> Any:
    if is_dataclass(kind) and isinstance(kind, type):
        return _build(kind, value, where, f"{key}.")
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = [k for k in get_args(kind) if k is not type(None)]
        return _convert(options[0], value, where, key)
    if origin is dict:
        key_kind, value_kind = get_args(kind)
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: '{key}' must be a table")
        return {
            _convert(key_kind, k, where, f"{key}.{k}"): _convert(value_kind, v, where, f"{key}.{k}")
            for k, v in value.items()
        }
    if origin is list:
        (item,) = get_args(kind)
        if not isinstance(value, list):
            raise ConfigError(f"{where}: '{key}' must be a list")
        return [_convert(item, v, where, f"{key}[{i}]") for i, v in enumerate(value)]
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: '{key}' must be true or false")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: '{key}' must be a whole number")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: '{key}' must be a string")
        return value
    raise ConfigError(f"{where}: '{key}' has a type frontdesk cannot read")  # pragma: no cover


def documented_fields(cls: type = Config, prefix: str = "") -> list[tuple[str, str, str]]:
    """(key, default, doc) of every field: the reference in the README is generated from it."""
    rows: list[tuple[str, str, str]] = []
    hints = get_type_hints(cls)
    for f in fields(cls):
        kind = hints[f.name]
        if is_dataclass(kind) and isinstance(kind, type):
            rows.extend(documented_fields(kind, f"{prefix}{f.name}."))
            continue
        default = f.default if f.default_factory is MISSING else f.default_factory()
        rows.append((f"{prefix}{f.name}", repr(default), f.metadata["doc"]))
    return rows
