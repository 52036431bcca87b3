"""First sync and no-change re-sync of 10,000 realistic messages: frontdesk against mbsync.

Run: .venv/bin/python bench/sync_speed.py [--messages N] [--runs R]
Needs Dovecot (dovecot-imapd) and mbsync (isync), both from Debian. A private Dovecot is started
on 127.0.0.1 and filled from the demo generator; each tool syncs INBOX over TLS into a fresh
store (frontdesk: parse, thread, store, index; mbsync: Maildir files). Wall time and peak
resident memory of each run are measured from outside the process (wait4).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from imapclient import IMAPClient

from bench.machine import describe
from mail import demo
from tests.servers.dovecot import start_dovecot

NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
PASSWORD = "bench-pass"


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (a parse worker counts too)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(child) for child in children)
        except (OSError, ValueError):
            continue
    return total


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak resident MB of the process tree) of one run; fails loudly on error.

    Memory is sampled every 10 ms from /proc while the command runs."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak_kb = 0
    while process.poll() is None:
        peak_kb = max(peak_kb, _tree_rss_kb(process.pid))
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {out.decode()}{err.decode()}")
    return elapsed, peak_kb / 1024


def mbsync_config(directory: Path, port: int, cert: Path, fsync: bool = True) -> Path:
    maildir = directory / ("maildir" if fsync else "maildir-nofsync")
    maildir.mkdir()
    config = directory / ("mbsyncrc" if fsync else "mbsyncrc-nofsync")
    config.write_text(
        ("" if fsync else "FSync no\n\n")
        + f"IMAPAccount bench\nHost localhost\nPort {port}\nUser bench\nPass {PASSWORD}\n"
        f"SSLType IMAPS\nCertificateFile {cert}\n\n"
        "IMAPStore remote\nAccount bench\n\n"
        f"MaildirStore local\nPath {maildir}/\nInbox {maildir}/INBOX\n\n"
        "Channel bench\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\nSyncState *\n"
    )
    return config


def frontdesk_config(directory: Path, port: int, cert: Path) -> Path:
    config = directory / "config.toml"
    config.write_text(
        '[account]\nemail = "support@trellis.app"\nname = "Trellis Support"\n\n'
        f'[account.imap]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "ssl"\n'
        f'username = "bench"\nca_file = "{cert}"\n\n'
        "[sync]\nsync_sent = false\nclose_older_than_days = 0\n"
    )
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("mbsync"):
        raise SystemExit("mbsync is missing: apt-get install isync")

    messages = demo.generate(conversations=args.messages // 2, now=NOW)[: args.messages]
    server = start_dovecot({"bench": PASSWORD})
    try:
        client = IMAPClient(server.host, port=server.imap_port, ssl=False)
        client.login("bench", PASSWORD)
        for start in range(0, len(messages), 500):
            client.multiappend("INBOX", messages[start : start + 500])
        client.logout()
        sizes = sorted(len(m) for m in messages)
        print(describe())
        print(
            f"mailbox: {len(messages)} demo messages in INBOX, median "
            f"{statistics.median(sizes) / 1024:.1f} KB, {sum(sizes) / 2**20:.0f} MB in all"
        )

        results: dict[str, list[tuple[float, float]]] = {}
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                directory = Path(tmp)
                env = {
                    **os.environ,
                    "FRONTDESK_DB": str(directory / "store.db"),
                    "FRONTDESK_CONFIG": str(
                        frontdesk_config(directory, server.imaps_port, server.cert)
                    ),
                    "FRONTDESK_IMAP_PASSWORD": PASSWORD,
                }
                command = [str(Path(sys.executable).parent / "frontdesk"), "sync"]
                results.setdefault("frontdesk first", []).append(timed(command, env))
                results.setdefault("frontdesk again", []).append(timed(command, env))
                rc = mbsync_config(directory, server.imaps_port, server.cert)
                mbsync = ["mbsync", "-q", "-c", str(rc), "-a"]
                results.setdefault("mbsync first", []).append(timed(mbsync, dict(os.environ)))
                results.setdefault("mbsync again", []).append(timed(mbsync, dict(os.environ)))
                # mbsync fsyncs every message by default; without that it is the fastest peer.
                rc = mbsync_config(directory, server.imaps_port, server.cert, fsync=False)
                mbsync = ["mbsync", "-q", "-c", str(rc), "-a"]
                results.setdefault("mbsync-nofsync first", []).append(
                    timed(mbsync, dict(os.environ))
                )
                results.setdefault("mbsync-nofsync again", []).append(
                    timed(mbsync, dict(os.environ))
                )
    finally:
        server.remove()

    medians = {name: statistics.median(w for w, _ in runs) for name, runs in results.items()}
    for name, runs in results.items():
        walls = ", ".join(f"{w:.2f}" for w, _ in runs)
        peak = max(m for _, m in runs)
        print(f"{name:22} median {medians[name]:6.2f} s  (runs: {walls})  peak RSS {peak:.0f} MB")
    print(
        f"ratio first sync: {medians['frontdesk first'] / medians['mbsync first']:.2f}x mbsync "
        "(target <= 1.5)"
    )
    print(
        f"ratio re-sync:    {medians['frontdesk again'] / medians['mbsync again']:.2f}x mbsync "
        "(target <= 2)"
    )
    for kind in ("first", "again"):
        ratio = medians[f"frontdesk {kind}"] / medians[f"mbsync-nofsync {kind}"]
        print(f"ratio {kind} against mbsync with FSync no: {ratio:.2f}x")


if __name__ == "__main__":
    main()
