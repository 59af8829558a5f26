"""Builders shared by the test suites: accounts, mailboxes and header records."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime

from replytime.mailboxes.connectors.base import HeaderRecord
from replytime.mailboxes.models import Mailbox
from replytime.mailboxes.services import add_mailbox
from replytime.tenancy.models import Account
from replytime.tenancy.services import create_account, create_team

_ids = itertools.count(1)


def epoch(text: str) -> int:
    """`2026-03-02 10:00` (UTC) as epoch seconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def make_account(name: str = "acme", **kwargs: object) -> Account:
    kwargs.setdefault("internal_domains", ["acme.com"])
    return create_account(name, **kwargs)  # type: ignore[arg-type]


def make_mailbox(
    account: Account, address: str = "ann@acme.com", *, teams: tuple[str, ...] = (), **kw: object
) -> Mailbox:
    for team in teams:
        if not account.teams.filter(name=team).exists():
            create_team(account, team)
    return add_mailbox(account, address, teams=teams, **kw)  # type: ignore[arg-type]


def header(
    *,
    frm: str | None = "bob@client.com",
    to: tuple[str, ...] = ("ann@acme.com",),
    subject: str = "Prices",
    at: str | int = "2026-03-02 10:00",
    message_id: str | None = None,
    folder: str = "INBOX",
    **kw: object,
) -> HeaderRecord:
    """A HeaderRecord with sensible defaults; `at` sets Date and received_at."""
    t = at if isinstance(at, int) else epoch(at)
    n = next(_ids)
    values: dict[str, object] = {
        "provider_id": f"test:{n}",
        "message_id": message_id if message_id is not None else f"m{n}@test",
        "from_addr": frm,
        "to": to,
        "subject": subject,
        "date": t,
        "received_at": t,
        "folders": (folder,) if folder else (),
    }
    values.update(kw)
    return HeaderRecord(**values)  # type: ignore[arg-type]


# --- web app personas (issue 4) ------------------------------------------------------------

PASSWORD = "correct-horse-battery-9"


def make_user(email: str, *, password: str = PASSWORD, verified: bool = True) -> object:
    """A user who signs in with `email` (its allauth EmailAddress is verified by default)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username=email, email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


def make_member(account: Account, email: str, role: str, **scope: object) -> object:
    """A user with `role` in `account`; `scope` takes teams, mailboxes and own_mailbox."""
    from django.contrib.auth import get_user_model

    from replytime.tenancy.members import add_member

    user = get_user_model().objects.filter(email=email).first() or make_user(email)
    return add_member(account, user, role, **scope)  # type: ignore[arg-type]


@dataclass
class Personas:
    """Two accounts and a person for every role (see `make_personas`)."""

    acme: Account
    globex: Account
    sales: object
    support: object
    ann: Mailbox
    ben: Mailbox
    gus: Mailbox
    members: dict[str, object] = field(default_factory=dict)

    def user(self, role_or_name: str) -> object:
        return self.members[role_or_name].user  # type: ignore[attr-defined]


def make_personas() -> Personas:
    """Acme (teams Sales with ann@, Support with ben@) and Globex (gus@), with these people:

    alice owner, dave admin, erin manager, frank restricted manager (team Sales), gina agent
    (own mailbox ben@) and bob viewer in Acme; carol owner of Globex (an outsider to Acme).
    `members` is keyed by role ("owner", "admin", ...) for Acme and "outsider" for Carol.
    """
    from replytime.tenancy.models import Role

    acme = make_account("acme")
    globex = make_account("globex", internal_domains=["globex.com"])
    ann = make_mailbox(acme, "ann@acme.com", teams=("Sales",))
    ben = make_mailbox(acme, "ben@acme.com", teams=("Support",))
    gus = make_mailbox(globex, "gus@globex.com", teams=("Ops",))
    sales, support = acme.teams.get(name="Sales"), acme.teams.get(name="Support")
    people = Personas(acme, globex, sales, support, ann, ben, gus)
    people.members = {
        Role.OWNER: make_member(acme, "alice@acme.com", Role.OWNER),
        Role.ADMIN: make_member(acme, "dave@acme.com", Role.ADMIN),
        Role.MANAGER: make_member(acme, "erin@acme.com", Role.MANAGER),
        Role.RESTRICTED: make_member(acme, "frank@acme.com", Role.RESTRICTED, teams=[sales]),
        Role.AGENT: make_member(acme, "gina@acme.com", Role.AGENT, own_mailbox=ben),
        Role.VIEWER: make_member(acme, "bob@acme.com", Role.VIEWER),
        "outsider": make_member(globex, "carol@globex.com", Role.OWNER),
    }
    return people
