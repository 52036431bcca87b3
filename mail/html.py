"""HTML mail shown as readable text, through inscriptis; nothing remote is ever fetched."""

from __future__ import annotations

import re
import textwrap
from html import unescape

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig

# The "strict" profile: the default one indents every nested <div> by two spaces, and HTML mail
# nests dozens of them, which leaves lines ragged and hides attribution lines ("On … wrote:").
_CONFIG = ParserConfig(
    css=CSS_PROFILES["strict"],
    display_images=False,
    display_links=False,
    deduplicate_captions=True,
)
_BLANK_RUNS = re.compile(r"\n{3,}")
_INVISIBLE = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body: paragraphs, line breaks, lists and tables kept;
    scripts, styles and images dropped."""
    if not html.strip():
        return ""
    try:
        text = get_text(html, _CONFIG)
    except (ValueError, LookupError):  # lxml refuses some broken documents outright
        text = unescape(_TAG.sub(" ", _INVISIBLE.sub(" ", html)))
    text = textwrap.dedent(text)
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
