"""The configuration file: found via --config or FRONTDESK_CONFIG, validated key by key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from mail.config import (
    Config,
    ConfigError,
    config_path,
    documented_fields,
    load_config,
    parse_config,
)
from tests.conftest import SUPPORT, T0, mail, run_cli

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.usefixtures("isolated_cli")
run = run_cli


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults() -> None:
    config = Config()
    assert config.mailbox.subject_window_days == 14
    assert config.mailbox.support_addresses == []
    assert config.support_addresses() == set()
    keys = [key for key, _, doc in documented_fields()]
    assert keys[:2] == ["account.email", "account.name"]
    assert {"account.imap.host", "account.smtp.security", "sync.folders", "sync.since"} <= set(keys)
    assert {"mailbox.support_addresses", "mailbox.subject_window_days"} <= set(keys)
    assert len(keys) == len(set(keys))
    assert all(doc for _, _, doc in documented_fields())


def test_a_full_valid_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[account]\nemail = " Support@Acme.test "\nname = "Acme Support"\n\n'
        '[mailbox]\nsupport_addresses = ["ann@acme.test", " "]\nsubject_window_days = 30\n',
    )
    config = load_config(path, required=True)
    assert config.account.name == "Acme Support"
    assert config.mailbox.subject_window_days == 30
    assert config.support_addresses() == {"support@acme.test", "ann@acme.test"}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("bogus = 1\n", "'bogus'"),
        ("[mailbox]\nbogus = 1\n", "'mailbox.bogus'"),
        ("[account]\nemail = 'a@b.c'\nemial = 'typo'\n", "'account.emial'"),
        ("[mailbox.extra]\nx = 1\n", "'mailbox.extra'"),
    ],
)
def test_unknown_key_is_an_error_naming_it(tmp_path: Path, text: str, named: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match="unknown key") as caught:
        load_config(path, required=True)
    assert named in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("text", "named", "wanted"),
    [
        (
            '[mailbox]\nsubject_window_days = "14"\n',
            "'mailbox.subject_window_days'",
            "whole number",
        ),
        (
            "[mailbox]\nsubject_window_days = true\n",
            "'mailbox.subject_window_days'",
            "whole number",
        ),
        ("[mailbox]\nsubject_window_days = 1.5\n", "'mailbox.subject_window_days'", "whole number"),
        ("[account]\nemail = 5\n", "'account.email'", "string"),
        ('[mailbox]\nsupport_addresses = "a@b.c"\n', "'mailbox.support_addresses'", "list"),
        (
            "[mailbox]\nsupport_addresses = ['a@b.c', 3]\n",
            "'mailbox.support_addresses[1]'",
            "string",
        ),
        ("mailbox = 3\n", "[mailbox]", "table"),
        ("[mailbox]\nsubject_window_days = -1\n", "'mailbox.subject_window_days'", "between"),
        (
            "[mailbox]\nsubject_window_days = 99999999999\n",
            "'mailbox.subject_window_days'",
            "between",
        ),
    ],
)
def test_wrong_type_is_an_error_naming_the_key(
    tmp_path: Path, text: str, named: str, wanted: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), required=True)
    assert named in str(caught.value)
    assert wanted in str(caught.value)


def test_invalid_toml_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[mailbox\n"), required=True)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml", required=True)
    assert load_config(tmp_path / "missing.toml", required=False) == Config()
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(write(tmp_path, "").parent, required=True)  # a folder
    bad_bytes = tmp_path / "latin1.toml"
    bad_bytes.write_bytes(b'[account]\nname = "Caf\xe9"\n')
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(bad_bytes, required=True)


def test_config_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    default, required = config_path(None)
    assert default == tmp_path / "xdg-config" / "frontdesk" / "config.toml"
    assert not required
    monkeypatch.setenv("FRONTDESK_CONFIG", str(tmp_path / "env.toml"))
    assert config_path(None) == (tmp_path / "env.toml", True)
    assert config_path(str(tmp_path / "opt.toml")) == (tmp_path / "opt.toml", True)


def test_parse_config_directly() -> None:
    assert parse_config({}) == Config()
    with pytest.raises(ConfigError, match=r"'account\.nope'"):
        parse_config({"account": {"nope": 1}}, "inline")


# -- through the command line ------------------------------------------------------------------


def test_cli_unknown_key_is_exit_2_naming_the_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "[mailbox]\nbogus = 1\n")
    code, out, err = run(capsys, "--config", str(path), "list")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "'mailbox.bogus'" in err


def test_cli_wrong_type_is_exit_2_naming_the_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FRONTDESK_CONFIG", str(write(tmp_path, "[account]\nemail = 7\n")))
    code, _, err = run(capsys, "list")
    assert code == 2
    assert err.count("\n") == 1 and "'account.email'" in err


def test_cli_missing_explicit_config_is_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, _, err = run(capsys, "--config", str(tmp_path / "nope.toml"), "list")
    assert code == 2 and err.count("\n") == 1 and "nope.toml" in err
    monkeypatch.setenv("FRONTDESK_CONFIG", str(tmp_path / "gone.toml"))
    code, _, err = run(capsys, "list")
    assert code == 2 and "gone.toml" in err


def test_cli_missing_default_config_means_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0 and json.loads(out) == []


def test_cli_option_beats_env(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FRONTDESK_CONFIG", str(write(tmp_path, "bogus = 1\n", "bad.toml")))
    good = write(tmp_path, "[mailbox]\nsubject_window_days = 3\n", "good.toml")
    code, _, err = run(capsys, "--config", str(good), "list")
    assert code == 0, err


def _import_two(capsys: pytest.CaptureFixture[str], tmp_path: Path, *config: str) -> list[int]:
    """A "Help" and, 16 days later, a "Re: Help" without threading headers."""
    folder = tmp_path / "mail"
    folder.mkdir(exist_ok=True)
    (folder / "1.eml").write_bytes(mail(subject="Help", message_id="<h1@x>", date=T0))
    (folder / "2.eml").write_bytes(
        mail(subject="Re: Help", message_id="<h2@x>", date=T0 + timedelta(days=16))
    )
    code, _, err = run(capsys, *config, "import", str(folder))
    assert code == 0, err
    code, out, _ = run(capsys, "list", "--json", "--status", "all")
    return sorted(row["message_count"] for row in json.loads(out))


def test_subject_window_from_the_config_is_used(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "[mailbox]\nsubject_window_days = 30\n")
    assert _import_two(capsys, tmp_path, "--config", str(path)) == [2]


def test_default_subject_window_is_14_days(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert _import_two(capsys, tmp_path) == [1, 1]


def test_support_addresses_from_the_config_count_as_ours(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, f'[account]\nemail = "{SUPPORT.upper()}"\n')
    eml = tmp_path / "ours.eml"
    eml.write_bytes(mail(sender=SUPPORT, to="bob@contoso.test", subject="Hello"))
    assert run(capsys, "--config", str(path), "import", str(eml))[0] == 0
    _, out, _ = run(capsys, "list", "--json", "--status", "all")
    (row,) = json.loads(out)
    assert (row["customer"], row["status"], row["awaiting_reply"]) == (
        "bob@contoso.test",
        "pending",
        False,
    )


def test_config_errors_in_a_subprocess_have_no_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update(
        FRONTDESK_DB=str(tmp_path / "x.db"),
        FRONTDESK_CONFIG=str(write(tmp_path, "[mailbox]\nsubject_window_days = 10000000000\n")),
        XDG_CONFIG_HOME=str(tmp_path / "c"),
        XDG_DATA_HOME=str(tmp_path / "d"),
    )
    eml = tmp_path / "m.eml"
    eml.write_bytes(mail())
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "import", str(eml)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "subject_window_days" in done.stderr
