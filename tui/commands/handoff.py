"""`frontdesk handoff`, `frontdesk handoffs` and `frontdesk sales`: pass a conversation to a
colleague by name, follow the handoffs through, and correct the sales detector."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from mail.sanitize import clean_line
from tui.context import Context


def register(sub: Any) -> None:
    p = sub.add_parser("handoff", help="hand a conversation to a colleague, by name")
    p.add_argument("id", type=int, metavar="ID", help="the conversation's number")
    p.add_argument("--to", required=True, metavar="NAME", help="the colleague (name or first name)")
    p.add_argument(
        "--mode",
        choices=("pass", "cc"),
        default="pass",
        help="pass: they take it over (default); cc: you answer with them in CC",
    )
    p.add_argument("--note", default="", metavar="TEXT", help="for the colleague (pass mode)")
    p.add_argument(
        "--body-file",
        metavar="FILE",
        help="the reply to the customer ('-' reads stdin): needed for cc; pass has a template",
    )
    p.add_argument("--now", action="store_true", help="skip the undo delay")
    p.add_argument(
        "--queue-only", action="store_true", help="leave delivery to the next sync or the app"
    )
    p.set_defaults(run=cmd_handoff)

    p = sub.add_parser("handoffs", help="every handoff, its age, and whether the colleague wrote")
    p.add_argument("--json", action="store_true", help="print one JSON array")
    p.add_argument("--limit", type=int, default=100, metavar="N", help="at most N (default 100)")
    p.set_defaults(run=cmd_handoffs)

    p = sub.add_parser("sales", help="correct the sales detector on a conversation")
    p.add_argument("id", type=int, metavar="ID", help="the conversation's number")
    p.add_argument(
        "verdict",
        choices=("yes", "no", "auto"),
        help="yes: it is a sale; no: it is not; auto: the detector decides again",
    )
    p.set_defaults(run=cmd_sales)


def cmd_handoff(ctx: Context) -> int:
    from mail.handoff import hand_off
    from tui.commands.reply import read_body, send_when_due

    args = ctx.args
    body = read_body(args.body_file) if args.body_file else None
    done = hand_off(
        ctx.store,
        ctx.config,
        args.id,
        args.to,
        mode=args.mode,
        note=args.note,
        body=body,
        delay=0.0 if args.now else None,
    )
    items = [done.reply] if done.note is None else [done.reply, done.note]
    verb = "Passed to" if done.mode == "pass" else "Shared with"
    print(f"{verb} {clean_line(done.colleague.name)} <{clean_line(done.colleague.email)}>.")
    return send_when_due(ctx, items, queue_only=args.queue_only)


def cmd_handoffs(ctx: Context) -> int:
    from mail.customers import sla_policy
    from storage import handoffs
    from tui.cli import _age, print_json

    now = datetime.now(UTC)
    config = ctx.config
    policy = sla_policy(config)
    zone, days = ZoneInfo(policy.timezone), policy.business_days
    rows = handoffs.handoffs(ctx.store, limit=ctx.args.limit)
    follow_up = config.handoff.follow_up_days

    def overdue(row: handoffs.HandoffRow) -> bool:
        return row.current and row.overdue(now, follow_up, days, zone)

    if ctx.args.json:
        print_json([
            {
                "conversation": r.conversation_id,
                "subject": r.subject,
                "customer": r.customer.addr if r.customer else None,
                "colleague": r.colleague,
                "mode": r.mode,
                "at": r.at,
                "note": r.note,
                "colleague_replied_at": r.colleague_replied_at,
                "customer_replied_at": r.customer_replied_at,
                "current": r.current,
                "overdue": overdue(r),
            }
            for r in rows
        ])  # fmt: skip
        return 0
    if not rows:
        print("No handoffs yet: frontdesk handoff ID --to NAME")
        return 0
    for r in rows:
        if r.colleague_replied_at is not None:
            state = "answered"
        elif overdue(r):
            state = "NO REPLY"
        else:
            state = "waiting"
        who = r.customer.name or r.customer.addr if r.customer else "(unknown)"
        colleague = clean_line(r.colleague)[:16]
        print(
            f"{r.conversation_id:>6} {_age(r.at, now):>4} {r.mode:<4} → {colleague:<16} "
            f"{state:<8} {clean_line(who)[:22]:<22} {clean_line(r.subject)[:40]}"
        )
    return 0


def cmd_sales(ctx: Context) -> int:
    from storage.handoffs import set_sales_verdict

    verdict = {"yes": True, "no": False, "auto": None}[ctx.args.verdict]
    actor = ctx.config.team.me or "cli"
    state = set_sales_verdict(ctx.store, ctx.args.id, verdict, actor=actor)
    word = "a sales signal" if state.signal else "not a sales signal"
    source = "your word" if state.verdict is not None else "the detector's word"
    print(f"Conversation {ctx.args.id}: {word} ({source}).")
    return 0
