"""Hand-made mail for the dashboard tests, stored and computed through the real pipeline.

Acme (zone UTC, default hours Mon-Fri 09:00-17:00, goal 4 h), week of Monday 2026-03-02:
- A: bob@client.com -> ann, Mon 10:00; ann replies 10:30          -> 1800 s, first reply
- B: carol@other.org -> ann, Mon 11:00 and 12:00; ann replies 13:00 -> 7200 s, answered 2
- C: dave@client.com -> ben, Tue 09:00; no reply                  -> unanswered
- D: bob@client.com -> ben, Tue 10:00; ben replies 14:00          -> 14400 s, first reply
Globex: zed@secret-customer.test -> gus, Mon 10:00 "Globex merger"; gus replies 10:05.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from replytime.ingestion.store import RecordStore
from replytime.mailboxes.connectors.base import HeaderRecord
from replytime.mailboxes.models import Mailbox
from replytime.metrics.service import recompute_account
from replytime.reports.filters import Filters
from replytime.reports.queries import Context
from replytime.reports.scoping import Visibility, visibility_of
from replytime.testing import Personas, epoch, header

MONDAY = date(2026, 3, 2)
WEEK = Filters(period="custom", first=MONDAY, last=date(2026, 3, 8))
NOW = epoch("2026-03-09 09:00")
SECRET = "secret-customer.test"


def _pair(
    mailbox: str, customer: str, subject: str, asked: list[str], replied: str | None, tag: str
) -> list[HeaderRecord]:
    records = []
    first_id = f"{tag}1@test"
    for i, at in enumerate(asked, 1):
        irt = () if i == 1 else (first_id,)
        records.append(
            header(
                frm=customer,
                to=(mailbox,),
                subject=subject if i == 1 else f"Re: {subject}",
                at=at,
                message_id=f"{tag}{i}@test",
                in_reply_to=irt,
            )
        )
    if replied:
        records.append(
            header(
                frm=mailbox,
                to=(customer,),
                subject=f"Re: {subject}",
                at=replied,
                message_id=f"{tag}r@test",
                in_reply_to=(first_id,),
                folder="Sent",
            )
        )
    return records


def store(mailbox: Mailbox, records: Iterable[HeaderRecord]) -> None:
    RecordStore(mailbox).store(list(records))


def load_mail(people: Personas) -> None:
    ann, ben, gus = "ann@acme.com", "ben@acme.com", "gus@globex.com"
    store(people.ann, [
        *_pair(ann, "bob@client.com", "Prices", ["2026-03-02 10:00"], "2026-03-02 10:30", "a"),
        *_pair(ann, "carol@other.org", "Order", ["2026-03-02 11:00", "2026-03-02 12:00"],
               "2026-03-02 13:00", "b"),
    ])  # fmt: skip
    store(
        people.ben,
        [
            *_pair(ben, "dave@client.com", "Help", ["2026-03-03 09:00"], None, "c"),
            *_pair(ben, "bob@client.com", "Invoice", ["2026-03-03 10:00"], "2026-03-03 14:00", "d"),
        ],
    )
    store(people.gus, _pair(gus, f"zed@{SECRET}", "Globex merger", ["2026-03-02 10:00"],
                            "2026-03-02 10:05", "g"))  # fmt: skip
    recompute_account(people.acme)
    recompute_account(people.globex)


def everything(people: Personas) -> Visibility:
    return visibility_of(people.acme, totals=True)


def context(vis: Visibility, **changes: object) -> Context:
    from dataclasses import replace

    return Context(vis, replace(WEEK, **changes), now=NOW, today=date(2026, 3, 9))  # type: ignore[arg-type]
