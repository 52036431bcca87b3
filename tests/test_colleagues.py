"""Colleagues in the config: `[[colleagues]]` validated, and `frontdesk colleagues add|list`
keeping the rest of the file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from mail.config import ConfigError, parse_config
from tests.conftest import run_cli

pytestmark = pytest.mark.usefixtures("isolated_cli")


def test_colleagues_are_read_with_their_defaults() -> None:
    config = parse_config({"colleagues": [{"name": "Pete Lindqvist", "email": "pete@x.io"}]})
    (pete,) = config.colleagues
    assert (pete.name, pete.email, pete.role, pete.hours) == (
        "Pete Lindqvist",
        "pete@x.io",
        "sales",
        "",
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "", "email": "a@x.io"}, "colleagues[0].name"),
        ({"name": "Pete\nX", "email": "a@x.io"}, "colleagues[0].name"),
        ({"name": "Pete", "email": "pete"}, "colleagues[0].email"),
        ({"name": "Pete", "email": "a@x.io\nBcc: b@y.io"}, "colleagues[0].email"),
        ({"name": "Pete", "email": "a@x.io", "role": "ceo"}, "colleagues[0].role"),
        ({"name": "Pete", "email": "a@x.io", "hours": "9-5"}, "colleagues[0].hours"),
        ({"name": "Pete", "email": "a@x.io", "nickname": "P"}, "colleagues[0].nickname"),
    ],
)
def test_a_bad_colleague_is_an_error_naming_the_key(entry: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_config({"colleagues": [entry]})


def test_two_colleagues_with_one_name_are_an_error() -> None:
    with pytest.raises(ConfigError, match=r"(?i)two colleagues are named 'pete'"):
        parse_config(
            {
                "colleagues": [
                    {"name": "Pete", "email": "a@x.io"},
                    {"name": "pete", "email": "b@x.io"},
                ]
            }
        )


def test_add_writes_the_config_keeping_other_sections_and_list_shows_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[team]\nme = "Dana"\n', encoding="utf-8")
    code, out, _ = run_cli(
        capsys, "--config", str(path), "colleagues", "add", "--name", "Pete  Lindqvist",
        "--email", "pete@trellis.app", "--description", "plans and larger teams",
    )  # fmt: skip
    assert code == 0 and "Added Pete Lindqvist (sales)" in out
    code, out, _ = run_cli(
        capsys, "--config", str(path), "colleagues", "add", "--name", "Ines Duarte",
        "--email", "ines@trellis.app", "--role", "success", "--hours", "08:00-16:00",
    )  # fmt: skip
    assert code == 0
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["team"] == {"me": "Dana"}
    assert [c["name"] for c in data["colleagues"]] == ["Pete Lindqvist", "Ines Duarte"]
    assert path.stat().st_mode & 0o777 == 0o600

    code, out, _ = run_cli(capsys, "--config", str(path), "colleagues", "list")
    assert out.splitlines() == [
        "Pete Lindqvist <pete@trellis.app> sales — plans and larger teams",
        "Ines Duarte <ines@trellis.app> success (08:00-16:00)",
    ]
    code, out, _ = run_cli(capsys, "--config", str(path), "colleagues", "list", "--json")
    listed = json.loads(out)
    assert listed[1] == {
        "name": "Ines Duarte",
        "email": "ines@trellis.app",
        "role": "success",
        "description": "",
        "hours": "08:00-16:00",
    }


def test_adding_a_known_name_updates_that_colleague(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    for email in ("pete@old.io", "pete@trellis.app"):
        code, out, _ = run_cli(
            capsys, "--config", str(path), "colleagues", "add", "--name", "Pete", "--email", email
        )
        assert code == 0
    assert "Updated Pete" in out
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["colleagues"] == [{"name": "Pete", "email": "pete@trellis.app", "role": "sales"}]


def test_a_bad_address_leaves_the_file_untouched(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[team]\nme = "Dana"\n', encoding="utf-8")
    code, _, err = run_cli(
        capsys, "--config", str(path), "colleagues", "add", "--name", "Pete", "--email", "pete"
    )
    assert code == 2 and "'colleagues[0].email' is not an email address" in err
    assert path.read_text(encoding="utf-8") == '[team]\nme = "Dana"\n'


def test_list_without_colleagues_says_how_to_add_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "colleagues", "list")
    assert code == 0 and "frontdesk colleagues add" in out
