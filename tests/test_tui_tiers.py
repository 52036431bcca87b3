"""Customer tiers, SLA clocks and churn risk on screen: the clock's words and colours, trial
days, the at-risk badge with its words; `v` sets a tier and the queue reorders; the At risk
queue; the customer editor (`V`) saves and refuses bad values; breaches are journaled."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from rich.text import Text

from mail import customers as customer_rules
from mail.config import Config, SlaConfig
from mail.ingest import Ingestor, RawMail
from storage import queues
from storage.db import Store
from storage.models import Address, Customer, Status
from storage.queues import QueueKey, QueueRow
from tests.conftest import mail
from tests.support.tui import (
    NOW,
    Clock,
    make_app,
    notices,
    run_async,
    run_command,
    screen_text,
    settle,
    team_config,
    type_text,
)
from tui import render
from tui.screens.choice import ChoiceScreen
from tui.screens.conversation import ConversationScreen
from tui.screens.customer import CustomerEditor, changes, parse_revenue_cents
from tui.screens.queue import QueueScreen
from tui.widgets.customer_panel import customer_text
from tui.widgets.queue_table import QueueTable, layout_for

pytestmark = pytest.mark.usefixtures("utc_local_time")

ME = "Dana Whitfield"
RED, AMBER = render.RED, render.AMBER


def row(**fields: object) -> QueueRow:
    """A queue row awaiting our reply, due at NOW + 1 h (amber from NOW + 45 min)."""
    base = QueueRow(
        id=1,
        subject="Export is broken",
        customer=Address("zoe@northwind.test", "Zoë Müller"),
        company="Northwind",
        tier="paying",
        status=Status.OPEN,
        awaiting_reply=True,
        waiting_since=NOW,
        last_message_at=NOW,
        last_customer_message_at=NOW,
        message_count=1,
        preview="the CSV export fails",
        flagged=False,
        tags=(),
        assignee=None,
        snoozed_until=None,
        unread=True,
        handed_off=False,
        has_draft=False,
        sla_due_at=NOW + timedelta(hours=1),
        sla_warn_at=NOW + timedelta(minutes=45),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def styles(text: Text) -> str:
    return " ".join(str(span.style) for span in text.spans) + f" {text.style}"


# -- rendering, on hand-built rows ------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0m"),
        (42 * 60 + 59, "42m"),
        (3 * 3600, "3h"),
        (3600 + 5 * 60, "1h05m"),
        (14 * 3600 + 59 * 60, "14h"),
        (2 * 86400 + 3 * 3600, "2d3h"),
        (12 * 86400 + 5 * 3600, "12d"),
    ],
)
def test_a_span_fits_five_cells(seconds: int, shown: str) -> None:
    assert render.span(seconds) == shown


def test_the_sla_clock_counts_down_turns_amber_then_red_and_counts_up() -> None:
    due = row()
    ok = render.sla_clock(due, NOW + timedelta(minutes=18))
    assert (ok.plain, str(ok.style)) == ("42m", "")
    warning = render.sla_clock(due, NOW + timedelta(minutes=50))
    assert (warning.plain, str(warning.style)) == ("10m", f"bold {AMBER}")
    breached = render.sla_clock(due, NOW + timedelta(hours=2, minutes=12))
    assert (breached.plain, str(breached.style)) == ("+1h12m", f"bold {RED}")
    words = render.sla_words(due, NOW + timedelta(hours=2, minutes=12))
    assert words.plain == "reply overdue by 1h12m"


def test_nothing_owed_shows_no_clock_and_the_narrow_column_shows_the_age() -> None:
    answered = row(awaiting_reply=False, last_message_at=NOW - timedelta(hours=3))
    later = NOW + timedelta(hours=5)
    assert render.sla_clock(answered, later).plain == ""
    assert render.due_or_age(answered, later).plain == "8h"
    snoozed = row(snoozed_until=NOW + timedelta(hours=2))
    assert render.sla_clock(snoozed, NOW).plain == ""
    assert render.due_or_age(snoozed, NOW).plain == "⏾2h"
    assert render.due_or_age(row(), NOW).plain == "1h"


def test_a_trial_shows_its_days_left_and_is_marked_in_its_last_three() -> None:
    wide = render.tier_cell(row(tier="trial", trial_ends=date(2026, 12, 2)), NOW, wide=True)
    assert wide.plain == "TRL 12d" and RED not in styles(wide)
    assert render.tier_cell(row(tier="trial", trial_ends=date(2026, 12, 2)), NOW, False).plain == (
        "TRL"
    )
    soon = row(tier="trial", trial_ends=date(2026, 11, 22))
    assert render.tier_cell(soon, NOW, wide=True).plain == "TRL 2d"
    assert RED in styles(render.tier_cell(soon, NOW, wide=True))
    narrow = render.tier_cell(soon, NOW, wide=False)
    assert narrow.plain == "T2d" and RED in str(narrow.style)
    over = render.tier_cell(row(tier="trial", trial_ends=date(2026, 11, 1)), NOW, wide=True)
    assert over.plain == "TRL end"
    header = render.conversation_header(soon, NOW, ME).plain
    assert "trial ends in 2 days" in header
    # A paying customer's old trial end date is not a trial.
    assert render.tier_cell(row(trial_ends=date(2026, 11, 22)), NOW, wide=True).plain == "PAY"


def test_at_risk_has_its_badge_and_the_words_that_said_so() -> None:
    leaving = row(at_risk=True, churn_reasons=("cancel our subscription", "[b]switch[/b]\x1b[2J"))
    cell = render.subject_and_preview(leaving, 60)
    assert cell.plain.startswith("RISK Export is broken — “cancel our subscription”")
    assert str(cell.spans[0].style) == render.RISK_BADGE[1]
    header = render.conversation_header(leaving, NOW, ME).plain
    assert header.startswith("RISK Export is broken")
    assert "at risk: “cancel our subscription”, “[b]switch[/b]”" in header
    assert "\x1b" not in header
    assert render.preview(leaving, 80).plain.startswith("“cancel our subscription”")
    calm = render.subject_and_preview(row(), 60)
    assert calm.plain.startswith("Export is broken — the CSV")


def test_layouts_fill_80_and_160_columns() -> None:
    narrow, wide = layout_for(80), layout_for(160)
    assert not narrow.age and narrow.tier == 3 and narrow.subject >= 36
    assert wide.age and wide.tier == 7 and wide.company and wide.preview >= 30


def test_the_customer_panel_shows_plan_revenue_trial_and_history() -> None:
    overview = queues.CustomerOverview(
        customer=Customer(
            7,
            "ana@harbor.test",
            "Ana Lima",
            "Harbor Ventures",
            "trial",
            plan="Team",
            mrr_cents=120050,
            trial_ends=date(2026, 11, 23),
            note="Evaluating against [red]Asana[/red]",
            tier_source="manual",
        ),
        addresses=("ana@harbor.test",),
        conversations=(),
        lifetime_conversations=4,
        last_contact_at=NOW - timedelta(days=3),
    )
    text = customer_text(overview, NOW, 40).plain
    for shown in (
        "Harbor Ventures",
        "TRL trial · set by hand",
        "Plan     Team",
        "Revenue  $1,200.50 a month",
        "Trial    ⚠ ends in 3 days",
        "Talked   4 conversations",
        "Last     3d ago, 17 Nov 2026",
        "Evaluating against [red]Asana[/red]",
    ):
        assert shown in text, shown


def test_the_editor_sends_only_what_changed_and_reads_money_and_dates() -> None:
    before = {"name": "Ana", "mrr_cents": "1200", "trial_ends": "", "note": "a\nb"}
    typed = {"name": "Ana", "mrr_cents": "$1,250.50", "trial_ends": "2026-12-31", "note": "a\nb"}
    assert changes(before, typed) == {"mrr_cents": 125050, "trial_ends": date(2026, 12, 31)}
    assert changes(before, {**before, "mrr_cents": ""}) == {"mrr_cents": None}
    assert parse_revenue_cents("99") == 9900
    for bad in ("12.345", "-5", "lots", "1e3x"):
        with pytest.raises(customer_rules.CustomerError, match="not an amount"):
            parse_revenue_cents(bad)
    with pytest.raises(customer_rules.CustomerError, match="YYYY-MM-DD"):
        changes(before, {**before, "trial_ends": "31/12/2026"})


# -- on the screen ----------------------------------------------------------------------------


def queue_rows(db: Path, queue: QueueKey = QueueKey.NEEDS_REPLY) -> list[QueueRow]:
    with Store.open(db) as store:
        return queues.rows(store, queue, me=ME, now=NOW)


def set_tier(db: Path, conversation_id: int, tier: str) -> int:
    """Sets the tier of the conversation's customer, as the CLI would; the customer's id."""
    with Store.open(db) as store:
        overview = queues.customer_overview(store, conversation_id, now=NOW)
        assert overview is not None
        customer_rules.set_tier(store, Config(), [overview.customer.id], tier, actor="test")
        return overview.customer.id


def table(app: object) -> QueueTable:
    return app.screen.query_one(QueueTable)  # type: ignore[attr-defined, no-any-return]


def cell(app: object, conversation_id: int, column: str) -> Text:
    return table(app).cell(conversation_id, column)


@run_async
async def test_v_makes_a_free_customer_vip_and_the_row_moves_up(db: Path, tmp_path: Path) -> None:
    last = queue_rows(db)[-1]
    set_tier(db, last.id, "free")
    before = [r.id for r in queue_rows(db)]
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        ids = table(app).ids_in_order()
        assert ids == before
        table(app).move_cursor(row=ids.index(last.id), animate=False)
        assert cell(app, last.id, "tier").plain == "FRE"
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        assert "FRE free     first reply within 48h  (now)" in screen_text(app)
        await type_text(pilot, "vip")
        await pilot.press("enter")
        await settle(pilot)
        ids = table(app).ids_in_order()
        assert ids.index(last.id) < before.index(last.id)
        assert cell(app, last.id, "tier").plain == "VIP"
        assert table(app).current_id == last.id  # the cursor went with it
        assert "Tier set to vip (1 conversation)" in notices(app)
    assert [r.id for r in queue_rows(db)] == ids
    with Store.open(db) as store:
        assert store.scalar("SELECT count(*) FROM events WHERE kind = 'tier_set'") == 2


@run_async
async def test_v_on_selected_rows_sets_every_customer_from_a_conversation_too(
    db: Path, tmp_path: Path
) -> None:
    rows = queue_rows(db)
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x", "x", "v")
        await type_text(pilot, "lapsed")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("g", "e")  # the Lapsed queue
        await settle(pilot)
        assert {rows[0].id, rows[1].id} <= set(table(app).ids_in_order())
        await pilot.press("enter", "v")
        await settle(pilot)
        await type_text(pilot, "paying")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        assert screen.view is not None and screen.view.row.tier == "paying"
        assert "PAY" in screen_text(app)


@run_async
async def test_the_sla_clock_changes_colour_as_time_passes(db: Path, tmp_path: Path) -> None:
    target = queue_rows(db)[-1]
    set_tier(db, target.id, "vip")  # first reply within 1 h, amber after 45 min
    with Store.open(db) as store:
        found = queues.get_row(store, target.id, now=NOW)
    assert found is not None and found.sla_due_at is not None and found.sla_warn_at is not None
    due = found.sla_due_at
    clock = Clock(found.sla_warn_at - timedelta(minutes=10))
    app = make_app(db, tmp_path, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        left = cell(app, target.id, "sla")
        assert left.plain == render.span(int((due - clock.now).total_seconds()))
        assert str(left.style) == ""
        clock.now = found.sla_warn_at + timedelta(minutes=1)
        app.store_changed()
        await settle(pilot)
        assert str(cell(app, target.id, "sla").style) == f"bold {AMBER}"
        clock.now = due + timedelta(hours=1, minutes=12)
        app.store_changed()
        await settle(pilot)
        late = cell(app, target.id, "sla")
        assert (late.plain, str(late.style)) == ("+1h12m", f"bold {RED}")
        await pilot.press("g", "a")  # a closed one owes nothing: its age, dim
        await settle(pilot)
        closed = next(r for r in table(app).rows_shown if r.status == Status.CLOSED)
        assert str(cell(app, closed.id, "sla").style) == "dim"


def churn_mail(db: Path, address: str, subject: str, body: str) -> int:
    with Store.open(db) as store:
        Ingestor(store, ["support@trellis.app"]).ingest(
            [
                RawMail(
                    mail(
                        sender=address,
                        to="support@trellis.app",
                        subject=subject,
                        message_id=f"<{subject.replace(' ', '-')}@example.test>",
                        date=NOW - timedelta(days=400),  # the longest wait of all
                        body=body,
                    ),
                    received_at=NOW,
                )
            ]
        )
        return int(store.scalar("SELECT max(id) FROM conversations"))


@run_async
async def test_the_at_risk_queue_lists_a_leaving_customer_first_with_the_words(
    db: Path, tmp_path: Path
) -> None:
    leaving = churn_mail(
        db,
        "Priya Shah <priya@bigco.test>",
        "Our renewal",
        "Hi,\n\nwe will not be renewing and want to cancel our subscription.\n",
    )
    set_tier(db, leaving, "paying")
    app = make_app(db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        rows = table(app).rows_shown
        assert rows[0].id == leaving  # first in Needs reply too
        at_risk = [r.at_risk for r in rows]
        assert at_risk == sorted(at_risk, reverse=True)  # every one at risk before the others
        await pilot.press("g", "i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.queue == QueueKey.AT_RISK
        assert table(app).ids_in_order()[0] == leaving
        subject = cell(app, leaving, "subject")
        assert subject.plain.startswith("RISK Our renewal")
        reasons = table(app).rows_shown[0].churn_reasons
        assert "cancel our subscription" in reasons
        assert cell(app, leaving, "preview").plain.startswith(f"“{reasons[0][:12]}")
        await pilot.press("enter")
        await settle(pilot)
        assert f"at risk: {render.churn_words(row(churn_reasons=reasons))}" in screen_text(app)


@run_async
async def test_the_editor_saves_and_keeps_the_form_on_a_bad_date(db: Path, tmp_path: Path) -> None:
    first = queue_rows(db)[0]
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("V")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, CustomerEditor)
        for field in ("company", "plan", "mrr_cents", "trial_ends"):
            editor.query_one(f"#field-{field}").value = ""  # type: ignore[attr-defined]
        await pilot.press("tab")  # from the name to the company
        await type_text(pilot, "Redwood Robotics")
        await pilot.press("tab")
        await type_text(pilot, "Team")
        await pilot.press("tab")
        await type_text(pilot, "1,200")
        await pilot.press("tab")
        await type_text(pilot, "next week")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is editor
        assert "'next week' is not a date: type it as YYYY-MM-DD" in screen_text(app)
        editor.query_one("#field-trial_ends").value = "2026-12-24"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert "Customer saved" in notices(app)
    with Store.open(db) as store:
        overview = queues.customer_overview(store, first.id, now=NOW)
    assert overview is not None
    saved = overview.customer
    assert (saved.company, saved.plan, saved.mrr_cents, saved.trial_ends) == (
        "Redwood Robotics",
        "Team",
        120000,
        date(2026, 12, 24),
    )


@run_async
async def test_esc_leaves_the_editor_and_nothing_changes(db: Path, tmp_path: Path) -> None:
    first = queue_rows(db)[0]
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("V")
        await settle(pilot)
        await type_text(pilot, " Junior")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with Store.open(db) as store:
        overview = queues.customer_overview(store, first.id, now=NOW)
    assert overview is not None and not overview.customer.name.endswith("Junior")


@run_async
async def test_capital_v_in_a_conversation_edits_its_customer_and_the_panel_shows_it(
    db: Path, tmp_path: Path
) -> None:
    first = queue_rows(db)[0]
    app = make_app(db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("V")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, CustomerEditor)
        assert first.customer is not None and first.customer.addr in screen_text(app)
        editor.query_one("#field-note").focus()
        await type_text(pilot, " Renews in March; prefers email.")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen)
        assert "Renews in March; prefers email." in screen_text(app)


@run_async
async def test_the_palette_opens_the_editor_and_help_lists_both_keys(
    db: Path, tmp_path: Path
) -> None:
    app = make_app(db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        text = screen_text(app)
        assert "set_tier" in text and "edit_customer" in text
        await pilot.press("escape")
        await run_command(pilot, "edit customer")
        assert isinstance(app.screen, CustomerEditor)


@run_async
async def test_the_tier_key_is_remapped_from_the_config(db: Path, tmp_path: Path) -> None:
    app = make_app(db, tmp_path, config=team_config(set_tier="y"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)


@run_async
async def test_the_poll_journals_breaches_once(db: Path, tmp_path: Path) -> None:
    clock = Clock(NOW + timedelta(days=3))
    app = make_app(db, tmp_path, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app._check_store()
        await settle(pilot)
        with Store.open(db) as store:
            breaches = store.scalar("SELECT count(*) FROM events WHERE kind = 'sla_breached'")
        assert breaches and breaches > 0
        app._check_store()
        await settle(pilot)
        with Store.open(db) as store:
            again = store.scalar("SELECT count(*) FROM events WHERE kind = 'sla_breached'")
        assert again == breaches


@run_async
async def test_the_app_runs_the_clocks_on_its_configs_targets(db: Path, tmp_path: Path) -> None:
    target = queue_rows(db)[-1]
    set_tier(db, target.id, "vip")
    before = next(r for r in queue_rows(db) if r.id == target.id)
    assert before.sla_due_at is not None and before.waiting_since is not None
    assert before.sla_due_at - before.waiting_since == timedelta(hours=1)
    targets = {"vip": "3h"}
    config = replace(team_config(), sla=SlaConfig(first_response=targets, next_response=targets))
    app = make_app(db, tmp_path, config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = next(r for r in table(app).rows_shown if r.id == target.id)
        assert shown.sla_due_at is not None and shown.waiting_since is not None
        assert shown.sla_due_at - shown.waiting_since == timedelta(hours=3)
