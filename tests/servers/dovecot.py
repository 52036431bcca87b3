"""A private Dovecot IMAP server for one test session, on free loopback ports.

Its configuration, TLS certificate (SAN localhost and 127.0.0.1), state and mail all live in one
temporary directory. Started with `dovecot -F -c CONF`; stdout is not piped (a pipe hangs it).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

MAIL_UID = 65534  # nobody: Dovecot refuses to run a mail user as root


class ServerUnavailable(RuntimeError):
    """The server binary is missing or would not start."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_certificate(directory: Path, name: str = "server") -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1: (cert.pem, key.pem)."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@dataclass
class Dovecot:
    root: Path
    imap_port: int
    imaps_port: int
    cert: Path
    process: subprocess.Popen[bytes] | None = None
    users: dict[str, str] | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def maildir(self, user: str) -> Path:
        return self.root / "home" / user / "Maildir"

    def write_config(self) -> Path:
        users = self.users or {}
        passwd = self.root / "passwd"
        passwd.write_text(
            "".join(
                f"{user}:{{PLAIN}}{password}:{MAIL_UID}:{MAIL_UID}::{self.root / 'home' / user}::\n"
                for user, password in users.items()
            )
        )
        for user in users:
            home = self.root / "home" / user
            home.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                os.chown(home, MAIL_UID, MAIL_UID)
        conf = self.root / "dovecot.conf"
        key = self.cert.with_suffix(".key")
        conf.write_text(
            f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
info_log_path = {self.root}/dovecot.log
default_login_user = nobody
default_internal_user = nobody
default_internal_group = nogroup
first_valid_uid = {MAIL_UID}
last_valid_uid = {MAIL_UID}
disable_plaintext_auth = no
auth_mechanisms = plain login
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{key}
mail_location = maildir:~/Maildir
mail_plugins =
imap_capability = +SPECIAL-USE
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {passwd}
}}
userdb {{
  driver = passwd-file
  args = {passwd}
}}
"""
        )
        return conf

    def start(self) -> None:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not Path(binary).exists():
            raise ServerUnavailable(
                "dovecot is not installed (Debian: apt-get install dovecot-imapd)"
            )
        conf = self.write_config()
        log = (self.root / "stdout.log").open("wb")
        self.process = subprocess.Popen(
            [binary, "-F", "-c", str(conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerUnavailable(f"dovecot exited: {self.log_tail()}")
            try:
                with socket.create_connection((self.host, self.imap_port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise ServerUnavailable(f"dovecot did not answer within 15 s: {self.log_tail()}")

    def log_tail(self) -> str:
        text = ""
        for name in ("dovecot.log", "stdout.log"):
            path = self.root / name
            if path.exists():
                text += path.read_text(errors="replace")[-2000:]
        return text

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def remove(self) -> None:
        """Stops the server and deletes its directory."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_dovecot(users: dict[str, str]) -> Dovecot:
    """Starts a server in a new directory that Dovecot's unprivileged processes can enter
    (pytest's own temporary directories are private to us)."""
    root = Path(tempfile.mkdtemp(prefix="frontdesk-dovecot-"))
    os.chmod(root, 0o711)
    cert, _ = make_certificate(root)
    server = Dovecot(root, free_port(), free_port(), cert, users=users)
    server.start()
    return server
