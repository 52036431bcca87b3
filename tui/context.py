"""What every subcommand gets: its arguments, the config, the store (opened when first used)."""

from __future__ import annotations

import argparse
import os
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from mail.config import Config, config_path, default_db_path, load_config

if TYPE_CHECKING:
    from storage.db import Store


class Context:
    """What every subcommand gets: its arguments, the config, and the store (opened lazily)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        path, required = config_path(args.config)
        self.config_path = path
        # `account add` writes the file, so it may not exist yet even where the user named it.
        required = required and not getattr(args, "creates_config", False)
        self.config: Config = load_config(path, required)
        self.db_path = Path(args.db or os.environ.get("FRONTDESK_DB") or default_db_path())
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from mail.customers import apply_config
            from storage.db import Store

            self._store = Store.open(self.db_path)
            # Every command runs on this config's customer rules and SLA targets (cheap when
            # nothing changed), so `sync` and `import` compute clocks the way `list` shows them.
            apply_config(self._store, self.config)
        return self._store

    def subject_window(self) -> timedelta:
        return timedelta(days=self.config.mailbox.subject_window_days)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
