"""The demo's saved replies: the set a founder answering Trellis's mail would keep, short and
warm, with variables and fallbacks; and a few earlier uses, so the ranking has history."""

from __future__ import annotations

from datetime import datetime, timedelta

from mail.replies import ReplyFile
from storage import replies
from storage.db import Store
from storage.models import Status

SAVED_REPLIES = (
    ReplyFile(
        name="Password reset",
        tags=("user-issue",),
        set_status=Status.PENDING,
        body=(
            "Hi {customer.first_name|there},\n"
            "\n"
            "Sorry you're locked out! I've just sent a fresh reset link to this address: it's "
            "valid for an hour. If it doesn't turn up within a few minutes, check spam, or ask "
            "your IT team to allow mail from trellis.app (company filters sometimes hold it "
            "back).\n"
            "\n"
            "Reply here if it still doesn't arrive and I'll get you in another way.\n"
            "\n"
            "{agent.first_name}"
        ),
    ),
    ReplyFile(
        name="Refund policy",
        tags=("pricing", "billing"),
        set_status=None,
        body=(
            "Hi {customer.first_name|there},\n"
            "\n"
            "Thanks for asking before anything else. Our policy is simple: if Trellis isn't "
            "working out, we refund the last payment in full within 30 days, no questions asked. "
            "Monthly plans can be cancelled at any time under Settings → Billing, and you keep "
            "access until the end of the period.\n"
            "\n"
            "Want me to go ahead with the refund? If something specific got in the way, I'd "
            "really like to hear about it too.\n"
            "\n"
            "{agent.first_name}"
        ),
    ),
    ReplyFile(
        name="Bug acknowledged",
        tags=("bug-report",),
        set_status=Status.PENDING,
        body=(
            "Hi {customer.first_name|there},\n"
            "\n"
            "Thank you for the detailed report: I can reproduce it, and it's definitely a bug on "
            "our side. I've passed it to the engineering team with your steps, and I'll write to "
            "you here as soon as the fix is live.\n"
            "\n"
            "Sorry for the trouble in the meantime.\n"
            "\n"
            "{agent.first_name}"
        ),
    ),
    ReplyFile(
        name="Feature request logged",
        tags=("feature-request",),
        set_status=Status.CLOSED,
        body=(
            "Hi {customer.first_name|there},\n"
            "\n"
            "Thanks for taking the time to write this up! I've logged it on our roadmap with "
            "your use case (and {customer.company|your team}'s vote). I can't promise a date, "
            "but requests like yours are exactly how we decide what to build next, and I'll let "
            "you know when it ships.\n"
            "\n"
            "{agent.first_name}"
        ),
    ),
    ReplyFile(
        name="How-to with link",
        tags=("user-issue",),
        set_status=Status.PENDING,
        body=(
            "Hi {customer.first_name|there},\n"
            "\n"
            "Good question! It's all in our help centre, step by step with screenshots: search "
            "https://help.trellis.app for “{conversation.subject|what you're after}” and the "
            "guide is the first result.\n"
            "\n"
            "If what you see doesn't match the guide, send me a screenshot and I'll sort it "
            "out.\n"
            "\n"
            "{agent.first_name}"
        ),
    ),
    ReplyFile(
        name="Trial check-in",
        tags=(),
        set_status=None,
        body=(
            "Hi {customer.first_name|there},\n"
            "\n"
            "I'm {agent.first_name}, one of the founders of Trellis. You're a few days into your "
            "trial, so I wanted to check in personally: what would make this a successful trial "
            "for you?\n"
            "\n"
            "If there's a project you're trying to get off the ground, tell me about it and I'll "
            "point you to the quickest way to set it up.\n"
            "\n"
            "{agent.first_name}"
        ),
    ),
    ReplyFile(
        name="Handoff intro",
        tags=(),
        set_status=Status.PENDING,
        body=(
            "Hi {customer.first_name|there},\n"
            "\n"
            "Let me introduce {colleague.first_name}, who knows this part of Trellis far better "
            "than I do. I've copied {colleague.first_name} in with the details so far, so you "
            "won't need to repeat anything.\n"
            "\n"
            "{agent.first_name}"
        ),
    ),
)

# Earlier uses, as (reply name, subject words of the conversations it was used on): the
# demo's mailbox has answered these kinds of questions before.
_EARLIER_USES = {
    "Password reset": ("Password reset", "Locked out", "Can't log in"),
    "Bug acknowledged": ("returns 500", "crashes", "stopped"),
    "Feature request logged": ("Dark mode", "Feature request", "Time tracking", "Export Gantt"),
    "How-to with link": ("How do I", "Where do I", "Copy a board", "Due dates"),
    "Refund policy": ("Charged twice", "bill go up"),
}


def load(store: Store, *, actor: str, now: datetime) -> None:
    """Adds the demo's saved replies, and records uses on closed demo conversations whose
    subject fits, as if the team had been using them for a while."""
    created = {
        saved.name: replies.create(
            store,
            saved.name,
            saved.body,
            tags=saved.tags,
            set_status=saved.set_status,
            at=now - timedelta(days=60),
        ).id
        for saved in SAVED_REPLIES
    }
    for name, subjects in _EARLIER_USES.items():
        for subject in subjects:
            rows = store.conn.execute(
                "SELECT id, closed_at FROM conversations WHERE status = 'closed'"
                " AND subject LIKE ? ORDER BY id",
                (f"%{subject}%",),
            ).fetchall()
            for conversation_id, closed_at in rows:
                at = datetime.fromtimestamp(closed_at, now.tzinfo) if closed_at else now
                replies.record_use(store, created[name], conversation_id, actor, at=at)
