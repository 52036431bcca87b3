"""Runs `frontdesk ARGS...` and SIGKILLs it at one step of sending, as a power cut would:
    python -m tests.support.crash_at STEP ARGS...
STEP is an outbox state just committed (sending, delivered, sent) or `filed` (right after the
copy was appended to the Sent folder, before anything was recorded)."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from mail import send
from storage import outbox
from tui.cli import main


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def install(step: str) -> None:
    if step == "filed":
        original_file = send.AccountTransport.file_in_sent

        def file_then_die(self: Any, raw: bytes) -> None:
            original_file(self, raw)
            _kill()

        send.AccountTransport.file_in_sent = file_then_die  # type: ignore[method-assign]
        return
    original_move = outbox.move

    def move_then_die(
        store: Any, outbox_id: int, from_states: Any, to_state: str, **fields: Any
    ) -> bool:
        moved = original_move(store, outbox_id, from_states, to_state, **fields)
        if moved and to_state == step:
            _kill()
        return moved

    outbox.move = move_then_die  # type: ignore[assignment]


if __name__ == "__main__":
    install(sys.argv[1])
    sys.exit(main(sys.argv[2:]))
