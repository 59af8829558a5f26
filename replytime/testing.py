"""Builders shared by the test suites: accounts, mailboxes and header records."""

from __future__ import annotations

import itertools
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
