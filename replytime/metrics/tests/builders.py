"""Small builders for metrics-core tests: records, mailboxes and local times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from replytime.conversations.identity import RecordInfo, make_fingerprint
from replytime.metrics.business import Schedule, make_schedule
from replytime.metrics.engine_core import (
    AccountSettings,
    CoreResult,
    MailboxInfo,
    TeamInfo,
    compute_core,
)
from replytime.metrics.walk import MAILBOX, Scope

LONDON = "Europe/London"
ANN = "ann@acme.com"
BOB = "bob@client.com"
CARL = "carl@acme.com"
ANN_ID = 1
LONDON_HOURS: Schedule = make_schedule(LONDON, "mon-fri 09:00-17:00")

# Weekday names of the §10 examples: the week of Monday 2026-03-02; "Mon2" is the next Monday.
_DAYS = {"Mon": 2, "Tue": 3, "Wed": 4, "Thu": 5, "Fri": 6, "Sat": 7, "Sun": 8, "Mon2": 9}


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, zone: str = LONDON
) -> int:
    """Epoch seconds of a local wall-clock time (fold=0)."""
    return int(datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).timestamp())


def wk(day: str, hhmm: str) -> int:
    """A time in the §10 example week, e.g. wk("Fri", "16:00")."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    return local(2026, 3, _DAYS[day], hour, minute)


def rec(
    id: int,
    time: int,
    frm: str | None,
    to: Sequence[str] = (),
    *,
    mailbox: int = ANN_ID,
    subject: str = "Question",
    mid: str | None = "",
    irt: Sequence[str] = (),
    refs: Sequence[str] = (),
    cc: Sequence[str] = (),
    auto: Sequence[str] = (),
    folders: Sequence[str] = (),
    sender: str | None = None,
    thread: str | None = None,
    tindex: str | None = None,
    date: int | None = None,
    received: int | None = None,
) -> RecordInfo:
    """A record; `mid=""` means "m{id}@test", `mid=None` means no Message-ID."""
    message_id = f"m{id}@test" if mid == "" else mid
    date = time if date is None else date
    received = time if received is None else received
    return RecordInfo(
        id=id,
        mailbox_id=mailbox,
        message_ids=(message_id,) if message_id else (),
        fingerprint=make_fingerprint(frm, date, subject, to, cc),
        in_reply_to=tuple(irt),
        references=tuple(refs),
        provider_thread_id=thread,
        thread_index=tindex,
        from_addr=frm,
        sender=sender,
        to=tuple(to),
        cc=tuple(cc),
        subject=subject,
        date=date,
        received_at=received,
        folders=tuple(folders),
        auto_flags=tuple(auto),
    )


def ann_core(records: Sequence[RecordInfo], **settings: object) -> CoreResult:
    """Run the core for the §10 setting: mailbox ann@acme.com, London hours, acme.com internal."""
    account = AccountSettings(
        internal_domains=frozenset({"acme.com"}),
        timezone=LONDON,
        schedule=LONDON_HOURS,
        **settings,  # type: ignore[arg-type]
    )
    return compute_core(account, [MailboxInfo(ANN_ID, (ANN,))], [], records)


def run(
    records: Sequence[RecordInfo],
    mailboxes: Sequence[MailboxInfo],
    teams: Sequence[TeamInfo] = (),
    **settings: object,
) -> CoreResult:
    account = AccountSettings(timezone=LONDON, schedule=LONDON_HOURS, **settings)  # type: ignore[arg-type]
    return compute_core(account, mailboxes, teams, records)


def mailbox_facts(result: CoreResult, mailbox_id: int = ANN_ID) -> list:
    return [f for f in result.facts if f.scope == Scope(MAILBOX, mailbox_id)]


def mailbox_unanswered(result: CoreResult, mailbox_id: int = ANN_ID) -> list:
    return [u for u in result.unanswered if u.scope == Scope(MAILBOX, mailbox_id)]
