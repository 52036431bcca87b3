"""Who the customer is: name, company, tier, addresses, and their other conversations."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from mail.sanitize import clean_line
from storage.queues import CustomerOverview
from tui import render


def customer_text(overview: CustomerOverview | None, now: datetime, width: int = 34) -> Text:
    text = Text()
    if overview is None:
        text.append("No customer on record", style="dim")
        return text
    customer = overview.customer
    text.append(clean_line(customer.name) or clean_line(customer.email), style="bold")
    text.append("\n")
    if customer.company:
        text.append(clean_line(customer.company))
        text.append("\n")
    if customer.tier == "unknown":
        text.append("tier unknown\n", style="dim")
    else:
        text.append_text(render.tier_badge(customer.tier))
        text.append(f" {customer.tier}\n")
    for address in overview.addresses:
        text.append(f"{clean_line(address)}\n", style="#61afef")
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

    def show(self, overview: CustomerOverview | None, now: datetime) -> None:
        self.update(customer_text(overview, now, max(10, self.size.width - 2)))
