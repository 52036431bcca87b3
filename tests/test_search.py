"""Full-text search: subject, sender, body; phrases, prefixes, OR, NOT, groups; odd input; the
best matches first, and at most the newest RANKED_MATCHES matches ranked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mail.ingest import Ingestor
from storage import queues
from storage.db import Store
from storage.search import SearchError, fts_query, search, sender_query
from tests.conftest import SUPPORT, later, mail, run_cli

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.usefixtures("isolated_cli")
run = run_cli


@pytest.fixture
def filled(store: Store) -> dict[str, int]:
    Ingestor(store, [SUPPORT]).ingest(
        [
            mail(
                sender="Zoë Müller <zoe@northwind.test>",
                subject="CSV export is broken",
                message_id="<e@x>",
                body="The export button gives a 500 error since Tuesday.\n",
            ),
            mail(
                sender="Bob Stone <bob@contoso.test>",
                subject="Invoice question",
                message_id="<i@x>",
                body="Where can I download my invoices? The billing page is empty.\n",
                date=later(1),
            ),
            mail(
                sender="Ann Lee <ann@fabrikam.test>",
                subject="Login fails",
                message_id="<l@x>",
                body="Password reset mail never arrives. Is the export of users possible?\n",
                date=later(2),
            ),
        ]
    )
    return {
        m: int(store.scalar("SELECT conversation_id FROM messages WHERE message_id = ?", (m,)))
        for m in ("e@x", "i@x", "l@x")
    }


def found(store: Store, query: str) -> set[int]:
    return {hit.conversation_id for hit in search(store, query)}


def test_search_by_subject_word(store: Store, filled: dict[str, int]) -> None:
    assert found(store, "invoice") == {filled["i@x"]}
    assert found(store, "LOGIN") == {filled["l@x"]}


def test_search_by_sender_name_and_address(store: Store, filled: dict[str, int]) -> None:
    assert found(store, "Stone") == {filled["i@x"]}
    assert found(store, "zoe") == {filled["e@x"]}
    assert found(store, "muller") == {filled["e@x"]}  # diacritics folded
    assert found(store, "zoe@northwind.test") == {filled["e@x"]}
    assert found(store, "ann@fabrikam.test") == {filled["l@x"]}
    assert found(store, "nobody@fabrikam.test") == set()


def test_search_by_body_word_phrase_and_prefix(store: Store, filled: dict[str, int]) -> None:
    assert found(store, "tuesday") == {filled["e@x"]}
    assert found(store, "export") == {filled["e@x"], filled["l@x"]}
    assert found(store, '"billing page"') == {filled["i@x"]}
    assert found(store, '"page billing"') == set()
    assert found(store, "invo*") == {filled["i@x"]}
    assert found(store, "pass*") == {filled["l@x"]}
    assert found(store, "export button") == {filled["e@x"]}  # all words must match


def test_search_or_not_and_groups(store: Store, filled: dict[str, int]) -> None:
    assert found(store, "invoice OR password") == {filled["i@x"], filled["l@x"]}
    assert found(store, "export NOT button") == {filled["l@x"]}
    assert found(store, "(invoice OR password) NOT billing") == {filled["l@x"]}
    assert found(store, "export (button OR users)") == {filled["e@x"], filled["l@x"]}
    assert found(store, "(export) (users)") == {filled["l@x"]}


def test_search_hit_fields(store: Store, filled: dict[str, int]) -> None:
    (hit,) = search(store, "billing")
    assert hit.conversation_id == filled["i@x"]
    assert hit.subject == "Invoice question"
    assert hit.sender is not None and hit.sender.addr == "bob@contoso.test"
    assert hit.date == later(1)
    assert "billing" in hit.snippet


ODD = [
    '"',
    "(",
    ")",
    "*",
    "a@b.com",
    "NOT",
    "OR",
    "AND",
    "NEAR",
    "NEAR(a b)",
    "(a) b",
    "a (b)",
    '"unclosed',
    "x:y",
    "^start",
    "-minus",
    "+plus",
    "a\x00b",
    '"a\x00b"',
    "AND*",
    "OR*",
    "((((",
    "))))",
    "a OR",
    "NOT a",
    "a NOT",
    "( OR )",
    "{x}",
    "'quote'",
    "\udcff",
    '"\udcff"',
    "日本語",
    "e\u0301",
    "_",
    "**",
    "a:*",
    "subject:invoice",
    "a -b",
    "a AND AND b",
]


def test_odd_input_never_fails_on_fts_syntax(store: Store, filled: dict[str, int]) -> None:
    for text in ODD:
        try:
            search(store, text)
        except SearchError as exc:
            assert "empty search" in str(exc), f"{text!r} gave {exc}"
            assert fts_query(text) == ""


def test_empty_queries_are_a_search_error(store: Store) -> None:
    for text in ["", "   ", '"', '""', "(", "NOT", "OR AND", "*", "()", "**", "-"]:
        with pytest.raises(SearchError, match="empty search"):
            search(store, text)


def test_fts_query_keeps_what_it_can() -> None:
    assert fts_query("invoice") == "invoice"
    assert fts_query("inv*") == "inv*"
    assert fts_query('"billing page"') == '"billing page"'
    assert fts_query("a@b.com") == '"a b com"'
    assert fts_query("a OR b") == "a OR b"
    assert fts_query("a (b OR c") == "a AND ( b OR c )"


# -- through the command line ------------------------------------------------------------------


def test_cli_search_json(capsys: pytest.CaptureFixture[str], filled: dict[str, int]) -> None:
    code, out, _ = run(capsys, "search", "export", "--json")
    assert code == 0
    hits = json.loads(out)
    assert {h["conversation_id"] for h in hits} == {filled["e@x"], filled["l@x"]}
    assert {"conversation_id", "message_id", "subject", "sender", "date", "snippet"} <= set(hits[0])
    code, out, _ = run(capsys, "search", "export", "--json", "--limit", "1")
    assert len(json.loads(out)) == 1


def test_cli_search_text(capsys: pytest.CaptureFixture[str], filled: dict[str, int]) -> None:
    code, out, _ = run(capsys, "search", "Stone")
    assert code == 0 and "Invoice question" in out and "Bob Stone" in out
    code, out, _ = run(capsys, "search", "zebra")
    assert code == 0 and "No matches." in out


def test_cli_odd_queries(capsys: pytest.CaptureFixture[str], filled: dict[str, int]) -> None:
    for text in ['"', "(", "a@b.com", "*", "NOT", "", "a (b)", '"\udcff"']:
        code, _, err = run(capsys, "search", text)
        assert code in (0, 2), text
        if code == 2:
            assert err.count("\n") == 1 and "empty search" in err
        else:
            assert err == ""


def test_cli_odd_queries_in_a_subprocess(
    tmp_path: Path, filled: dict[str, int], store: Store
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update(
        FRONTDESK_DB=str(store.path),
        XDG_CONFIG_HOME=str(tmp_path / "c"),
        XDG_DATA_HOME=str(tmp_path / "d"),
    )
    script = (
        "import sys\nfrom tui.cli import main\n"
        "for q in sys.argv[1:]:\n"
        "    print(repr(q), main(['search', q]), flush=True)\n"
    )
    queries = ['"', "(", "a@b.com", "*", "NOT", "", "invoice (billing OR x)", '\udcff"x"']
    done = subprocess.run(
        [sys.executable, "-c", script, *[q.encode("utf-8", "surrogateescape") for q in queries]],
        env=env,
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    codes = [line.rsplit(b" ", 1)[1] for line in done.stdout.splitlines() if line.startswith(b"'")]
    assert codes == [b"2", b"2", b"0", b"2", b"2", b"2", b"0", b"0"]
    end_to_end = subprocess.run(
        [sys.executable, "-m", "tui.cli", "search", '"'],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert end_to_end.returncode == 2
    assert end_to_end.stderr.count("\n") == 1 and "Traceback" not in end_to_end.stderr


# -- ranking, and what a search ranks at most --------------------------------------------------


def queue_search(store: Store, text: str) -> list[int]:
    query = queues.parse_query(text, now=later(3))
    return [row.id for row in queues.search(store, query, me="me", now=later(3))]


def test_best_matches_first_a_subject_match_before_a_body_match(
    store: Store, filled: dict[str, int]
) -> None:
    # "export" is the subject of the oldest thread and only a word in the newest one's body.
    assert [hit.conversation_id for hit in search(store, "export")] == [
        filled["e@x"],
        filled["l@x"],
    ]
    assert queue_search(store, "export") == [filled["e@x"], filled["l@x"]]
    # Operators alone have no ranking: the most recent first.
    assert queue_search(store, "after:2000-01-01") == [filled["l@x"], filled["i@x"], filled["e@x"]]


def test_a_word_in_very_many_messages_is_ranked_among_the_newest(
    store: Store, filled: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.search.RANKED_MATCHES", 1)
    assert found(store, "export") == {filled["l@x"]}
    # A queue search ranks the newest window first, then goes on to older ones.
    assert queue_search(store, "export") == [filled["l@x"], filled["e@x"]]
    assert found(store, "invoice") == {filled["i@x"]}  # fewer matches than that: all ranked
    # ...until it has enough conversations that pass its other conditions.
    assert queue_search(store, f"export before:{later(1).isoformat()}") == [filled["e@x"]]
    assert queue_search(store, "export OR invoice") == [filled["l@x"], filled["i@x"], filled["e@x"]]


def test_from_finds_words_of_the_sender_and_the_words_in_their_message(
    store: Store, filled: dict[str, int]
) -> None:
    assert queue_search(store, "from:zoe@northwind") == [filled["e@x"]]
    assert queue_search(store, "from:müller") == [filled["e@x"]]
    assert queue_search(store, "from:bo") == [filled["i@x"]]  # the last word is a prefix
    assert queue_search(store, 'from:"Bob Stone" billing') == [filled["i@x"]]
    assert queue_search(store, "from:bob export") == []  # Bob's message does not say it
    assert queue_search(store, "from:ann from:bob") == []  # one message, one sender
    assert queue_search(store, "from:%") == []
    assert sender_query("dana@exa") == '{from_name from_addr} : "dana exa" *'
    assert sender_query("%") == ""
