"""The customer editor (`V`): name, company, plan, monthly revenue, trial end and note of the
customer behind a conversation. Only the fields changed are saved, through mail.customers; a
value that cannot be used is shown under the form, which stays open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static
from textual.worker import Worker, WorkerState

from mail.customers import CustomerError
from mail.sanitize import clean_line
from storage.errors import FrontdeskError
from storage.models import Customer
from tui import render
from tui.backend import Backend
from tui.bindings import CUSTOMER_EDITOR

CENT = Decimal("0.01")


def parse_revenue_cents(text: str) -> int | None:
    """Monthly revenue as typed ('1200', '$1,200.50', empty for none) in cents."""
    cleaned = text.strip().removeprefix("$").replace(",", "").strip()
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
        usable = amount.is_finite() and amount >= 0 and amount == amount.quantize(CENT)
    except InvalidOperation:
        usable = False
    if not usable:
        raise CustomerError(
            f"Monthly revenue {clean_line(text)!r} is not an amount: type e.g. 1200 or 1,200.50"
        )
    return int(amount * 100)


def parse_trial_end(text: str) -> date | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        return datetime.strptime(cleaned, "%Y-%m-%d").date()
    except ValueError:
        raise CustomerError(
            f"Trial end {clean_line(text)!r} is not a date: type it as YYYY-MM-DD, e.g. 2026-12-31"
        ) from None


def revenue_text(cents: int | None) -> str:
    """Cents as the editor shows them, in a form parse_revenue_cents reads back."""
    if cents is None:
        return ""
    whole, part = divmod(cents, 100)
    return f"{whole}.{part:02d}" if part else str(whole)


@dataclass(frozen=True)
class Field:
    name: str  # the keyword of mail.customers.update_customer
    label: str
    placeholder: str


FIELDS = (
    Field("name", "Name", "how they sign"),
    Field("company", "Company", "empty: none"),
    Field("plan", "Plan", "e.g. Team, annual"),
    Field("mrr_cents", "Revenue / mo", "e.g. 1200 or 1,200.50; empty: unknown"),
    Field("trial_ends", "Trial ends", "YYYY-MM-DD; empty: no trial"),
    Field("note", "Note", "anything the team should know"),
)


def shown_values(customer: Customer) -> dict[str, str]:
    """What each field holds when the editor opens."""
    return {
        "name": clean_line(customer.name),
        "company": clean_line(customer.company or ""),
        "plan": clean_line(customer.plan or ""),
        "mrr_cents": revenue_text(customer.mrr_cents),
        "trial_ends": customer.trial_ends.isoformat() if customer.trial_ends else "",
        "note": clean_line(customer.note),
    }


def changes(before: dict[str, str], typed: dict[str, str]) -> dict[str, Any]:
    """The fields whose text changed, as the values update_customer takes; a field left as it
    was is not sent (a note with line breaks, shown on one line, is not flattened)."""
    found: dict[str, Any] = {}
    for name, text in typed.items():
        if text == before.get(name):
            continue
        if name == "mrr_cents":
            found[name] = parse_revenue_cents(text)
        elif name == "trial_ends":
            found[name] = parse_trial_end(text)
        elif name in ("company", "plan"):
            found[name] = " ".join(text.split()) or None
        else:
            found[name] = text.strip()
    return found


class CustomerEditor(ModalScreen[bool]):
    """Dismisses with True once saved, False when cancelled or nothing changed."""

    DEFAULT_CSS = """
    CustomerEditor { align: center middle; }
    CustomerEditor > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    CustomerEditor #editor-title { text-style: bold; }
    CustomerEditor #editor-tier { margin-bottom: 1; }
    CustomerEditor Grid {
        grid-size: 2; grid-columns: 14 1fr; grid-rows: 1; grid-gutter: 1 0; height: auto;
    }
    CustomerEditor Label { color: $text-muted; }
    CustomerEditor Input { border: none; height: 1; padding: 0 1; background: $boost; }
    CustomerEditor Input:focus { border: none; background: $primary 25%; }
    CustomerEditor #editor-error { color: $error; height: auto; }
    CustomerEditor #editor-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = CUSTOMER_EDITOR

    def __init__(self, customer: Customer, backend: Backend) -> None:
        super().__init__()
        self.customer = customer
        self.backend = backend
        self.before = shown_values(customer)

    def compose(self) -> ComposeResult:
        customer = self.customer
        with Vertical():
            yield Static(Text(f"Customer: {clean_line(customer.email)}"), id="editor-title")
            tier = render.tier_badge(customer.tier)
            tier.append(f" {customer.tier}")
            tier.append("  · v sets the tier", style="dim")
            yield Static(tier, id="editor-tier")
            with Grid():
                for field in FIELDS:
                    yield Label(field.label)
                    yield Input(
                        self.before[field.name],
                        placeholder=field.placeholder,
                        id=f"field-{field.name}",
                    )
            yield Static("", id="editor-error")
            yield Static(
                Text("Enter or ctrl+s saves · Tab next field · Esc cancels"), id="editor-hint"
            )

    def typed(self) -> dict[str, str]:
        return {f.name: self.query_one(f"#field-{f.name}", Input).value for f in FIELDS}

    def show_error(self, message: str) -> None:
        self.query_one("#editor-error", Static).update(Text(clean_line(message)))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        try:
            found = changes(self.before, self.typed())
        except FrontdeskError as exc:
            self.show_error(str(exc))
            return
        if not found:
            self.dismiss(False)
            return
        self.show_error("")
        self._save(found)

    @work(thread=True, exit_on_error=False, group="customer-save")
    def _save(self, found: dict[str, Any]) -> None:
        try:
            self.backend.update_customer(self.customer.id, found)
        except FrontdeskError as exc:
            self.app.call_from_thread(self.show_error, str(exc))
            return
        self.app.call_from_thread(self.dismiss, True)

    @on(Worker.StateChanged)
    def _failed(self, event: Worker.StateChanged) -> None:
        # Anything else that stops the save (a locked store…) is said here: this screen is
        # modal, and the worker's failure does not reach the app's handler.
        if event.state == WorkerState.ERROR:
            self.show_error(f"not saved: {event.worker.error}")

    def action_cancel(self) -> None:
        self.dismiss(False)
