"""A fresh store filled from the demo generator: what `frontdesk demo` opens."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from mail import demo
from mail.ingest import Ingestor, IngestReport, RawMail
from storage.db import Store

TEAM_ADDRESSES = (demo.SUPPORT_ADDRESS,)


def build_demo_store(directory: Path | None = None) -> tuple[Path, IngestReport]:
    """Creates `demo.db` in `directory` (a new temporary folder by default), replacing any
    earlier demo store there, and fills it with the demo mailbox as of now."""
    directory = directory or Path(tempfile.mkdtemp(prefix="frontdesk-demo-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with Store.open(path) as store:
        ingestor = Ingestor(store, TEAM_ADDRESSES)
        report = ingestor.ingest(
            RawMail(data, received_at=now) for data in demo.iter_messages(now=now)
        )
    return path, report
