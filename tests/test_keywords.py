"""Tag names as IMAP keywords: plain atoms, readable where the tag is plain, and decoded back
to exactly the tag for any tag name."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from mail.keywords import (
    MAX_KEYWORD_CHARS,
    NOT_TAGS,
    accepts_keywords,
    keyword_tag,
    tag_keyword,
    tags_in,
)
from storage.errors import FrontdeskError
from storage.work import normalize_tag

# Atom characters minus atom-specials ( ) { SP CTL % * " \ ] (RFC 3501), and no leading \ or $.
ATOM = re.compile(r"^[^\\$(){ %*\"\]\x00-\x1f\x7f][^(){ %*\"\\\]\x00-\x1f\x7f]*$")


def tag_names() -> st.SearchStrategy[str]:
    def normalized(text: str) -> str | None:
        try:
            tag = normalize_tag(text)
        except FrontdeskError:
            return None
        return tag if normalize_tag(tag) == tag else None

    text = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)
    return text.map(normalized).filter(lambda tag: tag is not None)  # type: ignore[arg-type, return-value]


@given(tag_names())
def test_every_tag_round_trips_through_an_imap_atom(tag: str) -> None:
    keyword = tag_keyword(tag)
    if keyword is None:  # too long for servers: the tag stays local
        return
    assert keyword.isascii() and ATOM.match(keyword), keyword
    assert keyword == keyword.lower()  # a server that folds case changes nothing
    assert len(keyword) <= MAX_KEYWORD_CHARS
    assert keyword_tag(keyword) == tag
    assert keyword_tag(keyword.upper()) == tag


@given(st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789.-"), min_size=1, max_size=40))
def test_a_plain_tag_is_its_own_keyword(tag: str) -> None:
    # Except the few names other clients use for mail state, escaped so they stay tags.
    assert tag_keyword(tag) == tag or (tag in NOT_TAGS and keyword_tag(tag_keyword(tag)) == tag)


def test_spaces_and_other_characters_read_well_and_stay_short() -> None:
    assert tag_keyword("needs design") == "needs_design"
    assert tag_keyword("a_b + ü") == "a+5f+b_+2b+_+fc+"
    assert tag_keyword("🎨") == "+1f3a8+"
    assert tag_keyword("junk") == "+6a+unk"  # a tag, not the junk marker
    assert tag_keyword("ошибка в оплате в сентябре") is None  # beyond 50 characters


def test_mail_state_is_never_a_tag() -> None:
    for flag in ("\\Seen", "\\Flagged", "$Forwarded", "$MDNSent", "$Junk", "$NotJunk",
                 "$Phishing", "$label1", "$Important", "Junk", "NonJunk", "NotJunk"):  # fmt: skip
        assert keyword_tag(flag) is None, flag


def test_keywords_made_by_other_clients_count_as_their_normalized_name() -> None:
    assert keyword_tag("Feature-Request") == "feature-request"
    assert keyword_tag("Needs_Design") == "needs design"
    assert keyword_tag("a+b") == "a+b"  # not an escape: taken as written
    assert keyword_tag("x" * 60) is None  # longer than any tag
    assert tags_in({"\\Seen", "billing", "Billing", "$Junk"}) == {
        "billing": frozenset({"billing", "Billing"})
    }


def test_a_folder_keeps_new_keywords_only_when_it_says_so() -> None:
    assert accepts_keywords((b"\\Seen", b"\\*"))
    assert not accepts_keywords((b"\\Seen", b"\\Flagged", b"$Forwarded"))
    assert accepts_keywords(None)
