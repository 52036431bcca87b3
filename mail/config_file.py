"""Changing the config file from a command (`account add`, `colleagues add`): read the TOML,
change one part, check the whole is still a valid config, write it back atomically, 0600."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w

from mail.config import Config, ConfigError, parse_config


def update_config(path: Path, change: Callable[[dict[str, Any]], None]) -> Config:
    """Applies `change` to the file's data (other sections kept; comments are not) and writes
    it back if the result is valid. Returns the new config; the file is untouched on error."""
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot update {path}: {exc}") from exc
    change(data)
    config = parse_config(data, str(path))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        tomli_w.dump(data, handle)
    os.replace(temporary, path)
    return config
