"""`h`: hand a conversation to a colleague, by name. Two small pickers, who (the sales
colleague first when the conversation shows a sales signal) then how (pass or cc); the
composer then opens on the reply, and sending it hands the conversation off."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import App

from mail.config import ColleagueConfig
from mail.sanitize import clean_line
from storage.queues import QueueRow
from tui import render
from tui.backend import HandoffPlan
from tui.screens.choice import ChoiceScreen

NO_COLLEAGUES = (
    "No colleagues to hand off to yet. Add one, then start frontdesk again: frontdesk "
    "colleagues add --name NAME --email ADDR --role sales --description 'plans and pricing'"
)


def first_name(colleague: ColleagueConfig) -> str:
    return clean_line(colleague.name).split(" ")[0]


def colleague_label(colleague: ColleagueConfig, suggested: bool) -> Text:
    """Name, role and what they look after; the suggestion for a sales signal says so."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(clean_line(colleague.name), style="bold")
    text.append(f"  {colleague.role}", style="#c678dd")
    if suggested:
        text.append("  ← sales signal", style="#98c379")
    if colleague.description:
        text.append(f"\n  {clean_line(colleague.description)}", style="dim")
    return text


def mode_options(colleague: ColleagueConfig) -> list[tuple[Text | str, object]]:
    first = first_name(colleague)
    passing = Text.assemble(
        (f"Pass to {first}", "bold"),
        (f"\n  {first} takes it over; the customer is told so", "dim"),
    )
    sharing = Text.assemble(
        (f"Answer with {first} in CC", "bold"),
        ("\n  it can't wait: you answer now; it stays with you", "dim"),
    )
    return [(passing, "pass"), (sharing, "cc")]


def ask_handoff(
    app: App[object],
    row: QueueRow,
    colleagues: Sequence[ColleagueConfig],
    then: Callable[[HandoffPlan], None],
) -> None:
    """Asks whom and how, then calls `then` with the plan; nothing when cancelled."""
    suggested = row.sales_signal and colleagues[0].role == "sales"
    options: list[tuple[Text | str, object]] = [
        (colleague_label(c, suggested and index == 0), c) for index, c in enumerate(colleagues)
    ]
    hint = ""
    if row.sales_signal and row.sales_reasons:
        hint = "Sales signal: " + " · ".join(clean_line(r) for r in row.sales_reasons)

    def mode_chosen(colleague: ColleagueConfig, mode: object) -> None:
        if mode in ("pass", "cc"):
            then(HandoffPlan(colleague, str(mode)))

    def colleague_chosen(colleague: object) -> None:
        if isinstance(colleague, ColleagueConfig):
            app.push_screen(
                ChoiceScreen(
                    f"How does {first_name(colleague)} take it?",
                    mode_options(colleague),
                ),
                lambda mode: mode_chosen(colleague, mode),
            )

    app.push_screen(
        ChoiceScreen(
            f"Hand {render.who(row.customer)} to…",
            options,
            typed=lambda _text: None,
            placeholder="type to filter",
            hint=hint,
            filter_options=True,
        ),
        colleague_chosen,
    )
