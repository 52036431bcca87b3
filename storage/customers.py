"""Customers and their addresses, tiers and billing facts; the company domains whose tier
everyone there shares; and the addresses whose mail counts as our own replies.

A customer's tier comes, first to last, from a hand edit or a CSV import (kept as set), a VIP
rule of the config, its company domain's tier, or the config's tier for unknown senders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from storage import settings
from storage.db import Store
from storage.models import Address, Customer
from storage.timeutil import now_epoch

# Where a derived tier came from; these follow the rules when they change ('manual' and
# 'import' tiers stay as set).
DERIVED_SOURCES = ("default", "rule", "domain")

# Domains anyone can get an address at: they never make a company nor share a tier.
# fmt: off
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr",
    "live.com", "msn.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.co.jp",
    "ymail.com", "rocketmail.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me",
    "protonmail.com", "pm.me", "gmx.com", "gmx.de", "gmx.net", "web.de", "t-online.de",
    "freenet.de", "mail.com", "email.com", "zoho.com", "yandex.com", "yandex.ru", "mail.ru",
    "inbox.ru", "list.ru", "bk.ru", "qq.com", "163.com", "126.com", "sina.com", "naver.com",
    "daum.net", "hanmail.net", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr",
    "libero.it", "virgilio.it", "tiscali.it", "btinternet.com", "sky.com", "comcast.net",
    "verizon.net", "att.net", "sbcglobal.net", "bellsouth.net", "cox.net", "charter.net",
    "shaw.ca", "rogers.com", "sympatico.ca", "bigpond.com", "optusnet.com.au", "telstra.com",
    "seznam.cz", "wp.pl", "o2.pl", "onet.pl", "interia.pl", "rediffmail.com", "fastmail.com",
    "fastmail.fm", "hey.com", "tutanota.com", "tuta.io", "posteo.de", "mailbox.org",
    "hushmail.com",
})
# fmt: on

_RULES_KEY = "customer_rules"


@dataclass(frozen=True)
class CustomerRules:
    """The config's rules about customers, as the store applies them."""

    vip_addresses: frozenset[str] = frozenset()
    vip_domains: frozenset[str] = frozenset()
    companies: Mapping[str, str] = field(default_factory=dict)  # domain -> company name
    unknown_tier: str = "unknown"
    free_mail_domains: frozenset[str] = frozenset()  # besides FREE_MAIL_DOMAINS

    def is_free_mail(self, domain: str) -> bool:
        return domain in FREE_MAIL_DOMAINS or domain in self.free_mail_domains

    def to_json(self) -> dict[str, Any]:
        return {
            "vip_addresses": sorted(self.vip_addresses),
            "vip_domains": sorted(self.vip_domains),
            "companies": dict(self.companies),
            "unknown_tier": self.unknown_tier,
            "free_mail_domains": sorted(self.free_mail_domains),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CustomerRules:
        return cls(
            vip_addresses=frozenset(data.get("vip_addresses", ())),
            vip_domains=frozenset(data.get("vip_domains", ())),
            companies=dict(data.get("companies", {})),
            unknown_tier=str(data.get("unknown_tier", "unknown")),
            free_mail_domains=frozenset(data.get("free_mail_domains", ())),
        )


def domain_of(addr: str) -> str:
    return addr.rpartition("@")[2].strip().lower()


def rules(store: Store) -> CustomerRules:
    saved = settings.read(store, _RULES_KEY)
    return CustomerRules.from_json(saved) if isinstance(saved, dict) else CustomerRules()


def save_rules(store: Store, new_rules: CustomerRules) -> set[int]:
    """Saves the rules; when they changed, re-derives every tier not set by hand or import.
    Returns the customers whose tier changed."""
    with store.atomic():
        if not settings.write(store, _RULES_KEY, new_rules.to_json()):
            return set()
        changed: set[int] = set()
        found = store.conn.execute(
            "SELECT id, tier, tier_source FROM customers WHERE tier_source IN (?, ?, ?)",
            DERIVED_SOURCES,
        ).fetchall()
        for customer_id, tier, source in found:
            derived_tier, derived_source = _derive_tier(
                store, new_rules, _addresses(store, customer_id)
            )
            if (derived_tier, derived_source) != (tier, source):
                store.conn.execute(
                    "UPDATE customers SET tier = ?, tier_source = ? WHERE id = ?",
                    (derived_tier, derived_source, customer_id),
                )
                if derived_tier != tier:
                    changed.add(int(customer_id))
        for domain, company in new_rules.companies.items():
            _fill_company(store, domain.lower(), company)
        return changed


def _addresses(store: Store, customer_id: int) -> list[str]:
    return [
        str(row[0])
        for row in store.conn.execute(
            "SELECT addr FROM addresses WHERE customer_id = ? ORDER BY addr", (customer_id,)
        )
    ]


def _derive_tier(store: Store, rules: CustomerRules, addrs: Iterable[str]) -> tuple[str, str]:
    """(tier, tier_source) for a customer nobody set the tier of."""
    addrs = list(addrs)
    for addr in addrs:
        if addr in rules.vip_addresses or domain_of(addr) in rules.vip_domains:
            return "vip", "rule"
    for addr in addrs:
        domain = domain_of(addr)
        if rules.is_free_mail(domain):
            continue
        tier = store.scalar("SELECT tier FROM companies WHERE domain = ?", (domain,))
        if tier is not None:
            return str(tier), "domain"
    return rules.unknown_tier, "default"


def _company_for(store: Store, rules: CustomerRules, addr: str) -> str | None:
    domain = domain_of(addr)
    if rules.is_free_mail(domain):
        return None
    named = rules.companies.get(domain)
    if named:
        return named
    found = store.scalar("SELECT company FROM companies WHERE domain = ?", (domain,))
    return None if found is None else str(found)


def customer_for_address(store: Store, address: Address) -> int:
    """The id of the customer owning `address`, created on first sight with the tier and
    company the rules give it.

    A display name seen later fills in a customer whose name was still empty."""
    row = store.conn.execute(
        "SELECT customer_id, name FROM addresses WHERE addr = ?", (address.addr,)
    ).fetchone()
    if row is not None:
        customer_id, known_name = row
        if address.name and not known_name:
            store.conn.execute(
                "UPDATE addresses SET name = ? WHERE addr = ?", (address.name, address.addr)
            )
            store.conn.execute(
                "UPDATE customers SET name = ? WHERE id = ? AND name = ''",
                (address.name, customer_id),
            )
        return int(customer_id)
    applied = rules(store)
    tier, source = _derive_tier(store, applied, [address.addr])
    cursor = store.conn.execute(
        "INSERT INTO customers (name, company, tier, tier_source, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (address.name, _company_for(store, applied, address.addr), tier, source, now_epoch()),
    )
    customer_id = int(cursor.lastrowid or 0)
    store.conn.execute(
        "INSERT INTO addresses (addr, customer_id, name) VALUES (?, ?, ?)",
        (address.addr, customer_id, address.name),
    )
    return customer_id


def find_customer(store: Store, addr: str) -> int | None:
    found = store.scalar("SELECT customer_id FROM addresses WHERE addr = ?", (addr.lower(),))
    return None if found is None else int(found)


_SELECT = """
    SELECT c.id, min(a.addr), c.name, c.company, c.tier, c.plan, c.mrr_cents, c.trial_ends,
           c.note, c.tier_source
    FROM customers c JOIN addresses a ON a.customer_id = c.id
"""


def _customer(row: tuple[Any, ...]) -> Customer:
    return Customer(
        id=row[0],
        email=row[1],
        name=row[2],
        company=row[3],
        tier=row[4],
        plan=row[5],
        mrr_cents=row[6],
        trial_ends=date.fromisoformat(row[7]) if row[7] else None,
        note=row[8],
        tier_source=row[9],
    )


def get_customer(store: Store, customer_id: int) -> Customer | None:
    row = store.conn.execute(f"{_SELECT} WHERE c.id = ? GROUP BY c.id", (customer_id,)).fetchone()
    return None if row is None else _customer(row)


def list_customers(store: Store, tier: str | None = None) -> list[Customer]:
    """Every customer (of one tier when given), by name then address."""
    where, params = ("WHERE c.tier = ?", (tier,)) if tier else ("", ())
    sql = f"{_SELECT} {where} GROUP BY c.id ORDER BY lower(c.name), min(a.addr)"
    return [_customer(row) for row in store.conn.execute(sql, params)]


def set_tier(store: Store, customer_ids: Iterable[int], tier: str, source: str) -> set[int]:
    """Sets the customers' tier (from `manual` or `import`) and shares it with their company
    domains. Returns every customer whose tier changed, those at the domains included."""
    changed: set[int] = set()
    with store.atomic():
        for customer_id in customer_ids:
            before = store.scalar("SELECT tier FROM customers WHERE id = ?", (customer_id,))
            if before is None:
                continue
            store.conn.execute(
                "UPDATE customers SET tier = ?, tier_source = ? WHERE id = ?",
                (tier, source, customer_id),
            )
            if before != tier:
                changed.add(customer_id)
            for domain in _company_domains(store, customer_id):
                changed |= _share_tier(store, domain, tier, source)
    return changed


def _company_domains(store: Store, customer_id: int) -> list[str]:
    applied = rules(store)
    domains = {domain_of(addr) for addr in _addresses(store, customer_id)}
    return sorted(d for d in domains if d and not applied.is_free_mail(d))


# The customers with an address at a domain. Parameter: the domain.
_DOMAIN_MEMBERS = "SELECT customer_id FROM addresses WHERE substr(addr, instr(addr, '@') + 1) = ?"


def _share_tier(store: Store, domain: str, tier: str, source: str) -> set[int]:
    store.conn.execute(
        "INSERT INTO companies (domain, tier, source) VALUES (?, ?, ?)"
        " ON CONFLICT (domain) DO UPDATE SET tier = excluded.tier, source = excluded.source",
        (domain, tier, source),
    )
    heirs = {
        int(row[0])
        for row in store.conn.execute(
            f"SELECT id FROM customers WHERE tier_source IN ('default', 'domain') AND tier != ?"
            f" AND id IN ({_DOMAIN_MEMBERS})",
            (tier, domain),
        )
    }
    store.conn.execute(
        f"UPDATE customers SET tier = ?, tier_source = 'domain'"
        f" WHERE tier_source IN ('default', 'domain') AND id IN ({_DOMAIN_MEMBERS})",
        (tier, domain),
    )
    return heirs


def remember_company(store: Store, customer_id: int, company: str, source: str) -> None:
    """Names the company of the customer's company domains, for the others there too."""
    for domain in _company_domains(store, customer_id):
        store.conn.execute(
            "INSERT INTO companies (domain, company, source) VALUES (?, ?, ?)"
            " ON CONFLICT (domain) DO UPDATE SET company = excluded.company",
            (domain, company, source),
        )
        _fill_company(store, domain, company)


def _fill_company(store: Store, domain: str, company: str) -> None:
    store.conn.execute(
        f"UPDATE customers SET company = ? WHERE company IS NULL AND id IN ({_DOMAIN_MEMBERS})",
        (company, domain),
    )


_FIELDS = ("name", "company", "plan", "mrr_cents", "trial_ends", "note")


def update_fields(store: Store, customer_id: int, values: Mapping[str, Any]) -> None:
    """Writes the given fields (name, company, plan, mrr_cents, trial_ends, note) only."""
    unknown = set(values) - set(_FIELDS)
    if unknown:
        raise ValueError(f"not customer fields: {sorted(unknown)}")
    if not values:
        return
    names = sorted(values)
    assignments = ", ".join(f"{name} = ?" for name in names)
    params = [values[n].isoformat() if isinstance(values[n], date) else values[n] for n in names]
    store.conn.execute(f"UPDATE customers SET {assignments} WHERE id = ?", (*params, customer_id))


def support_addresses(store: Store) -> set[str]:
    """Addresses remembered in the store as ours (from `frontdesk import --support-address`)."""
    return {row[0] for row in store.conn.execute("SELECT addr FROM support_addresses")}


def remember_support_addresses(store: Store, addresses: Iterable[str], source: str) -> None:
    with store.atomic():
        store.conn.executemany(
            "INSERT OR IGNORE INTO support_addresses (addr, source) VALUES (?, ?)",
            [(addr.strip().lower(), source) for addr in addresses],
        )
