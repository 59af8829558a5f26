"""Creating and configuring accounts and teams (used by the CLI, the web app and the demo)."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable

from django.db import transaction

from replytime.tenancy.models import Account, Team

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_DOMAIN = re.compile(r"^[a-z0-9.-]+\.[a-z0-9-]+$|^[a-z0-9-]+$")


def check_timezone(zone: str) -> str:
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"Unknown time zone {zone!r}: use an IANA name such as Europe/London"
        ) from None
    return zone


def normalise_address(address: str) -> str:
    value = address.strip().lower()
    if value.count("@") != 1 or value.startswith("@") or value.endswith("@"):
        raise ValueError(f"{address!r} is not an email address")
    return value


def normalise_domains(domains: Iterable[str]) -> list[str]:
    result = []
    for domain in domains:
        value = domain.strip().lower().lstrip("@")
        if not _DOMAIN.match(value):
            raise ValueError(f"{domain!r} is not a domain name")
        if value not in result:
            result.append(value)
    return result


@transaction.atomic
def create_account(
    name: str,
    *,
    internal_domains: Iterable[str] = (),
    count_internal: bool = False,
    count_cc: bool = False,
    timezone: str = "UTC",
    goal_seconds: int | None = None,
    thread_window_days: int | None = None,
) -> Account:
    if not _NAME.match(name):
        raise ValueError(
            f"Account name {name!r}: use lowercase letters, digits, '-' and '_' (max 100)"
        )
    if Account.objects.filter(name=name).exists():
        raise ValueError(f"An account named {name!r} exists already")
    account = Account(
        name=name,
        internal_domains="\n".join(normalise_domains(internal_domains)),
        count_internal=count_internal,
        count_cc=count_cc,
        timezone=check_timezone(timezone),
    )
    if goal_seconds is not None:
        account.reply_goal_seconds = goal_seconds
    if thread_window_days is not None:
        if thread_window_days < 0:
            raise ValueError("--thread-window-days must be 0 or more")
        account.thread_window_days = thread_window_days
    account.save()
    return account


@transaction.atomic
def create_team(
    account: Account, name: str, *, addresses: Iterable[str] = (), goal_seconds: int | None = None
) -> Team:
    name = name.strip()
    if not name:
        raise ValueError("A team needs a name")
    if Team.objects.filter(account=account, name=name).exists():
        raise ValueError(f"Team {name!r} exists already in account {account.name!r}")
    normalised = [normalise_address(a) for a in addresses]
    return Team.objects.create(
        account=account,
        name=name,
        addresses="\n".join(dict.fromkeys(normalised)),
        goal_seconds=goal_seconds,
    )
