"""Passwords: from the environment first, else the OS keychain through `keyring`. Never from
or to the config file, never in logs. Without a keychain, say so and name the alternatives."""

from __future__ import annotations

import contextlib
import os

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from storage.errors import FrontdeskError

SERVICE = "frontdesk"
ENV = {"imap": "FRONTDESK_IMAP_PASSWORD", "smtp": "FRONTDESK_SMTP_PASSWORD"}


class SecretError(FrontdeskError):
    """No password could be found or saved."""


def _key(kind: str, username: str, host: str) -> str:
    return f"{kind}:{username}@{host}"


def no_keychain_advice() -> str:
    return (
        "no usable keychain on this machine (a headless server?); the password was not saved. "
        f"Set {ENV['imap']} and {ENV['smtp']} in frontdesk's environment instead, or install "
        "and choose a keyring backend (see `keyring --list-backends`, PYTHON_KEYRING_BACKEND)"
    )


def get_password(kind: str, username: str, host: str) -> str:
    """The password for `kind` ('imap' or 'smtp'): the environment variable wins when set."""
    from_env = os.environ.get(ENV[kind])
    if from_env:
        return from_env
    try:
        stored = keyring.get_password(SERVICE, _key(kind, username, host))
    except NoKeyringError:
        stored = None
    except KeyringError as exc:
        raise SecretError(f"cannot read the {kind} password from the keychain: {exc}") from exc
    if stored is None:
        raise SecretError(
            f"no {kind.upper()} password for {username}@{host}: run `frontdesk account add`, "
            f"or set {ENV[kind]}"
        )
    return stored


def save_password(kind: str, username: str, host: str, password: str) -> None:
    try:
        keyring.set_password(SERVICE, _key(kind, username, host), password)
    except NoKeyringError as exc:
        raise SecretError(no_keychain_advice()) from exc
    except KeyringError as exc:
        raise SecretError(f"the keychain refused the {kind} password: {exc}") from exc


def delete_password(kind: str, username: str, host: str) -> None:
    with contextlib.suppress(PasswordDeleteError, NoKeyringError):
        keyring.delete_password(SERVICE, _key(kind, username, host))
