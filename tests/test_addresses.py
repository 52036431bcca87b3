"""The parser's fast path for common address shapes agrees with the stdlib's parser."""

from __future__ import annotations

from email.utils import getaddresses

from hypothesis import given, settings
from hypothesis import strategies as st

from mail.parse import _split_addresses

local = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._+-", min_size=1, max_size=12)
domain = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", min_size=1, max_size=12)
name = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=20)


@settings(max_examples=400, deadline=None)
@given(name=name, local=local, domain=domain, form=st.sampled_from(["bare", "named", "quoted"]))
def test_fast_path_matches_getaddresses(name: str, local: str, domain: str, form: str) -> None:
    addr = f"{local}@{domain}"
    value = {"bare": addr, "named": f"{name} <{addr}>", "quoted": f'"{name}" <{addr}>'}[form]
    assert _split_addresses([value]) == getaddresses([value])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_the_stdlib_answer(value: str) -> None:
    assert _split_addresses([value]) == getaddresses([value])
