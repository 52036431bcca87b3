"""One sync (and one sender) per store at a time: advisory locks on files beside the database.

The operating system releases it when the holder exits, however it exits, so a crashed sync
never leaves the store locked.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from storage.errors import FrontdeskError


class AlreadyRunning(FrontdeskError):
    """Another process holds the lock (syncing or sending for this store)."""


class StoreLock:
    """An exclusive lock named `what` ("sync", "send") on the store at `db_path`."""

    def __init__(self, db_path: Path, what: str = "sync") -> None:
        self.path = Path(f"{db_path}.{what}.lock")
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise AlreadyRunning(
                f"a {self.what} of this store is already running (pid {holder}); "
                "wait for it, or stop it first"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> StoreLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class SyncLock(StoreLock):
    """Two syncs of one store never run at once."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path, "sync")


class SendLock(StoreLock):
    """One sender per store: a reply found half-sent at start was left by a crash, not by a
    sender still at work."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path, "send")
