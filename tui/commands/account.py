"""`frontdesk account add` and `frontdesk account test`: set up the mailbox, check it works.

The password is asked for (or read from stdin) once, for both servers, and goes to the OS
keychain; where there is none, the user is told plainly what to do instead.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING, Any

from mail.config import SECURITY_CHOICES, Config, ServerConfig
from mail.sanitize import clean_line
from storage.errors import FrontdeskError
from tui.context import Context

if TYPE_CHECKING:
    from mail.account import NewAccount


def register(sub: Any) -> None:
    account = sub.add_parser("account", help="set up and check the support mailbox")
    actions = account.add_subparsers(
        dest="account_command", metavar="ACTION", required=True, help="add or test"
    )

    add = actions.add_parser(
        "add",
        help="add the support mailbox (asks, or takes the flags below for scripts)",
        description="Without flags, asks for each setting. With --email, takes flags only.",
    )
    add.add_argument("--email", metavar="ADDR", help="the support address")
    add.add_argument("--name", metavar="NAME", help="the display name replies are sent under")
    add.add_argument("--imap-host", metavar="H", help="IMAP server")
    add.add_argument("--imap-port", metavar="P", type=int, help="IMAP port")
    add.add_argument("--imap-security", choices=SECURITY_CHOICES, help="IMAP security")
    add.add_argument("--imap-username", metavar="U", help="IMAP login name")
    add.add_argument("--ca-file", metavar="PEM", help="extra certificates to trust (self-signed)")
    add.add_argument("--smtp-host", metavar="H", help="SMTP server")
    add.add_argument("--smtp-port", metavar="P", type=int, help="SMTP port")
    add.add_argument("--smtp-security", choices=SECURITY_CHOICES, help="SMTP security")
    add.add_argument("--smtp-username", metavar="U", help="SMTP login name")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password (one, for both servers) from standard input",
    )
    add.add_argument("--no-test", action="store_true", help="save without testing the login")
    add.set_defaults(run=cmd_account_add, creates_config=True)

    test = actions.add_parser(
        "test", help="log in, list folders, name the Sent folder and the server's extensions"
    )
    test.set_defaults(run=cmd_account_test)


def _ask(prompt: str, default: str = "") -> str:
    shown = f"{prompt} [{default}]: " if default else f"{prompt}: "
    answer = input(shown).strip()
    return answer or default


def _interactive(args: argparse.Namespace) -> argparse.Namespace:
    """Fills in the settings by asking, as `account add` without flags does."""
    print("Setting up the support mailbox. Press Enter to take the [default].")
    args.email = _ask("Support address (e.g. support@example.com)")
    args.name = _ask("Display name for replies", "Support")
    domain = args.email.partition("@")[2]
    args.imap_host = _ask("IMAP server", f"imap.{domain}" if domain else "")
    args.imap_security = _ask("IMAP security (ssl/starttls/none)", "ssl")
    args.imap_port = int(_ask("IMAP port", "993" if args.imap_security == "ssl" else "143"))
    args.imap_username = _ask("IMAP username", args.email)
    args.ca_file = _ask("CA file for a self-signed server (empty: none)") or None
    args.smtp_host = _ask("SMTP server (empty: set up later)", f"smtp.{domain}" if domain else "")
    if args.smtp_host:
        args.smtp_security = _ask("SMTP security (ssl/starttls/none)", "starttls")
        args.smtp_port = int(_ask("SMTP port", "465" if args.smtp_security == "ssl" else "587"))
        args.smtp_username = _ask("SMTP username", args.imap_username)
    return args


def _account_from(args: argparse.Namespace) -> NewAccount:
    from mail.account import NewAccount

    missing = [
        flag
        for flag, value in (
            ("--email", args.email),
            ("--name", args.name),
            ("--imap-host", args.imap_host),
            ("--imap-port", args.imap_port),
            ("--imap-security", args.imap_security),
            ("--imap-username", args.imap_username),
        )
        if value in (None, "")
    ]
    if missing:
        raise FrontdeskError(f"account add needs {', '.join(missing)} (or no flags, to be asked)")
    for value, what in ((args.email, "--email"),):
        if "@" not in value or any(c.isspace() or ord(c) < 32 for c in value):
            raise FrontdeskError(f"{what} {value!r} is not an email address")
    if any(ord(c) < 32 for c in args.name):
        raise FrontdeskError("--name must be one line of text")
    ca_file = os.path.abspath(os.path.expanduser(args.ca_file)) if args.ca_file else ""
    if ca_file and not os.path.isfile(ca_file):
        raise FrontdeskError(f"--ca-file {args.ca_file}: no such file")
    imap = ServerConfig(
        args.imap_host, args.imap_port, args.imap_security, args.imap_username, ca_file
    )
    smtp = None
    if args.smtp_host:
        smtp = ServerConfig(
            args.smtp_host,
            args.smtp_port or 0,
            args.smtp_security or "starttls",
            args.smtp_username or args.imap_username,
            ca_file,
        )
    return NewAccount(args.email.strip(), args.name.strip(), imap, smtp)


def _read_password(args: argparse.Namespace, interactive: bool) -> str | None:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise FrontdeskError("--password-stdin: standard input gave an empty password")
        return password
    if interactive:
        return getpass.getpass("Password (for IMAP and SMTP; not shown): ") or None
    return None


def cmd_account_add(ctx: Context) -> int:
    from mail import secrets
    from mail.account import save_account
    from mail.imap import Endpoint, check_security, close_quietly, connect

    args = ctx.args
    interactive = args.email is None and not args.password_stdin
    if interactive:
        if not sys.stdin.isatty():
            raise FrontdeskError(
                "account add: no terminal to ask on; pass --email and the other flags"
            )
        args = _interactive(args)
    account = _account_from(args)
    password = _read_password(args, interactive)
    imap = Endpoint(
        "imap",
        account.imap.host,
        account.imap.port,
        account.imap.security,
        account.imap.username,
        account.imap.ca_file,
    )
    check_security(imap)
    if not args.no_test:
        login_password = password or secrets.get_password("imap", imap.username, imap.host)
        client = connect(imap, login_password)
        close_quietly(client)
        print(f"Logged in to {clean_line(imap.describe())}.")
        if account.smtp is not None:
            _test_smtp(account, password or login_password)
    save_account(ctx.config_path, account)
    print(f"Saved the account to {ctx.config_path}.")
    if password is None:
        return 0
    try:
        secrets.save_password("imap", account.imap.username, account.imap.host, password)
        if account.smtp is not None:
            secrets.save_password("smtp", account.smtp.username, account.smtp.host, password)
    except secrets.SecretError as exc:
        print(f"frontdesk: {exc}", file=sys.stderr)
        return 0 if os.environ.get(secrets.ENV["imap"]) else 2
    print("Saved the password in the system keychain.")
    return 0


def _test_smtp(account: NewAccount, password: str) -> None:
    from mail.imap import Endpoint
    from mail.smtp import check_login

    assert account.smtp is not None
    smtp = Endpoint(
        "smtp",
        account.smtp.host,
        account.smtp.port or 0,
        account.smtp.security,
        account.smtp.username,
        account.smtp.ca_file,
    )
    check_login(smtp, password)
    print(f"Logged in to {clean_line(smtp.describe())}.")


def cmd_account_test(ctx: Context) -> int:
    from mail import secrets
    from mail.account import endpoint
    from mail.imap import close_quietly, connect
    from mail.sync import detect_sent_folder

    config: Config = ctx.config
    imap = endpoint(config, "imap")
    client = connect(imap, secrets.get_password("imap", imap.username, imap.host))
    try:
        print(f"Login: ok ({clean_line(imap.describe())})")
        folders = [str(name) for _flags, _sep, name in client.list_folders()]
        print(f"Folders: {', '.join(clean_line(f) for f in sorted(folders))}")
        sent = config.sync.sent_folder or detect_sent_folder(client)
        print(f"Sent folder: {clean_line(sent) if sent else '(none found: set sync.sent_folder)'}")
        caps = sorted(c.decode("ascii", "replace") for c in client.capabilities())
        wanted = ("IDLE", "CONDSTORE", "QRESYNC", "UIDPLUS", "MOVE", "X-GM-EXT-1", "SPECIAL-USE")
        have = [c for c in wanted if c in caps]
        print(f"Extensions: {', '.join(have) if have else 'none of the useful ones'}")
        print(f"All capabilities: {' '.join(caps)}")
    finally:
        close_quietly(client)
    return 0
