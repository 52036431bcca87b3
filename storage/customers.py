"""Customers and their addresses; and the addresses whose mail counts as our own replies."""

from __future__ import annotations

from collections.abc import Iterable

from storage.db import Store
from storage.models import Address, Customer
from storage.timeutil import now_epoch


def customer_for_address(store: Store, address: Address) -> int:
    """The id of the customer owning `address`, created (tier `unknown`) on first sight.

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
    cursor = store.conn.execute(
        "INSERT INTO customers (name, created_at) VALUES (?, ?)", (address.name, now_epoch())
    )
    customer_id = int(cursor.lastrowid or 0)
    store.conn.execute(
        "INSERT INTO addresses (addr, customer_id, name) VALUES (?, ?, ?)",
        (address.addr, customer_id, address.name),
    )
    return customer_id


def get_customer(store: Store, customer_id: int) -> Customer | None:
    row = store.conn.execute(
        """SELECT c.id, min(a.addr), c.name, c.company, c.tier
           FROM customers c JOIN addresses a ON a.customer_id = c.id
           WHERE c.id = ? GROUP BY c.id""",
        (customer_id,),
    ).fetchone()
    return None if row is None else Customer(*row)


def support_addresses(store: Store) -> set[str]:
    """Addresses remembered in the store as ours (from `frontdesk import --support-address`)."""
    return {row[0] for row in store.conn.execute("SELECT addr FROM support_addresses")}


def remember_support_addresses(store: Store, addresses: Iterable[str], source: str) -> None:
    with store.atomic():
        store.conn.executemany(
            "INSERT OR IGNORE INTO support_addresses (addr, source) VALUES (?, ?)",
            [(addr.strip().lower(), source) for addr in addresses],
        )
