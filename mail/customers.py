"""Customers as the config and the team describe them: the config's rules and SLA policy
applied to the store, tiers set by hand (shared with the company domain), customer edits.

Every change here recomputes the SLA clocks and priority of the conversations it touches.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mail.config import DAYS, TIERS, Config, SalesConfig, parse_business_hours, parse_duration
from mail.signals import DEFAULT as DEFAULT_SALES_RULES
from mail.signals import SalesRules
from storage import customers, events, settings, sla
from storage.db import Store
from storage.errors import FrontdeskError, NotFoundError
from storage.models import Customer
from storage.sla import SlaPolicy, record_breaches

__all__ = [
    "TIERS",
    "UNCHANGED",
    "CustomerError",
    "apply_config",
    "check_tier",
    "churn_phrases",
    "local_zone_name",
    "record_breaches",
    "set_tier",
    "sla_policy",
    "update_customer",
]

_CHURN_KEY = "churn_phrases"
SALES_KEY = "sales_rules"
_MAX_TEXT = 200  # name, company, plan
_MAX_NOTE = 4000


class CustomerError(FrontdeskError):
    """A customer edit that cannot be made: an unknown tier, a bad value."""


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = _Unchanged()
"""A keyword left at this value is not changed by `update_customer` (None clears a field)."""


# -- the config, applied to the store ---------------------------------------------------------


def local_zone_name() -> str:
    """This machine's time zone as an IANA name ($TZ, else /etc/localtime), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).partition("zoneinfo/")[2])
    for name in candidates:
        if not name:
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


def sla_policy(config: Config) -> SlaPolicy:
    """The config's [sla] section as plain values for storage.sla."""
    section = config.sla

    def seconds(table: dict[str, str]) -> dict[str, int]:
        return {tier: int(parse_duration(value).total_seconds()) for tier, value in table.items()}

    return SlaPolicy(
        first_response_seconds=seconds(section.first_response),
        next_response_seconds=seconds(section.next_response),
        weight_seconds=seconds(section.weights),
        business_hours=parse_business_hours(section.business_hours),
        business_days=frozenset(DAYS.index(day.lower()) for day in section.business_days),
        timezone=section.timezone or local_zone_name(),
        warning_percent=section.warning_percent,
    )


def _rules(config: Config) -> customers.CustomerRules:
    section = config.customers
    return customers.CustomerRules(
        vip_addresses=frozenset(a.strip().lower() for a in section.vip_addresses),
        vip_domains=frozenset(d.strip().lower().lstrip("@") for d in section.vip_domains),
        companies={d.strip().lower().lstrip("@"): c for d, c in section.companies.items()},
        unknown_tier=section.unknown_tier,
        free_mail_domains=frozenset(d.strip().lower() for d in section.free_mail_domains),
    )


def apply_config(store: Store, config: Config) -> bool:
    """Makes the store run on this config's customer rules, SLA policy and churn phrases;
    whatever changed since the store last applied them is recomputed. Whether anything did.

    Call it when the app or a command starts: cheap when nothing changed."""
    with store.atomic():
        retiered = customers.save_rules(store, _rules(config))
        sla.recompute_for_customers(store, retiered)
        phrases_changed = settings.write(store, _CHURN_KEY, list(config.sla.churn_phrases))
        sales_changed = settings.write(store, SALES_KEY, dataclasses.asdict(config.sales))
        policy_changed = sla.save_policy(store, sla_policy(config))
    return bool(retiered) or phrases_changed or policy_changed or sales_changed


def sales_rules(store: Store) -> SalesRules:
    """The sales detector on the config's `[sales]` as last applied to the store."""
    saved = settings.read(store, SALES_KEY)
    if not isinstance(saved, dict):
        return DEFAULT_SALES_RULES
    return _sales_rules(json.dumps(saved, sort_keys=True))


@functools.lru_cache(maxsize=4)
def _sales_rules(saved: str) -> SalesRules:
    try:
        section = SalesConfig(**json.loads(saved))
    except TypeError:  # saved by another version: the built-in rules
        return DEFAULT_SALES_RULES
    return SalesRules.from_config(section)


def churn_phrases(store: Store) -> tuple[str, ...]:
    """The config's extra churn phrases, as last applied to the store."""
    saved = settings.read(store, _CHURN_KEY)
    return tuple(str(p) for p in saved) if isinstance(saved, list) else ()


# -- the team's edits -----------------------------------------------------------------------------


def check_tier(tier: str) -> str:
    cleaned = tier.strip().lower()
    if cleaned not in TIERS:
        raise CustomerError(f"{tier!r} is not a tier: use one of {', '.join(TIERS)}")
    return cleaned


def set_tier(
    store: Store,
    config: Config,
    customer_ids: Iterable[int],
    tier: str,
    *,
    actor: str,
    at: datetime | None = None,
    source: str = "manual",
) -> int:
    """Sets the customers' tier and shares it with everyone at their company domains whose
    tier was not set otherwise; journals `tier_set`; recomputes the clocks and priority of
    their conversations. Returns how many of the given customers exist."""
    tier = check_tier(tier)
    ids = sorted(set(customer_ids))
    with store.atomic():
        apply_config(store, config)
        known = [c for c in ids if customers.get_customer(store, c) is not None]
        before = {c: customers.get_customer(store, c) for c in known}
        changed = customers.set_tier(store, known, tier, source)
        for customer_id in known:
            previous = before[customer_id]
            events.record(
                store,
                "tier_set",
                None,
                actor=actor,
                at=at,
                customer_id=customer_id,
                tier=tier,
                previous=previous.tier if previous else None,
            )
        sla.recompute_for_customers(store, changed | set(known))
    return len(known)


def update_customer(
    store: Store,
    config: Config,
    customer_id: int,
    *,
    actor: str,
    at: datetime | None = None,
    name: str | _Unchanged = UNCHANGED,
    company: str | _Unchanged | None = UNCHANGED,
    plan: str | _Unchanged | None = UNCHANGED,
    mrr_cents: int | _Unchanged | None = UNCHANGED,
    trial_ends: date | _Unchanged | None = UNCHANGED,
    note: str | _Unchanged = UNCHANGED,
) -> Customer:
    """Changes the given fields of a customer (the others stay); an empty company or plan
    clears it. A company named here names the customer's company domain for the others there.
    Journals `customer_updated`; returns the customer as it now is."""
    values: dict[str, Any] = {}
    if not isinstance(name, _Unchanged):
        values["name"] = _text(name, "name", _MAX_TEXT) or ""
    if not isinstance(company, _Unchanged):
        values["company"] = _text(company, "company", _MAX_TEXT)
    if not isinstance(plan, _Unchanged):
        values["plan"] = _text(plan, "plan", _MAX_TEXT)
    if not isinstance(mrr_cents, _Unchanged):
        if mrr_cents is not None and (isinstance(mrr_cents, bool) or mrr_cents < 0):
            raise CustomerError(f"monthly revenue must be zero or more (is {mrr_cents})")
        values["mrr_cents"] = mrr_cents
    if not isinstance(trial_ends, _Unchanged):
        values["trial_ends"] = trial_ends
    if not isinstance(note, _Unchanged):
        values["note"] = _text(note, "note", _MAX_NOTE, multiline=True) or ""
    with store.atomic():
        apply_config(store, config)
        if customers.get_customer(store, customer_id) is None:
            raise NotFoundError(f"no customer {customer_id}")
        customers.update_fields(store, customer_id, values)
        if values.get("company"):
            customers.remember_company(store, customer_id, values["company"], "manual")
        if values:
            detail = {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
            events.record(
                store,
                "customer_updated",
                None,
                actor=actor,
                at=at,
                customer_id=customer_id,
                **detail,
            )
        updated = customers.get_customer(store, customer_id)
    assert updated is not None
    return updated


def _text(value: str | None, what: str, limit: int, multiline: bool = False) -> str | None:
    """A field's text, trimmed; None (cleared) when empty."""
    if value is None:
        return None
    cleaned = value.strip()
    if not multiline and any(c in cleaned for c in "\r\n"):
        raise CustomerError(f"the {what} must be one line")
    if len(cleaned) > limit:
        raise CustomerError(f"the {what} is too long ({len(cleaned)} characters; at most {limit})")
    return cleaned or None


def refresh_waits(store: Store, config: Config) -> int:
    """Measures the waits of the conversations new mail changed, on the config's SLA clock
    (storage/waits.py). Run after a sync that stored mail, so that a report reads them stored
    rather than measuring a big sync's worth first (100,000 conversations: 4 s)."""
    from storage import waits

    return waits.refresh(store, sla_policy(config))
