"""Reading an account's configuration and records into the metrics core's plain objects."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator

from replytime.conversations.identity import RecordInfo
from replytime.ingestion.models import Record
from replytime.mailboxes.models import Mailbox, MailboxAddress, TeamMember
from replytime.metrics.business import Schedule, make_schedule
from replytime.metrics.engine_core import AccountSettings, MailboxInfo, TeamInfo
from replytime.metrics.models import Schedule as ScheduleRow
from replytime.tenancy.access import for_account
from replytime.tenancy.models import Account, Team

_RECORD_FIELDS = (
    "id",
    "mailbox_id",
    "message_id",
    "extra_message_ids",
    "fingerprint",
    "in_reply_to",
    "references",
    "provider_thread_id",
    "thread_index",
    "from_addr",
    "sender",
    "to_addrs",
    "cc_addrs",
    "subject",
    "date",
    "received_at",
    "folders",
    "auto_flags",
)
_intern = sys.intern


def schedule_from_row(row: ScheduleRow) -> Schedule:
    region = row.holiday_country
    if region and row.holiday_subdivision:
        region = f"{region}-{row.holiday_subdivision}"
    dates = [d for d in row.holiday_dates.split("\n") if d]
    return make_schedule(row.timezone, row.hours, region or None, dates)


def _schedules(
    account: Account,
) -> tuple[Schedule | None, dict[int, Schedule], dict[int, Schedule]]:
    own: Schedule | None = None
    by_mailbox: dict[int, Schedule] = {}
    by_team: dict[int, Schedule] = {}
    for row in for_account(account, ScheduleRow):
        schedule = schedule_from_row(row)
        if row.mailbox_id:
            by_mailbox[row.mailbox_id] = schedule
        elif row.team_id:
            by_team[row.team_id] = schedule
        else:
            own = schedule
    return own, by_mailbox, by_team


def load_config(account: Account) -> tuple[AccountSettings, list[MailboxInfo], list[TeamInfo]]:
    """The account's settings, mailboxes (primary address first) and teams, as plain objects."""
    own, by_mailbox, by_team = _schedules(account)
    settings = AccountSettings(
        internal_domains=frozenset(account.internal_domain_list),
        count_internal=account.count_internal,
        count_cc=account.count_cc,
        thread_window_days=account.thread_window_days,
        reply_goal_seconds=account.reply_goal_seconds,
        timezone=account.timezone,
        schedule=own,
    )
    addresses: dict[int, list[str]] = defaultdict(list)
    rows = for_account(account, MailboxAddress).order_by("-is_primary", "address")
    for mailbox_id, address in rows.values_list("mailbox_id", "address"):
        addresses[mailbox_id].append(address)
    mailboxes = [
        MailboxInfo(m, tuple(addresses[m]), by_mailbox.get(m))
        for m in for_account(account, Mailbox).order_by("id").values_list("id", flat=True)
    ]
    members: dict[int, list[int]] = defaultdict(list)
    for team_id, mailbox_id in for_account(account, TeamMember).values_list(
        "team_id", "mailbox_id"
    ):
        members[team_id].append(mailbox_id)
    teams = [
        TeamInfo(
            t.pk,
            t.name,
            tuple(sorted(members[t.pk])),
            tuple(t.address_list),
            t.goal_seconds,
            by_team.get(t.pk),
        )
        for t in for_account(account, Team).order_by("id")
    ]
    return settings, mailboxes, teams


def _lines(value: str) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(_intern(v) for v in value.split("\n") if v)


def _info(row: tuple) -> RecordInfo:
    (
        rid,
        mailbox_id,
        mid,
        extra,
        fp,
        irt,
        refs,
        tid,
        tindex,
        frm,
        sender,
        to,
        cc,
        subject,
        date,
        received_at,
        folders,
        flags,
    ) = row
    ids = (mid, *extra.split("\n")) if extra else (mid,)
    return RecordInfo(
        id=rid,
        mailbox_id=mailbox_id,
        message_ids=tuple(m for m in ids if m),
        fingerprint=fp,
        in_reply_to=_lines(irt),
        references=_lines(refs),
        provider_thread_id=tid,
        thread_index=tindex,
        from_addr=_intern(frm) if frm else None,
        sender=_intern(sender) if sender else None,
        to=_lines(to),
        cc=_lines(cc),
        subject=subject,
        date=date,
        received_at=received_at,
        folders=_lines(folders),
        auto_flags=_lines(flags),
    )


def iter_record_infos(records: Iterable[Record] | object) -> Iterator[RecordInfo]:
    """RecordInfo objects for a Record queryset, streamed in chunks."""
    for row in records.values_list(*_RECORD_FIELDS).iterator(chunk_size=5000):  # type: ignore[attr-defined]
        yield _info(row)
