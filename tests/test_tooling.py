"""The codebase's own checks, run by the test command: lint, format, types, layer contracts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", "."),
        ("ruff", "format", "--check", "."),
        ("mypy",),
        ("lint-imports",),
    ],
    ids=["ruff-check", "ruff-format", "mypy", "import-linter"],
)
def test_tool_passes(command: tuple[str, ...]) -> None:
    result = run(str(BIN / command[0]), *command[1:])
    assert result.returncode == 0, result.stdout + result.stderr


LOWER_MODULES = [
    "storage.db",
    "storage.schema",
    "storage.models",
    "storage.conversations",
    "storage.messages",
    "storage.customers",
    "storage.events",
    "storage.search",
    "storage.queues",
    "storage.work",
    "storage.drafts",
    "storage.outbox",
    "storage.folders",
    "mail.parse",
    "mail.thread",
    "mail.ingest",
    "mail.sources",
    "mail.config",
    "mail.reindex",
    "mail.sanitize",
    "mail.demo",
    "mail.demo_store",
    "mail.sync",
    "mail.send",
    "mail.compose",
    "mail.customers",
    "mail.customer_import",
    "storage.sla",
    "storage.settings",
    "storage.replies",
    "mail.templates",
    "mail.replies",
    "mail.demo_replies",
    "mail.signals",
    "mail.config_file",
    "mail.handoff",
    "storage.handoffs",
    "storage.tags",
    "mail.keywords",
    "storage.metrics",
    "storage.waits",
    "storage.ratings",
    "mail.csat",
]


def test_no_textual_below_the_ui() -> None:
    """Imported for real in a fresh interpreter: not even a transitive Textual or Rich."""
    code = (
        "import importlib, sys\n"
        f"for name in {LOWER_MODULES!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'rich'})\n"
        "print(','.join(bad))\n"
    )
    result = run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_store_never_loads_network_clients() -> None:
    code = (
        "import importlib, sys\n"
        "for name in ['storage.db', 'storage.conversations', 'storage.messages',\n"
        "             'storage.search', 'storage.customers', 'storage.events']:\n"
        "    importlib.import_module(name)\n"
        "bad = {'imapclient', 'smtplib', 'ssl', 'keyring', 'http.client'} & set(sys.modules)\n"
        "print(','.join(sorted(bad)))\n"
    )
    result = run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
