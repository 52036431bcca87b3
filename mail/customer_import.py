"""Customers from a CSV file, such as a billing system's export: headers found by name (with
the usual aliases), statuses mapped to tiers, money and dates as billing systems write them.

A bad row is reported by its line number and skipped; the rest are imported in one
transaction. Parsing is pure (`parse_csv`); `apply_rows` writes what was parsed to the store.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from mail import customers as customer_edits
from mail.config import Config
from storage import customers, events, sla
from storage.db import Store
from storage.errors import FrontdeskError
from storage.models import Address

# Each field, and the headers that name it (compared lower-cased, without spaces, dashes or
# underscores), the first found winning when a file has several.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email", "emailaddress", "customeremail", "contactemail", "mail"),
    "name": ("name", "fullname", "customername", "contactname"),
    "company": ("company", "companyname", "organization", "organisation", "account", "accountname"),
    "tier": ("tier", "status", "subscriptionstatus", "customertier", "customerstatus"),
    "plan": ("plan", "planname", "product", "productname"),
    "mrr": ("mrr", "monthlyrevenue", "amount", "revenue", "monthlyamount"),
    "trial_ends": ("trialend", "trialends", "trialenddate", "trialendsat", "trialendat"),
    "note": ("note", "notes"),
}

# Billing statuses (Stripe's, Paddle's, Chargebee's...) and tier names, as tiers. A past-due
# or unpaid subscription still exists and may recover: it stays paying until it is cancelled.
# Paused means not paying now, after having paid: lapsed.
STATUS_TIERS: dict[str, str] = {
    "vip": "vip",
    "trial": "trial",
    "trialing": "trial",
    "intrial": "trial",
    "active": "paying",
    "paid": "paying",
    "paying": "paying",
    "pastdue": "paying",
    "unpaid": "paying",
    "nonrenewing": "paying",
    "free": "free",
    "lapsed": "lapsed",
    "canceled": "lapsed",
    "cancelled": "lapsed",
    "churned": "lapsed",
    "expired": "lapsed",
    "paused": "lapsed",
    "inactive": "lapsed",
    "unknown": "unknown",
    "prospect": "unknown",
    "lead": "unknown",
    "incomplete": "unknown",
    "incompleteexpired": "unknown",
}

_KEPT_SOURCES = ("manual", "rule")  # tiers an import does not change
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CustomerImportError(FrontdeskError):
    """The file cannot be imported at all (unreadable, or no email column)."""


class _BadValue(ValueError):
    pass


@dataclass(frozen=True)
class CustomerRow:
    """One customer as a file describes them; None where the file says nothing."""

    line: int
    email: str
    name: str | None = None
    company: str | None = None
    tier: str | None = None
    plan: str | None = None
    mrr_cents: int | None = None
    trial_ends: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ParsedFile:
    rows: list[CustomerRow] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.created + self.updated} customers imported ({self.created} new, "
            f"{self.updated} updated), {len(self.bad_rows)} bad rows skipped"
        )


# -- values ---------------------------------------------------------------------------------------


def _key(header: str) -> str:
    return re.sub(r"[\W_]+", "", header.lower())


def parse_money_cents(text: str) -> int:
    """'$1,200.50', '1200', '1.200,50 €', 'USD 99' as cents."""
    cleaned = re.sub(r"[^\d.,\-]", "", text)
    if not cleaned or cleaned.startswith("-"):
        raise _BadValue(f"{text!r} is not an amount of money")
    last_dot, last_comma = cleaned.rfind("."), cleaned.rfind(",")
    decimal_mark = "." if last_dot > last_comma else ","
    head, mark, tail = cleaned.rpartition(decimal_mark)
    if mark and len(tail) <= 2:
        cleaned = re.sub(r"[.,]", "", head) + "." + tail
    else:  # only thousands separators: 1,200 or 1.200
        cleaned = re.sub(r"[.,]", "", cleaned)
    try:
        return int((Decimal(cleaned) * 100).to_integral_value())
    except InvalidOperation:
        raise _BadValue(f"{text!r} is not an amount of money") from None


def parse_date(text: str) -> date:
    """ISO dates (and date-times), 12/31/2026 (or 31/12/2026 when the day comes first and is
    over 12), 31.12.2026, '31 Dec 2026', 'Dec 31, 2026', or epoch seconds as Stripe exports."""
    value = text.strip()
    if value.isdigit() and len(value) >= 9:
        return datetime.fromtimestamp(int(value), UTC).date()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    slashed = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
    try:
        if slashed:
            first, second, year = (int(g) for g in slashed.groups())
            month, day = (second, first) if first > 12 else (first, second)
            return date(year, month, day)
        for form in _DATE_FORMATS:
            try:
                return datetime.strptime(value, form).date()
            except ValueError:
                continue
    except ValueError:
        pass
    raise _BadValue(f"{text!r} is not a date (use e.g. 2026-12-31)")


def parse_tier(text: str) -> str:
    tier = STATUS_TIERS.get(_key(text))
    if tier is None:
        raise _BadValue(f"status {text!r} is not a tier nor a known billing status")
    return tier


# -- the file -------------------------------------------------------------------------------------


def parse_csv(text: str) -> ParsedFile:
    """Rows, bad rows and ignored columns of a CSV text (a BOM is tolerated)."""
    text = text.removeprefix("\ufeff")
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if header is None:
        raise CustomerImportError("the file is empty")
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        found = _field_for(name, columns)
        if found is None:
            if name.strip():
                ignored.append(name.strip())
        else:
            columns[found] = index
    if "email" not in columns:
        names = ", ".join(h.strip() for h in header if h.strip()) or "none"
        raise CustomerImportError(f"no email column (found: {names})")
    parsed = ParsedFile(ignored_columns=ignored)
    seen: dict[str, int] = {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        try:
            row = _row(line, values, columns)
        except _BadValue as exc:
            parsed.bad_rows.append(BadRow(line, str(exc)))
            continue
        if row.email in seen:
            parsed.bad_rows.append(
                BadRow(line, f"{row.email} is already on line {seen[row.email]}")
            )
            continue
        seen[row.email] = line
        parsed.rows.append(row)
    return parsed


def _field_for(header: str, taken: dict[str, int]) -> str | None:
    key = _key(header)
    for name, aliases in HEADER_ALIASES.items():
        if key in aliases and name not in taken:
            return name
    return None


def _row(line: int, values: Sequence[str], columns: dict[str, int]) -> CustomerRow:
    def cell(name: str) -> str | None:
        index = columns.get(name)
        if index is None or index >= len(values):
            return None
        return values[index].strip() or None

    email = (cell("email") or "").lower()
    if not email:
        raise _BadValue("no email address")
    if not _EMAIL.match(email):
        raise _BadValue(f"{email!r} is not an email address")
    mrr, trial_ends, tier = cell("mrr"), cell("trial_ends"), cell("tier")
    return CustomerRow(
        line=line,
        email=email,
        name=_one_line(cell("name")),
        company=_one_line(cell("company")),
        tier=parse_tier(tier) if tier else None,
        plan=_one_line(cell("plan")),
        mrr_cents=parse_money_cents(mrr) if mrr else None,
        trial_ends=parse_date(trial_ends) if trial_ends else None,
        note=cell("note"),
    )


def _one_line(value: str | None) -> str | None:
    return None if value is None else " ".join(value.split())


def read_csv(path: Path) -> ParsedFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CustomerImportError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # a spreadsheet's "CSV" on Windows
    try:
        return parse_csv(text)
    except CustomerImportError as exc:
        raise CustomerImportError(f"{path}: {exc}") from None


# -- into the store -------------------------------------------------------------------------------


def apply_rows(
    store: Store,
    config: Config,
    rows: Iterable[CustomerRow],
    *,
    actor: str,
    at: datetime | None = None,
) -> tuple[int, int]:
    """Creates or updates each row's customer, in one transaction: (created, updated).

    A tier set by hand or by a VIP rule of the config is kept (a nightly export must not undo
    a deliberate VIP); a company names the company domain; a tier is shared with the domain
    as a hand-set one is."""
    created = updated = 0
    touched: set[int] = set()
    with store.atomic():
        customer_edits.apply_config(store, config)
        for row in rows:
            customer_id = customers.find_customer(store, row.email)
            if customer_id is None:
                customer_id = customers.customer_for_address(
                    store, Address(row.email, row.name or "")
                )
                created += 1
            else:
                updated += 1
            values = {
                name: value
                for name, value in (
                    ("name", row.name),
                    ("company", row.company),
                    ("plan", row.plan),
                    ("mrr_cents", row.mrr_cents),
                    ("trial_ends", row.trial_ends),
                    ("note", row.note),
                )
                if value is not None
            }
            customers.update_fields(store, customer_id, values)
            if row.company:
                customers.remember_company(store, customer_id, row.company, "import")
            current = customers.get_customer(store, customer_id)
            if row.tier and current is not None and current.tier_source not in _KEPT_SOURCES:
                touched |= customers.set_tier(store, [customer_id], row.tier, "import")
            touched.add(customer_id)
        events.record(
            store, "customers_imported", None, actor=actor, at=at, created=created, updated=updated
        )
        sla.recompute_for_customers(store, touched)
    return created, updated


def import_csv(store: Store, config: Config, path: Path, *, actor: str) -> ImportReport:
    parsed = read_csv(path)
    created, updated = apply_rows(store, config, parsed.rows, actor=actor)
    return ImportReport(created, updated, parsed.bad_rows, parsed.ignored_columns)
