"""`frontdesk customers`: import customers from a CSV (a billing export), list them, and set
one customer's tier, plan, revenue, trial end or note."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mail.config import TIERS
from mail.sanitize import clean_line
from storage.errors import FrontdeskError
from tui.context import Context


def register(sub: Any) -> None:
    p = sub.add_parser("customers", help="import, list and edit customers and their tiers")
    commands = p.add_subparsers(
        dest="customers_command", metavar="ACTION", required=True, help="import, list or set"
    )

    q = commands.add_parser("import", help="import customers from a CSV file (billing export)")
    q.add_argument("file", metavar="FILE.csv", help="a CSV with a header row; email is required")
    q.set_defaults(run=cmd_import)

    q = commands.add_parser("list", help="list customers with tier, company, plan and revenue")
    q.add_argument("--json", action="store_true", help="print one JSON array")
    q.add_argument("--tier", choices=TIERS, help="only customers of this tier")
    q.set_defaults(run=cmd_list)

    q = commands.add_parser("set", help="set a customer's tier and details (created if new)")
    q.add_argument("email", metavar="EMAIL", help="one of the customer's addresses")
    q.add_argument("--tier", choices=TIERS, help="the tier (shared with their company domain)")
    q.add_argument("--name", help="their name")
    q.add_argument("--company", help="their company ('' clears it)")
    q.add_argument("--plan", help="their plan's name ('' clears it)")
    q.add_argument("--mrr", metavar="AMOUNT", help="monthly revenue, e.g. 1200 or $1,200.50")
    q.add_argument("--trial-ends", metavar="DATE", help="when their trial ends, e.g. 2026-12-31")
    q.add_argument("--note", help="a free-text note for the team")
    q.set_defaults(run=cmd_set)


def _actor(ctx: Context) -> str:
    return ctx.config.team.me or "me"


def cmd_import(ctx: Context) -> int:
    from mail.customer_import import import_csv

    report = import_csv(ctx.store, ctx.config, Path(ctx.args.file).expanduser(), actor=_actor(ctx))
    if report.ignored_columns:
        names = ", ".join(clean_line(c) for c in report.ignored_columns)
        print(f"note: ignored columns: {names}", file=sys.stderr)
    for bad in report.bad_rows:
        print(f"skipped {clean_line(str(bad))}", file=sys.stderr)
    print(f"Imported: {report.summary()}.")
    return 0


def cmd_list(ctx: Context) -> int:
    from storage.customers import list_customers
    from tui.cli import print_json

    found = list_customers(ctx.store, ctx.args.tier)
    if ctx.args.json:
        print_json(found)
        return 0
    if not found:
        print("No customers.")
        return 0
    for c in found:
        revenue = f"${c.mrr_cents / 100:,.0f}/mo" if c.mrr_cents is not None else ""
        trial = f"trial ends {c.trial_ends.isoformat()}" if c.trial_ends else ""
        line = (
            f"{c.tier:<7} {_fit(c.email, 30):<30} {_fit(c.name, 20):<20} "
            f"{_fit(c.company or '', 18):<18} {_fit(c.plan or '', 12):<12} {revenue:>10} {trial}"
        )
        print(line.rstrip())
    return 0


def _fit(text: str, width: int) -> str:
    text = clean_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_set(ctx: Context) -> int:
    from mail import customers
    from mail.customer_import import parse_date, parse_money_cents
    from storage.customers import customer_for_address, find_customer
    from storage.models import Address

    args = ctx.args
    email = args.email.strip().lower()
    if "@" not in email or any(c.isspace() for c in email):
        raise FrontdeskError(f"{args.email!r} is not an email address")
    changes: dict[str, Any] = {}
    if args.name is not None:
        changes["name"] = args.name
    if args.company is not None:
        changes["company"] = args.company
    if args.plan is not None:
        changes["plan"] = args.plan
    if args.note is not None:
        changes["note"] = args.note
    try:
        if args.mrr is not None:
            changes["mrr_cents"] = parse_money_cents(args.mrr) if args.mrr.strip() else None
        if args.trial_ends is not None:
            changes["trial_ends"] = parse_date(args.trial_ends) if args.trial_ends else None
    except ValueError as exc:
        raise FrontdeskError(str(exc)) from None
    if args.tier is None and not changes:
        raise FrontdeskError("nothing to set: give --tier, --name, --company, --plan, ...")
    store, actor, now = ctx.store, _actor(ctx), datetime.now(UTC)
    with store.atomic():
        customer_id = find_customer(store, email)
        created = customer_id is None
        if customer_id is None:
            customer_id = customer_for_address(store, Address(email, args.name or ""))
        if args.tier is not None:
            customers.set_tier(store, ctx.config, [customer_id], args.tier, actor=actor, at=now)
        updated = customers.update_customer(
            store, ctx.config, customer_id, actor=actor, at=now, **changes
        )
    verb = "Created" if created else "Updated"
    company = f" ({clean_line(updated.company)})" if updated.company else ""
    print(f"{verb} {clean_line(updated.email)}{company}: {updated.tier}.")
    return 0
