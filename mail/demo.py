"""The demo room: the support@ inbox of Trellis, a made-up project-management SaaS.
It gives a newcomer a busy, realistic queue to practise on, and benchmarks a big one."""

from __future__ import annotations

import base64
import binascii
import heapq
import html
import math
import random
import struct
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from email.header import Header
from email.utils import encode_rfc2231, format_datetime, formataddr
from functools import lru_cache

SUPPORT_ADDRESS = "support@trellis.app"
SUPPORT_NAME = "Trellis Support"
DEFAULT_NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
TIERS = ("vip", "trial", "paying", "free", "lapsed", "unknown")
PLANS = ("Starter", "Team", "Business", "Enterprise")


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    email: str
    company: str | None
    tier: str
    plan: str | None
    mrr: int | None
    trial_ends: date | None


# --- people ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Region:
    key: str
    offsets: tuple[int, ...]  # minutes east of UTC
    firsts: tuple[str, ...]
    lasts: tuple[str, ...]
    tlds: tuple[str, ...]
    freemail: tuple[str, ...]
    locale: str  # "us" or "eu": how dates are written in quote headers
    charset: str  # what an old desktop client there labels its mail with
    phone: str


# fmt: off
_WORLDWIDE_FREEMAIL = ("gmail.com", "gmail.com", "gmail.com", "outlook.com", "yahoo.com")
_REGIONS = (
    _Region("us", (-300, -360, -420, -480),
            ("Emily", "Jake", "Marcus", "Olivia", "Tyler", "Hannah", "Brandon", "Megan", "Chris",
             "Ashley", "Derek", "Kayla", "Jordan", "Lauren", "Ryan", "Tasha", "Kevin", "Rachel"),
            ("Carter", "Nguyen", "Brooks", "Patel", "Hughes", "Sullivan", "Ramirez", "Coleman",
             "Foster", "Bennett", "Kim", "Walsh", "Jenkins", "Murphy", "Reyes", "Ortiz", "Perry"),
            ("com", "com", "io", "co"), ("hotmail.com", "icloud.com"), "us", "utf-8", "+1"),
    _Region("uk", (0,),
            ("Oliver", "Charlotte", "Harry", "Amelia", "George", "Isla", "Alfie", "Poppy",
             "Callum", "Siobhan", "Rhys", "Niamh"),
            ("Thompson", "Evans", "Wright", "Roberts", "Walker", "Edwards", "Fletcher",
             "O'Brien", "McAllister", "Doyle", "Pryce"),
            ("co.uk", "com", "io"), ("btinternet.com", "icloud.com"), "eu", "utf-8", "+44"),
    _Region("de", (60,),
            ("Lukas", "Anna", "Jürgen", "Lena", "Matthias", "Jörg", "Katrin", "Franziska",
             "Björn", "Jana", "Uwe"),
            ("Müller", "Schäfer", "Weiß", "Krüger", "Hoffmann", "Schröder", "Becker", "Köhler",
             "Wagner", "Groß", "Böhm"),
            ("de", "com", "at"), ("web.de", "gmx.de"), "eu", "iso-8859-1", "+49"),
    _Region("fr", (60,),
            ("Léa", "Théo", "Chloé", "Mathis", "Inès", "Hélène", "Benoît", "Céline", "François",
             "Amélie", "Anaïs"),
            ("Lefèvre", "Dubois", "Moreau", "Girard", "Fontaine", "Chevalier", "Rousseau",
             "Mercier", "Bérenger", "Lemaître", "Faure"),
            ("fr", "com", "be"), ("orange.fr", "free.fr"), "eu", "windows-1252", "+33"),
    _Region("es", (60, -360),
            ("José", "María", "Álvaro", "Lucía", "Sofía", "Andrés", "Iñigo", "Begoña", "Raúl",
             "Ramón", "Jesús"),
            ("Núñez", "García", "Martínez", "Fernández", "López", "Gómez", "Peña", "Ibáñez",
             "Domínguez", "Cortés", "Muñoz"),
            ("es", "com", "mx"), ("hotmail.es",), "eu", "iso-8859-1", "+34"),
    _Region("pl", (60,),
            ("Łukasz", "Agnieszka", "Paweł", "Małgorzata", "Wojciech", "Zofia", "Michał",
             "Katarzyna", "Grzegorz"),
            ("Wójcik", "Nowak", "Wiśniewski", "Zieliński", "Kamiński", "Dąbrowski", "Mazur"),
            ("pl", "com"), ("wp.pl", "o2.pl"), "eu", "utf-8", "+48"),
    _Region("nordic", (60,),
            ("Søren", "Åsa", "Mikkel", "Ingrid", "Lars", "Sigrid", "Jørgen", "Freja", "Henrik"),
            ("Ødegaard", "Lindqvist", "Johansson", "Bjørnstad", "Nyström", "Halvorsen", "Åberg",
             "Dahl", "Eriksen"),
            ("no", "se", "dk", "com"), ("hotmail.com",), "eu", "iso-8859-1", "+47"),
    _Region("in", (330,),
            ("Priya", "Arjun", "Ananya", "Rohan", "Kavya", "Vikram", "Sneha", "Aditya", "Neha"),
            ("Raman", "Sharma", "Iyer", "Menon", "Gupta", "Nair", "Reddy", "Kulkarni", "Joshi"),
            ("in", "com", "io"), ("rediffmail.com",), "us", "utf-8", "+91"),
    _Region("cn", (480,),
            ("Wei", "Grace", "Kevin", "Mei Ling", "Jun", "Vivian", "Daniel"),
            ("Chen", "Lin", "Tan", "Wong", "Lim", "Zhou", "Ong"),
            ("sg", "com", "hk"), ("qq.com", "163.com"), "eu", "utf-8", "+65"),
    _Region("au", (660,),
            ("Lachlan", "Chloe", "Mitchell", "Jess", "Brodie", "Tahlia", "Hamish"),
            ("Kelly", "Ryan", "Campbell", "Stewart", "Mackenzie", "Nguyen", "Fraser"),
            ("com.au", "com"), ("bigpond.com",), "eu", "utf-8", "+61"),
    _Region("br", (-180,),
            ("João", "Ana", "Thiago", "Letícia", "Gonçalo", "Camila", "Vinícius"),
            ("Ferreira", "Araújo", "Conceição", "Gonçalves", "Simões", "Lima"),
            ("com.br", "com"), ("uol.com.br",), "eu", "utf-8", "+55"),
)
_REGION_WEIGHTS = (30, 12, 10, 7, 6, 4, 4, 8, 5, 5, 4)
_REGION = {r.key: r for r in _REGIONS}
# Written family-name first, no space; the romanised form makes the address.
_CJK_NAMES = (("李娜", "li.na"), ("王伟", "wang.wei"), ("张敏", "zhang.min"), ("陈静", "chen.jing"),
              ("刘洋", "liu.yang"), ("黄磊", "huang.lei"))

_COMPANIES = (  # name, domain, region: the ones a newcomer will see most
    ("Northwind Logistics", "northwind-logistics.com", "de"),
    ("Meridian Health", "meridianhealth.org", "us"),
    ("Redwood Robotics", "redwood-robotics.com", "us"),
    ("Copperleaf Finance", "copperleaf.finance", "uk"),
    ("Blue Harbor Analytics", "blueharbor.io", "us"),
    ("Kestrel Design Co.", "kestrel.design", "uk"),
    ("Pinecrest Dental Group", "pinecrestdental.com", "us"),
    ("Atelier Moreau", "atelier-moreau.fr", "fr"),
    ("Quantix Labs", "quantixlabs.com", "in"),
    ("Greenleaf Organics", "greenleaf-organics.com.au", "au"),
    ("Sundial Media", "sundialmedia.co", "us"),
    ("Fjordline Software", "fjordline.se", "nordic"),
    ("Café Lumière", "cafe-lumiere.fr", "fr"),
    ("Bäckerei Krüger", "baeckerei-krueger.de", "de"),
    ("Lotus Bridge Trading", "lotusbridge.sg", "cn"),
    ("Tidewater Construction", "tidewaterbuild.com", "us"),
    ("Verde Energía", "verde-energia.es", "es"),
    ("Casa Nova Imóveis", "casanova.com.br", "br"),
    ("Saffron Kitchens", "saffronkitchens.in", "in"),
    ("Oakridge Public Library", "oakridgelibrary.org", "us"),
    ("Stellar Events GmbH", "stellar-events.de", "de"),
    ("Polar Bear Games", "polarbeargames.pl", "pl"),
    ("Juniper & Vine", "juniperandvine.co.uk", "uk"),
)
_VIP_COMPANIES = 4  # the first four above are the big accounts
_CO_WORDS = ("Silver", "Granite", "Maple", "Harbor", "Summit", "Cedar", "Falcon", "Orbit",
             "Lantern", "Beacon", "Ember", "Willow", "Atlas", "Cobalt", "Ridge", "Aurora",
             "Driftwood", "Foxglove", "Ironbark", "Kelp", "Saltmarsh", "Bramble")
_CO_TRADES = ("Analytics", "Studio", "Logistics", "Labs", "Consulting", "Health", "Media",
              "Builders", "Ventures", "Foods", "Design", "Partners", "Education", "Travel",
              "Software", "Legal", "Events", "Marketing", "Architects", "Clinic")
_TITLES = ("Head of Operations", "Project Manager", "Office Manager", "CTO", "Founder",
           "Marketing Lead", "Engineering Manager", "Operations Coordinator", "Finance Manager",
           "IT Administrator", "Product Owner", "Studio Manager", "COO", "Accounts Payable")
_FOLD = str.maketrans({"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ß": "ss", "æ": "ae", "'": ""})
# fmt: on


@dataclass(frozen=True)
class _Person:
    customer: DemoCustomer
    first: str
    region: _Region
    tz: timezone
    client: str  # gmail | outlook | apple | thunderbird | iphone | android | yahoo
    charset: str
    signoff: str
    signature: str
    reply_to: str | None


@dataclass
class _Company:
    name: str
    domain: str
    region: _Region
    tier: str
    billing: tuple[str | None, int | None, date | None]  # plan, mrr, trial end
    pattern: str  # how its addresses look: "first.last", "first", "flast" or "first.l"
    members: int = 0


# fmt: off
# The five customers every demo has, whatever the seed: name, first name, address, region,
# mail client, charset, company, tier, plan, mrr, trial days left, reply-to, title.
_FIXED = (
    ("Zoë Müller", "Zoë", "zoe.mueller@northwind-logistics.com", "de", "outlook", "windows-1252",
     "Northwind Logistics", "vip", "Enterprise", 2400, None, None, "Head of Ops"),
    ("José Núñez", "José", "jose@brightline.studio", "es", "gmail", "utf-8",
     "Brightline Studio", "trial", "Team", None, 5, None, None),
    ("李娜", "李娜", "lina.design@gmail.com", "cn", "gmail", "utf-8",
     None, "free", None, 0, None, None, None),
    ("Łukasz Wójcik", "Łukasz", "lukasz.wojcik@kowalski-partners.pl", "pl", "thunderbird", "utf-8",
     "Kowalski & Partners", "paying", "Business", 750, None, "biuro@kowalski-partners.pl",
     "Project Manager"),
    ("Søren Ødegaard", "Søren", "soren@halvorsen-ark.no", "nordic", "thunderbird", "iso-8859-1",
     "Halvorsen Arkitekter", "paying", "Team", 120, None, None, None),
)
_CUSTOMER_SIGNOFFS = ("Thanks,\n{first}", "Best,\n{first}", "Cheers,\n{first}",
                      "Kind regards,\n{name}", "Thank you!\n{first}", "{first}", "")
_FREEMAIL_CLIENTS = {"gmail.com": ("gmail", "gmail", "iphone", "android"), "yahoo.com": ("yahoo",),
                     "outlook.com": ("outlook", "iphone"), "hotmail.com": ("outlook",),
                     "icloud.com": ("apple", "iphone"), "web.de": ("thunderbird", "gmail"),
                     "gmx.de": ("thunderbird",)}
_COMPANY_CLIENTS = (("gmail", "outlook", "apple", "thunderbird", "iphone"), (40, 33, 12, 7, 8))
# fmt: on


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in folded.lower() if c.isascii() and (c.isalnum() or c in ".-"))


def _billing(
    rng: random.Random, tier: str, today: date
) -> tuple[str | None, int | None, date | None]:
    """Plan, monthly revenue and trial end for an account of this tier."""
    if tier == "vip":
        return rng.choice(("Enterprise", "Business")), rng.randrange(2000, 9000, 50), None
    if tier == "trial":
        return rng.choice(("Team", "Business")), None, today + timedelta(rng.randint(-3, 14))
    if tier == "paying":
        plan = rng.choice(("Starter", "Team", "Team", "Business"))
        seats = rng.randint(3, 12) if plan == "Starter" else rng.randint(5, 60)
        return plan, seats * {"Starter": 8, "Team": 15, "Business": 25}[plan], None
    return None, (0 if tier in ("free", "lapsed") else None), None


def _signature(rng: random.Random, name: str, company: _Company, title: str | None) -> str:
    short = company.name.split()[0]
    if title:  # the fixed customers always sign the same way
        return f"--\n{name}\n{title}, {short}"
    if rng.random() < 0.5:
        return ""
    title, region = rng.choice(_TITLES), company.region
    phone = f"{region.phone} {rng.randint(20, 99)} {rng.randint(1000, 9999)} {rng.randint(10, 99)}"
    return rng.choice((f"-- \n{name}\n{title} | {company.name}\n{phone}",
                       f"--\n{name}\n{title}, {short}",
                       f"{name}\n{title}\n{company.name}\nwww.{company.domain}"))  # fmt: skip


def _name(rng: random.Random, region: _Region, company: _Company | None) -> tuple[str, str, str]:
    """Display name, first name and the local part of the address."""
    if region.key == "cn" and rng.random() < 0.4:
        name, local = rng.choice(_CJK_NAMES)
        return name, name, local
    first, last = rng.choice(region.firsts), rng.choice(region.lasts)
    f, la = _ascii(first).replace(" ", ""), _ascii(last)
    if company is None:
        n = rng.randint(1, 99)
        local = rng.choice((f"{f}.{la}", f"{f}{la}{n}", f"{f[0]}{la}{n}", f"{la}.{f}"))
    elif company.pattern == "first.last":
        local = f"{f}.{la}"
    else:
        local = {"first": f, "flast": f[0] + la, "first.l": f"{f}.{la[0]}"}[company.pattern]
    return f"{first} {last}", first, local


class _Directory:
    """Accounts handed out so far: colleagues share a company, addresses stay unique."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng, self.today = rng, today
        self.companies: dict[str, list[_Company]] = {t: [] for t in TIERS}
        self.domains: set[str] = set()
        self.names: set[str] = set()
        self.addresses: set[str] = set()
        self.big = list(_COMPANIES[:_VIP_COMPANIES])
        self.known = list(_COMPANIES[_VIP_COMPANIES:])

    def add(self, company: _Company) -> _Company:
        self.companies[company.tier].append(company)
        self.domains.add(company.domain)
        self.names.add(company.name)
        self.big = [c for c in self.big if c[1] != company.domain]
        return company

    def company(self, tier: str) -> _Company:
        """An account of this tier that has room for one more person, or a new one."""
        rng = self.rng
        roomy = [c for c in self.companies[tier][-30:] if c.members < 6]
        if roomy and rng.random() < (0.7 if tier == "vip" else 0.3):
            company = rng.choice(roomy)
        else:
            if tier == "vip" and self.big:
                name, domain, key = self.big.pop(0)
            elif tier != "vip" and self.known and rng.random() < 0.5:
                name, domain, key = self.known.pop(rng.randrange(len(self.known)))
            else:
                word, trade = rng.choice(_CO_WORDS), rng.choice(_CO_TRADES)
                key = rng.choices([r.key for r in _REGIONS], _REGION_WEIGHTS)[0]
                slug = rng.choice((word, f"{word}-{trade}", f"{word}{trade}")).lower()
                name, domain = f"{word} {trade}", f"{slug}.{rng.choice(_REGION[key].tlds)}"
            suffixes = iter(("Group", "Ltd", "& Co", "Collective", "International"))
            base, n = name, 1
            while name in self.names:
                n += 1
                name = f"{base} {next(suffixes, n)}"
            base, n = domain, 1
            while domain in self.domains:
                n += 1
                domain = base.replace(".", f"{n}.", 1)
            pattern = rng.choice(("first.last", "first", "flast", "first.l"))
            billing = _billing(rng, tier, self.today)
            company = self.add(_Company(name, domain, _REGION[key], tier, billing, pattern))
        company.members += 1
        return company

    def address(self, local: str, domain: str) -> str:
        email, n = f"{local}@{domain}", 1
        while email in self.addresses:
            n += 1
            email = f"{local}{n}@{domain}"
        self.addresses.add(email)
        return email


def _person(
    rng: random.Random,
    who: tuple[str, str, str, _Region],  # name, first name, address, region
    company: _Company | None,
    tier: str,
    today: date,
    fixed: tuple[str, str, str | None, str | None] = ("", "", None, None),
) -> _Person:
    """fixed: client, charset, reply-to and title, where they are not left to chance."""
    name, first, email, region = who
    client, charset, reply_to, title = fixed
    plan, mrr, trial_ends = company.billing if company else _billing(rng, tier, today)
    if not client:
        domain = email.split("@")[1]
        if company is None:
            client = rng.choice(_FREEMAIL_CLIENTS.get(domain, ("gmail", "iphone")))
        else:
            client = rng.choices(*_COMPANY_CLIENTS)[0]
    if not charset:
        legacy = client in ("outlook", "thunderbird") and rng.random() < 0.5
        charset = region.charset if legacy else "utf-8"
    signature = _signature(rng, name, company, title) if company else ""
    if client in ("iphone", "android"):
        signature = "Sent from my iPhone" if client == "iphone" else "Sent from my Galaxy"
    signoff = rng.choice(_CUSTOMER_SIGNOFFS).format(first=first, name=name)
    tz = timezone(timedelta(minutes=rng.choice(region.offsets)))
    company_name = company.name if company else None
    customer = DemoCustomer(name, email, company_name, tier, plan, mrr, trial_ends)
    return _Person(customer, first, region, tz, client, charset, signoff, signature, reply_to)


def _people(seed: int, count: int, now: datetime) -> list[_Person]:
    rng, today = random.Random(f"trellis-customers-{seed}"), now.date()
    directory, people = _Directory(rng, today), []
    for (
        name,
        first,
        email,
        key,
        client,
        charset,
        co,
        tier,
        plan,
        mrr,
        days,
        reply_to,
        title,
    ) in _FIXED:
        company = None
        if co:
            trial_ends = today + timedelta(days=days) if days is not None else None
            local, domain = email.split("@")
            pattern = "first.last" if "." in local else "first"
            company = directory.add(
                _Company(co, domain, _REGION[key], tier, (plan, mrr, trial_ends), pattern)
            )
            company.members += 1
        directory.addresses.add(email)
        who = (name, first, email, _REGION[key])
        people.append(_person(rng, who, company, tier, today, (client, charset, reply_to, title)))
    while len(people) < count:
        tier = rng.choices(TIERS, (5, 14, 35, 20, 9, 17))[0]
        company = None
        if tier != "free" and not (tier in ("unknown", "trial") and rng.random() < 0.4):
            company = directory.company(tier)
        region = company.region if company else rng.choices(_REGIONS, _REGION_WEIGHTS)[0]
        name, first, local = _name(rng, region, company)
        domain = company.domain if company else rng.choice(_WORLDWIDE_FREEMAIL + region.freemail)
        email = directory.address(local, domain)
        reply_to = None
        if company and rng.random() < 0.03:
            reply_to = f"{rng.choice(('accounts', 'ops', 'office', 'team'))}@{domain}"
        people.append(
            _person(
                rng, (name, first, email, region), company, tier, today, ("", "", reply_to, None)
            )
        )
    return people[:count]


def customers(
    seed: int = 7, count: int = 120, *, now: datetime | None = None
) -> list[DemoCustomer]:
    """The demo's customers; iter_messages(seed, conversations=count * 2.5) writes from them."""
    return [p.customer for p in _people(seed, count, _aware(now or DEFAULT_NOW))]


# --- what they write about ---------------------------------------------------------------

# An opener is (feature, subject, body, answer): what the customer writes first and the
# substance of our first reply, which gets wrapped in a kind's acknowledgements and closers.
_Opener = tuple[str, str, str, str]


@dataclass(frozen=True)
class _Kind:
    openers: tuple[_Opener, ...]
    acks: tuple[str, ...]
    more: tuple[str, ...]  # the customer writes again, and it is not a thank-you
    later: tuple[str, ...]  # our answers further down the thread
    answer_rate: float
    tiers: tuple[float, ...]  # weights over TIERS
    urgent: bool = False


# fmt: off
_BOARDS = ("Q4 Launch", "Marketing Calendar", "Hiring Pipeline", "Sprint 42", "Warehouse Ops",
           "Website Redesign", "Client Onboarding", "Editorial Plan", "Product Roadmap",
           "Office Move", "Spring Catalogue", "IT Helpdesk", "Grant Applications")
_BROWSERS = ("Chrome 131 on macOS Sonoma", "Firefox 132 on Windows 11", "Safari 18.1 on macOS",
             "Edge 130 on Windows 10", "Chrome on a Chromebook", "the iPad app (4.12.1)",
             "the Windows desktop app 3.8.2")
_COMPETITORS = ("Asana", "Monday.com", "ClickUp", "Jira", "Trello", "Notion", "Basecamp", "Wrike")
_WHEN = ("this morning", "yesterday", "yesterday afternoon", "over the weekend", "on Monday",
         "right after your last update", "about an hour ago")
_ERRORS = {  # what the customer pastes, by the feature they write about
    "timeline view": (
        "TypeError: Cannot read properties of undefined (reading 'columns')\n"
        "    at TimelineView.layout (timeline.4f9c1e.js:1:88213)\n"
        "    at TimelineView.render (timeline.4f9c1e.js:1:90417)\n"
        "    at renderWithHooks (vendor.a71b02.js:2:40117)",
        "Uncaught (in promise) DOMException: The operation was aborted.\n"
        "    at fetchRange (timeline.4f9c1e.js:1:61730)",
    ),
    "API": (
        'HTTP/1.1 500\n{"error": "internal_error", "message": "Something went wrong", '
        '"request_id": "req_01JC8Z4K2M"}',
        'HTTP/1.1 401\n{"error": "invalid_token", "error_description": "The access token expired"}',
    ),
    "Slack integration": ("slack_webhook_failed: channel_not_found (team T04KX2N1Q, channel #ops)",
                          "Error: OAuth state mismatch. Please try connecting again."),
    "SSO loop": ("SAML response rejected: signature validation failed (cert fingerprint "
                 "3A:9F:12:C4:...)",),
    "CSV export": ("ExportError: CSV export failed (row 1042: field exceeds 32767 characters)",),
    "": ("500 Internal Server Error\nrequest id: 7f3a9c2e-51b4-4d0b-9d7e-2c8e1f0a6b13",
         "Something went wrong. Please try again later. (code E_BOARD_LOAD)"),
}

_THANKS = ("That fixed it, thank you!!", "Perfect, works now. Thanks for the fast help {agent}.",
           "Great, thanks. All good on our end.", "Confirmed, it's working again. Appreciate it!",
           "Ah, that was it. Sorry for the noise and thanks!",
           "Thanks {agent}, that answers my question.",
           "Wonderful, thank you so much. You guys are great.")
_CLOSING = ("Glad to hear it! Shout if anything else comes up.",
            "Great — thanks for letting me know. Have a good {weekday}!",
            "Happy to help. I'll close this one out, but just reply here if it comes back.",
            "Brilliant, thanks for confirming. Enjoy the rest of your week!")
_LATER = (  # fit any kind of conversation
    "Thanks, that's really helpful. I've passed it on to the team and will update you by "
    "tomorrow at the latest.",
    "Understood, and sorry this is dragging on. I've asked for an ETA and will come back to "
    "you today either way.",
    "Got it, thank you. One more question: does this affect everyone at {your_company}, or "
    "only you?",
    "Thanks for the extra detail! I'm on it and will write back as soon as I have news.",
)
_BUMPS = ("Hi, any update on this?",
          "Just following up on my message below. Could someone take a look?",
          "Hello? Still waiting to hear back on this one.",
          "Bumping this, it's still blocking us.",
          "Sorry to chase, but is there any news? My team keeps asking me.")
_GREETINGS = ("Hi {first},", "Hey {first},", "Hi {first} —", "Hello {first},", "Hi there {first},")
_SIGNOFFS = ("Best,\n{agent}", "Cheers,\n{agent}", "Thanks,\n{agent}", "All the best,\n{agent}",
             "Talk soon,\n{agent}", "— {agent}")

_BUG = _Kind(
    openers=(
        ("timeline view", "Timeline view crashes when I open {board}",
         "Hi,\n\nEvery time I open the timeline view on our \"{board}\" board the page goes blank. "
         "Other boards are fine.\n\nSteps:\n1. Open {board}\n2. Click Timeline in the top bar\n"
         "3. Scroll right past this month\n4. Page goes white\n\nThe console shows:\n\n{error}\n\n"
         "I'm on {browser}. Cleared cache, tried incognito, same thing. The board has about "
         "{cards} cards if that matters.",
         "I reproduced it on my side: the timeline trips over cards whose start date is after "
         "their due date, and {board} has a couple of those. A fix goes out in tomorrow's "
         "release; until then, filtering the timeline to \"This quarter\" will let it load."),
        ("CSV export", "CSV export is missing half the cards",
         "Hello,\n\nI exported {board} to CSV {when} and the file only has {n} rows, but the board "
         "has {cards} cards. It looks like cards in collapsed lists are skipped? I need the full "
         "export for our monthly report on {weekday}.\n\nIs this a known issue?",
         "You're right, and it's a bug on our side: collapsed lists were skipped by the export "
         "since last week's release. I've fixed your export by hand and the real fix ships "
         "today. If you export again in an hour or so, all {cards} cards should be there."),
        ("recurring tasks", "Recurring tasks created twice",
         "Hey there,\n\nStarting {when}, every recurring task on {board} gets created twice, so "
         "our "
         "weekly \"Check inventory\" card shows up two times each Monday. Same due date, same "
         "assignee.\n\nWe didn't change anything on our side. Could you take a look? It's "
         "confusing the team a bit.",
         "That one's on us: a retry in our scheduler ran the recurrence job twice for some "
         "workspaces. I've deleted the duplicates on {board} and we've made the job idempotent, "
         "so it won't happen again."),
        ("Slack integration", "Slack notifications stopped",
         "Hi team,\n\nOur Slack integration stopped posting to #ops {when}. The integration page "
         "still says \"Connected\". I tried disconnecting and reconnecting and now I get:\n\n"
         "{error}\n\nAny ideas?",
         "It looks like the #ops channel was renamed or made private on the Slack side, and our "
         "integration still points at the old one. If you pick the channel again under Settings "
         "→ Integrations → Slack, it should start posting right away."),
        ("drag and drop", "Drag and drop broken in Firefox",
         "Hi,\n\nI can't drag cards between lists anymore on {browser}. The card lifts, but when I "
         "drop it, it snaps back to where it was. Works in Chrome. A few of us use Firefox at "
         "{company} so this is a bit of a pain.",
         "I could reproduce it in Firefox 132: a change in how Firefox reports pointer events "
         "broke our drop handler. The fix is in review and should be live by {weekday}."),
        ("Gantt dependencies", "Gantt dependencies disappear after reload",
         "Hello Trellis team,\n\nWhen I link two tasks in the Gantt chart (finish-to-start), the "
         "arrow shows up, but after a page reload the dependency is gone. I tried it {n} times on "
         "{board}, same result every time.\n\nWe're planning a launch around these dependencies, "
         "so it's pretty important for us.",
         "Thanks for the clear steps. Dependencies between cards in different lists weren't being "
         "saved; we shipped a fix an hour ago, and I restored the links you'd made from our logs."),
        ("API", "API returns 500 on /v2/cards",
         "Hi,\n\nOur nightly sync script started failing {when}. POST "
         "https://api.trellis.app/v2/cards returns:\n\n{error}\n\nSame payload worked last week. "
         "We're on the {plan} plan, token created by an admin. Could you check your logs?",
         "I found your requests in our logs: the payload has a label that no longer exists on "
         "the board, and instead of a 422 with a helpful message our API fell over with a 500. "
         "Removing the label will unblock you; we're fixing the error message too."),
    ),
    acks=("Thanks for the detailed steps — that made this easy.",
          "Ugh, sorry about this, and thanks for reporting it.",
          "Thank you for flagging this, and for checking incognito already.",
          "Sorry for the trouble, and thanks for the clear report!"),
    more=("Here's more detail: it happened again at {clock} our time, and only when more than "
          "one person had the board open.",
          "Thanks for the quick answer. The workaround is OK for now, but we really need this "
          "fixed before {weekday}: we have a client review.",
          "Still happening after a reload, unfortunately. Same error:\n\n{error}",
          "Any news on the fix? The team keeps asking me."),
    later=("Quick update: the fix for the {feature} issue is now live. Could you give it another "
           "try and let me know?",
           "Thanks, that helps a lot. Our engineer found the cause this morning; the fix is in "
           "review and I'll ping you the moment it ships."),
    answer_rate=0.63, tiers=(3, 2, 6, 2, 0, 0.3),
)

_HOWTO = _Kind(
    openers=(
        ("guest access", "Adding a client without paying for a seat?",
         "Hi,\n\nWe'd like to give one of our clients access to a single board ({board}) so they "
         "can follow progress, but we don't want them to see everything else, or to pay for "
         "another seat. Is that possible? I couldn't find it in the settings.",
         "Yes! That's exactly what guest access is for: open the board, click Share → Invite "
         "guest, and enter their email. Guests only see the boards you invite them to and they "
         "don't count as a seat."),
        ("recurring tasks", "How do I set up recurring tasks",
         "Hello,\n\nquick question: how do I make a card repeat every first Monday of the month? "
         "I only see daily and weekly options.\n\nThanks!",
         "It's a bit hidden: open the card, click the due date, then Repeat → Custom. There you "
         "can pick \"Monthly on the first Monday\"."),
        ("timeline view", "how do I see all boards on one timeline",
         "Hi there, is there a way to see cards from several boards in one timeline view? I "
         "manage {n} projects and switching between boards all day is getting tedious.",
         "Yes: Portfolio → New timeline lets you pick any number of boards, and it remembers the "
         "selection. You can colour cards by board so it stays readable."),
        ("API tokens", "Where do I create an API token?",
         "Hi,\n\nThe docs mention Settings → Developer → API tokens, but I don't have a Developer "
         "section. I'm an admin on the {plan} plan. What am I missing?",
         "The Developer section only shows up once an owner turns on API access under Settings "
         "→ Security. After that, any admin can create tokens (they start with trl_live_)."),
        ("board templates", "Copy a board with all its cards?",
         "Hey, we run the same onboarding checklist for every new hire. Can I duplicate "
         "{board} including the cards and checklists, but without the comments and due dates?",
         "Yes: board menu → Copy board, then untick \"Comments\" and \"Dates\". Even better, "
         "save it as a template (board menu → Save as template) so the whole team can use it."),
        ("calendar sync", "Due dates in Google Calendar",
         "Hi! Is it possible to get card due dates into my Google Calendar? Ideally only the "
         "cards assigned to me, not the whole team's.",
         "Yes: Profile → Calendar feed gives you a private iCal link. Choose \"Assigned to me\" "
         "and paste the link into Google Calendar under Other calendars → From URL."),
        ("Gantt chart", "Gantt chart: move several tasks at once?",
         "Hello, when a project slips I have to drag {n} tasks one by one in the Gantt chart. Is "
         "there a way to shift a whole group of tasks by a week?",
         "Shift-click the tasks (or drag a box around them) and then drag any one of them: the "
         "whole selection moves together and dependencies stay intact."),
    ),
    acks=("Good question!", "Thanks for reaching out.", "Happy to help with this.",
          "Great question, and you're not the first to ask."),
    more=("Thanks! One follow-up: can I do the same thing from the mobile app?",
          "Hmm, I don't see that option. Could it be because we're on the {plan} plan?",
          "OK that works, but is there a way to do it for all boards at once? We have {n}.",
          "Thanks. And can guests see comments on the cards?"),
    later=("Good question! Short answer: yes. Longer answer: it depends a little on how your "
           "workspace is set up, so I've made a 2-minute screen recording for you: "
           "https://share.trellis.app/v/8f2k1q",
           "Yes, it works the same way in the mobile app: tap the ⋯ menu on the board.",
           "That option is only on Team and Business, which is why you don't see it. I've "
           "turned on a 14-day Business trial for your workspace so you can try it."),
    answer_rate=0.63, tiers=(1, 4, 4, 3, 0, 0.5),
)

_FEATURE = _Kind(
    openers=(
        ("dark mode", "Dark mode please!",
         "Hi! Love Trellis, I use it every day. Only thing: my eyes are begging for a dark "
         "mode. Any plans? 🙏",
         "Dark mode is in beta right now! You can switch it on under Profile → Labs."),
        ("subtasks", "Feature request: subtasks with their own due dates",
         "Hello,\n\nChecklists are great, but we'd need real subtasks: each with its own "
         "assignee and due date, showing up on the timeline. Right now we create separate "
         "cards and link them, which gets messy fast on boards like {board}.",
         "Real subtasks are the most requested feature on our list, and I've added "
         "{your_company}'s vote. They're planned for the first half of next year."),
        ("Gantt PDF export", "Export Gantt chart to PDF?",
         "Hi, our clients want to see the project plan but they're not in Trellis. Could you "
         "add a PDF export of the Gantt chart? A screenshot doesn't fit on one page.",
         "We don't have a PDF export yet, but a read-only share link (Share → Public link) works "
         "without an account. PDF export is on the roadmap and I've logged your vote."),
        ("time tracking", "Time tracking on cards?",
         "Hey, do you have any plans for time tracking? We bill clients by the hour and "
         "currently use a separate tool, which means copying everything over at month end.",
         "No built-in time tracking yet, but our Toggl and Harvest integrations put a timer on "
         "every card. Native tracking is something we're exploring for next year."),
        ("custom fields", "Formula fields",
         "Would it be possible to have formula custom fields? E.g. budget minus spent. We "
         "track {n} projects this way and currently export to Excel every {weekday}.",
         "Formulas aren't possible today, but they're a great fit for our custom fields "
         "work this quarter. I've added your exact example to the spec."),
    ),
    acks=("Thanks for taking the time to write this up.", "Great suggestion!",
          "Love this idea, thank you.", "Funny timing: we were discussing exactly this today."),
    more=("Yes please, sign us up for any beta!",
          "Thanks. Any rough idea of timing? We're deciding whether to keep {competitor} for this.",
          "A call would be great. {weekday} afternoon works for me."),
    later=("Done, you're on the list! You'll get an email when the beta opens.",
           "No firm date yet, but my guess is early next year. I'll keep you posted.",
           "Great, I've sent you a calendar invite for {weekday} at 3pm your time."),
    answer_rate=0.45, tiers=(2, 1, 4, 2, 0, 0.5),
)

_BILLING = _Kind(
    openers=(
        ("double charge", "Charged twice this month",
         "Hi,\n\nI was charged {amount} twice on {date} for our {plan} subscription (card ending "
         "{card}). Can you please refund the duplicate?\n\nThanks",
         "You're right: the payment went through twice because of a retry on our payment "
         "provider's side. I've refunded the duplicate {amount}; it should be back on the card "
         "in 5–10 business days."),
        ("invoice", "Invoice needed for {month}",
         "Hello,\n\nour accounting needs a proper invoice for {month} with our company name and "
         "address on it ({company}). The receipt email isn't enough for them. Could you send "
         "one?",
         "Invoices with your company details are under Settings → Billing → Invoices; I've "
         "filled in {your_company}'s address there, so {month}'s invoice ({invoice}) shows "
         "it now."),
        ("card change", "Update credit card",
         "Hi, our company card expired and I can't find where to change it. The billing page "
         "just shows the old one ending in {card}.",
         "Only workspace owners can see the Change card button, which is why it's missing for "
         "you. I've sent your owner a secure link to update it, and paused the dunning emails."),
        ("VAT", "VAT number on invoices",
         "Dear Trellis team,\n\nplease add our VAT ID {vat} to our invoices (also the past ones "
         "since {month} if possible). We are an EU business, so reverse charge should apply and "
         "we should not be charged VAT.\n\nKind regards",
         "I've added {vat} to your account, so reverse charge applies from the next invoice, and "
         "I've reissued the invoices since {month} with the VAT ID and the VAT refunded."),
        ("seat count", "Why did our bill go up?",
         "Hi, our invoice this month is {amount} but last month it was much lower. We didn't "
         "add anyone as far as I know. Can you tell me what happened?",
         "Three people were added as members on {date} (they were invited to {board}). If they "
         "only need to view the board, I can switch them to guests, which are free, and credit "
         "the difference."),
    ),
    acks=("Thanks for reaching out.", "Sorry for the confusion!", "Good catch, thank you.",
          "Thanks for your patience on this."),
    more=("Thanks. Could you also send the invoice for last month? Our accountant needs both.",
          "The refund still hasn't shown up. Could you check?",
          "Sorry, one more thing: can we switch to annual billing at the same time?"),
    later=("Done, I've just sent it to your billing email as well.",
           "I checked with our payment provider: the refund left our side on {date}, so it "
           "should show up any day now. If not, send me a screenshot and I'll chase it.",
           "Yes, you can switch to annual at any time: two months free, and we prorate what "
           "you've already paid this month."),
    answer_rate=0.73, tiers=(2, 1, 7, 0, 1.5, 0),
)

_ANGRY = _Kind(
    openers=(
        ("lost cards", "WHERE ARE OUR CARDS???",
         "Half the cards on {board} are GONE. Nobody here deleted anything. We have a client "
         "deadline {weekday} and I have no idea what was on them.\n\nTHIS IS UNACCEPTABLE. Fix "
         "it NOW.",
         "I checked right away: the cards were archived in bulk {when} by a rule someone set up "
         "on {board}. Nothing is lost. I've restored all {n} of them, and disabled the rule."),
        ("slowness", "Third time I'm writing about this!!!",
         "This is the THIRD time I'm emailing you. Trellis takes 20+ seconds to open any board. "
         "We pay you {amount} a month for this?? My team has started going back to "
         "spreadsheets.\n\nIf this isn't fixed this week we're leaving.",
         "You should never have had to write three times; your earlier emails got caught by our "
         "spam filter, and I've fixed that. The slowness came from a search index that had "
         "grown huge on your workspace. I rebuilt it and boards now open in under a second."),
        ("notifications", "Stop spamming my team!",
         "Every single person here got {n} emails overnight about cards they don't even follow. "
         "People are furious. Who thought this was OK?? Turn it off!",
         "That was a bug in last night's digest job, and it hit several workspaces. It's "
         "fixed, it won't resend, and I've switched your workspace to the daily digest for now."),
        ("charged after cancel", "You charged me AFTER I cancelled!",
         "I cancelled on {date} and you still took {amount} from my card. This is basically "
         "theft. I want my money back today or I'm disputing it with my bank.",
         "The cancellation was saved for the wrong workspace, so the renewal went ahead. I've "
         "refunded the full {amount} and cancelled the right workspace."),
    ),
    acks=("I'm really sorry — you're right to be upset, and I would be too.",
          "I'm so sorry about this. Dropping everything to look at it.",
          "First of all, I apologise. This is not the experience we want you to have."),
    more=("OK. Thanks for the quick response. But how do I know this won't happen again?",
          "Fine. Please make sure it doesn't happen again.",
          "It's STILL not working. I'm losing patience here."),
    later=("Completely fair question. We've added a safeguard so this needs a confirmation "
           "now, and I'll personally keep an eye on your workspace this week.",
           "I'm sorry. Our lead engineer is looking at your workspace right now; if you send me "
           "a phone number I'll call you within the hour."),
    answer_rate=0.8, tiers=(2, 1, 4, 1, 0.5, 0), urgent=True,
)

_PRICING = _Kind(
    openers=(
        ("plans", "What plan do I need?",
         "Hi,\n\nwe're a team of {seats} at {company}. We need guest access for clients, the "
         "timeline view and ideally SSO. Which plan would that be, and what would it cost?",
         "For {seats} people with SSO you'd want Business at $25 per user a month, so "
         "{business_total} a month (two months free if you pay yearly). Team ($15 a user, "
         "{team_total} a month) has the timeline and guests, but not SSO."),
        ("seats", "Quote for {seats} seats",
         "Hello, how much would {seats} seats cost per month? We'd probably start with the Team "
         "plan. Do you offer volume discounts?",
         "On Team that's {seats} × $15 = {team_total} a month, on Business {business_total}. "
         "From 50 seats we do volume pricing; Pete, who looks after bigger accounts, is in "
         "copy and can put a quote together."),
        ("SSO", "SSO / SAML support?",
         "Hi, do you offer SSO/SAML with Okta? Our security team requires it before we can "
         "roll anything out. Also, do you have a SOC 2 report?",
         "Yes: SAML SSO with Okta, Entra ID and Google Workspace is included in Business and "
         "Enterprise, and SCIM provisioning is on Enterprise. Our SOC 2 Type II report is "
         "available under NDA; I can send it over today."),
        ("comparison", "Comparing you with {competitor}",
         "Hi,\n\nwe're comparing Trellis with {competitor} for our team ({seats} people). The "
         "main things for us are the Gantt chart, a decent API and reasonable pricing. What "
         "would you say is the big difference?",
         "Honestly: {competitor} is great if you want everything in one tool. We're smaller and "
         "more focused: the timeline and Gantt are fast even with thousands of cards, the API "
         "is complete, and we don't charge for guests. Happy to do a 20-minute demo."),
        ("nonprofit", "Discount for nonprofits?",
         "Hello! We're a small charity ({seats} staff and volunteers). Do you have nonprofit "
         "or education pricing?",
         "We do: 50% off Team and Business for registered nonprofits and schools. Just reply "
         "with your registration number and I'll apply it."),
        ("trial extension", "Could we extend our trial?",
         "Hi, our trial ends on {trial_end} but half the team was away at a conference, so we "
         "haven't really tested it properly. Could we get another week or two?",
         "Of course — I've extended your trial to {trial_ext}. If it helps, I'm happy to set up "
         "a call with your team to get everyone going quickly."),
    ),
    acks=("Thanks for considering Trellis!", "Great to hear from you.", "Happy to help."),
    more=("Thanks! And if we start on Team, can we upgrade to Business later without losing "
          "anything?",
          "That's helpful. Can we pay by bank transfer instead of card?",
          "Great. Could you send a formal quote as PDF? Our procurement needs it."),
    later=("Yes, upgrades are instant and nothing is lost; we just prorate the difference.",
           "Bank transfer is fine for annual plans. I'll send an invoice with our bank details.",
           "Of course. Pete will send a formal quote today; it's valid for 30 days."),
    answer_rate=0.7, tiers=(0.5, 4, 2, 2, 0.5, 5),
)

_CHURN = _Kind(
    openers=(
        ("cancel", "Cancel our subscription",
         "Hi,\n\nplease cancel our subscription at the end of the current billing period. "
         "We're moving to {competitor} because the rest of the company uses it.\n\nThanks for "
         "everything.",
         "Done: your subscription ends on {trial_ext} and nothing more will be charged. Your "
         "boards stay available read-only for 90 days in case you need anything. If you don't "
         "mind me asking, was there one thing that made {competitor} the better fit?"),
        ("downgrade", "Downgrade to Starter",
         "Hello, budgets are tight this quarter. How do we downgrade from {plan} to Starter, "
         "and what would we lose?",
         "You can downgrade under Settings → Billing → Change plan. On Starter you'd keep all "
         "boards and cards, but lose the timeline, Gantt and guest access."),
        ("delete account", "Please delete my account",
         "I don't use Trellis anymore. Please delete my account and all my data.",
         "I've deleted your account and your personal boards. Shared boards you were on remain "
         "with their owners, but your name is removed from them. You'll get a confirmation "
         "email within 24 hours."),
        ("not renewing", "Not renewing",
         "Hi {agent}, just a heads up that we won't renew in {month}. Nothing wrong with the "
         "product, the project we used it for is ending. Thanks for the great support!",
         "Thanks for letting me know, and for the kind words. I've turned off auto-renew. If a "
         "new project comes along, your workspace will be right here."),
    ),
    acks=("Sorry to see you go, but thanks for telling me.",
          "Thanks for letting me know.", "Understood."),
    more=("Thanks. Can we still export everything to CSV before it closes?",
          "It was mostly the price, to be honest. {competitor} gave us a better deal.",
          "Actually, could we pause the account for three months instead?"),
    later=("Yes: Settings → Workspace → Export works until the very last day, and read-only "
           "access lasts 90 days after that.",
           "That's fair, and thanks for being honest. If it changes anything, I can offer 30% "
           "off for the next 12 months.",
           "We can pause it for up to three months: no charges, and everything stays as it "
           "is. I've set that up for you."),
    answer_rate=0.6, tiers=(0.3, 1.5, 4, 0.5, 2, 0),
)

_LOGIN = _Kind(
    openers=(
        ("password reset", "Password reset email never arrives",
         "Hi, I've requested a password reset {n} times now and the email never arrives. "
         "Nothing in spam either. My address is {email}.",
         "Your company's mail filter was rejecting our reset emails (I can see the bounces). "
         "I've sent you a one-time login link by other means, and if your IT team allows "
         "mail from trellis.app, future resets will get through."),
        ("2FA", "Locked out after enabling 2FA",
         "Help, I turned on two-factor authentication, then got a new phone and now I can't "
         "log in. I don't have the backup codes. What can I do?",
         "For security we need to verify it's you: reply from this address with the name of "
         "one board you own, and I'll reset two-factor so you can set it up on the new phone."),
        ("SSO loop", "SSO login loop",
         "Starting {when}, logging in with SSO just sends me back to the login page. Others on "
         "my team have the same problem.\n\n{error}",
         "Your identity provider's certificate was renewed and Trellis still had the old one. "
         "An admin can paste the new metadata URL under Settings → Security → SSO; I've sent "
         "them the steps."),
        ("invalid credentials", "Can't log in",
         "Hi, Trellis says \"invalid credentials\" but I'm 100% sure my password is right. I "
         "logged in fine {when}.",
         "Your account was created with Google sign-in, so there's no password to match. Use "
         "\"Continue with Google\" on the login page and you'll be straight in."),
    ),
    acks=("Sorry about the hassle!", "Thanks for reaching out.", "Let's get you back in."),
    more=("That worked, but now the mobile app still asks me for a password?",
          "Our IT team says they changed it. I'll try again tomorrow.",
          "Still getting the same error, unfortunately."),
    later=("The mobile app caches the old login: sign out under Profile → Sign out and sign in "
           "again with \"Continue with Google\".",
           "No problem. I'll leave this open; just reply here once IT has made the change."),
    answer_rate=0.73, tiers=(1, 2, 4, 3, 1.5, 0.3), urgent=True,
)

_DATA = _Kind(
    openers=(
        ("GDPR request", "GDPR data access request",
         "Dear Sir or Madam,\n\nunder Article 15 GDPR I request a copy of all personal data "
         "you hold about me ({email}), the purposes of processing and the recipients.\n\n"
         "Regards",
         "I've attached everything we hold about you as CSV: account details, activity and "
         "billing records. We process it only to run the service; our subprocessors are listed "
         "at https://trellis.app/legal/subprocessors."),
        ("full export", "Export all our data",
         "Hi, we need a full export of our workspace (all boards, cards, comments and "
         "attachments) for our archive. Is there a way to get everything at once?",
         "Settings → Workspace → Export gives you everything as a ZIP with CSV and JSON files, "
         "plus the attachments. For your workspace it takes about 10 minutes."),
        ("DPA", "Data processing agreement",
         "Hello,\n\nour legal team needs a signed DPA before we can continue. Do you have a "
         "standard one? Also, where is our data stored?",
         "Our standard DPA is at https://trellis.app/legal/dpa and can be signed online. Data "
         "for EU workspaces is stored in Frankfurt (AWS eu-central-1), backups in Dublin."),
        ("former employee", "Remove former employee's data",
         "Hi, a colleague left {company} last month. We need her personal data removed, but "
         "the cards she created should stay. How do we do that?",
         "An admin can remove her under Members → Remove and anonymise. Her cards and "
         "comments stay, but show \"Former member\" instead of her name."),
    ),
    acks=("Thanks for your message.", "Thanks for reaching out about this.", "Of course."),
    more=("Thank you. Could you also confirm the retention period for backups?",
          "Received, thanks. Our DPO will review and get back to you."),
    later=("Backups are kept for 30 days and then deleted; it's in section 7 of the DPA too.",
           "Thanks, and take your time. Happy to answer any questions your DPO has."),
    answer_rate=0.6, tiers=(1, 0.5, 3, 1, 2, 0.5),
)

_PRAISE = _Kind(
    openers=(
        ("timeline view", "Just wanted to say thanks",
         "Hi,\n\nno question, just wanted to say the new timeline view is fantastic. Our "
         "planning meeting went from an hour to 20 minutes. Whoever built it: thank you!",
         "This made my day! I've shared it with the team (the timeline was Mei's project)."),
        ("migration", "Switching from {competitor} was painless",
         "Hey team, we moved {n} boards over from {competitor} last week and the importer "
         "handled everything, even the attachments. Really impressed.",
         "Thank you so much for telling us! The importer gets very little love, so this means "
         "a lot."),
        ("support", "You made my week",
         "{agent} helped me last month with our export problem and I never said thanks "
         "properly. So: thanks! Great product and great people.",
         "Aw, thank you! Messages like this are why we love doing support ourselves."),
    ),
    acks=("Thank you!", "Wow, thank you for writing.", "Thanks so much for this."),
    more=("Ha, happy to! Keep up the good work.",),
    later=("😊 Thank you!",),
    answer_rate=0.35, tiers=(1, 1.5, 3, 2, 0, 0.5),
)

_OUTAGE = _Kind(
    openers=(
        ("outage", "Is Trellis down?",
         "Hi, none of our boards load, I just get a spinner and then a 502 Bad Gateway. Is it "
         "down for everyone?",
         ""),
        ("outage", "502 Bad Gateway on every board", "Getting 502 errors on every page since a "
         "few minutes ago. We have a client workshop right now!!", ""),
        ("outage", "Boards not loading", "Hello, Trellis is not loading at all for our whole "
         "team. Status page says everything is fine?", ""),
        ("outage", "Outage right now?", "Is there an outage? The app shows \"Something went "
         "wrong\" and the API returns 502 too.", ""),
        ("outage", "URGENT - app down for the whole team", "We can't access ANYTHING. The "
         "whole team is blocked. Please advise ASAP.", ""),
    ),
    acks=("Yes, sorry! You weren't imagining it.",
          "Sorry about this, and thanks for the heads-up."),
    more=("Thanks for the explanation. Will there be a post-mortem?",
          "OK, working again here. Thanks."),
    later=("Yes: the post-mortem will be on https://status.trellis.app by Friday, and I'll send "
           "you the link.",),
    answer_rate=0.6, tiers=(2, 1, 6, 0, 0, 0), urgent=True,
)
_OUTAGE_ANSWER = (
    "We had an outage from {outage_from} to {outage_to} UTC: one of our database servers "
    "failed over and the app returned 502s until it recovered. Everything is back up and no "
    "data was lost. We'll publish a post-mortem on https://status.trellis.app this week."
)

_HELP = _Kind(
    openers=(
        ("boards", "Help", "hi i cant see my board anymore. it was there yesterday. please help",
         "It looks like the board was moved to another workspace. Click your workspace name at "
         "the top left and pick the other one: the board should be there."),
        ("invites", "Help", "Hello, how do I add my husband to the board so he can see the "
         "shopping list? He does not have an account.",
         "Open the board, click Share → Invite, and type his email address. He'll get a link "
         "to create a free account and land right on the board."),
        ("app", "Help", "The app on my phone logs me out every day. What do I do?",
         "That's a known problem with version 4.11 of the phone app. Updating to 4.12 from the "
         "App Store fixes it."),
    ),
    acks=("Thanks for writing in!", "Happy to help."),
    more=("thank you it works", "I dont see that button?"),
    later=("It's the Share button at the top right of the board, next to your picture. Does "
           "that help?",),
    answer_rate=0.55, tiers=(0, 0, 0, 1, 0, 0),
)

_KINDS = {"bug": _BUG, "howto": _HOWTO, "feature": _FEATURE, "billing": _BILLING,
          "angry": _ANGRY, "pricing": _PRICING, "churn": _CHURN, "login": _LOGIN,
          "data": _DATA, "praise": _PRAISE, "outage": _OUTAGE, "help": _HELP}
_KIND_NAMES = ("bug", "howto", "feature", "billing", "angry", "pricing", "churn", "login",
               "data", "praise")
_KIND_WEIGHTS = (17, 16, 9, 12, 4, 11, 6, 9, 5, 5)
# fmt: on

# fmt: off
# Some Europeans write in their own language: (kind, opener) by region.
_LOCAL_OPENERS: dict[str, tuple[tuple[str, _Opener], ...]] = {
    "de": (
        (
            "billing",
            (
                "invoice",
                "Frage zur Rechnung für {monat}",
                "Hallo,\n\nkönnten Sie uns bitte eine Rechnung für {monat} mit unserer "
                "USt-IdNr. {vat} schicken? Unsere Buchhaltung benötigt außerdem die "
                "Firmenanschrift auf der Rechnung.\n\nVielen Dank und schöne Grüße",
                "I've reissued the {month} invoice ({invoice}) with your VAT ID {vat} and "
                "your company address, and future invoices will include both.",
            ),
        ),
        (
            "bug",
            (
                "CSV export",
                "Export schlägt fehl – Board „{board}“",
                "Hallo Trellis-Team,\n\nseit gestern schlägt der CSV-Export für das Board "
                "„{board}“ fehl. Es erscheint nur die Meldung „Export fehlgeschlagen“. Andere "
                "Boards funktionieren. Können Sie das bitte prüfen?\n\nGrüße",
                "The export failed because one card on {board} has a description longer than "
                "Excel allows. I've fixed our exporter to split it, so it works again now.",
            ),
        ),
    ),
    "fr": (
        (
            "bug",
            (
                "CSV export",
                "Problème d’export CSV",
                "Bonjour,\n\nl’export CSV de notre tableau « {board} » ne contient que {n} "
                "cartes au lieu de {cards}. Les cartes des listes repliées semblent manquer. "
                "Pouvez-vous vérifier ?\n\nMerci d’avance,",
                "Collapsed lists were skipped by the export since last week's release. The "
                "fix shipped this morning, so exporting again will include every card.",
            ),
        ),
        (
            "billing",
            (
                "VAT",
                "Facture de {mois} — numéro de TVA",
                "Bonjour,\n\npourriez-vous ajouter notre numéro de TVA intracommunautaire "
                "({vat}) sur nos factures ? Nous ne devrions pas payer la TVA.\n\n"
                "Cordialement,",
                "I've added {vat} to your account and reissued the invoices since "
                "{month} with reverse charge applied.",
            ),
        ),
    ),
    "es": (
        (
            "howto",
            (
                "guest access",
                "¿Cómo invito a un cliente sin pagar otra licencia?",
                "Hola,\n\nqueremos que un cliente vea solo el tablero «{board}», sin pagar "
                "otra licencia. ¿Es posible?\n\n¡Gracias!",
                "Yes! Invite them as a guest (Share → Invite guest on the board). Guests "
                "are free and only see the boards you share with them.",
            ),
        ),
    ),
}
_IN_ENGLISH = ("(Replying in English, I hope that's OK!)",
               "(Sorry, my German/French/Spanish isn't good enough to reply in kind!)")
_LATIN1 = str.maketrans({"—": "-", "–": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...",
                         "„": '"', "→": "->", "×": "x", "🙏": ""})
# fmt: on


# --- the team ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Agent:
    name: str
    tz: timezone
    locale: str
    signature: str


# fmt: off
_AGENTS = (
    _Agent("Dana", timezone(timedelta(hours=-5)), "us",
           "-- \nDana Whitfield · Founder, Trellis\nhttps://trellis.app · https://status.trellis.app"),
    _Agent("Sam", UTC, "eu",
           "-- \nSam Rivera · Trellis Support\nhttps://trellis.app · https://help.trellis.app"),
)
# fmt: on
_PETE = ("Pete Okafor", "pete@trellis.app")
_SUPPORT = f"{SUPPORT_NAME} <{SUPPORT_ADDRESS}>"


# --- message bodies and quoting ----------------------------------------------------------

# fmt: off
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_TAGE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_MONATE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember")
_MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
         "octobre", "novembre", "décembre")
# fmt: on


@dataclass
class _Body:
    text: str
    sig: str = ""
    quote: _Quote | None = None
    plain: str = field(init=False)

    def __post_init__(self) -> None:
        parts = [self.text] + ([self.sig] if self.sig else [])
        if self.quote is not None:
            q = self.quote
            if q.style == "outlook":
                parts.append(f"{q.header}\n\n{q.body.plain}")
            else:
                quoted = "\n".join(f"> {ln}" if ln else ">" for ln in q.body.plain.split("\n"))
                parts.append(f"{q.header}\n{quoted}")
        self.plain = "\n\n".join(parts) + "\n"


@dataclass(frozen=True)
class _Quote:
    style: str  # gmail | apple | thunderbird | yahoo | outlook
    header: str  # the attribution line, or Outlook's From/Sent/To/Subject block
    body: _Body


@dataclass(frozen=True)
class _Sent:
    msgid: str
    when: datetime
    name: str
    addr: str
    to: str
    subject: str
    body: _Body
    references: tuple[str, ...]


def _h12(t: datetime) -> str:
    return f"{(t.hour - 1) % 12 + 1}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


def _attribution(style: str, locale: str, region: str, t: datetime, sent: _Sent) -> str:
    """How a mail client introduces the message it quotes; t is in the quoter's time zone."""
    wd, mon, who = _DAYS[t.weekday()], _MONTHS[t.month - 1], f"{sent.name} <{sent.addr}>"
    hm = f"{t.hour:02d}:{t.minute:02d}"
    if style == "outlook":
        if region == "de":
            return (
                f"Von: {who}\nGesendet: {_TAGE[t.weekday()]}, {t.day}. "
                f"{_MONATE[t.month - 1]} {t.year} {hm}\nAn: {sent.to}\nBetreff: {sent.subject}"
            )
        if locale == "us":
            return (
                f"________________________________\nFrom: {who}\nSent: {wd}, {mon} {t.day}, "
                f"{t.year} {_h12(t)}\nTo: {sent.to}\nSubject: {sent.subject}"
            )
        return (
            f"-----Original Message-----\nFrom: {who}\nSent: {t.day:02d} {mon} {t.year} {hm}"
            f"\nTo: {sent.to}\nSubject: {sent.subject}"
        )
    if style == "apple":
        if locale == "us":
            return f"On {mon[:3]} {t.day}, {t.year}, at {_h12(t)}, {who} wrote:"
        return f"On {t.day} {mon[:3]} {t.year}, at {hm}, {who} wrote:"
    if style == "thunderbird":
        if locale == "us":
            return f"On {t.month}/{t.day}/{t.year % 100} {_h12(t)}, {sent.name} wrote:"
        return f"On {t.day:02d}/{t.month:02d}/{t.year} {hm}, {sent.name} wrote:"
    if style == "yahoo":
        off = _offset_hours(t)
        return (
            f"On {wd}, {mon} {t.day}, {t.year}, {t.hour % 12 or 12:02d}:{t.minute:02d}:"
            f"{t.second:02d} {'AM' if t.hour < 12 else 'PM'} GMT{off}, {who} wrote:"
        )
    if locale == "us":
        return f"On {wd[:3]}, {mon[:3]} {t.day}, {t.year} at {_h12(t)} {who} wrote:"
    return f"On {wd[:3]}, {t.day} {mon[:3]} {t.year} at {hm}, {who} wrote:"


def _offset_hours(t: datetime) -> str:
    minutes = int((t.utcoffset() or timedelta()).total_seconds()) // 60
    return f"{minutes // 60:+d}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def _paras_html(text: str, open_: str, close: str, blank: str) -> str:
    paras = [p for p in text.split("\n\n") if p]
    return blank.join(
        open_ + "<br>".join(html.escape(ln, quote=False) for ln in p.split("\n")) + close
        for p in paras
    )


def _html_fragment(body: _Body) -> str:
    """A quoted message inside an HTML reply, nested blockquotes all the way down."""
    out = _paras_html(body.text, "<div>", "</div>", "<div><br></div>")
    if body.sig:
        out += "<div><br></div>" + _paras_html(body.sig, "<div>", "</div>", "")
    if body.quote is not None:
        out += _html_quote(body.quote, "")
    return out


def _html_quote(q: _Quote, client: str) -> str:
    if q.style == "outlook":
        lines = q.header.split("\n")
        block = "<br>".join(
            f"<b>{html.escape(k)}:</b>{html.escape(v)}"
            if ":" in ln and not ln.startswith("-")
            else html.escape(ln)
            for ln in lines
            for k, _, v in [ln.partition(":")]
        )
        return (
            "<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>"
            f"<p class=MsoNormal>{block}</p></div>" + _html_fragment(q.body)
        )
    attr = html.escape(q.header)
    if client == "gmail":
        return (
            '<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            + attr
            + '<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
            'border-left:1px solid rgb(204,204,204);padding-left:1ex">'
            + _html_fragment(q.body)
            + "</blockquote></div>"
        )
    if client == "apple":
        return (
            f'<div><br><blockquote type="cite"><div>{attr}</div><br class="Apple-interchange'
            f'-newline">{_html_fragment(q.body)}</blockquote></div>'
        )
    return f"<div><br></div><div>{attr}</div><blockquote>{_html_fragment(q.body)}</blockquote>"


_OUTLOOK_HEAD = (
    '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">'
    '<head>\n<meta http-equiv=Content-Type content="text/html; charset=CHARSET">\n'
    '<meta name=Generator content="Microsoft Word 15 (filtered medium)">\n<style><!--\n'
    "/* Font Definitions */\n@font-face\n\t{font-family:Aptos;}\n"
    "p.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{margin:0cm;\n\tfont-size:12.0pt;\n"
    '\tfont-family:"Aptos",sans-serif;}\n--></style></head>\n'
    '<body lang=EN-US link="#467886" vlink="#96607D" style=\'word-wrap:break-word\'>\n'
    "<div class=WordSection1>\n"
)


def _html(body: _Body, client: str, charset: str) -> str:
    if client == "outlook":
        blank = "\n<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n"
        inner = _paras_html(body.text, "<p class=MsoNormal>", "<o:p></o:p></p>", blank)
        if body.sig:
            inner += blank + _paras_html(body.sig, "<p class=MsoNormal>", "<o:p></o:p></p>", "")
        quote = _html_quote(body.quote, "outlook") if body.quote else ""
        return (
            _OUTLOOK_HEAD.replace("CHARSET", charset)
            + inner
            + blank
            + quote
            + "\n</div>\n</body>\n</html>\n"
        )
    if client == "gmail":
        inner = _paras_html(body.text, "<div>", "</div>", "<div><br></div>")
        if body.sig:
            inner += (
                '<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- '
                '</span><br><div dir="ltr" class="gmail_signature">'
                + _paras_html(body.sig.removeprefix("-- \n"), "<div>", "</div>", "")
                + "</div>"
            )
        quote = _html_quote(body.quote, "gmail") if body.quote else ""
        return f'<div dir="ltr">{inner}</div>{quote}\n'
    inner = _paras_html(body.text, "<div>", "</div>", "<div><br></div>")
    if body.sig:
        inner += "<div><br></div>" + _paras_html(body.sig, "<div>", "</div>", "")
    quote = _html_quote(body.quote, client) if body.quote else ""
    return (
        '<html><head><meta http-equiv="content-type" content="text/html; charset='
        f'{charset}"></head><body style="overflow-wrap: break-word;">{inner}{quote}'
        "</body></html>\n"
    )


# --- MIME --------------------------------------------------------------------------------

_Part = tuple[list[str], str]  # header lines, encoded payload


def _text_part(text: str, subtype: str, charset: str, allow_8bit: bool) -> _Part:
    data = text.encode(charset)
    label = "UTF-8" if charset == "utf-8" and subtype == "html" else charset
    longest = max((len(ln) for ln in data.split(b"\n")), default=0)
    if data.isascii() and longest <= 76:
        cte, payload = "7bit", text
    elif allow_8bit and longest <= 900:
        cte, payload = "8bit", data.decode("latin-1")
    else:
        cte, payload = "quoted-printable", binascii.b2a_qp(data, istext=True).decode("ascii")
    return [
        f'Content-Type: text/{subtype}; charset="{label}"',
        f"Content-Transfer-Encoding: {cte}",
    ], payload


def _attachment_part(name: str, ctype: str, data: bytes) -> _Part:
    if name.isascii():
        ct, disp = f'{ctype}; name="{name}"', f'attachment; filename="{name}"'
    else:  # what Gmail and Outlook actually send: RFC 2047 in name=, RFC 2231 in filename*=
        encoded = Header(name, "utf-8").encode()
        ct, disp = (
            f'{ctype}; name="{encoded}"',
            f"attachment; filename*={encode_rfc2231(name, 'utf-8')}",
        )
    payload = base64.encodebytes(data).decode("ascii").rstrip("\n")
    return [
        f"Content-Type: {ct}",
        f"Content-Disposition: {disp}",
        "Content-Transfer-Encoding: base64",
    ], payload


def _multipart(subtype: str, boundary: str, parts: list[_Part]) -> _Part:
    chunks = [
        f"--{boundary}\n" + "\n".join(head) + "\n\n" + payload + "\n" for head, payload in parts
    ]
    return [f'Content-Type: multipart/{subtype}; boundary="{boundary}"'], "".join(
        chunks
    ) + f"--{boundary}--\n"


def _fits(text: str, charset: str) -> bool:
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=4096)
def _addr(name: str, addr: str, charset: str = "utf-8") -> str:
    if name.isascii():
        return f'"{name}" <{addr}>'
    return formataddr((name, addr), charset=charset if _fits(name, charset) else "utf-8")


@lru_cache(maxsize=4096)
def _subject(subject: str, charset: str) -> str:
    if subject.isascii():
        if len(subject) < 68:
            return subject
        return Header(subject, "us-ascii", header_name="Subject").encode("\n", maxlinelen=78)
    charset = charset if _fits(subject, charset) else "utf-8"
    return Header(subject, charset, header_name="Subject").encode("\n", maxlinelen=78)


def _png(rng: random.Random, width: int = 48, height: int = 32) -> bytes:
    """A small but valid PNG: noisy pixels, like a screenshot that compresses badly."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _pdf(title: str, lines: list[str]) -> bytes:
    text = " T* ".join(f"({ln.replace('(', '').replace(')', '')}) Tj" for ln in [title, *lines])
    stream = f"BT /F1 11 Tf 14 TL 72 720 Td {text} ET".encode("latin-1", "replace")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return (
        out
        + b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
        + xref
        + (
            b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objs) + 1, len(out))
        )
    )


def _csv(rng: random.Random, board: str) -> bytes:
    rows = ["Card ID,Title,List,Assignee,Due date,Labels"]
    for i in range(rng.randint(15, 40)):
        rows.append(
            f'TR-{1000 + i},"{rng.choice(_BOARDS)} item {i + 1}",'
            f"{rng.choice(('To do', 'Doing', 'Review', 'Done'))},"
            f"{rng.choice(('Dana', 'Alex', 'Priya', 'Jonas', ''))},"
            f"2026-{rng.randint(9, 12):02d}-{rng.randint(1, 28):02d},{board}"
        )
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


# fmt: off
_LOG_LINES = ("sync: pulled 14 changes", "ws: reconnecting (attempt 2)", "auth: token refreshed",
              "render: board 8812 in 412ms", "http: GET /v2/boards/8812 -> 500")
# fmt: on


def _log(rng: random.Random, t: datetime) -> bytes:
    lines = []
    for i in range(rng.randint(20, 60)):
        stamp = (t - timedelta(seconds=(60 - i) * 7)).strftime("%Y-%m-%dT%H:%M:%S")
        level = rng.choice(("INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"))
        what = rng.choice(_LOG_LINES)
        lines.append(f"{stamp}.{rng.randint(0, 999):03d}Z {level:5} {what}")
    return ("\n".join(lines) + "\n").encode("ascii")


# --- the generator -----------------------------------------------------------------------

# fmt: off
_HOUR_WEIGHTS = (0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 1, 3, 7, 10, 10, 9,
                 6, 8, 9, 9, 8, 6, 4, 3, 2.5, 2, 1, 0.5)
_MIME_ODDS = {  # by client: chance of HTML only, chance of text + HTML ("us" is our Gmail)
    "gmail": (0.0, 0.4), "android": (0.0, 0.35), "outlook": (0.28, 0.4), "apple": (0.0, 0.4),
    "iphone": (0.0, 0.15), "yahoo": (0.0, 0.6), "thunderbird": (0.0, 0.1), "us": (0.0, 0.15),
}
_MAILERS = {"outlook": "X-Mailer: Microsoft Outlook 16.0",
            "thunderbird": "User-Agent: Mozilla Thunderbird",
            "apple": "X-Mailer: Apple Mail (2.3826.200.121)",
            "iphone": "X-Mailer: iPhone Mail (22B91)",
            "yahoo": "X-Mailer: WebService/1.1.22876 YMailNorrin"}
_QUOTE_STYLE = {"gmail": "gmail", "android": "gmail", "outlook": "outlook", "apple": "apple",
                "iphone": "apple", "thunderbird": "thunderbird", "yahoo": "yahoo", "us": "gmail"}
_EXCHANGE = ("EUR05-DB8", "EUR03-AM7", "NAM12-BN8", "NAM10-MW2", "APC01-SG2")
_VAT = {"de": "DE", "fr": "FR", "es": "ES", "pl": "PL", "nordic": "SE", "uk": "GB"}
_SIGNED_OFF = ("regards", "grüße", "thanks", "gracias", ",", "everything")  # already signed off
_POINTERS = ("There's a short guide with screenshots here: https://help.trellis.app/articles/",
             "Let me know if anything's unclear!",
             "Sorry for the hassle, and thanks for your patience.")
# fmt: on
_Attachment = tuple[str, str, bytes]  # file name, content type, data


def _aware(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _day(t: date) -> str:
    return f"{_MONTHS[t.month - 1]} {t.day}"


def _screenshot_name(rng: random.Random, person: _Person, t: datetime) -> str:
    if person.client == "outlook":
        return "image001.png"
    if person.client == "iphone":
        return f"IMG_{rng.randint(1000, 9999)}.PNG"
    if person.client == "android":
        return f"Screenshot_{t:%Y%m%d_%H%M%S}.png"
    if person.region.key == "fr":
        return f"Capture d’écran {t:%Y-%m-%d} à {t:%H.%M.%S}.png"
    return f"Screenshot {t:%Y-%m-%d} at {t:%H.%M.%S}.png"


@dataclass(frozen=True)
class _Plan:
    start: datetime
    kind: str
    person: _Person
    special: str = ""  # "", "nasty", "umlaut", or the outage window for outages


@dataclass
class _Thread:
    person: _Person
    agent: _Agent
    subject: str
    fill: dict[str, str]
    cc: list[str]
    curt: bool  # angry people don't say "Thanks, Jürgen"
    messages: list[tuple[float, bytes]] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def pick(self, rng: random.Random, *options: tuple[str, ...]) -> str:
        """A phrase from the first group with one not yet said in this thread."""
        for group in options:
            fresh = [o for o in group if o not in self.used]
            if fresh:
                choice = rng.choice(fresh)
                self.used.add(choice)
                return choice
        return rng.choice(options[-1])


class _Mailbox:
    def __init__(self, seed: int, conversations: int, days: int, now: datetime) -> None:
        self.rng = random.Random(f"trellis-mail-{seed}")
        self.conversations, self.days, self.now = conversations, days, now
        self.earliest = now - timedelta(days=days)
        self.people = _people(seed, max(20, round(conversations * 0.4)), now)
        self.by_tier: dict[str, list[_Person]] = {t: [] for t in TIERS}
        self.by_company: dict[str, list[_Person]] = {}
        for p in self.people:
            self.by_tier[p.customer.tier].append(p)
            if p.customer.company:
                self.by_company.setdefault(p.customer.company, []).append(p)
        self.hour_cum = [sum(_HOUR_WEIGHTS[: i + 1]) for i in range(24)]
        self.follow_ups = 0

    # -- when, who and what ------------------------------------------------------------

    def start_time(self, person: _Person, min_age: float = 0, max_age: float = 0) -> datetime:
        """When a customer plausibly writes: working hours, weekdays, recent days busier."""
        rng, span = self.rng, max_age or self.days
        for _ in range(200):
            age = min_age + rng.random() * (span - min_age)
            if rng.random() > 1.0 - 0.7 * age / max(self.days, 1):
                continue
            day = (self.now - timedelta(days=age)).astimezone(person.tz).date()
            if day.weekday() >= 5 and rng.random() > 0.35:
                continue
            hour = rng.choices(range(24), cum_weights=self.hour_cum)[0]
            clock = time(hour, rng.randrange(60), rng.randrange(60))
            local = datetime.combine(day, clock, person.tz)
            if self.earliest < local <= self.now:
                return local.astimezone(UTC)
        return self.now - timedelta(seconds=rng.randint(60, 3600))

    def plans(self) -> list[_Plan]:
        rng, n, days, plans = self.rng, self.conversations, self.days, []
        if n >= 20:  # outages: a cluster of customers writing within the same hour
            clusters = min(1 + n // 2000, max(1, days // 3))
            pool = self.by_tier["paying"] + self.by_tier["vip"] + self.by_tier["trial"]
            for c in range(clusters):
                day = (
                    self.now - timedelta(days=days * (0.12 + 0.75 * (c + rng.random()) / clusters))
                ).date()
                while day.weekday() >= 5:
                    day -= timedelta(days=1)
                began = datetime.combine(
                    day, time(rng.choice((9, 13, 14, 15)), rng.randint(0, 20)), UTC
                )
                began = min(
                    max(began, self.earliest + timedelta(hours=1)), self.now - timedelta(hours=1)
                )
                ended = began + timedelta(minutes=rng.randint(35, 55))
                for p in rng.sample(pool, min(max(4, n // 50 // clusters), len(pool))):
                    start = began + timedelta(minutes=rng.uniform(2, 50))
                    plans.append(_Plan(start, "outage", p, f"{began:%H:%M}-{ended:%H:%M}"))
        if n >= 10:  # one customer asks for "Help" twice, another once
            free = self.by_tier["free"] or self.people
            one, other = rng.sample(free, 2) if len(free) > 1 else (free[0], self.people[1])
            for who, lo, hi in ((one, 0.55, 0.7), (one, 0.05, 0.15), (other, 0.3, 0.4)):
                plans.append(_Plan(self.start_time(who, days * lo, days * hi), "help", who))
        if n >= 12:  # attachments with names that trip up careless code
            payer = rng.choice(self.by_tier["paying"] or self.people)
            zoe, settled = self.people[0], min(2, days / 2)  # not in today's queue
            plans.append(_Plan(self.start_time(payer, settled), "billing", payer, "nasty"))
            plans.append(_Plan(self.start_time(zoe, settled), "bug", zoe, "umlaut"))
        while len(plans) < n:
            kind = rng.choices(_KIND_NAMES, _KIND_WEIGHTS)[0]
            tier = rng.choices(TIERS, _KINDS[kind].tiers)[0]
            person = rng.choice(self.by_tier[tier] or self.people)
            plans.append(_Plan(self.start_time(person), kind, person))
        return sorted(plans[:n], key=lambda p: p.start)

    def fill(self, plan: _Plan, agent: _Agent, feature: str) -> dict[str, str]:
        """Everything a template may mention, made up once per conversation."""
        rng, c, t = self.rng, plan.person.customer, plan.start
        seats = rng.choice((8, 12, 18, 25, 40, 60, 85))
        amount = c.mrr or rng.choice((96, 180, 375, 600))
        trial_end = c.trial_ends or (t + timedelta(days=rng.randint(3, 12))).date()
        recent = t - timedelta(days=rng.randint(1, 9))
        outage = plan.special.split("-") if plan.kind == "outage" else ["", ""]
        vat = _VAT.get(plan.person.region.key, "EU") + str(rng.randint(10**8, 10**9 - 1))
        # fmt: off
        return {
            "first": plan.person.first, "name": c.name, "email": c.email,
            "company": c.company or "our company", "your_company": c.company or "your team",
            "board": rng.choice(_BOARDS),
            "browser": rng.choice(_BROWSERS), "feature": feature,
            "error": rng.choice(_ERRORS.get(feature, _ERRORS[""])), "when": rng.choice(_WHEN),
            "n": str(rng.randint(3, 14)), "cards": str(rng.randint(120, 900)),
            "seats": str(seats), "team_total": f"${seats * 15:,}",
            "business_total": f"${seats * 25:,}", "plan": c.plan or "Team",
            "amount": f"${amount:,}.00", "card": f"{rng.randint(0, 9999):04d}",
            "invoice": f"INV-{t.year}-{rng.randint(1000, 9999)}", "vat": vat,
            "month": _MONTHS[(t.month - 2) % 12], "monat": _MONATE[(t.month - 2) % 12],
            "mois": _MOIS[(t.month - 2) % 12],
            "date": f"{_MONTHS[recent.month - 1][:3]} {recent.day}",
            "competitor": rng.choice(_COMPETITORS), "agent": agent.name,
            "trial_end": _day(trial_end), "trial_ext": _day(trial_end + timedelta(days=14)),
            "clock": f"{rng.randint(8, 17)}:{rng.choice(('05', '20', '35', '50'))}",
            "weekday": rng.choice(_DAYS[:5]), "outage_from": outage[0], "outage_to": outage[-1],
        }
        # fmt: on

    # -- timing --------------------------------------------------------------------------

    def our_time(self, t: datetime, agent: _Agent, urgent: bool) -> datetime:
        """When Dana or Sam gets to it: hours later, in their working day, rarely at weekends."""
        rng = self.rng
        delay = min(max(rng.lognormvariate(math.log(45 if urgent else 160), 1.0), 3), 60 * 48)
        local = (t + timedelta(minutes=delay)).astimezone(agent.tz)
        for _ in range(8):
            morning = datetime.combine(local.date(), time(8, rng.randrange(60)), agent.tz)
            if local.weekday() >= 5 and rng.random() > 0.2:
                local = morning + timedelta(days=1)
            elif local.hour < 8:
                local = morning
            elif local.hour >= 20:
                local = morning + timedelta(days=1)
            else:
                break
        return local + timedelta(seconds=rng.randrange(60))

    def customer_time(self, t: datetime, person: _Person, median: float = 200) -> datetime:
        """When the customer writes back: a few hours later, not in the middle of their night."""
        rng = self.rng
        delay = min(max(rng.lognormvariate(math.log(median), 1.1), 2), 60 * 24 * 5)
        local = (t + timedelta(minutes=delay)).astimezone(person.tz)
        if local.hour < 7 or local.hour >= 23:
            day = local.date() + timedelta(days=1 if local.hour >= 23 else 0)
            local = datetime.combine(day, time(rng.randint(7, 10), rng.randrange(60)), person.tz)
        return local + timedelta(seconds=rng.randrange(60))

    # -- one conversation -----------------------------------------------------------------

    def conversation(self, plan: _Plan) -> list[tuple[float, bytes]]:
        rng, person = self.rng, plan.person
        kind_name, kind = plan.kind, _KINDS[plan.kind]
        opener, in_english = rng.choice(kind.openers), ""
        local = _LOCAL_OPENERS.get(person.region.key, ())
        if local and not plan.special and kind_name != "help" and rng.random() < 0.18:
            kind_name, opener = rng.choice(local)
            kind, in_english = _KINDS[kind_name], rng.choice(_IN_ENGLISH)
        dana = kind_name in ("pricing", "angry") or rng.random() < 0.45
        agent = _AGENTS[0] if dana else _AGENTS[1]
        fill = self.fill(plan, agent, opener[0])
        mates = [
            p for p in self.by_company.get(person.customer.company or "", []) if p is not person
        ]
        cc = []
        if mates and rng.random() < 0.08:
            mate = rng.choice(mates).customer
            cc.append(_addr(mate.name, mate.email))
        thread = _Thread(person, agent, opener[1].format_map(fill), fill, cc, kind_name == "angry")

        text = opener[2].format_map(fill)
        attachments = self.first_attachments(plan, kind_name, fill)
        if attachments and plan.special != "nasty":
            text += rng.choice(("\n\nScreenshot attached.", "\n\nSee attached.", "\n\n(attached)"))
        last = self.from_customer(thread, plan.start, text, None, attachments)
        answer = (_OUTAGE_ANSWER if kind_name == "outage" else opener[3]).format_map(fill)

        t, turn, resolved = last.when, 0, False
        recent = self.now - plan.start < timedelta(days=2)
        if rng.random() < (0.2 if kind.urgent else 0.07):  # no answer yet, so they nudge
            nudge = self.customer_time(t, person, 60 * 24 * 1.5)
            if nudge <= self.now:
                last = self.from_customer(thread, nudge, rng.choice(_BUMPS), last)
                t = nudge
        while turn < 9:
            if turn % 2 == 0:  # our move
                chance = kind.answer_rate if turn == 0 else (0.4 if resolved else 0.85)
                if turn == 0 and self.now - t > timedelta(days=2):
                    chance = 0.985  # a real team answers; what is left over is recent work
                elif recent:
                    chance *= 0.3
                if rng.random() >= chance:
                    break
                t = self.our_time(t, agent, kind.urgent or person.customer.tier == "vip")
                if t > self.now:
                    break
                if turn == 0:
                    paras = [in_english, rng.choice(kind.acks).format_map(fill), answer]
                    if kind_name in ("howto", "bug"):
                        slug = opener[0].lower().replace(" ", "-")
                        paras.append(
                            rng.choice(_POINTERS) + (slug if "articles" in paras[-1] else "")
                        )
                elif resolved:
                    paras = [thread.pick(rng, _CLOSING).format_map(fill)]
                else:
                    later = (kind.later, _LATER) if rng.random() < 0.7 else (_LATER, kind.later)
                    paras = [thread.pick(rng, *later).format_map(fill)]
                last = self.from_us(thread, t, "\n\n".join(p for p in paras if p), last, kind_name)
                if resolved:
                    break
            else:  # theirs
                if rng.random() >= (0.45 if turn == 1 else 0.35):
                    break
                t = self.customer_time(t, person)
                if t > self.now:
                    break
                resolved = rng.random() < 0.45
                said = thread.pick(rng, _THANKS if resolved else kind.more).format_map(fill)
                if rng.random() < 0.4:
                    said = f"Hi {agent.name},\n\n{said}"
                last = self.from_customer(thread, t, said, last, closing=not resolved)
            turn += 1
        return thread.messages

    def first_attachments(self, plan: _Plan, kind: str, fill: dict[str, str]) -> list[_Attachment]:
        rng, person = self.rng, plan.person
        t = plan.start.astimezone(person.tz)
        invoice = _pdf("Trellis invoice", [fill["invoice"], fill["amount"], fill["company"]])
        if plan.special == "nasty":
            return [("../../invoice<2026>.pdf", "application/pdf", invoice)]
        if plan.special == "umlaut":
            return [("Übersicht – Fehler Zeitleiste.png", "image/png", _png(rng))]
        roll = rng.random()
        if kind in ("bug", "angry", "login") and roll < 0.06:
            return [("trellis-desktop.log", "text/plain", _log(rng, t))]
        screenshots = {"bug": 0.2, "angry": 0.2, "login": 0.15, "howto": 0.06}
        if roll < screenshots.get(kind, 0):
            return [(_screenshot_name(rng, person, t), "image/png", _png(rng))]
        if kind == "billing" and roll < 0.18:
            return [(f"Trellis-{fill['invoice']}.pdf", "application/pdf", invoice)]
        if kind == "data" and roll < 0.15:
            dpa = _pdf("Data Processing Agreement", [fill["company"]])
            return [("DPA_signed.pdf", "application/pdf", dpa)]
        return []

    # -- writing the messages ------------------------------------------------------------

    def transport(self, addr: str, client: str, t: datetime) -> list[str]:
        """The headers our MX and the sender's servers add on the way in."""
        rng, domain = self.rng, addr.split("@")[1]
        if domain == "gmail.com" or (client == "gmail" and domain not in _FREEMAIL_CLIENTS):
            host, ip, key = f"mail-sor-f{rng.randint(41, 199)}.google.com", "209.85", "google"
        elif domain in ("outlook.com", "hotmail.com") or client == "outlook":
            host = f"{rng.choice(_EXCHANGE)}-obe.outbound.protection.outlook.com"
            ip, key = "40.107", "selector1"
        elif domain == "yahoo.com":
            host, ip, key = f"sonic{rng.randint(301, 330)}.mail.ne1.yahoo.com", "66.163", "s2048"
        else:
            host, ip, key = f"mail.{domain}", f"{rng.randint(80, 195)}.{rng.randint(1, 254)}", "mx"
        ip = f"{ip}.{rng.randint(1, 254)}.{rng.randint(1, 254)}"
        stamp = format_datetime((t + timedelta(seconds=rng.randint(1, 9))).astimezone(UTC))
        sig = base64.b64encode(rng.randbytes(256)).decode("ascii")
        sig = "\n\t ".join(sig[i : i + 72] for i in range(0, len(sig), 72))
        body_hash = base64.b64encode(rng.randbytes(32)).decode("ascii")
        return [
            f"Delivered-To: {SUPPORT_ADDRESS}",
            f"Received: from {host} ({host} [{ip}])\n\tby mx.trellis.app (Postfix) with ESMTPS "
            f"id {rng.getrandbits(40):010X}\n\tfor <{SUPPORT_ADDRESS}>; {stamp}",
            f"Return-Path: <{addr}>",
            f"Authentication-Results: mx.trellis.app;\n\tdkim=pass (2048-bit key) header.d={domain}"
            f" header.s={key};\n\tspf=pass smtp.mailfrom={addr};\n\tdmarc=pass"
            f" header.from={domain}",
            f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s={key};\n\t"
            f"t={int(t.timestamp())}; h=from:to:subject:date:message-id:mime-version;\n\t"
            f"bh={body_hash};\n\tb={sig}",
        ]

    def msgid(self, domain: str) -> str:
        return f"<{self.rng.getrandbits(96):024x}@{domain}>"

    def from_customer(
        self,
        thread: _Thread,
        t: datetime,
        text: str,
        parent: _Sent | None,
        attachments: list[_Attachment] | None = None,
        closing: bool = True,
    ) -> _Sent:
        rng, person, c = self.rng, thread.person, thread.person.customer
        t = t.astimezone(person.tz)
        if closing and text.rstrip().rstrip("!.").lower().endswith(_SIGNED_OFF):
            text += f"\n{person.first}"
        elif closing and person.signoff:
            text += f"\n\n{person.first if thread.curt else person.signoff}"
        if parent and parent.addr == SUPPORT_ADDRESS:
            to = _addr(parent.name, parent.addr)
        else:
            to = _addr(SUPPORT_NAME, SUPPORT_ADDRESS) if rng.random() < 0.8 else SUPPORT_ADDRESS
        headers = self.transport(c.email, person.client, t)
        headers += [f"From: {_addr(c.name, c.email, person.charset)}", f"To: {to}"]
        headers += [f"Cc: {', '.join(thread.cc)}"] if thread.cc else []
        headers += [f"Reply-To: {person.reply_to}"] if person.reply_to else []
        subject, quote = thread.subject, None
        refs: tuple[str, ...] = ()
        if parent is not None:
            prefix = "Re: "
            if person.client == "outlook":
                prefix = "AW: " if person.region.key == "de" else "RE: "
            subject = prefix + thread.subject
            self.follow_ups += 1
            if self.follow_ups % 60 != 20:  # one follow-up in 60 loses its threading headers
                refs = (*parent.references, parent.msgid)
                style, region = _QUOTE_STYLE[person.client], person.region
                when = parent.when.astimezone(person.tz)
                attribution = _attribution(style, region.locale, region.key, when, parent)
                quote = _Quote(style, attribution, parent.body)
        mobile = person.client in ("iphone", "android")
        body = _Body(text, person.signature if closing or mobile else "", quote)
        msgid = self.msgid("mail." + c.email.split("@")[1])
        sent = _Sent(msgid, t, c.name, c.email, _SUPPORT, subject, body, refs)
        data = self.render(sent, headers, person.client, person.charset, attachments or [])
        thread.messages.append((t.timestamp(), data))
        return sent

    def from_us(self, thread: _Thread, t: datetime, text: str, parent: _Sent, kind: str) -> _Sent:
        rng, agent, person = self.rng, thread.agent, thread.person
        t = t.astimezone(agent.tz)
        greeting = rng.choice(_GREETINGS).format(first=person.first)
        text = f"{greeting}\n\n{text}\n\n{rng.choice(_SIGNOFFS).format(agent=agent.name)}"
        name = "Dana at Trellis" if agent.name == "Dana" and rng.random() < 0.3 else SUPPORT_NAME
        attribution = _attribution(
            "gmail", agent.locale, "", parent.when.astimezone(agent.tz), parent
        )
        signature = agent.signature if rng.random() < 0.7 else ""
        body = _Body(text, signature, _Quote("gmail", attribution, parent.body))
        c = person.customer
        reply_addr = person.reply_to or c.email
        refs = (*parent.references, parent.msgid)
        subject = "Re: " + thread.subject
        sent = _Sent(
            self.msgid("trellis.app"),
            t,
            name,
            SUPPORT_ADDRESS,
            f"{c.name} <{reply_addr}>",
            subject,
            body,
            refs,
        )
        cc = list(thread.cc)
        if kind == "pricing" and "Pete" in text:
            cc.append(_addr(*_PETE))
        headers = [f"From: {_addr(name, SUPPORT_ADDRESS)}", f"To: {_addr(c.name, reply_addr)}"]
        headers += [f"Cc: {', '.join(cc)}"] if cc else []
        attachments: list[_Attachment] = []
        if kind == "billing" and rng.random() < 0.2:
            invoice = _pdf("Trellis invoice", [thread.fill["invoice"], thread.fill["amount"]])
            attachments.append(
                (f"Trellis-{thread.fill['invoice']}.pdf", "application/pdf", invoice)
            )
        elif kind == "data" and rng.random() < 0.35:
            attachments.append(("trellis-export.csv", "text/csv", _csv(rng, thread.fill["board"])))
        thread.messages.append(
            (t.timestamp(), self.render(sent, headers, "us", "utf-8", attachments))
        )
        return sent

    def render(
        self,
        sent: _Sent,
        headers: list[str],
        client: str,
        charset: str,
        attachments: list[_Attachment],
    ) -> bytes:
        """The message as it arrives: headers, then plain text, HTML or both, then files."""
        rng = self.rng
        plain = sent.body.plain
        if charset == "iso-8859-1":
            plain = plain.translate(_LATIN1)
        if not _fits(plain, charset):
            charset, plain = "utf-8", sent.body.plain
        lines = [*headers, f"Subject: {_subject(sent.subject, charset)}"]
        lines += [f"Date: {format_datetime(sent.when)}", f"Message-ID: {sent.msgid}"]
        if sent.references:
            lines.append(f"In-Reply-To: {sent.references[-1]}")
            lines.append("References: " + "\n ".join(sent.references))
        lines.append("MIME-Version: 1.0")
        lines += [_MAILERS[client]] if client in _MAILERS else []
        html_only, both = _MIME_ODDS[client]
        roll = rng.random()
        if roll >= html_only + both:
            part = _text_part(plain, "plain", charset, client == "thunderbird")
        else:
            markup = _html(sent.body, "gmail" if client in ("android", "us") else client, charset)
            if charset == "iso-8859-1":
                markup = markup.translate(_LATIN1)
            part = _text_part(markup, "html", charset, False)
            if roll >= html_only:
                hexes = f"{rng.getrandbits(64):016x}"
                boundary = f"0000000000{hexes}"
                if client == "outlook":
                    boundary = f"_000_{hexes.upper()}EXCHANGE_"
                elif client in ("apple", "iphone"):
                    boundary = f"Apple-Mail={hexes.upper()}"
                part = _multipart(
                    "alternative", boundary, [_text_part(plain, "plain", charset, False), part]
                )
        if attachments:
            parts = [part] + [_attachment_part(*a) for a in attachments]
            part = _multipart("mixed", f"0000000000{rng.getrandbits(64):016x}", parts)
        message = "\n".join(lines + part[0]) + "\n\n" + part[1]
        return message.replace("\n", "\r\n").encode("latin-1")


def iter_messages(
    seed: int = 7, conversations: int = 300, days: int = 60, now: datetime | None = None
) -> Iterator[bytes]:
    """Yields RFC 5322 messages (bytes, CRLF line endings) in arrival order."""
    if conversations < 0 or days < 1:
        raise ValueError("need conversations >= 0 and days >= 1")
    box = _Mailbox(seed, conversations, days, _aware(now or DEFAULT_NOW))
    pending: list[tuple[float, int, bytes]] = []
    order = 0
    for plan in box.plans():
        # Later conversations start no earlier than this one, so what is due by now is final.
        cutoff = plan.start.timestamp()
        while pending and pending[0][0] <= cutoff:
            yield heapq.heappop(pending)[2]
        for when, data in box.conversation(plan):
            heapq.heappush(pending, (when, order, data))
            order += 1
    while pending:
        yield heapq.heappop(pending)[2]


def generate(
    seed: int = 7, conversations: int = 300, days: int = 60, now: datetime | None = None
) -> list[bytes]:
    """The whole demo mailbox at once; see iter_messages."""
    return list(iter_messages(seed, conversations, days, now))
