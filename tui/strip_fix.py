"""A fix to Textual's `Strip` (a line of a frame), whose caches could hold the strip itself:
`divide` at the strip's own length answers `[self]` and `crop_extend` to the strip's own
length answers `self`, and both keep the answer in a cache of the strip. Such a strip refers
to itself, so it is not freed when the frame that drew it is gone, only by Python's cycle
collector: hundreds of strips (with their segments and seven caches each) a frame, 300,000
objects in 250 keys, and a full collection every few dozen keys that took 12-25 ms of the key
it fell in (the slowest `t`, Tab and close of bench/tui_speed.py, issue 10).

These two methods answer the same here without keeping `self` in the strip's cache (nothing
to compute there: the cache saved no work). Applied for the pinned version only
(pyproject.toml): another version keeps its own, and tests/test_strip_fix.py says whether it
still needs this.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import textual
from rich.style import Style
from textual.strip import Strip

FIXED_IN = frozenset({"8.2.8"})

_divide = Strip.divide
_crop_extend = Strip.crop_extend


def divide(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    """Textual's `Strip.divide`, but a strip cut only at its end is not cached as itself."""
    cell_length = self.cell_length
    kept = [cut for cut in cuts if cut <= cell_length]
    if kept == [cell_length]:
        return [self]
    return _divide(self, kept)


def crop_extend(self: Strip, start: int, end: int, style: Style | None) -> Strip:
    """Textual's `Strip.crop_extend`, but a crop to the strip as it is is not cached."""
    if start <= 0 and end == self.cell_length:
        return self
    return _crop_extend(self, start, end, style)


def apply() -> bool:
    """Mends Textual's strips where its version has the fault; says whether it did."""
    if textual.__version__ not in FIXED_IN:
        return False
    Strip.divide = divide  # type: ignore[method-assign]
    Strip.crop_extend = crop_extend  # type: ignore[method-assign]
    return True
