"""The simulated world around a demo account: agent habits, customer companies, the directory.

Built once per `generate_records` call from the account and the seed. Nothing here is emitted
directly; it parameterises the scenarios (how fast each person replies, when they work, which mail
client each party uses, who owns which customer).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import accumulate
from statistics import NormalDist

from replytime.demo.account import DemoAccount
from replytime.demo.words import COMPANY_FIRST, COMPANY_SECOND, FIRST_NAMES, LAST_NAMES
from replytime.demo.worktime import HOUR, Calendar, Shift, build_calendar, local_date

ROLES = ("support", "sales", "success", "billing")
# Team names are free text in real accounts: the role is guessed from words in the name.
_ROLE_WORDS = (
    ("support", "support"), ("help", "support"), ("sales", "sales"), ("success", "success"),
    ("account", "success"), ("billing", "billing"), ("finance", "billing"),
)  # fmt: skip
# Median reply delay in business seconds by role: sales chase leads, billing batches its work.
_ROLE_DELAY = {"support": 2700, "sales": 1800, "success": 6600, "billing": 9000, "general": 5400}
_ROLE_AFTER_HOURS = {"support": 0.12, "sales": 0.10, "success": 0.04, "billing": 0.02}

# (locale, share, reply prefixes, forward prefixes, hour offsets from the account zone, forms)
_LOCALES = (
    ("en-GB", 0.55, ("RE: ", "Re: "), ("FW: ", "Fwd: "), (0,), ("Ltd", "plc", "")),
    ("en-US", 0.12, ("RE: ", "Re: "), ("FW: ", "Fwd: "), (-5, -6, -8), ("Inc", "LLC")),
    ("de", 0.12, ("AW: ",), ("WG: ",), (1,), ("GmbH", "AG")),
    ("nl", 0.06, ("Antw: ", "RE: "), ("Doorst: ", "FW: "), (1,), ("B.V.",)),
    ("fr", 0.06, ("RE: ",), ("TR: ",), (1,), ("SAS",)),
    ("sv", 0.05, ("SV: ",), ("Fwd: ",), (1,), ("AB",)),
    ("es", 0.04, ("RE: ",), ("RV: ",), (1,), ("S.L.",)),
)  # fmt: skip


@dataclass(slots=True, eq=False)
class Agent:
    """Habits of one tracked person (one mailbox of the account)."""

    address: str
    name: str
    aliases: tuple[str, ...]
    role: str
    shift: Shift
    median_delay: float
    after_hours: float
    off: frozenset[int]
    autoreply: bool
    prefix: str
    fwd_prefix: str
    outlook: bool
    id_host: str
    teams: list[TeamInfo] = field(default_factory=list)
    legacy: bool = False
    id_style: int = 0


@dataclass(slots=True, eq=False)
class TeamInfo:
    """A team as the scenarios see it: members, team address and habits."""

    name: str
    address: str | None
    role: str
    friday_slow: bool
    members: list[Agent] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Company:
    """An external organisation with its contacts, locale and mail client."""

    name: str
    domain: str
    contacts: tuple[str, ...]
    offset: int  # seconds to add to account-local time to get this company's local time
    prefix: str
    fwd_prefix: str
    outlook: bool
    legacy: bool  # an old mail system that sets no In-Reply-To / References
    prospect: bool
    id_host: str
    id_style: int
    owner: Agent | None = None


@dataclass(slots=True)
class Weighted:
    """Items with cumulative weights, for O(log n) weighted picks."""

    items: list[Company]
    cum: list[float]

    def pick(self, rng: random.Random) -> Company:
        return self.items[bisect_right(self.cum, rng.random() * self.cum[-1])]


@dataclass(slots=True)
class World:
    """Everything scenarios draw on, plus the address directory used to route records."""

    cal: Calendar
    domain: str
    internal: frozenset[str]
    agents: list[Agent]
    teams: list[TeamInfo]
    customers: Weighted
    prospects: Weighted
    by_role: dict[str, list[Agent]]
    mailbox_of: dict[str, str]  # primary address or alias -> primary address
    team_members: dict[str, tuple[str, ...]]  # team address -> member primary addresses


def role_of(team_name: str) -> str:
    """The role a team plays, guessed from its name; "general" when nothing matches."""
    lowered = team_name.casefold()
    return next((role for word, role in _ROLE_WORDS if word in lowered), "general")


def build_world(account: DemoAccount, seed: int, start: int, end: int) -> World:
    """Simulate the people and customers of `account` for the window [start, end]."""
    rng = random.Random(f"replytime-demo-world:{seed}")
    first = local_date(account.timezone, start)
    # Replies may be due after the window ends; the calendar runs on so they can be computed.
    last = local_date(account.timezone, end) + timedelta(days=120)
    cal = build_calendar(account.timezone, first, last, account.holiday_country)
    window_days = cal.index(end) + 1
    domain = account.mailboxes[0].address.split("@", 1)[1] if account.mailboxes else "demo.test"
    teams = _teams(account)
    agents = _agents(rng, account, teams, window_days, domain)
    by_role: dict[str, list[Agent]] = {}
    for agent in agents:
        by_role.setdefault(agent.role, []).append(agent)
    customers, prospects = _companies(rng, max(60, 15 * len(agents)), by_role, agents)
    mailbox_of = {a: box.address for box in account.mailboxes for a in (box.address, *box.aliases)}
    team_members = {
        address: tuple(m.address for m in team.members)
        for team in teams
        for address in ([team.address] if team.address else [])
        if team.members
    }
    return World(
        cal=cal,
        domain=domain,
        internal=frozenset(account.internal_domains),
        agents=agents,
        teams=[t for t in teams if t.members],
        customers=customers,
        prospects=prospects,
        by_role=by_role,
        mailbox_of=mailbox_of,
        team_members=team_members,
    )


def _teams(account: DemoAccount) -> list[TeamInfo]:
    teams = [
        TeamInfo(t.name, t.addresses[0] if t.addresses else None, role_of(t.name), False)
        for t in account.teams
    ]
    # One team winds down on Friday afternoons: the dashboard should show it.
    slow = next((t for t in teams if t.role == "success"), teams[-1] if teams else None)
    if slow is not None:
        slow.friday_slow = True
    return teams


def _agents(
    rng: random.Random, account: DemoAccount, teams: list[TeamInfo], days: int, domain: str
) -> list[Agent]:
    by_name = {t.name: t for t in teams}
    agents = []
    for box in account.mailboxes:
        mine = [by_name[n] for n in box.teams if n in by_name]
        role = next((t.role for t in mine if t.role != "general"), "general")
        outlook = rng.random() < 0.3
        agent = Agent(
            address=box.address,
            name=box.name,
            aliases=box.aliases,
            role=role,
            shift=_shift(rng, role),
            # Some people are simply faster than others: a log-normal personal factor.
            median_delay=log_normal_median(rng, _ROLE_DELAY[role], 0.5),
            after_hours=_ROLE_AFTER_HOURS.get(role, 0.03) * rng.uniform(0.3, 1.7),
            off=_vacations(rng, days),
            autoreply=rng.random() < 0.6,
            prefix="RE: " if outlook else "Re: ",
            fwd_prefix="FW: " if outlook else "Fwd: ",
            outlook=outlook,
            id_host=f"mail.{box.address.split('@', 1)[1] or domain}",
            teams=mine,
        )
        for team in mine:
            team.members.append(agent)
        agents.append(agent)
    return agents


def _shift(rng: random.Random, role: str) -> Shift:
    # Support staggers its shifts to cover the day; everyone else starts around nine.
    starts = (8.0, 8.5, 9.0, 9.0, 10.0) if role == "support" else (8.5, 9.0, 9.0, 9.5)
    start = int(rng.choice(starts) * HOUR)
    end = start + int(rng.choice((8.0, 8.5, 8.5, 9.0)) * HOUR)
    friday_end = end - (HOUR if rng.random() < 0.4 else 0)
    return Shift(start, end, friday_end)


def _vacations(rng: random.Random, days: int) -> frozenset[int]:
    """One or two blocks of leave (day indices) within the window."""
    off: set[int] = set()
    if days < 10:
        return frozenset()
    for _ in range(rng.choice((1, 1, 2))):
        first = rng.randrange(0, days - 5)
        off.update(range(first, first + rng.choice((3, 5, 7, 9, 12))))
    return frozenset(off)


def _companies(
    rng: random.Random, count: int, by_role: dict[str, list[Agent]], agents: list[Agent]
) -> tuple[Weighted, Weighted]:
    """Customer and prospect companies with Zipf-like activity weights."""
    customers: list[tuple[Company, float]] = []
    prospects: list[tuple[Company, float]] = []
    used: set[str] = set()
    locales = list(_LOCALES)
    locale_cum = list(accumulate(loc[1] for loc in locales))
    owners = by_role.get("success", []) + by_role.get("sales", [])
    while len(customers) + len(prospects) < count:
        words = (rng.choice(COMPANY_FIRST), rng.choice(COMPANY_SECOND))
        slug = f"{words[0]}{'-' if rng.random() < 0.4 else ''}{words[1]}".lower()
        if slug in used:
            continue
        used.add(slug)
        loc = locales[bisect_right(locale_cum, rng.random() * locale_cum[-1])]
        company = _company(rng, words, slug, loc)
        # A few big accounts write most of the mail.
        weight = min(rng.paretovariate(1.2), 40.0)
        if rng.random() < 0.3:
            company.prospect = True
            company.owner = _pick(rng, by_role.get("sales") or agents)
            prospects.append((company, weight))
        else:
            company.owner = _pick(rng, owners or agents)
            customers.append((company, weight))
    customers.append((_freemail(rng), 6.0))
    return _weighted(customers), _weighted(prospects or customers)


def _company(rng: random.Random, words: tuple[str, str], slug: str, loc: tuple) -> Company:
    _, _, replies, forwards, offsets, forms = loc
    tld = ".test" if rng.random() < 0.25 else ".example"
    domain = f"{slug}{tld}"
    outlook = rng.random() < 0.4
    form = rng.choice(forms)
    return Company(
        name=f"{words[0]} {words[1]}{' ' + form if form else ''}",
        domain=domain,
        contacts=_contacts(rng, domain, rng.choice((1, 2, 2, 3, 3, 4, 5, 7))),
        offset=rng.choice(offsets) * HOUR,
        prefix=replies[0] if outlook else rng.choice(replies),
        fwd_prefix=forwards[0] if outlook else rng.choice(forwards),
        outlook=outlook,
        legacy=rng.random() < 0.06,
        prospect=False,
        id_host=rng.choice((f"mail.{domain}", domain, f"smtp.{domain}", f"mx1.{domain}")),
        id_style=2 if outlook else rng.randrange(2),
    )


def _contacts(rng: random.Random, domain: str, count: int) -> tuple[str, ...]:
    style = rng.randrange(4)
    found: list[str] = []
    for _ in range(count * 3):
        first = rng.choice(FIRST_NAMES)[1]
        last = rng.choice(LAST_NAMES)[1]
        local = (f"{first}.{last}", f"{first[0]}{last}", first, f"{first}_{last}")[style]
        address = f"{local}@{domain}"
        if address not in found:
            found.append(address)
        if len(found) == count:
            break
    return tuple(found)


def _freemail(rng: random.Random) -> Company:
    """Individuals (sole traders, private customers) on a webmail domain."""
    domain = "mailbox.example"
    contacts = tuple(
        f"{rng.choice(FIRST_NAMES)[1]}{rng.choice(LAST_NAMES)[1]}{rng.randrange(1, 99)}@{domain}"
        for _ in range(60)
    )
    return Company(
        name="Private customers",
        domain=domain,
        contacts=tuple(dict.fromkeys(contacts)),
        offset=0,
        prefix="Re: ",
        fwd_prefix="Fwd: ",
        outlook=False,
        legacy=False,
        prospect=False,
        id_host=f"web.{domain}",
        id_style=1,
    )


def _pick(rng: random.Random, agents: list[Agent]) -> Agent | None:
    return rng.choice(agents) if agents else None


def _weighted(pairs: list[tuple[Company, float]]) -> Weighted:
    return Weighted([c for c, _ in pairs], list(accumulate(w for _, w in pairs)))


# Standard normal quantiles at 4096 evenly spaced probabilities: drawing from this table is
# ten times faster than random.lognormvariate, and +-3.5 sigma is all the tail demo data needs.
_Z = tuple(NormalDist().inv_cdf((i + 0.5) / 4096) for i in range(4096))


def log_normal_median(rng: random.Random, median: float, sigma: float) -> float:
    """A log-normal draw parameterised by its median (more readable than mu)."""
    return median * math.exp(sigma * _Z[rng.getrandbits(12)])
