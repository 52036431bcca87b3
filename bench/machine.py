"""What a bench result was measured on: printed at the top of every bench script's output."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe() -> str:
    return (
        f"machine: {cpu_model()} · {os.cpu_count()} cores · Python "
        f"{platform.python_version()} · {datetime.now(UTC):%Y-%m-%d}"
    )
