"""The `frontdesk` command: help and version, where the store is, `list` and `show`."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from mail.ingest import Ingestor
from storage import conversations
from storage.db import Store
from storage.models import Status
from tests.conftest import SUPPORT, later, mail, run_cli
from tui.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
LIST_KEYS = {
    "id",
    "subject",
    "customer",
    "status",
    "message_count",
    "last_message_at",
    "awaiting_reply",
    "tags",
    "flagged",
}

pytestmark = pytest.mark.usefixtures("isolated_cli")
run = run_cli


def list_json(capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "list", "--json", *extra)
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, list)
    return data


def with_attachment() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Bob Stone <bob@contoso.test>"
    msg["To"] = SUPPORT
    msg["Subject"] = "=?utf-8?q?Rechnung_f=C3=BCr_Oktober?="
    msg["Date"] = format_datetime(later(3))
    msg["Message-ID"] = "<att@contoso.test>"
    msg.set_content("Please see the attached invoice.\n\nOn Mon, Anna wrote:\n> old quote\n")
    msg.add_attachment(
        b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="invoice-10.pdf"
    )
    return bytes(msg)


@pytest.fixture
def filled(store_path: Path) -> dict[str, int]:
    """Four conversations: two waiting (the older waits longer), one answered, one flagged."""
    raws = [
        mail(message_id="<z1@x>", subject="Export is broken", date=later(0)),
        mail(
            sender=SUPPORT,
            to="zoe@northwind.test",
            subject="Re: Export is broken",
            message_id="<z2@acme.test>",
            in_reply_to="<z1@x>",
            date=later(1),
        ),
        mail(
            message_id="<z3@x>",
            subject="Another subject entirely",
            in_reply_to="<z2@acme.test>",
            date=later(5),
        ),
        mail(
            sender="Ann <ann@fabrikam.test>",
            subject="Login fails",
            message_id="<l1@x>",
            date=later(2),
        ),
        mail(
            sender=SUPPORT,
            to="Carl <carl@tailspin.test>",
            subject="Your renewal",
            message_id="<r1@acme.test>",
            date=later(4),
        ),
        with_attachment(),
        b"\x00\x01 garbage that is no mail\n\nat all\n",
    ]
    with Store.open(store_path) as store:
        Ingestor(store, [SUPPORT]).ingest(raws)
        ids = {}
        for message_id, name in [
            ("z1@x", "zoe"),
            ("l1@x", "ann"),
            ("r1@acme.test", "carl"),
            ("att@contoso.test", "bob"),
        ]:
            ids[name] = int(
                store.scalar(
                    "SELECT conversation_id FROM messages WHERE message_id = ?", (message_id,)
                )
            )
        ids["flagged"] = int(
            store.scalar("SELECT conversation_id FROM messages WHERE parse_error IS NOT NULL")
        )
    return ids


# -- help and version -------------------------------------------------------------------------


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "usage: frontdesk" in out
    for name in ("import", "list", "show", "search", "reindex", "--db", "--config"):
        assert name in out


def test_no_subcommand_without_a_terminal_says_the_app_needs_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys)  # under pytest, stdout is not a terminal
    assert code == 2
    assert err.strip() == (
        "frontdesk: error: the app needs a terminal; for scripts, see `frontdesk --help`"
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"frontdesk {version('frontdesk')}"


def _subcommands() -> tuple[argparse._SubParsersAction[Any], dict[str, argparse.ArgumentParser]]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return action, dict(action.choices)


def test_every_subcommand_and_option_has_help_text(capsys: pytest.CaptureFixture[str]) -> None:
    action, commands = _subcommands()
    assert set(commands) >= {"import", "list", "show", "search", "reindex"}
    helps = {choice.dest: choice.help for choice in action._choices_actions}
    for name, sub in commands.items():
        assert helps.get(name), f"{name} has no help line"
        for option in sub._actions:
            if isinstance(option, argparse._HelpAction):
                continue
            assert option.help, f"{name} {option.option_strings or option.dest} has no help"
        code, out, _ = run(capsys, name, "--help")
        assert code == 0
        assert out.startswith(f"usage: frontdesk {name}")


def test_usage_errors_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["bogus"],
        ["list", "--status", "bogus"],
        ["list", "--limit", "0"],
        ["list", "--limit", "x"],
        ["show"],
        ["show", "abc"],
        ["show", "99999999999999999999"],
        ["list", "--limit", "99999999999999999999"],
        ["search", "x", "--limit", "9223372036854775807"],
        ["--nope"],
    ):
        code, out, err = run(capsys, *argv)
        assert code == 2, argv
        assert err.count("\n") == 1, (argv, err)
        assert out == ""


def test_bad_status_names_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "list", "--status", "bogus")
    assert code == 2
    assert "bogus" in err and "open" in err


def test_list_help_names_every_queue(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--help")
    assert code == 0
    help_text = " ".join(out.split())
    assert "one queue, in its order: needs-reply, mine, unassigned, vip," in help_text
    assert "handed-off, snoozed, closed, all" in help_text


def _modules_loaded_by(tmp_path: Path, *argv: str) -> set[str]:
    """The modules `frontdesk ARGV` imported, run in a fresh interpreter."""
    code = (
        "import contextlib, io, sys\n"
        "from tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        code = main({list(argv)!r})\n"
        "    except SystemExit as exit:\n"
        "        code = exit.code\n"
        "assert code == 0, code\n"
        "print(' '.join(sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "c"), XDG_DATA_HOME=str(tmp_path / "d"))
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_help_and_scripts_do_not_load_the_app(tmp_path: Path) -> None:
    """Each command imports what it runs: `--help` not even the store, a script's `list`
    or `report` never the TUI."""

    def of_the_app(modules: set[str]) -> set[str]:
        return {
            m
            for m in modules
            if m.split(".")[0] in {"textual", "rich"}
            or m.startswith(("tui.app", "tui.backend", "tui.screens", "tui.widgets"))
        }

    shown_help = _modules_loaded_by(tmp_path, "--help")
    assert not of_the_app(shown_help)
    assert not {"sqlite_utils", "storage.db", "importlib.metadata"} & shown_help
    db = str(tmp_path / "store.db")
    for argv in (["list", "--json", "--limit", "5"], ["report", "--days", "30", "--json"]):
        modules = _modules_loaded_by(tmp_path, "--db", db, *argv)
        assert "storage.db" in modules, argv  # it did run, on the store
        assert not of_the_app(modules), argv


# -- where the store is -----------------------------------------------------------------------


def test_db_option_and_env_pick_the_store(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    eml = tmp_path / "one.eml"
    eml.write_bytes(mail())
    by_option = tmp_path / "a" / "option.db"
    by_env = tmp_path / "b" / "env.db"
    monkeypatch.setenv("FRONTDESK_DB", str(by_env))
    assert run(capsys, "--db", str(by_option), "import", str(eml))[0] == 0
    assert by_option.exists() and not by_env.exists()
    assert run(capsys, "import", str(eml))[0] == 0
    assert by_env.exists()
    assert len(list_json(capsys, "--status", "all")) == 1

    monkeypatch.delenv("FRONTDESK_DB")
    assert list_json(capsys, "--status", "all") == []  # the default, in XDG_DATA_HOME
    assert (tmp_path / "xdg-data" / "frontdesk" / "frontdesk.db").exists()


def test_db_that_is_not_a_database_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"hello " * 1000)
    code, _, err = run(capsys, "--db", str(bad), "list")
    assert code == 2
    assert err.count("\n") == 1 and "not a usable frontdesk database" in err


def test_cli_end_to_end_in_a_subprocess(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "c"), XDG_DATA_HOME=str(tmp_path / "d"))
    db = tmp_path / "e2e.db"

    def cli(*argv: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tui.cli", *argv],
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )

    assert "usage: frontdesk" in cli("--help").stdout
    assert cli("--version").stdout.startswith("frontdesk ")
    eml = tmp_path / "m.eml"
    eml.write_bytes(mail())
    assert cli("import", str(eml), FRONTDESK_DB=str(db)).returncode == 0
    shown = cli("--db", str(db), "show", "1")
    assert shown.returncode == 0 and "zoe@northwind.test" in shown.stdout
    unknown = cli("--db", str(db), "show", "42")
    assert unknown.returncode == 2
    assert unknown.stderr.count("\n") == 1 and "Traceback" not in unknown.stderr
    bad = cli("--db", str(db), "list", "--status", "nope")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


# -- list -------------------------------------------------------------------------------------


def test_list_json_fields(capsys: pytest.CaptureFixture[str], filled: dict[str, int]) -> None:
    rows = {row["id"]: row for row in list_json(capsys, "--status", "all")}
    assert set(rows) == set(filled.values())
    for row in rows.values():
        assert set(row) >= LIST_KEYS
        assert isinstance(row["awaiting_reply"], bool) and isinstance(row["flagged"], bool)
        assert isinstance(row["tags"], list)

    zoe = rows[filled["zoe"]]
    assert zoe["subject"] == "Export is broken"  # the first message's, not the latest's
    assert zoe["customer"] == "zoe@northwind.test"
    assert zoe["message_count"] == 3  # ours included
    assert (zoe["status"], zoe["awaiting_reply"], zoe["flagged"]) == ("open", True, False)
    assert zoe["last_message_at"] == later(5).isoformat()

    carl = rows[filled["carl"]]  # we started it: the customer is whom we wrote to
    assert carl["customer"] == "carl@tailspin.test"
    assert (carl["status"], carl["awaiting_reply"], carl["message_count"]) == ("pending", False, 1)

    bob = rows[filled["bob"]]
    assert bob["subject"] == "Rechnung für Oktober"  # decoded

    assert rows[filled["flagged"]]["flagged"] is True
    assert sum(row["flagged"] for row in rows.values()) == 1


def test_list_order_is_waiting_first_oldest_first(
    capsys: pytest.CaptureFixture[str], filled: dict[str, int]
) -> None:
    rows = list_json(capsys, "--status", "all")
    waiting = [row["awaiting_reply"] for row in rows]
    assert waiting == sorted(waiting, reverse=True)  # all waiting ones first
    ids = [row["id"] for row in rows]
    # ann waits since later(2), bob since later(3), zoe since later(5); the flagged one since now.
    assert ids[:4] == [filled["ann"], filled["bob"], filled["zoe"], filled["flagged"]]
    assert ids[4:] == [filled["carl"]]


def test_list_status_and_limit(
    capsys: pytest.CaptureFixture[str], filled: dict[str, int], store_path: Path
) -> None:
    assert [r["id"] for r in list_json(capsys, "--status", "pending")] == [filled["carl"]]
    open_rows = list_json(capsys)  # the default: open
    assert {r["status"] for r in open_rows} == {"open"} and len(open_rows) == 4
    limited = list_json(capsys, "--status", "all", "--limit", "2")
    assert [r["id"] for r in limited] == [filled["ann"], filled["bob"]]

    with Store.open(store_path) as store:
        conversations.set_status(store, filled["ann"], Status.CLOSED, actor="me")
    (closed,) = list_json(capsys, "--status", "closed")
    assert closed["id"] == filled["ann"]
    assert closed["awaiting_reply"] is False
    assert filled["ann"] not in [r["id"] for r in list_json(capsys)]


def test_list_text_output(capsys: pytest.CaptureFixture[str], filled: dict[str, int]) -> None:
    code, out, _ = run(capsys, "list", "--status", "all")
    assert code == 0
    assert len(out.strip().splitlines()) == 5
    assert "Export is broken" in out and "Zoë Müller" in out


def test_list_shows_tier_sla_and_priority(
    capsys: pytest.CaptureFixture[str], filled: dict[str, int], store_path: Path
) -> None:
    code, _, _ = run(capsys, "customers", "set", "zoe@northwind.test", "--tier", "vip")
    assert code == 0
    rows = list_json(capsys, "--status", "all")
    # Zoë waits the shortest, but a VIP's 1 h target and 4 h head start put her first.
    assert [(r["id"], r["priority"]) for r in rows[:2]] == [(filled["zoe"], 1), (filled["ann"], 2)]
    zoe = rows[0]
    assert (zoe["tier"], zoe["at_risk"], zoe["churn_reasons"]) == ("vip", False, [])
    assert zoe["sla_due_at"] == later(5 + 1).isoformat()
    assert zoe["sla_state"] == "breached"  # weeks ago, by the real clock
    carl = next(r for r in rows if r["id"] == filled["carl"])
    assert (carl["sla_state"], carl["sla_due_at"], carl["tier"]) == ("none", None, "unknown")
    with Store.open(store_path) as store:  # seen breached: recorded for the reports
        # Ann, Bob and Zoë; the unparsable message is dated when it arrived: not yet due.
        assert store.scalar("SELECT count(*) FROM events WHERE kind = 'sla_breached'") == 3
    code, out, _ = run(capsys, "list")
    first = out.splitlines()[0]
    assert "vip" in first and "+" in first and "Export is broken" in first


def test_list_queue_filters(capsys: pytest.CaptureFixture[str], filled: dict[str, int]) -> None:
    run(capsys, "customers", "set", "zoe@northwind.test", "--tier", "vip")
    assert [r["id"] for r in list_json(capsys, "--queue", "vip")] == [filled["zoe"]]
    assert list_json(capsys, "--queue", "at-risk") == []
    assert [r["id"] for r in list_json(capsys, "--queue", "unknown", "--status", "pending")] == [
        filled["carl"]
    ]
    waiting = list_json(capsys, "--queue", "needs-reply")
    assert len(waiting) == 4 and all(r["awaiting_reply"] for r in waiting)
    code, _, err = run(capsys, "list", "--queue", "gold")
    assert code == 2 and "invalid choice: 'gold'" in err


def test_list_on_an_empty_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert list_json(capsys, "--status", "all") == []
    code, out, _ = run(capsys, "list")
    assert code == 0 and "No conversations." in out


# -- show -------------------------------------------------------------------------------------


def test_show_text(capsys: pytest.CaptureFixture[str], filled: dict[str, int]) -> None:
    code, out, _ = run(capsys, "show", str(filled["bob"]))
    assert code == 0
    assert "Rechnung für Oktober" in out
    assert "Bob Stone <bob@contoso.test>" in out
    assert "2026-11-02 12:00" in out  # later(3)
    assert "Please see the attached invoice." in out
    assert "old quote" not in out  # the new text only
    assert "invoice-10.pdf" in out and "application/pdf" in out

    code, out, _ = run(capsys, "show", str(filled["zoe"]))
    assert code == 0
    assert out.count("── ") == 3 and "(us)" in out


def test_show_json(capsys: pytest.CaptureFixture[str], filled: dict[str, int]) -> None:
    code, out, _ = run(capsys, "show", str(filled["bob"]), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["id"] == filled["bob"]
    (message,) = data["messages"]
    assert message["from"] == "bob@contoso.test"
    assert message["from_name"] == "Bob Stone"
    assert message["date"] == later(3).isoformat()
    assert message["new_text"] == "Please see the attached invoice."
    assert message["attachments"] == [
        {"filename": "invoice-10.pdf", "content_type": "application/pdf", "size": 13}
    ]
    code, out, _ = run(capsys, "show", str(filled["zoe"]), "--json")
    ours = [m["ours"] for m in json.loads(out)["messages"]]
    assert ours == [False, True, False]


def test_show_flagged_message(capsys: pytest.CaptureFixture[str], filled: dict[str, int]) -> None:
    code, out, _ = run(capsys, "show", str(filled["flagged"]))
    assert code == 0
    assert "could not be parsed" in out
    code, out, _ = run(capsys, "show", str(filled["flagged"]), "--json")
    data = json.loads(out)
    assert data["flagged"] is True
    (message,) = data["messages"]
    assert message["flagged"] is True and message["parse_error"]


def test_show_unknown_id_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], filled: dict[str, int]
) -> None:
    code, out, err = run(capsys, "show", "999")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "999" in err
