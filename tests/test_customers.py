"""Customers: tiers from the config's rules (VIP addresses and domains, companies, the tier of
unknown senders), shared across a company's domain but never a free-mail one; hand edits;
churn risk from what they write; `frontdesk customers set` and `list`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from mail import customers
from mail.config import Config, parse_config
from mail.customers import UNCHANGED, CustomerError
from mail.ingest import Ingestor, RawMail
from storage import queues
from storage.customers import find_customer, get_customer, list_customers
from storage.db import Store
from storage.errors import NotFoundError
from storage.models import Customer
from storage.queues import QueueKey
from tests.conftest import SUPPORT, T0, mail, run_cli

NOW = T0 + timedelta(hours=10)
ME = "Dana"
RULES = parse_config(
    {
        "customers": {
            "vip_addresses": ["Boss@Small.test"],
            "vip_domains": ["bigco.test"],
            "companies": {"acme.test": "Acme Inc", "gmail.com": "Not A Company"},
            "unknown_tier": "free",
            "free_mail_domains": ["freebie.test"],
        }
    }
)


def write(store: Store, *senders: str, config: Config = RULES, body: str = "Hello\n") -> None:
    Ingestor(store, [SUPPORT], config=config).ingest(
        RawMail(mail(sender=s, message_id=f"<{n}.{s}>", body=body), received_at=NOW)
        for n, s in enumerate(senders)
    )


def customer(store: Store, addr: str) -> Customer:
    customer_id = find_customer(store, addr)
    assert customer_id is not None, addr
    found = get_customer(store, customer_id)
    assert found is not None
    return found


def tiers(store: Store, *addrs: str) -> list[tuple[str, str]]:
    return [(customer(store, a).tier, customer(store, a).tier_source) for a in addrs]


def test_the_config_rules_decide_new_senders_tiers_and_companies(store: Store) -> None:
    write(store, "ceo@bigco.test", "boss@small.test", "intern@small.test", "wile@acme.test")
    write(store, "someone@gmail.com")
    assert tiers(store, "ceo@bigco.test", "boss@small.test", "intern@small.test") == [
        ("vip", "rule"),
        ("vip", "rule"),
        ("free", "default"),  # the config's tier for unknown senders
    ]
    assert customer(store, "wile@acme.test").company == "Acme Inc"
    assert customer(store, "someone@gmail.com").company is None  # free mail: never a company


def test_a_tier_set_on_one_person_is_shared_with_their_company_domain(store: Store) -> None:
    write(store, "ann@acme.test", "bob@acme.test", "cy@acme.test", "dee@gmail.com")
    write(store, "eve@gmail.com", "fay@freebie.test", "gus@freebie.test")
    bob = customer(store, "bob@acme.test").id
    customers.set_tier(store, RULES, [bob], "trial", actor=ME, at=NOW)
    ann = customer(store, "ann@acme.test").id
    assert customers.set_tier(store, RULES, [ann], "paying", actor=ME, at=NOW) == 1
    # Bob's own tier stays; Cy, whose tier nobody set, inherits the domain's latest.
    assert tiers(store, "ann@acme.test", "bob@acme.test", "cy@acme.test") == [
        ("paying", "manual"),
        ("trial", "manual"),
        ("paying", "domain"),
    ]
    # A newcomer at the domain gets it too.
    write(store, "hal@acme.test")
    assert tiers(store, "hal@acme.test") == [("paying", "domain")]
    # Free-mail domains (built in, or from the config) share nothing.
    customers.set_tier(store, RULES, [customer(store, "dee@gmail.com").id], "vip", actor=ME)
    customers.set_tier(store, RULES, [customer(store, "fay@freebie.test").id], "vip", actor=ME)
    assert tiers(store, "eve@gmail.com", "gus@freebie.test") == [
        ("free", "default"),
        ("free", "default"),
    ]
    journal = [
        json.loads(detail)
        for (detail,) in store.conn.execute(
            "SELECT detail FROM events WHERE kind = 'tier_set' ORDER BY id"
        )
    ]
    assert len(journal) == 4
    assert (journal[1]["customer_id"], journal[1]["previous"]) == (ann, "trial")  # Bob's


def test_changing_the_rules_re_derives_tiers_not_set_by_hand(store: Store) -> None:
    write(store, "ann@newvip.test", "bob@newvip.test")
    customers.set_tier(store, RULES, [customer(store, "bob@newvip.test").id], "trial", actor=ME)
    promoted = parse_config({"customers": {"vip_domains": ["newvip.test"]}})
    assert customers.apply_config(store, promoted)
    assert tiers(store, "ann@newvip.test", "bob@newvip.test") == [
        ("vip", "rule"),
        ("trial", "manual"),
    ]


def test_an_unknown_tier_is_refused_by_name(store: Store) -> None:
    write(store, "ann@acme.test")
    with pytest.raises(CustomerError, match="'gold' is not a tier: use one of vip, trial"):
        customers.set_tier(store, RULES, [customer(store, "ann@acme.test").id], "gold", actor=ME)


def test_update_customer_changes_only_what_it_is_given(store: Store) -> None:
    write(store, "Ann Lee <ann@acme.test>")
    ann = customer(store, "ann@acme.test").id
    customers.update_customer(
        store,
        RULES,
        ann,
        actor=ME,
        plan="Business",
        mrr_cents=120050,
        trial_ends=date(2026, 12, 1),
        note="Renewal call\nin December",
    )
    updated = customers.update_customer(store, RULES, ann, actor=ME, company="Acme Labs")
    assert updated.name == "Ann Lee"
    assert (updated.plan, updated.mrr_cents, updated.trial_ends) == (
        "Business",
        120050,
        date(2026, 12, 1),
    )
    assert updated.note == "Renewal call\nin December"
    assert updated.company == "Acme Labs"
    cleared = customers.update_customer(store, RULES, ann, actor=ME, plan="", mrr_cents=None)
    assert (cleared.plan, cleared.mrr_cents, cleared.company) == (None, None, "Acme Labs")
    untouched = customers.update_customer(store, RULES, ann, actor=ME, name=UNCHANGED)
    assert untouched == cleared
    kinds = [k for (k,) in store.conn.execute("SELECT kind FROM events ORDER BY id")]
    assert kinds.count("customer_updated") == 3  # the no-op is not journaled


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mrr_cents": -5}, "zero or more"),
        ({"name": "Ann\nBcc: x@evil.test"}, "one line"),
        ({"company": "x" * 201}, "too long"),
    ],
)
def test_bad_customer_values_are_refused(
    store: Store, change: dict[str, object], message: str
) -> None:
    write(store, "ann@acme.test")
    ann = customer(store, "ann@acme.test").id
    with pytest.raises(CustomerError, match=message):
        customers.update_customer(store, RULES, ann, actor=ME, **change)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        customers.update_customer(store, RULES, 9999, actor=ME, plan="x")


def test_a_paying_customer_saying_they_leave_is_at_risk(store: Store) -> None:
    write(store, "ann@acme.test", body="Please cancel our subscription, we're switching.\n")
    write(store, "bob@other.test", body="Please cancel our subscription.\n")
    ann, bob = customer(store, "ann@acme.test").id, customer(store, "bob@other.test").id
    assert queues.rows(store, QueueKey.AT_RISK, me=ME, now=NOW) == []  # free users: not at risk
    customers.set_tier(store, RULES, [ann], "paying", actor=ME)
    customers.set_tier(store, RULES, [bob], "trial", actor=ME)
    (row,) = queues.rows(store, QueueKey.AT_RISK, me=ME, now=NOW)
    assert row.customer is not None and row.customer.addr == "ann@acme.test"
    assert row.at_risk and "cancel our subscription" in row.churn_reasons
    assert queues.rows(store, QueueKey.NEEDS_REPLY, me=ME, now=NOW)[0].id == row.id


def test_the_customer_overview_has_billing_and_history(store: Store) -> None:
    write(store, "ann@acme.test")
    ann = customer(store, "ann@acme.test").id
    customers.update_customer(
        store, RULES, ann, actor=ME, plan="Team", trial_ends=date(2026, 11, 5)
    )
    conversation_id = int(store.scalar("SELECT id FROM conversations"))
    overview = queues.customer_overview(store, conversation_id, now=NOW)
    assert overview is not None
    assert overview.customer.plan == "Team"
    assert overview.lifetime_conversations == 1
    assert overview.last_contact_at is not None
    row = queues.get_row(store, conversation_id, now=NOW)
    assert row is not None and row.trial_days_left(date(2026, 11, 2)) == 3


# -- the command line --------------------------------------------------------------------------


@pytest.mark.usefixtures("isolated_cli")
def test_customers_set_and_list(capsys: pytest.CaptureFixture[str], store_path: Path) -> None:
    code, out, err = run_cli(
        capsys,
        "customers",
        "set",
        "Dana@Example.TEST",
        "--tier",
        "vip",
        "--name",
        "Dana Scully",
        "--mrr",
        "$2,000",
        "--trial-ends",
        "2026-12-31",
    )
    assert (code, err) == (0, "")
    assert "Created dana@example.test" in out
    code, out, _ = run_cli(capsys, "customers", "set", "dana@example.test", "--plan", "Enterprise")
    assert code == 0 and "Updated" in out
    code, out, _ = run_cli(capsys, "customers", "list", "--json", "--tier", "vip")
    (dana,) = json.loads(out)
    assert dana["email"] == "dana@example.test"
    assert (dana["tier"], dana["plan"], dana["mrr_cents"]) == ("vip", "Enterprise", 200000)
    assert dana["trial_ends"] == "2026-12-31"
    code, out, _ = run_cli(capsys, "customers", "list")
    assert "Dana Scully" in out and "$2,000/mo" in out
    code, out, _ = run_cli(capsys, "customers", "list", "--tier", "free")
    assert "No customers." in out
    with Store.open(store_path) as store:
        assert [c.email for c in list_customers(store)] == ["dana@example.test"]


@pytest.mark.usefixtures("isolated_cli")
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["dana@example.test"], "nothing to set"),
        (["not-an-address", "--tier", "vip"], "is not an email address"),
        (["dana@example.test", "--mrr", "lots"], "is not an amount of money"),
        (["dana@example.test", "--trial-ends", "soon"], "is not a date"),
    ],
)
def test_customers_set_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run_cli(capsys, "customers", "set", *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1
