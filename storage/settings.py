"""What the store remembers of the config it was last used with (the SLA policy, the customer
rules), so every process writing to it applies the same, and a change of config is noticed."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Store


def read(store: Store, key: str) -> Any:
    """The value saved under `key`, or None."""
    value = store.scalar("SELECT value FROM settings WHERE key = ?", (key,))
    return None if value is None else json.loads(value)


def write(store: Store, key: str, value: Any) -> bool:
    """Saves `value` (JSON-able) under `key`; whether it differs from what was saved before."""
    text = json.dumps(value, sort_keys=True)
    if store.scalar("SELECT value FROM settings WHERE key = ?", (key,)) == text:
        return False
    store.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, text),
    )
    return True
