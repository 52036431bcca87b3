"""Drafts: one per conversation, replaced on save, gone when blank or discarded, and kept
across reopening the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import drafts
from storage.db import Store
from tests.test_queues import NOW, fill


@pytest.fixture
def filled(store: Store) -> dict[str, int]:
    return fill(store)


def test_a_draft_survives_reopening_the_store(
    store: Store, store_path: Path, filled: dict[str, int]
) -> None:
    drafts.save(store, filled["a"], "Hi Ann,\n\nworking on it.", cc="boss@one.test", at=NOW)
    drafts.save(store, filled["a"], "Hi Ann,\n\nfixed.", at=NOW)
    with Store.open(store_path) as again:
        draft = drafts.get(again, filled["a"])
    assert draft is not None
    assert (draft.body, draft.cc, draft.updated_at) == ("Hi Ann,\n\nfixed.", "", NOW)


def test_blank_or_discarded_drafts_are_gone(store: Store, filled: dict[str, int]) -> None:
    drafts.save(store, filled["a"], "text")
    drafts.save(store, filled["a"], "  \n ")
    assert drafts.get(store, filled["a"]) is None
    drafts.save(store, filled["b"], "text")
    assert drafts.discard(store, filled["b"]) is True
    assert drafts.discard(store, filled["b"]) is False
