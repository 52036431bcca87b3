"""The configuration file: one TOML file, typed and documented field by field.

Every field has a default and a `doc`; a key the file has but this module does not know is an
error naming the key. `FRONTDESK_CONFIG` or `--config` points at another file.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from datetime import date, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


COLLEAGUE_ROLES = ("sales", "success", "engineering", "support", "founder", "other")


@dataclass(frozen=True)
class ColleagueConfig:
    """Someone outside the support queue whom a conversation can be handed to, by name."""

    name: str = _doc("Their name as customers will read it, e.g. 'Pete Lindqvist'.", "")
    email: str = _doc("Their address: they get the handoff and are CC'd on the reply.", "")
    role: str = _doc(
        "sales, success, engineering, support, founder or other: sales signals suggest the "
        "sales colleague.",
        "sales",
    )
    description: str = _doc(
        "What they look after, in words a customer reads, e.g. 'plans and larger teams'.", ""
    )
    hours: str = _doc(
        "When they work, like '09:00-17:00' (in `sla.timezone`); empty: business hours.", ""
    )


@dataclass(frozen=True)
class HandoffConfig:
    """How a conversation is passed to a colleague."""

    pass_template: str = _doc(
        "The reply the customer gets when passed on (saved-reply variables apply).",
        "Hi {customer.first_name|there},\n\nSure thing, let me pass you to "
        "{colleague.first_name}, who looks after {colleague.description|this} and will be in "
        "touch {colleague.when|soon}. I've copied {colleague.first_name} in.\n\n"
        "{agent.first_name}",
    )
    cc_line: str = _doc(
        "The line added to an answer that CCs a colleague.",
        "I've copied in {colleague.first_name}, who looks after {colleague.description|this}: "
        "happy to set up a call with {colleague.first_name} if that helps.",
    )
    follow_up_days: int = _doc(
        "Working days after which a handoff with no reply from the colleague is flagged.", 2
    )


DEFAULT_CATEGORY_TAGS = {
    "feature-request": "Design",
    "positive-feedback": "Marketing",
    "outage": "Engineering",
    "churn-feedback": "Sales",
    "bug-report": "Engineering",
    "confused": "Design",
    "unaware": "Marketing",
    "user-issue": "Support",
    "pricing": "Sales",
    "deal-blocker": "Sales",
}
"""How good support teams categorize conversations, each with the team that owns the root
cause: confused customers are a design problem, unaware ones a marketing problem."""

DEFAULT_MODIFIER_TAGS = ["angry", "billing"]

OWNERS = ("Design", "Engineering", "Marketing", "Support", "Sales")


@dataclass(frozen=True)
class TagsConfig:
    """The tags conversations are categorized with."""

    categories: dict[str, str] = _doc(
        "Category tags and the owner of each one's root cause (Design, Engineering, Marketing, "
        "Support, Sales, or empty): the reports group by owner.",
        factory=lambda: dict(DEFAULT_CATEGORY_TAGS),
    )
    modifiers: list[str] = _doc(
        "Tags that qualify a category rather than being one (e.g. angry, billing).",
        factory=lambda: list(DEFAULT_MODIFIER_TAGS),
    )
    prompt_on_close: bool = _doc(
        "Closing a conversation without a category tag asks for one first.", True
    )


TIERS = ("vip", "trial", "paying", "free", "lapsed", "unknown")

DEFAULT_TARGETS = {
    "vip": "1h",
    "trial": "2h",
    "paying": "4h",
    "lapsed": "8h",
    "unknown": "8h",
    "free": "48h",
}

DEFAULT_WEIGHTS = {
    "vip": "4h",
    "trial": "2h",
    "paying": "1h",
    "lapsed": "0h",
    "unknown": "0h",
    "free": "0h",
}


@dataclass(frozen=True)
class CustomersConfig:
    """Who the customers are, besides what the store knows from imports and edits."""

    vip_addresses: list[str] = _doc("Addresses whose customer is a VIP.", factory=list)
    vip_domains: list[str] = _doc(
        "Domains whose people are VIPs (a big name, a well-funded startup), e.g. 'bigco.com'.",
        factory=list,
    )
    companies: dict[str, str] = _doc(
        "Domain -> company name, e.g. 'acme.io' = 'Acme'. Free-mail domains never make a company.",
        factory=dict,
    )
    unknown_tier: str = _doc(
        "The tier of a sender nothing else describes: one of vip, trial, paying, free, lapsed, "
        "unknown.",
        "unknown",
    )
    free_mail_domains: list[str] = _doc(
        "More free-mail domains (besides gmail.com, outlook.com... built in) that never make a "
        "company.",
        factory=list,
    )


@dataclass(frozen=True)
class SlaConfig:
    """How fast each tier is answered, and how the queue weighs tiers."""

    first_response: dict[str, str] = _doc(
        "Per tier, the target for our first reply: a duration like 30m, 1h, 2d.",
        factory=lambda: dict(DEFAULT_TARGETS),
    )
    next_response: dict[str, str] = _doc(
        "Per tier, the target for each later reply after the customer writes again.",
        factory=lambda: dict(DEFAULT_TARGETS),
    )
    weights: dict[str, str] = _doc(
        "Per tier, the head start in the queue: a VIP due in 5h sorts with others due in 1h "
        "when its weight is 4h.",
        factory=lambda: dict(DEFAULT_WEIGHTS),
    )
    business_hours: str = _doc(
        "Working hours like '09:00-17:00': SLA clocks run only then. Empty: calendar time.", ""
    )
    business_days: list[str] = _doc(
        "The working days when business_hours is set.",
        factory=lambda: ["mon", "tue", "wed", "thu", "fri"],
    )
    timezone: str = _doc(
        "The time zone of business_hours, e.g. 'Europe/Berlin'. Empty: this machine's.", ""
    )
    warning_percent: int = _doc(
        "An SLA clock turns amber once this share of its target has passed.", 75
    )
    churn_phrases: list[str] = _doc(
        "More phrases that mark a paying customer as at risk of leaving (besides the built-in "
        "ones: cancel, not renewing, switching to...).",
        factory=list,
    )


@dataclass(frozen=True)
class SalesConfig:
    """What marks a customer's message as a sales opportunity, besides the built-in rules."""

    phrases: list[str] = _doc(
        "More phrases that signal a sale (plain words, matched case-insensitively), e.g. "
        "'pilot project'.",
        factory=list,
    )
    patterns: list[str] = _doc(
        "More signals as regular expressions (Python syntax, case-insensitive, whole words), "
        "e.g. 'rollout to \\d+ offices'.",
        factory=list,
    )
    paid_features: list[str] = _doc(
        "Capabilities only paid plans have, besides SSO, SAML, audit logs, SLA, on-premise... "
        "built in: 'do you offer X' and 'why can't I X' then count.",
        factory=list,
    )
    competitors: list[str] = _doc(
        "Competitors' names: comparisons with them and switching from them count.", factory=list
    )
    ignore_phrases: list[str] = _doc(
        "Phrases that must never count, e.g. a product name that contains 'Enterprise'.",
        factory=list,
    )
    threshold_percent: int = _doc(
        "How much evidence makes a signal: 100 is one clear phrase ('which plan', 'quote for "
        "40 seats') or two weaker ones; higher is stricter.",
        100,
    )


@dataclass(frozen=True)
class CsatConfig:
    """Customer satisfaction: a line of three rating links at the end of each reply."""

    enabled: bool = _doc(
        "End each reply with Good / OK / Bad links (mailto:, with a token of the conversation "
        "in the subject); ratings that come back are recorded and reported.",
        False,
    )
    address: str = _doc(
        "Where the links send ratings; empty: the support address the reply comes from. Ratings "
        "are only recognised in mail frontdesk syncs, so it must arrive in a synced folder.",
        "",
    )
    question: str = _doc("The line above the links.", "How did we do? One click rates this reply:")
    good: str = _doc("The word before the 'good' link.", "Good")
    ok: str = _doc("The word before the 'ok' link.", "OK")
    bad: str = _doc("The word before the 'bad' link.", "Bad")
    comment_prompt: str = _doc(
        "Put in the rating mail's body, quoted, to invite a comment (left out of the comment).",
        "Anything to add? Write it here, then send.",
    )


@dataclass(frozen=True)
class Config:
    """The whole configuration file."""

    account: AccountConfig = _doc("[account]", factory=AccountConfig)
    mailbox: MailboxConfig = _doc("[mailbox]", factory=MailboxConfig)
    sync: SyncConfig = _doc("[sync]", factory=SyncConfig)
    send: SendConfig = _doc("[send]", factory=SendConfig)
    team: TeamConfig = _doc("[team]", factory=TeamConfig)
    colleagues: list[ColleagueConfig] = _doc(
        "[[colleagues]]: one table per colleague (name, email, role, description, hours).",
        factory=list,
    )
    handoff: HandoffConfig = _doc("[handoff]", factory=HandoffConfig)
    tags: TagsConfig = _doc("[tags]", factory=TagsConfig)
    customers: CustomersConfig = _doc("[customers]", factory=CustomersConfig)
    sla: SlaConfig = _doc("[sla]", factory=SlaConfig)
    sales: SalesConfig = _doc("[sales]", factory=SalesConfig)
    csat: CsatConfig = _doc("[csat]", factory=CsatConfig)
    keys: dict[str, str] = _doc(
        'Key remaps by binding id, e.g. close = "d" (see the help screen, `?`, for ids).',
        factory=dict,
    )

    def support_addresses(self) -> set[str]:
        found = {a.strip().lower() for a in self.mailbox.support_addresses if a.strip()}
        # A colleague's mail in a conversation is the team answering, not the customer asking.
        found |= {c.email.strip().lower() for c in self.colleagues}
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
    _check_sales(result.sales, where)
    _check_csat(result.csat, where)
    return _check_people_and_clocks(result, where)


def _check_csat(csat: CsatConfig, where: str) -> None:
    address = csat.address.strip()
    if address and (address.count("@") != 1 or not address.isprintable() or " " in address):
        raise ConfigError(f"{where}: 'csat.address' must be one email address (is {address!r})")
    for key in ("question", "good", "ok", "bad", "comment_prompt"):
        value = getattr(csat, key)
        if not value.strip() or not value.isprintable():
            raise ConfigError(f"{where}: 'csat.{key}' must be one line of text, not empty")


def _check_sales(sales: SalesConfig, where: str) -> None:
    for index, pattern in enumerate(sales.patterns):
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ConfigError(
                f"{where}: 'sales.patterns[{index}]' is not a valid regular expression ({exc})"
            ) from None
        if compiled.groupindex or compiled.match(""):
            raise ConfigError(
                f"{where}: 'sales.patterns[{index}]' must match some text and use no named "
                "groups (?P<...>)"
            )
    _check_range(where, "sales.threshold_percent", sales.threshold_percent, 1, 1000)


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names as `sla.business_days` takes them, Monday (0) first."""
_DURATION = re.compile(r"^\s*(\d{1,5})\s*([mhd])\s*$")
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def parse_duration(text: str) -> timedelta:
    """'30m', '4h', '2d' as a timedelta; ConfigError otherwise."""
    found = _DURATION.match(text)
    if not found:
        raise ConfigError(
            f"{text!r} is not a duration: use minutes, hours or days, e.g. 30m, 4h, 2d"
        )
    amount, unit = int(found.group(1)), found.group(2)
    return {
        "m": timedelta(minutes=amount),
        "h": timedelta(hours=amount),
        "d": timedelta(days=amount),
    }[unit]


def parse_business_hours(text: str) -> tuple[dt_time, dt_time] | None:
    """'09:00-17:00' as (start, end); None for an empty setting; ConfigError otherwise."""
    if not text.strip():
        return None
    found = _HOURS.match(text.strip())
    if not found:
        raise ConfigError(f"{text!r} is not a span of hours: use e.g. 09:00-17:00")
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ConfigError(f"{text!r} is not a span of hours: use e.g. 09:00-17:00")
    start, end = dt_time(h1, m1), (dt_time.max if h2 == 24 else dt_time(h2, m2))
    if end <= start:
        raise ConfigError(
            f"{text!r}: the end must come after the start (overnight spans are not supported)"
        )
    return start, end


def _check_colleagues(result: Config, where: str) -> None:
    seen: set[str] = set()
    for index, colleague in enumerate(result.colleagues):
        key = f"colleagues[{index}]"
        name = " ".join(colleague.name.split())
        if not name or name != colleague.name.strip() or len(name) > 80:
            raise ConfigError(f"{where}: '{key}.name' must be a name on one line")
        if name.lower() in seen:
            raise ConfigError(f"{where}: two colleagues are named {name!r}")
        seen.add(name.lower())
        address = colleague.email.strip()
        if "@" not in address or any(c.isspace() or c in "<>,;" for c in address):
            raise ConfigError(f"{where}: '{key}.email' is not an email address ({address!r})")
        if colleague.role not in COLLEAGUE_ROLES:
            raise ConfigError(
                f"{where}: '{key}.role' must be one of {', '.join(COLLEAGUE_ROLES)}"
                f" (is {colleague.role!r})"
            )
        if "\n" in colleague.description:
            raise ConfigError(f"{where}: '{key}.description' must be one line")
        try:
            parse_business_hours(colleague.hours)
        except ConfigError as exc:
            raise ConfigError(f"{where}: '{key}.hours': {exc}") from None
    _check_range(where, "handoff.follow_up_days", result.handoff.follow_up_days, 1, 60)


def _check_people_and_clocks(result: Config, where: str) -> Config:
    """Validates [tags], [customers] and [sla]; per-tier tables missing a tier get its default."""
    for tag, owner in result.tags.categories.items():
        if not tag.strip() or len(tag) > 40:
            raise ConfigError(
                f"{where}: 'tags.categories' has a tag name that is empty or too long: {tag!r}"
            )
        if "\n" in owner or len(owner) > 40:
            raise ConfigError(f"{where}: 'tags.categories.{tag}' is not a team name")
    if result.customers.unknown_tier not in TIERS:
        raise ConfigError(
            f"{where}: 'customers.unknown_tier' must be one of {', '.join(TIERS)}"
            f" (is {result.customers.unknown_tier!r})"
        )
    sla = result.sla
    tables: dict[str, dict[str, str]] = {}
    for name, defaults in (
        ("first_response", DEFAULT_TARGETS),
        ("next_response", DEFAULT_TARGETS),
        ("weights", DEFAULT_WEIGHTS),
    ):
        table: dict[str, str] = getattr(sla, name)
        for tier, value in table.items():
            if tier not in TIERS:
                raise ConfigError(
                    f"{where}: 'sla.{name}.{tier}' is not a tier: use {', '.join(TIERS)}"
                )
            try:
                parse_duration(value)
            except ConfigError as exc:
                raise ConfigError(f"{where}: 'sla.{name}.{tier}': {exc}") from None
        tables[name] = defaults | table
    try:
        parse_business_hours(sla.business_hours)
    except ConfigError as exc:
        raise ConfigError(f"{where}: 'sla.business_hours': {exc}") from None
    for day in sla.business_days:
        if day.lower() not in DAYS:
            raise ConfigError(f"{where}: 'sla.business_days' has {day!r}: use {', '.join(DAYS)}")
    if sla.business_hours and not sla.business_days:
        raise ConfigError(f"{where}: 'sla.business_days' must name at least one day")
    if sla.timezone:
        try:
            ZoneInfo(sla.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"{where}: 'sla.timezone' {sla.timezone!r} is not a known time zone"
            ) from None
    _check_range(where, "sla.warning_percent", sla.warning_percent, 1, 99)
    _check_colleagues(result, where)
    filled = dataclasses.replace(
        sla,
        first_response=tables["first_response"],
        next_response=tables["next_response"],
        weights=tables["weights"],
    )
    return dataclasses.replace(result, sla=filled)


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
        item = get_args(kind)[0] if get_origin(kind) is list else None
        if is_dataclass(item) and isinstance(item, type):
            rows.append((f"{prefix}{f.name}", "[]", f.metadata["doc"]))
            rows.extend(documented_fields(item, f"{prefix}{f.name}[]."))
            continue
        default = f.default if f.default_factory is MISSING else f.default_factory()
        rows.append((f"{prefix}{f.name}", _toml(default), f.metadata["doc"]))
    return rows


def _toml(value: Any) -> str:
    """A default as it would be written in the file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items())
        return "{" + (f" {inner} " if inner else "") + "}"
    return str(value)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml(key)


def markdown_table() -> str:
    """The README's configuration reference (`python -m mail.config` prints it)."""
    lines = ["| key | default | meaning |", "| --- | --- | --- |"]

    def cell(text: str) -> str:
        return text.replace("|", "\\|")  # a pipe would end the table's cell

    lines += [
        f"| `{cell(key)}` | `{cell(default)}` | {cell(doc)} |"
        for key, default, doc in documented_fields()
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
