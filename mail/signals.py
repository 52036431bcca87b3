"""Phrase detectors over a customer's new text: churn risk and sales signals.

Both are lists of word-bounded patterns compiled into one regex by `PhraseMatcher`, so every
reason shown to the agent is a phrase from the message; no network and no model.
"""

from __future__ import annotations

import functools
import re

# The stdlib's regex parser: private, untyped, but the only reader of a pattern's structure;
# if its tree ever changes shape, `_heads` answers None: still right, only slower.
import re._constants as sre  # type: ignore[import-not-found]
import re._parser as sre_parser  # type: ignore[import-not-found]
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from mail.config import SalesConfig


@dataclass(frozen=True)
class Rule:
    """One pattern: `label` says what it means, `pattern` is a regex source (case-insensitive).

    `show`, when set, picks the words shown to the agent out of a long match ("SSO" out of
    "do you support SAML SSO").
    """

    label: str
    pattern: str
    weight: float = 1.0
    show: str = ""


@dataclass(frozen=True)
class Hit:
    """Where a rule matched, and the words as the customer wrote them."""

    rule: Rule
    start: int
    end: int
    words: str


def phrase_pattern(phrase: str) -> str:
    """A user's plain phrase as a pattern: literal words, any run of spaces between them."""
    return r"\s+".join(re.escape(word.lower()) for word in phrase.split())


class PhraseMatcher:
    """Rules compiled into one alternation that matches only on word boundaries.

    Built-in patterns are written in lower case except inside `(?-i:...)`, where they look at
    capitals. The text is scanned in lower case for where any rule could match, then the
    rules are asked in order, on the text as written, which one does: the same hits as one
    case-insensitive alternation, several times faster (case-folding every character of
    every message, and named groups to say which rule matched, cost more than the rare
    second look). The alternation is also split by the first two letters a rule can start
    with, so each word is tried only against the rules that could match it.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self._compiled = False

    def _compile(self) -> None:
        # On first use, not at import: `frontdesk --help` and every CLI command that never
        # reads a message must not pay for the regexes.
        self._compiled = True
        rules = self.rules
        relaxed = [Rule(rule.label, rule.pattern.replace("(?-i:", "(?i:")) for rule in self.rules]
        self._lower = re.compile(_bounded(_by_first_letter(relaxed)) if rules else "(?!)")
        # Only a text that changes length in lower case (a dotted capital I...) needs the
        # case-folding scan: compiled the first time one comes, as it costs as much again.
        self._folding: re.Pattern[str] | None = None
        self._each = [re.compile(_bounded(rule.pattern), re.IGNORECASE) for rule in self.rules]
        firsts = [_first_letters(rule.pattern) for rule in relaxed]
        self._unsure = [i for i, first in enumerate(firsts) if first is None]
        letters = set().union(*(first for first in firsts if first is not None))
        self._by_letter = {
            letter: [i for i, first in enumerate(firsts) if first is None or letter in first]
            for letter in letters
        }
        self._shows = [
            re.compile(_bounded(rule.show), re.IGNORECASE) if rule.show else None
            for rule in self.rules
        ]

    def hits(self, text: str) -> Iterator[Hit]:
        if not self._compiled:
            self._compile()
        lowered = text.lower()
        where, scan = self._lower, lowered
        if len(lowered) != len(text):
            if self._folding is None:
                self._folding = re.compile(self._lower.pattern, re.IGNORECASE)
            where, scan = self._folding, text
        position = 0
        while (found := where.search(scan, position)) is not None:
            start = found.start()
            position = start + 1
            # The first rule that matches here on the text as written, as an alternation would.
            for index in self._by_letter.get(scan[start].lower(), self._unsure):
                exact = self._each[index].match(text, start)
                if exact is None:
                    continue
                position = exact.end()
                yield self._hit(index, exact)
                break

    def _hit(self, index: int, exact: re.Match[str]) -> Hit:
        words = exact[0]
        show = self._shows[index]
        if show is not None:
            shown = show.search(words)
            words = shown[0] if shown else words
        return Hit(self.rules[index], exact.start(), exact.end(), " ".join(words.split()))


def _bounded(pattern: str) -> str:
    return rf"(?<!\w)(?:{pattern})(?!\w)"


# A rule that can start with more first letters than this stays out of the letters' branches.
SPREAD_LETTERS = 12


def _by_first_letter(rules: Sequence[Rule]) -> str:
    """One alternation per first letter, split again by the second where a rule tells it.

    The alternations sit in balanced trees of character-class lookaheads, so a word reaches
    the few rules that could match it after a handful of checks, not one per letter or rule.
    The scan only asks where some rule matches, so each rule is written once in each letter's
    branch: in the leaf of its one second letter, else behind a lookahead of its second
    letters (none when any may follow). A rule that can start with many letters, or whose
    start cannot be told, is written once after the tree behind a lookahead of its first
    letters (and second ones): copied into every branch it multiplied the pattern, and the
    compile time every process that reads mail pays, for a scan no faster.
    """
    heads = [_heads(rule.pattern) for rule in rules]
    in_tree: list[tuple[Rule, frozenset[str]]] = []
    outside: list[str] = []
    for rule, found in zip(rules, heads, strict=True):
        if found is None:
            outside.append(f"(?:{rule.pattern})")
        elif len({head[0] for head in found}) > SPREAD_LETTERS:
            outside.append(_guarded(rule.pattern, found, ""))
        else:
            in_tree.append((rule, found))
    buckets = []
    for letter in sorted({head[0] for _, found in in_tree for head in found}):
        leaves: dict[str, list[str]] = {}
        others: list[str] = []
        for rule, found in in_tree:
            mine = {head for head in found if head[0] == letter}
            if letter in mine:  # any second character may follow
                others.append(f"(?:{rule.pattern})")
            elif len(mine) == 1:
                leaves.setdefault(min(mine)[1], []).append(f"(?:{rule.pattern})")
            elif mine:
                others.append(_guarded(rule.pattern, {head[1] for head in mine}, "."))
        tree = _tree([(second, "|".join(bodies)) for second, bodies in sorted(leaves.items())], ".")
        buckets.append((letter, "|".join(filter(None, (tree, *others)))))
    return "|".join(filter(None, (_tree(buckets, ""), *outside)))


def _guarded(pattern: str, heads: Collection[str], skip: str) -> str:
    """`pattern` behind a lookahead that the text after `skip` starts with the first character
    of one of `heads`, then, if they all have one, the second character of one: a superset of
    the heads, only there to turn most words away cheaply."""
    firsts = _char_class(head[0] for head in heads)
    seconds = _char_class(head[1] for head in heads) if all(len(h) == 2 for h in heads) else ""
    return f"(?={skip}{firsts}{seconds})(?:{pattern})"


def _char_class(chars: Iterable[str]) -> str:
    return f"[{''.join(re.escape(char) for char in sorted(set(chars)))}]"


def _tree(leaves: Sequence[tuple[str, str]], skip: str) -> str:
    """Balanced lookaheads down to each leaf: the character after `skip` picks the branch."""
    if not leaves:
        return ""
    if len(leaves) == 1:
        char, body = leaves[0]
        return f"(?={skip}{re.escape(char)})(?:{body})"
    half = len(leaves) // 2
    return "|".join(
        f"(?={skip}[{''.join(re.escape(char) for char, _ in part)}])(?:{_tree(part, skip)})"
        for part in (leaves[:half], leaves[half:])
    )


def _first_letters(pattern: str) -> frozenset[str] | None:
    """The lower-cased characters a match of `pattern` can start with; None if unsure."""
    found = _heads(pattern)
    return None if found is None else frozenset(head[0] for head in found)


HEAD_CHARS = 2


def _heads(pattern: str) -> frozenset[str] | None:
    """The lower-cased first characters (up to `HEAD_CHARS`) a match of `pattern` starts
    with; a shorter head means any character may follow. None if even the first is unsure.

    Read from the stdlib's own parse of the pattern; anything this does not follow
    (a category, a back-reference, an empty match) ends the head there, which is always safe.
    """
    try:
        parsed = sre_parser.parse(pattern, re.IGNORECASE)
    except re.error:
        return None
    found = _heads_of_sequence(list(parsed), HEAD_CHARS)
    return None if found is None or "" in found else frozenset(found)


def _heads_of_sequence(items: list[tuple[Any, Any]], depth: int) -> set[str] | None:
    if depth == 0 or not items:
        return {""}
    (op, arg), rest = items[0], items[1:]
    if op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
        return _heads_of_sequence(rest, depth)  # looks, consumes nothing: the next item decides
    if op is sre.SUBPATTERN:
        return _heads_of_sequence(list(arg[3]) + rest, depth)
    if op is sre.BRANCH:
        found: set[str] = set()
        for alternative in arg[1]:
            heads = _heads_of_sequence(list(alternative) + rest, depth)
            if heads is None:
                return None
            found |= heads
        return found
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, item = arg
        if item.getwidth()[0] == 0:
            return None  # an item that can match nothing could loop here
        again = [(op, (max(low - 1, 0), high - 1, item))] if high > 1 else []
        repeated = _heads_of_sequence(list(item) + again + rest, depth)
        skipped = _heads_of_sequence(rest, depth) if low == 0 else set()
        return None if repeated is None or skipped is None else repeated | skipped
    chars = _chars(op, arg)
    if chars is None:
        return {""}
    tails = _heads_of_sequence(rest, depth - 1)
    if tails is None:
        return {""}
    return {char + tail for char in chars for tail in tails}


def _chars(op: Any, arg: Any) -> set[str] | None:
    """The lower-cased characters one item matches; None if it is not one of a known few."""
    if op is sre.LITERAL:
        return {chr(arg).lower()}
    if op is not sre.IN:
        return None
    chars: set[str] = set()
    for kind, value in arg:
        if kind is sre.LITERAL:
            chars.add(chr(value).lower())
        elif kind is sre.RANGE and value[1] - value[0] < 128:
            chars |= {chr(code).lower() for code in range(value[0], value[1] + 1)}
        elif kind is sre.CATEGORY and value is sre.CATEGORY_DIGIT:
            chars |= set("0123456789")
        else:
            return None
    return chars


def _unique(words: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for word in words:
        seen.setdefault(word.lower(), word)
    return tuple(seen.values())


# Negation in the few words before a phrase ("we're not cancelling", "no plans to cancel").
# "can't"/"unable to" are not negations here: "I can't cancel my plan" is someone leaving.
_NEGATION_BEFORE = re.compile(
    r"(?<!\w)(?:not(?!\s+(?:sure|certain|only|just))|never|no|without|don['’]?t|do\s+not|doesn['’]?t|won['’]?t|wouldn['’]?t"
    r"|isn['’]?t|aren['’]?t|neither|nor)(?!\w)(?:\W+\w+){0,3}\W*$",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.!?;,\n:(]|\bbut\b", re.IGNORECASE)


def negated(text: str, start: int) -> bool:
    """Whether the clause before `start` negates what follows, within a few words."""
    before = text[max(0, start - 60) : start]
    clause = _CLAUSE_END.split(before)[-1]
    return _NEGATION_BEFORE.search(clause) is not None


_CANCEL = r"(?:cancel+(?:ing|ed|s|ation)?|cancle[sd]?|cancling|terminat(?:e|ing))"
_OWNED = r"(?:(?:my|our|the|this|that|your|their|his|her)\s+)?"
_PLAN_NOUN = (
    r"(?:subscriptions?|subscribtion|subs|account|acc|plan|membership|contract|licen[cs]es?"
    r"|seats?|service|workspace|renewal)"
)
# Our own plan names and billing words: "switching to Business" is an upgrade, not churn.
_NOT_A_RIVAL = (
    r"(?!(?:starter|team|teams|business|enterprise|pro|plus|premium|basic|free|growth|scale"
    r"|annual|yearly|monthly|dark|light|utc|english|chrome|firefox|safari)\b)"
)
_RIVAL = rf"{_NOT_A_RIVAL}(?-i:[A-Z][\w.-]*[\w])"

CHURN_RULES: tuple[Rule, ...] = (
    Rule(
        "cancel",
        rf"{_CANCEL}\s+(?:(?:of|for)\s+)?{_OWNED}(?:[\w-]+\s+){{0,2}}?{_PLAN_NOUN}",
    ),
    Rule("cancel", r"(?:subscription|account|plan|contract)\s+cancell?ation"),
    Rule("cancel", r"end(?:ing)?\s+(?:my|our)\s+(?:subscription|contract|account|plan)"),
    Rule(
        "cancel",
        r"(?:want|wanna|would\s+like|\w+['’]d\s+like|wish|need|going|decided|have|ha[sv]e\s+to"
        r"|plan(?:ning)?|time|please)\s+(?:to\s+)?(?:cancel+|cancle)"
        r"(?=\s*(?:[.!?,;]|$|it\b|now\b|immediately|today|asap|everything|all\b|at\s+the\s+end"
        r"|effective|before|please|us\b|me\b))",
    ),
    Rule(
        "cancel",
        r"how\s+(?:do|can|to|would|should)\s+(?:i\s+|we\s+)?(?:cancel+|cancle)"
        r"(?=\s*(?:[.!?,;]|$|it\b))",
    ),
    Rule(
        "not renewing",
        r"(?:won['’]?t|wont|will\s+not|\w+['’]ll\s+not|shall\s+not)\s+(?:be\s+)?renew(?:ing)?",
    ),
    Rule(
        "not renewing",
        r"(?:(?:are|am|is|we['’]re|they['’]re|i['’]m|we|i)\s+not|aren['’]?t|isn['’]?t)\s+"
        r"(?:going\s+to\s+|gonna\s+|planning\s+(?:on|to)\s+)?renew(?:ing)?",
    ),
    Rule("not renewing", r"(?:decided|chosen|choose|chose|plan|planning|going)\s+not\s+to\s+renew"),
    Rule(
        "not renewing",
        r"(?:don['’]?t|do\s+not|dont)\s+(?:plan|intend|want|wish|expect|think\s+we['’]ll)\s+"
        r"(?:on\s+|to\s+)?renew(?:ing)?",
    ),
    Rule(
        "not renewing", r"against\s+renewing|(?:turn(?:ed)?\s+off|disable)\s+auto-?\s?renew(?:al)?"
    ),
    Rule(
        "switching",
        rf"(?:switch(?:ing|ed)?|migrat(?:e|ing)|mov(?:e|ing))\s+(?:everything\s+|our\s+\w+\s+)?"
        rf"over\s+to\s+{_RIVAL}",
    ),
    Rule("switching", rf"switch(?:ing|ed)?\s+to\s+{_RIVAL}"),
    Rule(
        "switching",
        rf"(?:we['’]re|we\s+are|we\s+will\s+be|we['’]ll\s+be|i['’]m|i\s+am|are)\s+"
        rf"(?:moving|migrating|going)\s+(?:\w+\s+)?to\s+{_RIVAL}",
    ),
    Rule(
        "switching",
        r"(?:switch(?:ing|ed)?|mov(?:e|ing)|migrat(?:e|ing)|go(?:ing)?)\s+(?:over\s+)?to\s+"
        r"(?:a|another|an\s+other|a\s+different|different|other|your)\s+"
        r"(?:tool|provider|vendor|service|solution|product|app|platform|competitor|company)",
    ),
    Rule("switching", rf"(?:go(?:ing)?|went)\s+with\s+{_RIVAL}\s+instead"),
    Rule(
        "refund",
        r"refund\s+(?:for|of|on)\s+(?:the\s+)?(?:rest|remainder|remaining|unused)\b[\w\s]{0,30}?"
        r"(?:year|months?|term|subscription|plan|contract|period)",
    ),
    Rule(
        "refund",
        rf"refund\s+(?:for\s+|of\s+|on\s+)?{_OWNED}(?:annual\s+|yearly\s+|monthly\s+)?"
        r"(?:subscription|plan|contract|licen[cs]e)",
    ),
    Rule("refund", r"(?:pro-?\s?rated|partial)\s+refund"),
    Rule(
        "close account",
        rf"(?:clos(?:e|ing)|delet(?:e|ing)|deactivat(?:e|ing)|shut(?:ting)?\s+down|remov(?:e|ing))"
        rf"\s+{_OWNED}(?:whole\s+|team\s+|company\s+)?(?:account|workspace)",
    ),
    Rule(
        "downgrade",
        r"downgrad(?:e|ing|ed)\s+(?:(?:us|our\s+\w+|my\s+\w+|the\s+\w+)\s+)?(?:back\s+)?to\s+"
        r"(?:the\s+)?free",
    ),
    Rule(
        "looking elsewhere",
        r"look(?:ing)?\s+(?:elsewhere|for\s+(?:an?\s+)?(?:alternatives?|other\s+options|another"
        r"\s+(?:tool|provider|solution|vendor)))",
    ),
    Rule("looking elsewhere", r"(?:find|evaluating|evaluate)\s+(?:an\s+)?alternatives?"),
    Rule("dealbreaker", r"deal[\s-]?breaker|last\s+straw"),
    Rule(
        "stop using",
        r"stop(?:ping)?\s+(?:using|paying\s+for)\s+(?:your|this|the)\s+"
        r"(?:product|service|app|tool|software|subscription)",
    ),
    Rule(
        "stop using",
        r"(?:no\s+longer|don['’]?t)\s+(?:use|need)\s+(?:your|this|the)\s+(?:product|service|app|tool|software|subscription)",
    ),
    Rule(
        "leaving",
        r"(?:we|i)(?:['’]ll|\s+will|['’]re|\s+are)\s+(?:be\s+)?leaving(?=\s*(?:[.!,]|$|you|for|at))",
    ),
)

# A refund for a mistake is billing, not someone leaving.
_BILLING_DISPUTE = re.compile(
    r"(?<!\w)(?:charged\s+(?:us\s+|me\s+)?(?:twice|two\s+times|double|2x)|double[\s-]?charg\w*"
    r"|duplicate\s+(?:charge|payment|invoice)|charged\s+again|overcharg\w*|wrong\s+amount)",
    re.IGNORECASE,
)
# Phrases whose own words already say "not" ("won't renew"): a negation in front is theirs.
_SELF_NEGATING = frozenset({"not renewing", "stop using"})

_CHURN_MATCHER = PhraseMatcher(CHURN_RULES)


def churn_reasons(text: str, extra: Sequence[str] = ()) -> tuple[str, ...]:
    """The phrases in a customer's new text that say they are leaving, as written; () if none.

    `extra` are the user's own phrases (`sla.churn_phrases`), matched as plain words.
    """
    matcher = _CHURN_MATCHER
    if extra:
        matcher = _extra_churn_matcher(tuple(extra))
    found: list[str] = []
    dispute = None
    for hit in matcher.hits(text):
        if hit.rule.label not in _SELF_NEGATING and negated(text, hit.start):
            continue
        if hit.rule.label == "refund":
            if dispute is None:
                dispute = _BILLING_DISPUTE.search(text) is not None
            if dispute:
                continue
        found.append(hit.words)
    return _unique(found)


@functools.lru_cache(maxsize=8)
def _extra_churn_matcher(extra: tuple[str, ...]) -> PhraseMatcher:
    """The built-in rules plus the user's phrases, compiled once per distinct list."""
    own = [Rule("user phrase", phrase_pattern(p)) for p in extra if p.strip()]
    return PhraseMatcher((*own, *CHURN_RULES))


# ---- Sales signals ------------------------------------------------------------------------

# Who a plan would be for: the nouns customers use for their organisation.
_ORG = (
    r"(?:agenc(?:y|ies)|compan(?:y|ies)|teams?|studios?|firms?|orgs?|organi[sz]ations?"
    r"|schools?|universit(?:y|ies)|colleges?|start-?ups?|non-?profits?|charit(?:y|ies)|ngos?"
    r"|freelancers?|consultanc(?:y|ies)|departments?|businesses|enterprises|groups?|clinics?"
    r"|hospitals?|practices?|librar(?:y|ies)|students?|teachers?|educators?|classrooms?"
    r"|public\s+sector|government|municipalit(?:y|ies)|families|individuals)"
)
# A head count as customers write it: "40 users", "15 user", "120 staff", "25-person".
_HEADCOUNT = (
    r"\d[\d,]*\+?(?:\s+|\s*-\s*)(?:seats?|licen[cs]es?|users?|people|persons?|peoples|staff"
    r"|employees|members|colleagues|accounts)"
)
_TYPO_PLAN = r"(?:plans?|tiers?|subscriptions?|subscribtions?|packages?|editions?|pricing)"
# Plan names in common use; the ambiguous ones ("team", "business") count only capitalized
# or when "plan", "and", "vs"... follows.
_NAMED_PLAN = (
    r"(?:(?-i:Starter|Team|Teams|Business|Enterprise|Pro|Premium|Plus|Basic|Growth|Scale)"
    r"|(?:starter|team|teams|business|pro|plus|basic|growth|scale|free)"
    r"(?=\s+(?:plan|plans|tier|edition|package|version|and|or|vs)\b)|enterprise|premium)"
)
_UPGRADE_TARGET = (
    r"(?:(?-i:Team|Teams|Business|Enterprise|Pro|Premium|Plus|Growth|Scale)|enterprise|premium"
    r"|(?:team|teams|business|pro|plus|growth|scale)(?=\s+plan\b)|(?:a\s+)?paid|annual|yearly)"
)
_UPGRADE_VERB = r"(?:upgrad|upgard|upgrd|uprad|updgrad)(?:e|es|ing)"
# Identity providers: logging in "through Okta" or provisioning "from Entra" is SSO or SCIM.
_IDENTITY_PROVIDER = (
    r"okta|(?:microsoft\s+)?entra(?:\s+id)?|azure\s+(?:ad|active\s+directory)|onelogin|jumpcloud"
    r"|ping\s?(?:identity|federate|one)|adfs|keycloak"
)
BUILT_IN_PAID_FEATURES = (
    r"sso",
    r"single[\s-]?sign[\s-]?on",
    r"saml",
    r"scim",
    r"(?:user\s+|automatic\s+|auto[\s-]?)?(?:de)?provisioning",
    r"audit[\s-]?(?:logs?|trail|history)",
    r"(?:uptime|availability)\s+(?:sla|guarantees?|commitments?)",
    r"guaranteed\s+(?:uptime|availability|response\s+times?)",
    r"sla",
    r"service[\s-]level\s+agreements?",
    r"on[\s-]?prem(?:ise|ises)?",
    r"self[\s-]?hosted",
    r"self[\s-]?host(?:ing)?",
    r"self[\s-]?managed",
    r"private\s+cloud",
    r"single[\s-]tenan(?:t|cy)",
    r"dedicated\s+(?:instance|server|servers|hosting|environment)",
    r"(?:our|its)\s+own\s+(?:servers?|infrastructure|data\s?cent(?:er|re)s?|cloud|hardware)",
    r"data\s+(?:residency|localization|localisation)",
    r"(?:eu|european|german|uk|us|canadian|australian)\s+(?:data\s+)?(?:hosting|data\s?cent(?:er|re)s?)",
    r"(?:priority|premium|24/7|phone)\s+support",
    r"dedicated\s+(?:account\s+manager|support|csm|success\s+manager|contact)",
    r"(?:account|customer\s+success)\s+manager",
    r"(?:faster|guaranteed)\s+response\s+times?",
    r"custom\s+roles",
    r"(?:advanced|granular|fine[\s-]grained)\s+permissions",
    r"ldap",
    r"active\s+directory",
    r"hipaa",
    r"ip\s+(?:allow[\s-]?list\w*|white[\s-]?list\w*|restrictions?|whitelisting)",
    r"(?:enforced|mandatory|enforce|enforcing|required)\s+(?:2fa|two[\s-]factor|mfa)",
    r"(?:customer[\s-]managed|own)\s+(?:encryption\s+)?keys|byok",
    r"(?:data\s+)?retention\s+polic(?:y|ies)",
    _IDENTITY_PROVIDER,
    r"guests?(?:\s+(?:access|users))?",
    r"(?:api|rate)\s+limits?",
)
_SHOW_PAID = "|".join(BUILT_IN_PAID_FEATURES)
_WHY = r"(?:why|how\s+come|y)"
_SAME_SENTENCE = r"(?:[^.?!\n]|\.(?=\d))"  # "99.9% uptime" stays one sentence


def _sales_rules(paid: str, rival: str) -> tuple[Rule, ...]:
    """The built-in weighted rules; `paid` and `rival` are alternations the config extends."""
    return (
        # plan fit
        Rule(
            "plan fit",
            rf"(?:which|what|wich|witch|whcih|wat)(?:\s+of\s+(?:your|the))?\s+(?:\w+\s+)?"
            rf"{_TYPO_PLAN}(?=\s+(?:\w+\s+){{0,4}}?(?:recommend|need|fit|fits|suit|suits|right"
            r"|best|choose|pick|should|would|include|includes|cover|covers|for\s+(?:us|me|an?"
            r"|our|my)\b|makes\s+sense))",
        ),
        Rule(
            "plan fit",
            r"(?:right|best|ideal|correct|appropriate|best\s+suited)\s+(?:plan|tier|package"
            r"|subscription|option|pricing)\s+for",
        ),
        Rule("plan fit", rf"(?:do|would|will|should)\s+(?:we|i)\s+need\s+(?:the\s+)?{_NAMED_PLAN}"),
        Rule("plan fit", rf"is\s+(?:the\s+)?{_NAMED_PLAN}\s+(?:plan\s+)?(?:enough|sufficient)"),
        Rule("plan fit", r"recommend\s+(?:a|the|which)\s+(?:plan|tier|package)"),
        Rule(
            "plan fit",
            r"(?:what|which|anything)\s+(?:would|do|should|could|can|will)\s+you\s+(?:recommend"
            rf"|suggest|advi[sc]e|propose){_SAME_SENTENCE}{{0,40}}?(?:{_ORG}|sign\s+up|go\s+with"
            r"|pick|choose|start\s+with|buy|purchase|subscribe|us\b|me\b)",
        ),
        Rule(
            "plan fit",
            r"(?:is\s+there|are\s+there|do\s+you\s+have|have\s+you\s+got|do\s+you\s+offer)\s+(?:a|an"
            r"|any)\s+(?:special\s+|dedicated\s+|separate\s+)?(?:plans?|tiers?|packages?|offers?"
            rf"|editions?|options?|licen[cs]es?)\s+(?:for|aimed\s+at|suited\s+to)\s+(?:\w+\s+)?{_ORG}",
        ),
        Rule(
            "plan fit",
            r"(?:plan|tier|package|option|subscription|edition)\s+(?:that|which)\s+(?:would\s+)?"
            r"(?:covers?|fits?|suits?|matches|works?\s+(?:best\s+)?for|makes\s+sense)",
        ),
        Rule(
            "plan fit",
            r"what\s+do\s+(?:other|most|similar)\s+(?:\w+\s+){1,2}?(?:usually\s+|typically\s+"
            r"|normally\s+)?(?:go\s+with|pick|choose|buy|take|sign\s+up\s+for)",
        ),
        Rule(
            "plan fit",
            rf"{_NAMED_PLAN}\s+(?:plan\s+)?(?:or|vs\.?|versus)\s+(?:the\s+)?{_NAMED_PLAN}"
            r"(?:\s+plan)?\s+for(?=\s+(?:a|an|our|my|us|me|\d))",
            0.8,
        ),
        # upgrade or buy
        Rule(
            "upgrade",
            rf"{_UPGRADE_VERB}\s+(?:us\s+|our\s+\w+\s+|my\s+\w+\s+|the\s+\w+\s+|it\s+)?"
            rf"(?:from\s+(?:the\s+)?\w+\s+(?:plan\s+)?)?to\s+(?:the\s+)?{_UPGRADE_TARGET}",
        ),
        Rule(
            "upgrade",
            rf"(?:thinking|think|considering|consider|planning|plan|want|wants|would\s+like|like"
            rf"|wish|ready|looking|interested|keen|decided|going|need|needs|how\s+(?:do|can|could)"
            rf"\s+(?:i|we))\s+(?:about\s+|of\s+|on\s+|in\s+|to\s+)?{_UPGRADE_VERB}",
            show=_UPGRADE_VERB,
        ),
        Rule(
            "upgrade",
            r"(?:buy|purchas(?:e|ing)|order(?:ing)?)\s+(?:\d[\d,]*\s+(?:more\s+)?(?:seats?|licen[cs]es?"
            r"|users?)|(?:an?\s+|the\s+)?(?:annual\s+|yearly\s+|company-?wide\s+)?(?:\w+\s+)?"
            r"(?:plan|licen[cs]es?|subscription|seats))",
        ),
        Rule(
            "upgrade",
            r"(?:ready|want|wants|like|planning|looking|decided)\s+to\s+(?:buy|purchase|go\s+paid"
            r"|pay\s+for\s+(?:it|trellis|the\s+product))",
        ),
        Rule("upgrade", r"go(?:ing)?\s+paid|(?:to|onto)\s+a\s+paid\s+(?:plan|tier|account)"),
        Rule(
            "upgrade",
            r"add(?:ing)?\s+(?:\d+|some|a\s+few|more)\s+(?:more\s+|extra\s+|additional\s+)?"
            r"(?:seats?|licen[cs]es?|users?)\s+(?:to|on)\s+(?:our|my|the)",
        ),
        Rule(
            "upgrade",
            r"(?:add|adding|get|buy|purchase|order|need|want)\s+(?:\d+|a\s+few|some|another|an?)"
            r"\s+(?:more|extra|additional)\s+(?:seats?|licen[cs]es?|users?|people)",
        ),
        Rule(
            "upgrade",
            r"(?:buy|purchas(?:e|ing)|order(?:ing)?|get(?:ting)?)\s+(?:\w+\s+){0,2}?\d[\d,]*\s+"
            r"(?:more\s+|extra\s+)?(?:\w+\s+)?(?:seats|licen[cs]es|subscriptions)",
        ),
        Rule("upgrade", r"(?:bigger|higher|larger|next|upper)\s+(?:plan|tier|package)"),
        Rule(
            "upgrade",
            r"(?:bump|move|step|go|level|scale|trade)\s+(?:\w+\s+){0,2}?up\s+to\s+(?:the\s+)?"
            rf"{_UPGRADE_TARGET}",
        ),
        Rule(
            "upgrade",
            r"(?:take|buy|go\s+for|go\s+with|sign\s+up\s+for|subscribe\s+to|opt\s+for|start\s+on"
            rf"|keep\s+going\s+on|stay\s+on|continue\s+on|convert\s+to)\s+(?:the\s+|a\s+)?"
            rf"{_UPGRADE_TARGET}",
        ),
        Rule("upgrade", rf"(?:go|going|move|moving)\s+beyond\s+(?:the\s+)?{_NAMED_PLAN}"),
        Rule(
            "upgrade",
            r"go(?:ing)?\s+(?:annual|yearly)|(?:switch|move|change|convert)\s+(?:\w+\s+){0,3}?to\s+"
            r"(?:an?\s+)?(?:annual|yearly)\s+(?:billing|payment|plan|subscription|contract)",
        ),
        Rule(
            "upgrade",
            r"(?:convert|continue|keep\s+(?:going|using\s+(?:it|\w+)))\s+(?:\w+\s+){0,2}?(?:after"
            r"|once|when)\s+(?:the\s+|our\s+|my\s+)?trial|(?:trial\s+(?:ends|expires|is\s+over"
            r"|runs\s+out)|end\s+of\s+(?:the\s+|our\s+)?trial)(?=\s+(?:\w+\s+){0,12}?(?:keep|continue"
            r"|convert|stay|buy|purchase|pay|subscribe))",
            0.7,
        ),
        Rule("upgrade", r"how\s+(?:do|can|could|should)\s+(?:we|i)\s+(?:convert|subscribe)", 0.5),
        Rule(
            "growth",
            r"(?:growing|grow|expanding|expand|scaling|scale|hiring)\s+(?:\w+\s+){0,3}?(?:to|beyond"
            r"|past)\s+(?:more\s+than\s+|over\s+|about\s+|around\s+|~\s?)?\d+"
            r"|(?:roll(?:ing)?\s+(?:it\s+)?out|extend(?:ing)?\s+it)\s+to\s+(?:the\s+)?(?:whole"
            r"|entire|all|other)",
            0.5,
        ),
        Rule(
            "upgrade",
            rf"(?:switch|move|change|put)\s+(?:us\s+|the\s+workspace\s+|our\s+\w+\s+)?"
            rf"(?:over\s+)?(?:from\s+\w+\s+)?to\s+(?:the\s+)?{_UPGRADE_TARGET}",
        ),
        # cost and quotes
        Rule(
            "quote",
            r"how\s+much\s+(?:would|will|does|do|is|it|for|are|per|\d|\w+\s+(?:cost|costs))"
            r"|how\s+much\s+(?:extra|more)\s+(?:is|are|does|do|would|will|per|for|to)\b",
        ),
        Rule(
            "quote",
            r"(?:volume|bulk|nonprofit|non-profit|education(?:al)?|academic|student|startup"
            r"|charity|ngo|multi-year|team)\s+(?:discounts?|pricing|prices|rates?)",
        ),
        Rule(
            "quote",
            r"discount\s+(?:if|when|for)\s+(?:we\s+|i\s+)?(?:pay|paying|go|sign|commit|buy)",
        ),
        Rule(
            "quote",
            r"(?:send|give|get|prepare|need|request|want|provide|like)\s+(?:us\s+|me\s+)?(?:a\s+|an\s+"
            r"|the\s+)?(?:formal\s+|written\s+|official\s+|custom\s+)?(?:quote|quotation"
            r"|price\s+offer|offer|proposal|pricing|estimate)",
        ),
        Rule(
            "quote",
            r"(?:quote|quotation|pricing|price|prices|cost|costs)\s+(?:for|of)\s+(?:\d[\d,]*"
            r"|a\s+team|our\s+team|the\s+whole)",
        ),
        Rule("quote", r"price\s+per\s+(?:user|seat|person|month)|per[\s-](?:user|seat)\s+pric\w+"),
        Rule(
            "quote",
            r"what\s+(?:does|do|would|will)\s+(?:the\s+)?(?:\w+\s+){0,2}?(?:cost|costs)",
        ),
        Rule(
            "quote",
            r"pay\s+(?:by|via|with)\s+(?:invoice|bank\s+transfer|wire|purchase\s+order|po)\b"
            rf"{_SAME_SENTENCE}{{0,40}}?(?:annual|yearly|plan|licen[cs]e|\d+\s+(?:users|seats))",
            show=r"pay\s+(?:by|via|with)\s+(?:invoice|bank\s+transfer|wire|purchase\s+order|po)",
        ),
        Rule(
            "quote",
            r"(?:cost|costs|price|prices|prize|pricing|total|fee|fees|rate|rates|quote|offer)\s+"
            rf"(?:\w+\s+){{0,3}}?for\s+(?:approx\.?\s+|about\s+|around\s+|roughly\s+|~\s?|up\s+to\s+"
            rf"|the\s+)?{_HEADCOUNT}",
        ),
        Rule(
            "quote",
            r"what\s+(?:the\s+)?(?:\w+\s+)?(?:total|cost|price|bill)\s+(?:would|will)\s+be"
            r"|what\s+(?:is|would\s+be|will\s+be|['’]s)\s+the\s+(?:\w+\s+)?(?:cost|price|prize"
            r"|pricing)\s+(?:of|for)",
        ),
        Rule(
            "quote",
            r"put\s+a\s+(?:number|price|figure)\s+on|ballpark|rough\s+(?:figure|estimate|number"
            r"|idea\s+of\s+(?:the\s+)?(?:cost|price))|pro[\s-]?forma",
        ),
        Rule(
            "quote",
            r"(?:special|reduced|discounted|preferential|custom|volume|enterprise)\s+(?:pricing"
            r"|prices?|rates?|terms|discounts?)|(?:discounts?|pricing|prices?|rates?|deals?)\s+for\s+"
            rf"(?:\w+\s+)?{_ORG}",
        ),
        Rule(
            "quote",
            r"discounts?\s+(?:\w+\s+){0,3}?(?:commit\w*|contracts?|prepay\w*|upfront|up\s+front"
            r"|multi-?year|\d+[\s-]years?|(?:two|three)[\s-]years?|annual|yearly|longer\s+term)"
            r"|(?:chance|possibility|possible)\s+(?:of|for|to\s+get)\s+(?:a\s+|any\s+)?discount",
        ),
        Rule(
            "quote",
            r"(?:can|could|may)\s+(?:we|i)\s+pay\s+(?:\w+\s+)?(?:yearly|annually|per\s+year"
            r"|once\s+a\s+year|upfront|up\s+front|in\s+advance|for\s+(?:a|the|one|two|\d+)\s+years?)",
        ),
        Rule(
            "quote",
            r"(?:is\s+(?:it|that)|would\s+(?:it|that)\s+be)\s+(?:an?\s+)?"
            r"(?:cheaper|extra|add[\s-]?on|paid\s+add[\s-]?on)|(?:extra|additional)\s+(?:cost|charge"
            r"|fee)",
            0.7,
        ),
        Rule(
            "quote",
            r"(?:count|counted)\s+as\s+(?:an?\s+)?(?:paid|billable|full)\s+(?:seats?|users?|members?"
            r"|licen[cs]es?)|count\s+(?:towards?|against)\s+(?:the\s+|our\s+)?(?:seat|user"
            r"|licen[cs]e)\s+(?:limit|count)",
        ),
        Rule("seats", _HEADCOUNT, 0.4),
        Rule("billing period", r"(?:annual|yearly|per\s+year|a\s+year|pay\s+once\s+a\s+year)", 0.3),
        # "do you offer X" where X is a paid capability
        Rule(
            "paid feature",
            rf"(?:do|does|can|could|will|is|are)\s+(?:\w+\s+){{1,2}}?(?:support|supprot|suport"
            rf"|offer|have|provide|include|integrate|allow|work|come|ship)s?\b{_SAME_SENTENCE}{{0,50}}?"
            rf"(?<!\w)(?:{paid})",
            show=paid,
        ),
        Rule(
            "paid feature",
            rf"(?:is\s+there|are\s+there|can\s+(?:we|i)\s+(?:get|have|use)|possible\s+to\s+"
            rf"(?:get|have|use)|(?:need|require|requires|required|must\s+have|looking\s+for))"
            rf"\s+{_SAME_SENTENCE}{{0,30}}?(?<!\w)(?:{paid})",
            show=paid,
        ),
        Rule(
            "paid feature",
            rf"(?:{paid}){_SAME_SENTENCE}{{0,40}}?(?:available|included|possible|an\s+option"
            r"|supported|an\s+add[\s-]?on)(?:\s+(?:on|in|for|with|or)\b|\s*[?,])",
            show=paid,
        ),
        Rule(
            "paid feature",
            rf"what\s+(?:does\s+it|would\s+it|will\s+it)\s+take\s+to\s+(?:get|have|use|enable"
            rf"|unlock){_SAME_SENTENCE}{{0,30}}?(?<!\w)(?:{paid})",
            show=paid,
        ),
        Rule(
            "paid feature",
            r"(?:log\s?ins?|logins|logging\s+in|sign[\s-]?ins?|signing\s+in|authenticat\w+|users?"
            r"|accounts?)\s+(?:\w+\s+){0,5}?(?:through|via|with|from|using|against|in)\s+(?:our\s+"
            rf"|the\s+|their\s+)?(?:\w+\s+)?(?:{_IDENTITY_PROVIDER})",
            show=_IDENTITY_PROVIDER,
        ),
        # A feature question with a mild verb ("can admins export the audit log") is as often a
        # how-to, so it needs more evidence; "how can I see" and "where can I" are how-tos.
        Rule(
            "paid feature",
            r"(?<!how\s)(?<!where\s)(?:can|could|do|does)\s+(?:\w+\s+){1,2}?(?:see|view|export"
            r"|get|use|set\s+up|enable|turn\s+on|configure|restrict|enforce|limit)\b"
            rf"{_SAME_SENTENCE}{{0,40}}?(?<!\w)(?:{paid})",
            0.6,
            show=paid,
        ),
        Rule(
            "requirement",
            r"(?:it['’]?s|is|as)\s+a\s+(?:hard\s+|strict\s+|legal\s+|regulatory\s+|firm\s+)?"
            r"requirement|requirement\s+(?:from|of|for)\s+(?:our|the)|(?:compliance|legal|audit"
            r"|regulatory|infosec)\s+(?:team|officer|department|requirements?|reasons)",
            0.5,
        ),
        # differences between plans
        Rule(
            "plan difference",
            r"(?:difference|diffrence|differnce|diference|differences|diff)\s+(?:betw?e+n"
            rf"|beetw?e+n)\s+(?:the\s+)?"
            rf"(?:\w+\s+){{0,3}}?(?:{_NAMED_PLAN}|{_TYPO_PLAN}|tiers?)",
        ),
        Rule(
            "plan difference",
            rf"(?:what|which)\s+(?:do\s+(?:i|we)\s+get|features?|extras?|else)\s+(?:\w+\s+){{0,3}}?"
            rf"(?:on|in|with|are\s+only\s+in)\s+(?:the\s+)?{_NAMED_PLAN}",
        ),
        Rule(
            "plan difference",
            rf"(?:includ(?:ed|es?)\s+in|part\s+of|only\s+(?:in|on|for|with))\s+(?:the\s+)?"
            rf"(?:{_NAMED_PLAN}|paid|higher|premium)",
        ),
        Rule(
            "plan difference",
            r"only\s+(?:on\s+|in\s+|for\s+)?(?:the\s+)?(?:paid|higher|premium|bigger|more\s+expensive"
            r"|top|upper)\s+(?:ones|plans?|tiers?|versions?|editions?)|(?:includ(?:ed|es?)|available)"
            r"\s+(?:on|in|with)\s+(?:every|all|each|any)\s+(?:plans?|tiers?|editions?)"
            rf"|available\s+(?:on|in|with)\s+(?:the\s+)?(?:{_NAMED_PLAN}|paid|higher|premium)",
        ),
        Rule(
            "plan difference",
            r"(?:do|does|are|is)\s+(?:all|every|each|any)\s+(?:(?:of\s+)?(?:the|your)\s+)?(?:plans?"
            r"|tiers?|editions?|packages?)\s+(?:come\s+with|include|have|get|support|offer|allow)"
            r"|(?:which|what)\s+(?:of\s+(?:the|your)\s+)?(?:plans?|tiers?|editions?|packages?"
            r"|versions?|subscriptions?)\s+(?:have|has|include|includes|come\s+with|offers?"
            r"|supports?|gives?|get|unlocks?|allows?)\b",
        ),
        Rule(
            "plan difference",
            rf"(?:does|do|is)\s+(?:the\s+)?{_NAMED_PLAN}\s+(?:plan\s+)?(?:include|includes|have"
            r"|has|come\s+with|cover|support|offer)",
        ),
        Rule(
            "plan difference",
            rf"compar\w+\s+(?:the\s+)?(?:plans|tiers|pricing)|plan\s+comparison"
            rf"|{_NAMED_PLAN}\s+(?:adds?|offers?|gives?)\s+(?:\w+\s+){{0,2}}?over\s+{_NAMED_PLAN}",
        ),
        # competitors and switching to us
        Rule("competitor", r"how\s+(?:do|does|would)\s+(?:you|it|\w+)\s+compare"),
        Rule("competitor", rf"(?:vs\.?|versus)\s+(?:{rival})"),
        Rule("competitor", rf"compar(?:ed|ing)\s+(?:to|with|against)\s+(?:{rival})"),
        Rule("competitor", rf"compar(?:ed|ing)\s+\w+\s+(?:to|with|against)\s+(?:{rival})"),
        Rule("competitor", r"compared\s+(?:to|with)\s+[\w.-]+,?\s+(?:your|you)"),
        Rule("competitor", r"(?:pick|choose|chose|use|prefer)\s+(?:you|\w+)\s+over\s+\w+"),
        Rule(
            "competitor",
            rf"(?:switch(?:ing)?|migrat(?:e|ing|ion)|import(?:ing)?|mov(?:e|ing)|bring(?:ing)?"
            rf"|com(?:e|ing))\s+(?:\w+\s+){{0,3}}?(?:over\s+)?from\s+(?:{rival})",
        ),
        Rule("competitor", rf"(?:{rival})\s+import(?:er|s)?"),
        Rule(
            "competitor",
            rf"(?:currently|today|now)\s+(?:on|using|use|with)\s+(?:{rival})"
            rf"|(?:use|uses|using)\s+(?:{rival})\s+(?:today|now|currently|at\s+the\s+moment)",
        ),
        Rule(
            "competitor",
            r"(?:moving|move|migrat(?:e|ing)|switch(?:ing)?|bring(?:ing)?)\s+(?:\w+\s+){0,3}?"
            r"(?:to|over\s+to)\s+(?:you|your\s+(?:tool|product|app|platform))"
            r"|migrat(?:e|ing)\s+\d+\s+(?:people|users|boards|projects|seats)",
        ),
        Rule("competitor", rf"outgr(?:ew|own|owing)\s+(?:{rival})"),
        Rule("competitor", r"look(?:ing)?\s+at\s+(?:you|your\s+\w+)\s+and"),
        Rule("competitor", r"evaluat(?:e|ing)\s+(?:\w+\s+)?(?:vs\.?|versus|and|against)\s+\w+"),
        Rule(
            "competitor",
            r"(?:evaluat\w+|trial(?:l)?ing|testing|comparing|shortlist\w*|looking\s+at|considering"
            r"|assessing|reviewing)\s+(?:a\s+few|several|some|different|multiple|other|\d+|two"
            r"|three|four|five)\s+(?:\w+\s+)?(?:tools|options|vendors|products|solutions|apps"
            r"|platforms|candidates|providers)",
        ),
        Rule(
            "competitor",
            rf"(?:you|your\s+\w+)\s+(?:alongside|against|next\s+to|side\s+by\s+side\s+with)\s+(?:{rival})"
            rf"|(?:step\s+up|improvement|better|upgrade)\s+(?:from|over|than|on|compared\s+to)\s+"
            rf"(?:{rival})",
        ),
        Rule(
            "competitor",
            r"(?:why|what)\s+(?:should|would)\s+(?:we|i)\s+(?:choose|pick|go\s+with|switch\s+to"
            r"|prefer|use)\s+(?:you|\w+)|what\s+makes\s+(?:you|your\s+\w+|\w+)\s+(?:different"
            r"|better|stand\s+out|unique)",
        ),
        # "why can't I X" where X is paid
        Rule(
            "why can't",
            rf"{_WHY}\s+(?:can['’]?t|cannot|can\s+not|cant)\s+(?:i|we)\s+(?:\w+\s+){{0,3}}?"
            rf"(?<!\w)(?:{paid})",
            show=paid,
        ),
        Rule(
            "why can't",
            rf"{_WHY}\s+(?:is|are|i|we)?\s*(?:[\w'’]+\s+){{0,5}}?(?:not\s+available|unavailable"
            r"|locked|disabled|greyed\s+out|grayed\s+out|(?:a\s+)?limit(?:ed)?|blocked\s+at"
            r"|capped|restricted\s+to)",
        ),
        Rule(
            "why can't",
            rf"{_WHY}\s+(?:(?:i|we)\s+)?(?:can['’]?t|cannot|can\s+not|cant)(?:\s+(?:i|we))?",
            0.5,
        ),
        Rule("why can't", r"is\s+there\s+a\s+(?:limit|cap|maximum|max)", 0.5),
        Rule(
            "why can't",
            r"(?:how\s+(?:do|can|could)\s+(?:i|we)|want\s+to|way\s+to|need\s+to|like\s+to)\s+unlock"
            r"(?!\s+(?:(?:my|our|the|his|her|their|a|this|that)\s+)?(?:account|user|profile|login"
            r"|password|card|board|list|phone|screen|door|computer|laptop))",
        ),
        Rule(
            "why can't",
            r"(?:won['’]?t|doesn['’]?t|does\s+not|will\s+not|wouldn['’]?t)\s+let\s+(?:me|us)\s+"
            r"(?:\w+\s+){0,2}?(?:more\s+than|an?\s+\d+(?:st|nd|rd|th)|another|any\s+more"
            r"|additional|over)",
            0.6,
        ),
        Rule(
            "paid limit",
            r"(?:more\s+than|more\s+then|over|beyond|only|max(?:imum)?\s+(?:of\s+)?)\s+\d+\s+"
            r"(?:\w+\s+)?(?:boards|members|users|projects|seats|automations|guests|workspaces"
            r"|people)|limit\s+of\s+\d+",
            0.6,
        ),
        Rule(
            "paid limit",
            r"(?:on|in|with|for)\s+(?:the\s+)?free\s+(?:plan|tier|version|account)|on\s+free",
            0.5,
        ),
        Rule(
            "paid limit",
            r"(?:upgrade|pay|paid\s+plan)\s+to\s+(?:unlock|use|get|access|enable)"
            r"|only\s+(?:for|on|in)\s+paid",
        ),
        Rule(
            "paid limit",
            r"(?:greyed|grayed)\s+out|is\s+locked|are\s+locked|padlock|lock\s+icon|(?:blocked"
            r"|capped|limited|restricted|stuck|maxed\s+out)\s+(?:at|to)\s+\d+\s+(?:\w+\s+)?"
            r"(?:boards|members|users|projects|seats|automations|guests|workspaces|people)"
            r"|(?:get|have|buy|add)\s+more\s+(?:boards|projects|seats|users|guests|automations"
            r"|storage|space|workspaces)|to\s+get\s+more\s*\?",
            0.5,
        ),
        Rule(
            "paid limit",
            r"not\s+(?:included|available|part\s+of|supported)\s+(?:in|on|with|for)\s+(?:your|my"
            r"|our|the|this)\s+(?:current\s+)?(?:plan|tier|subscription|edition)",
        ),
        # procurement, security review, enterprise
        Rule(
            "procurement",
            r"procurement|procurment|purchasing\s+(?:department|team)|vendor\s+(?:onboarding"
            r"|registration|risk|assessment|forms?|questionnaire|setup)|supplier\s+(?:onboarding"
            r"|registration|forms?)|as\s+a\s+(?:supplier|vendor)|security\s+(?:questionnaire"
            r"|review|assessment|policy)|soc\s?-?\s?2|iso\s?27001|pen(?:etration)?\s?-?tests?"
            r"|(?:dpa|msa|nda|baa)s?|w-?9|tender|rfp|rfq|data\s+processing\s+agreements?"
            r"|gdpr\s+complian\w+|hipaa\s+complian\w+|business\s+associate\s+agreements?"
            r"|questionnaires?|ciso|security\s+(?:architecture|documentation|docs|whitepaper"
            r"|white\s+paper|overview|practices|posture|controls|certifications?)|trust\s+cent(?:er|re)"
            r"|sub-?processors?|vpat|fedramp|pci[\s-]?dss|iso\s?27\d\d\d?|cyber\s+essentials",
        ),
        Rule(
            "procurement",
            r"talk\s+(?:to|with)\s+(?:sales|someone\s+(?:from|in)\s+sales)|(?:someone|contact"
            r"|call)\s+(?:from|in|with)\s+(?:your\s+)?sales|sales\s+(?:team|rep|call|contact)"
            r"|enterprise\s+(?:rollout|deal|agreement|contract|licen[cs]e|pricing|quote)",
        ),
        Rule(
            "procurement",
            r"(?:book|schedule|arrange|get|see|request|like|want|have|set\s+up|organi[sz]e|need)"
            r"\s+(?:a\s+|an\s+)?(?:\w+\s+)?(?:demo|demonstration|walk-?through|product\s+tour)\b",
        ),
        Rule(
            "upgrade",
            r"proceed\s+with\s+(?:the\s+|our\s+|a\s+)?(?:purchase|order|contract|rollout|deal"
            r"|subscription)|before\s+(?:we|i)\s+(?:can\s+)?(?:buy|purchase|sign|commit)",
        ),
    )


# Evidence that a message is about something else: a billing dispute, leaving, a bug.
AGAINST_RULES: tuple[Rule, ...] = (
    Rule(
        "billing",
        r"charged\s+(?:us\s+|me\s+)?(?:twice|two\s+times|double|2x|again|for|the\s+full)"
        r"|(?:double|duplicate)[\s-]?(?:charge[ds]?|payment|invoice|billing)|charge\s+monthly"
        r"|overcharg\w*|billed\s+(?:us\s+)?for|wrong\s+(?:amount|price|company|invoice)|refund"
        r"|card\s+(?:was\s+)?declined|by\s+mistake|without\s+(?:notice|warning)|credit\s+us"
        r"|receipt|still\s+says\s+unpaid|invoice\s+shows|(?:my|our|the)\s+(?:invoice|bill)"
        r"|(?:we|i)\s+(?:already\s+)?paid|we\s+are\s+charged",
        0.6,
    ),
    Rule(
        "leaving",
        r"downgrad\w*|too\s+expensive|can['’]?t\s+justify|go\s+back\s+to|pause\s+the\s+account"
        r"|cancel\w*|won['’]?t\s+renew|not\s+renew\w*|leaving\s+at|remove\s+\d+\s+seats"
        r"|stop\s+paying|better\s+price|look\s+elsewhere|alternatives",
        0.8,
    ),
    Rule(
        "bug",
        r"broke|broken|bug(?!\s+tracker)|errors?|fails?|failing|failed|not\s+working|doesn['’]?t\s+work"
        r"|crash\w*|blank\s+page|times?\s+out|loops?|stopped\s+working|after\s+(?:the\s+|your"
        r"\s+|our\s+)?(?:upgrad\w*|update|release)|since\s+(?:the\s+|your\s+)?(?:update|release"
        r"|upgrade)|\d{3}\s+error|returns\s+\d{3}|limit\s+reached|missing\s+on|keeps\s+showing",
        0.6,
    ),
)
_AGAINST_MATCHER = PhraseMatcher(AGAINST_RULES)
# Near evidence against (same sentence or close by) cuts a reason's weight to this share.
NEAR_AGAINST_FACTOR = 0.3
NEAR_AGAINST_CHARS = 80
# Kinds that are questions about a limit: a "can't" before them is not a negation.
_NOT_NEGATABLE = frozenset({"why can't", "paid limit"})


@dataclass(frozen=True)
class SalesSignal:
    """Whether a message is a sales opportunity, how strongly, and the reasons shown."""

    is_signal: bool
    score: float
    reasons: tuple[str, ...]


def _alternation(words: Sequence[str]) -> str:
    return "|".join(phrase_pattern(word) for word in words if word.strip())


class SalesRules:
    """The built-in sales rules plus the user's, compiled once; `threshold` is a score."""

    def __init__(
        self,
        phrases: Sequence[str] = (),
        patterns: Sequence[str] = (),
        paid_features: Sequence[str] = (),
        competitors: Sequence[str] = (),
        ignore_phrases: Sequence[str] = (),
        threshold: float = 1.0,
    ) -> None:
        paid = "|".join(filter(None, (_alternation(paid_features), _SHOW_PAID)))
        rival = "|".join(filter(None, (_alternation(competitors), _RIVAL)))
        rules = [Rule("phrase", phrase_pattern(p)) for p in phrases if p.strip()]
        rules += [Rule("pattern", f"(?i:{pattern})") for pattern in patterns]
        if competitors:
            rules.append(Rule("competitor", _alternation(competitors), 0.6))
        self.matcher = PhraseMatcher((*rules, *_sales_rules(paid, rival)))
        ignored = [Rule("ignore", phrase_pattern(p)) for p in ignore_phrases if p.strip()]
        self.ignore = PhraseMatcher(ignored)
        self.threshold = threshold

    @classmethod
    def from_config(cls, sales: SalesConfig) -> SalesRules:
        return cls(
            phrases=sales.phrases,
            patterns=sales.patterns,
            paid_features=sales.paid_features,
            competitors=sales.competitors,
            ignore_phrases=sales.ignore_phrases,
            threshold=sales.threshold_percent / 100,
        )


DEFAULT = SalesRules()


def sales_signal(text: str, rules: SalesRules = DEFAULT) -> SalesSignal:
    """Checks a customer's new text for sales signals.

    Each kind counts once, at the weight of its strongest phrase, less when evidence against
    (a billing dispute, leaving, a bug) is close by; each kind of evidence against anywhere in
    the text also takes a little off.
    """
    hits = list(rules.matcher.hits(text))
    if not hits:
        return SalesSignal(False, 0.0, ())
    ignored = [(hit.start, hit.end) for hit in rules.ignore.hits(text)]
    against = list(_AGAINST_MATCHER.hits(text))
    best: dict[str, float] = {}
    reasons: list[str] = []
    for hit in hits:
        if any(start < hit.end and hit.start < end for start, end in ignored):
            continue
        if hit.rule.label not in _NOT_NEGATABLE and negated(text, hit.start):
            continue
        weight = hit.rule.weight
        if any(
            other.start - NEAR_AGAINST_CHARS < hit.end
            and hit.start < other.end + NEAR_AGAINST_CHARS
            for other in against
        ):
            weight *= NEAR_AGAINST_FACTOR
        best[hit.rule.label] = max(best.get(hit.rule.label, 0.0), weight)
        reasons.append(f'{hit.rule.label}: "{hit.words}"')
    if not best:
        return SalesSignal(False, 0.0, ())
    kinds_against = {other.rule.label: other for other in against}
    score = sum(best.values()) - sum(0.2 for _ in kinds_against)
    reasons += [f'against, {label}: "{other.words}"' for label, other in kinds_against.items()]
    score = round(max(score, 0.0), 2)
    return SalesSignal(score >= rules.threshold, score, _unique(reasons))
