"""The README stays true: its commands exist and its configuration table lists every field."""

from __future__ import annotations

import os
import re
from pathlib import Path

from mail.config import documented_fields, markdown_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_config_field_is_documented_in_the_readme() -> None:
    rows = markdown_table().splitlines()
    assert len(rows) == len(documented_fields()) + 2
    for row in rows:
        assert row in README, (
            f"README's config table lacks or misstates: {row} (regenerate it with"
            " `.venv/bin/python -m mail.config`)"
        )


def test_readme_names_the_two_setup_commands_and_they_are_executable() -> None:
    for script in ("scripts/demo", "scripts/test"):
        assert re.search(rf"^{re.escape(script)}\b", README, re.MULTILINE), script
        assert os.access(ROOT / script, os.X_OK), f"{script} is not executable"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test" in ci
