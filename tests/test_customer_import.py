"""Customer CSV import: billing exports with their own headers, delimiters, money, statuses
and dates; bad rows reported by line and skipped; `frontdesk customers import`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mail.config import Config
from mail.customer_import import (
    BadRow,
    CustomerImportError,
    CustomerRow,
    apply_rows,
    parse_csv,
    parse_date,
    parse_money_cents,
)
from storage.customers import customer_for_address, find_customer, get_customer
from storage.db import Store
from storage.models import Address, Customer
from tests.conftest import run_cli

STRIPE_EXPORT = (
    "\ufeffid,Email,Customer Name,Organization,Plan Name,Amount,Subscription Status,Trial End,"
    "Card Brand\n"
    'cus_1,ann@acme.test,Ann Lee,Acme,Business,"$1,200.50",active,,visa\n'
    "cus_2,BOB@beta.test,Bob,Beta GmbH,Team,99,trialing,1796083200,mastercard\n"
    "cus_3,cy@gamma.test,Cy,,Starter,0,canceled,,\n"
    "cus_4,,Nobody,,,,active,,\n"
    "cus_5,dee@delta.test,Dee,,,lots,active,,\n"
    "\n"
    "cus_6,eve@eps.test,Eve,,,,gold,,\n"
    "cus_7,ann@acme.test,Ann again,,,,active,,\n"
    "cus_8,fay@phi.test,Fay,,,,past_due,,\n"
)


def test_a_stripe_like_export_maps_by_header_name() -> None:
    parsed = parse_csv(STRIPE_EXPORT)
    assert parsed.ignored_columns == ["id", "Card Brand"]
    ann, bob, cy, fay = parsed.rows
    assert ann == CustomerRow(
        line=2,
        email="ann@acme.test",
        name="Ann Lee",
        company="Acme",
        tier="paying",
        plan="Business",
        mrr_cents=120050,
    )
    assert (bob.email, bob.tier, bob.mrr_cents, bob.trial_ends) == (
        "bob@beta.test",
        "trial",
        9900,
        date(2026, 12, 1),  # epoch seconds
    )
    assert (cy.tier, cy.company, cy.mrr_cents) == ("lapsed", None, 0)
    assert fay.tier == "paying"  # past due: still subscribed
    assert parsed.bad_rows == [
        BadRow(5, "no email address"),
        BadRow(6, "'lots' is not an amount of money"),
        BadRow(8, "status 'gold' is not a tier nor a known billing status"),
        BadRow(9, "ann@acme.test is already on line 2"),
    ]
    assert str(parsed.bad_rows[0]) == "line 5: no email address"


def test_semicolons_european_numbers_and_tier_names() -> None:
    text = (
        "E-Mail;Full Name;Company;MRR;Tier;Trial_Ends;Notes\r\n"
        "ann@acme.test;Ann;Acme;1.200,50 €;VIP;31.12.2026;met at the fair\r\n"
        "bob@beta.test;Bob;;12,5;free;12/31/2026;\r\n"
        "cy@gamma.test;Cy;;;Trial;Dec 3, 2026;\r\n"
    )
    ann, bob, cy = parse_csv(text).rows
    assert (ann.mrr_cents, ann.tier, ann.trial_ends, ann.note) == (
        120050,
        "vip",
        date(2026, 12, 31),
        "met at the fair",
    )
    assert (bob.mrr_cents, bob.trial_ends) == (1250, date(2026, 12, 31))
    assert cy.trial_ends == date(2026, 12, 3)


def test_a_file_without_an_email_column_is_refused_by_what_it_has() -> None:
    with pytest.raises(CustomerImportError, match=r"no email column \(found: name, plan\)"):
        parse_csv("name,plan\nAnn,Team\n")
    with pytest.raises(CustomerImportError, match="empty"):
        parse_csv("")


@pytest.mark.parametrize(
    ("text", "cents"),
    [("1200", 120000), ("$1,200.50", 120050), ("1.200", 120000), ("USD 99.9", 9990)],
)
def test_money(text: str, cents: int) -> None:
    assert parse_money_cents(text) == cents


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-12-31", date(2026, 12, 31)),
        ("2026-12-31T23:00:00Z", date(2026, 12, 31)),
        ("31/12/2026", date(2026, 12, 31)),  # the day first, as it is over 12
        ("01/02/2026", date(2026, 1, 2)),  # else month first
        ("31 Dec 2026", date(2026, 12, 31)),
    ],
)
def test_dates(text: str, day: date) -> None:
    assert parse_date(text) == day


def customer(store: Store, addr: str) -> Customer:
    customer_id = find_customer(store, addr)
    assert customer_id is not None
    found = get_customer(store, customer_id)
    assert found is not None
    return found


def test_applying_rows_creates_updates_and_keeps_hand_set_tiers(store: Store) -> None:
    customer_for_address(store, Address("ann@acme.test", "Ann"))
    customer_for_address(store, Address("zed@acme.test", "Zed"))
    store.conn.execute(
        "UPDATE customers SET tier = 'vip', tier_source = 'manual' WHERE name = 'Ann'"
    )
    rows = parse_csv(STRIPE_EXPORT).rows
    created, updated = apply_rows(store, Config(), rows, actor="me")
    assert (created, updated) == (3, 1)
    ann = customer(store, "ann@acme.test")
    assert (ann.tier, ann.tier_source, ann.plan, ann.mrr_cents) == (
        "vip",
        "manual",
        "Business",
        120050,
    )
    assert (customer(store, "bob@beta.test").tier, customer(store, "bob@beta.test").company) == (
        "trial",
        "Beta GmbH",
    )
    # Zed at Ann's company takes its name (the tier there was set by hand, not imported).
    assert customer(store, "zed@acme.test").company == "Acme"
    assert store.scalar("SELECT count(*) FROM events WHERE kind = 'customers_imported'") == 1


@pytest.mark.usefixtures("isolated_cli")
def test_the_import_command_reports_bad_rows_and_ignored_columns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    path = tmp_path / "stripe.csv"
    path.write_text(STRIPE_EXPORT, encoding="utf-8")
    code, out, err = run_cli(capsys, "customers", "import", str(path))
    assert code == 0
    assert "Imported: 4 customers imported (4 new, 0 updated), 4 bad rows skipped." in out
    assert "note: ignored columns: id, Card Brand" in err
    assert "skipped line 6: 'lots' is not an amount of money" in err
    with Store.open(store_path) as store:
        assert customer(store, "fay@phi.test").tier == "paying"
    code, _, err = run_cli(capsys, "customers", "import", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read" in err and err.count("\n") == 1
