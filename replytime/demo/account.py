"""The demo organisation: its teams, mailboxes and aliases (spec §1: Account, Mailbox, Team).

`build_account` is deterministic for a seed. The organisation is "Acme" on `acme.example`, with a
former brand domain `acme.test` that some people still have an alias on, so the account has two
internal domains. Teams come from four units (Support, Sales, Customer Success, Billing); a unit
with more than `MAX_TEAM_SIZE` people is split into regional teams, each with its own team
address, because a distribution list that reaches 80 people is not how real teams work.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from replytime.demo.words import FIRST_NAMES, LAST_NAMES

DOMAIN = "acme.example"
LEGACY_DOMAIN = "acme.test"
TIMEZONE = "Europe/London"
HOLIDAY_COUNTRY = "GB"
MAX_TEAM_SIZE = 10
REGIONS = (
    "UK", "DACH", "Nordics", "Benelux", "France", "Iberia", "Americas", "APAC", "Italy",
    "Ireland", "Poland", "Middle East",
)  # fmt: skip


@dataclass(frozen=True)
class DemoMailbox:
    """One tracked person: primary address, aliases and team names (all addresses lowercase)."""

    address: str
    name: str
    aliases: tuple[str, ...]
    teams: tuple[str, ...]


@dataclass(frozen=True)
class DemoTeam:
    """A team with its team addresses (distribution lists) and reply goal in business seconds."""

    name: str
    addresses: tuple[str, ...]
    goal_seconds: int | None


@dataclass(frozen=True)
class DemoAccount:
    """An organisation: settings of spec §1 plus its teams and mailboxes."""

    name: str
    timezone: str
    internal_domains: tuple[str, ...]
    teams: tuple[DemoTeam, ...]
    mailboxes: tuple[DemoMailbox, ...]
    holiday_country: str | None


@dataclass(frozen=True)
class _Unit:
    name: str
    slug: str
    share: float
    goal: int | None
    role_alias: str
    # The unit whose team people of this unit most often also join.
    partner: str


_UNITS = (
    _Unit("Support", "support", 0.40, 4 * 3600, "escalations", "success"),
    _Unit("Sales", "sales", 0.25, 2 * 3600, "partners", "success"),
    _Unit("Customer Success", "success", 0.20, 8 * 3600, "renewals", "sales"),
    _Unit("Billing", "billing", 0.15, None, "invoices", "success"),
)


def build_account(*, seed: int = 7, mailboxes: int = 20, name: str = "demo") -> DemoAccount:
    """Build the demo organisation with `mailboxes` people; same seed, same account."""
    if mailboxes < 1:
        raise ValueError("mailboxes must be at least 1")
    rng = random.Random(f"replytime-demo-account:{seed}")
    people = _people(rng, mailboxes)
    unit_teams = _unit_teams(_allocate(mailboxes))
    teams = [team for _, group in unit_teams for team, _ in group]
    membership = _membership(rng, unit_teams)
    aliases = _aliases(rng, people, unit_teams)
    boxes = tuple(
        DemoMailbox(
            address=address,
            name=display,
            aliases=aliases.get(i, ()),
            teams=membership[i],
        )
        for i, (address, display) in enumerate(people)
    )
    domains = sorted({a.split("@", 1)[1] for b in boxes for a in (b.address, *b.aliases)})
    return DemoAccount(
        name=name,
        timezone=TIMEZONE,
        internal_domains=tuple(domains),
        teams=tuple(teams),
        mailboxes=boxes,
        holiday_country=HOLIDAY_COUNTRY,
    )


def _people(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Unique (primary address, display name) pairs."""
    used: set[str] = set()
    people: list[tuple[str, str]] = []
    # Decks rather than independent draws: three Yukis in a team of twenty looks made up.
    firsts: list[tuple[str, str]] = []
    lasts: list[tuple[str, str]] = []
    while len(people) < count:
        firsts = firsts or rng.sample(FIRST_NAMES, len(FIRST_NAMES))
        lasts = lasts or rng.sample(LAST_NAMES, len(LAST_NAMES))
        first, first_ascii = firsts.pop()
        last, last_ascii = lasts.pop()
        local = f"{first_ascii}.{last_ascii}"
        if local in used:
            # Large organisations do run out of unique names: number them like mail admins do.
            if len(used) < len(FIRST_NAMES) * len(LAST_NAMES) // 2:
                continue
            local = f"{local}{len(people)}"
        used.add(local)
        people.append((f"{local}@{DOMAIN}", f"{first} {last}"))
    return people


def _allocate(total: int) -> list[tuple[_Unit, int]]:
    """People per unit by share, largest remainder first; small accounts fill units in order."""
    raw = [(unit, unit.share * total) for unit in _UNITS]
    counts = [int(x) for _, x in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i][1] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return [(unit, n) for (unit, _), n in zip(raw, counts, strict=True) if n > 0]


def _unit_teams(
    allocation: list[tuple[_Unit, int]],
) -> list[tuple[_Unit, list[tuple[DemoTeam, int]]]]:
    """Split each unit into teams of at most MAX_TEAM_SIZE; returns (team, size) per unit."""
    result = []
    for unit, size in allocation:
        parts = math.ceil(size / MAX_TEAM_SIZE)
        sizes = [size // parts + (1 if i < size % parts else 0) for i in range(parts)]
        group = []
        for i, n in enumerate(sizes):
            if parts == 1:
                name, local = unit.name, unit.slug
            else:
                region = REGIONS[i] if i < len(REGIONS) else f"Region {i + 1}"
                name = f"{unit.name} {region}"
                local = f"{unit.slug}-{region.lower().replace(' ', '-')}"
            group.append((DemoTeam(name, (f"{local}@{DOMAIN}",), unit.goal), n))
        result.append((unit, group))
    return result


def _membership(
    rng: random.Random, unit_teams: list[tuple[_Unit, list[tuple[DemoTeam, int]]]]
) -> list[tuple[str, ...]]:
    """Team names per person, in person order; about one in five also joins a partner team."""
    by_slug = {unit.slug: [team for team, _ in group] for unit, group in unit_teams}
    result: list[tuple[str, ...]] = []
    joined: dict[str, int] = {}
    for unit, group in unit_teams:
        partners = by_slug.get(unit.partner, [])
        for i, (team, size) in enumerate(group):
            # Regional teams pair up with the partner unit's team of the same region.
            partner = partners[i % len(partners)] if partners else None
            for _ in range(size):
                names = [team.name]
                # Capped, so that a team stays a team and not everybody's second home.
                if partner is not None and rng.random() < 0.2 and joined.get(partner.name, 0) < 4:
                    joined[partner.name] = joined.get(partner.name, 0) + 1
                    names.append(partner.name)
                result.append(tuple(sorted(names)))
    return result


def _aliases(
    rng: random.Random,
    people: list[tuple[str, str]],
    unit_teams: list[tuple[_Unit, list[tuple[DemoTeam, int]]]],
) -> dict[int, tuple[str, ...]]:
    """Aliases by person index: a role alias for each unit's first person, personal ones for some."""
    result: dict[int, list[str]] = {}
    taken = {address.split("@", 1)[0] for address, _ in people}
    start = 0
    for unit, group in unit_teams:
        result.setdefault(start, []).append(f"{unit.role_alias}@{DOMAIN}")
        taken.add(unit.role_alias)
        start += sum(size for _, size in group)
    for i, (address, _) in enumerate(people):
        local = address.split("@", 1)[0]
        first, _, last = local.partition(".")
        roll = rng.random()
        if roll < 0.15 and first not in taken:
            taken.add(first)
            result.setdefault(i, []).append(f"{first}@{DOMAIN}")
        elif roll < 0.25 and f"{first[0]}.{last}" not in taken:
            taken.add(f"{first[0]}.{last}")
            result.setdefault(i, []).append(f"{first[0]}.{last}@{DOMAIN}")
        if rng.random() < 0.12:
            # People who joined from the old brand kept their address as an alias.
            result.setdefault(i, []).append(f"{local}@{LEGACY_DOMAIN}")
    return {i: tuple(a) for i, a in result.items()}
