"""Who the customer is: name, company, tier and where it came from, plan, monthly revenue,
trial days left, how often and how lately they wrote, addresses, note, other conversations."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from mail.sanitize import clean_line, clean_text
from storage.queues import CustomerOverview
from tui import render

TIER_SOURCES = {
    "rule": "by a config rule",
    "domain": "from their company's domain",
    "import": "imported",
    "manual": "set by hand",
}
LABEL = 9  # the width of the field names


def money(cents: int) -> str:
    whole, part = divmod(cents, 100)
    return f"${whole:,}.{part:02d}" if part else f"${whole:,}"


def _field(text: Text, label: str, value: Text | str, width: int) -> None:
    text.append(f"{label:<{LABEL}}", style="dim")
    if isinstance(value, str):
        value = Text(render.fit(value, width - LABEL), end="")
    text.append_text(value)
    text.append("\n")


def customer_text(overview: CustomerOverview | None, now: datetime, width: int = 34) -> Text:
    """Who they are and what they pay; `v` and `V` change it."""
    text = Text()
    if overview is None:
        text.append("No customer on record", style="dim")
        return text
    customer = overview.customer
    text.append(clean_line(customer.name) or clean_line(customer.email), style="bold")
    text.append("\n")
    if customer.company:
        text.append(render.fit(clean_line(customer.company), width))
        text.append("\n")
    if customer.tier == "unknown":
        text.append("tier unknown", style="dim")
    else:
        text.append_text(render.tier_badge(customer.tier))
        text.append(f" {customer.tier}")
    source = TIER_SOURCES.get(customer.tier_source)
    if source:
        text.append(f" · {source}", style="dim")
    text.append("\n")
    if customer.plan:
        _field(text, "Plan", clean_line(customer.plan), width)
    if customer.mrr_cents is not None:
        _field(text, "Revenue", f"{money(customer.mrr_cents)} a month", width)
    if customer.trial_ends is not None:
        days = (customer.trial_ends - render.today(now)).days
        soon = customer.tier == "trial" and render.trial_ending(days)
        words = render.trial_words(days).removeprefix("trial ")
        style = f"bold {render.RED}" if soon else ""
        _field(text, "Trial", Text(f"{'⚠ ' if soon else ''}{words}", style=style), width)
    count = overview.lifetime_conversations
    _field(text, "Talked", f"{count} conversation{'s' if count != 1 else ''}", width)
    if overview.last_contact_at is not None:
        local = overview.last_contact_at.astimezone()
        last = f"{render.age(overview.last_contact_at, now)} ago, {local:%d %b %Y}"
        _field(text, "Last", last, width)
    for address in overview.addresses:
        text.append(f"{render.fit(clean_line(address), width)}\n", style="#61afef")
    if customer.note.strip():
        text.append("\nNote\n", style="bold")
        text.append(clean_text(customer.note).strip())
        text.append("\n")
    text.append("\nOther conversations", style="bold")
    if not overview.conversations:
        text.append("\n none", style="dim")
    for row in overview.conversations:
        text.append("\n")
        text.append(f"{render.age(row.last_message_at, now):>4} ", style="dim")
        word = {"open": "●", "pending": "○", "closed": "✓"}[row.status.value]
        text.append(f"{word} ", style="#e5c07b" if row.status.value == "open" else "dim")
        text.append(render.fit(clean_line(row.subject) or "(no subject)", width - 7))
    return text


class CustomerPanel(Static):
    DEFAULT_CSS = """
    CustomerPanel {
        width: 36; height: 1fr; padding: 0 1; border-left: solid $panel-lighten-2;
        overflow-y: auto;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[CustomerOverview | None, datetime] | None = None
        self._fitted_width = -1

    def show(self, overview: CustomerOverview | None, now: datetime) -> None:
        self._shown = (overview, now)
        self._fit()

    def on_resize(self) -> None:
        # A conversation can arrive before the panel is laid out: fitted again to its width,
        # when that changed (a change of height alone would only draw it again, a frame more).
        if self.size.width != self._fitted_width:
            self._fit()

    def _fit(self) -> None:
        if self._shown is not None:
            overview, now = self._shown
            self._fitted_width = self.size.width
            self.update(customer_text(overview, now, max(10, self.size.width - 2)))
