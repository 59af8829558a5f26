"""Setting business-hours schedules, and recomputing the facts that use them (spec §6)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from replytime.mailboxes.models import Mailbox
from replytime.metrics import columns
from replytime.metrics.business import (
    BusinessClock,
    clock_for,
    default_schedule,
    format_hours,
    make_schedule,
    resolve_team_schedule,
)
from replytime.metrics.engine_core import mailbox_schedules
from replytime.metrics.loading import load_config
from replytime.metrics.models import ReplyFact, Schedule, Scope
from replytime.tenancy.access import for_account
from replytime.tenancy.models import Account, Team


@transaction.atomic
def set_schedule(
    account: Account,
    *,
    timezone: str,
    hours: str,
    holidays: str | None = None,
    holiday_dates: Iterable[str] = (),
    mailbox: Mailbox | None = None,
    team: Team | None = None,
) -> int:
    """Save the schedule of the account, a team or a mailbox; returns facts whose time changed."""
    dates = list(holiday_dates)
    checked = make_schedule(timezone, hours, holidays, dates)  # validates every value
    row = for_account(account, Schedule).filter(mailbox=mailbox, team=team).first()
    row = row or Schedule(account=account, mailbox=mailbox, team=team)
    row.timezone = checked.timezone
    row.hours = format_hours(checked.weekly)
    row.holiday_country = checked.holiday_country or ""
    row.holiday_subdivision = checked.holiday_subdivision or ""
    row.holiday_dates = "\n".join(sorted(d.isoformat() for d in checked.holiday_dates))
    row.save()
    return refresh_business_time(account)


def _clocks(account: Account) -> dict[tuple[str, int | None], BusinessClock]:
    settings, mailboxes, teams = load_config(account)
    clocks: dict[tuple[str, int | None], BusinessClock] = {}
    for mailbox_id, schedule in mailbox_schedules(settings, mailboxes, teams).items():
        clocks[(Scope.MAILBOX, mailbox_id)] = clock_for(schedule)
    for team in teams:
        schedule = resolve_team_schedule(team.schedule, settings.schedule, settings.timezone)
        clocks[(Scope.TEAM, team.id)] = clock_for(schedule)
    account_schedule = settings.schedule or default_schedule(settings.timezone)
    clocks[(Scope.ACCOUNT, None)] = clock_for(account_schedule)
    return clocks


def refresh_business_time(account: Account) -> int:
    """Recompute business seconds and off-hours of every fact; returns how many changed."""
    clocks = _clocks(account)
    changed: list[tuple[int, bool, int]] = []
    rows = for_account(account, ReplyFact).values_list(
        "id", "scope", "mailbox_id", "team_id", "start", "end", "business_seconds", "off_hours"
    )
    for pk, scope, mailbox_id, team_id, start, end, seconds, off in rows.iterator(10000):
        ident = mailbox_id if scope == Scope.MAILBOX else team_id
        new_seconds, new_off = clocks[(scope, ident)].seconds(start, end)
        if (new_seconds, new_off) != (seconds, off):
            changed.append((new_seconds, new_off, pk))
    table = connection.ops.quote_name(ReplyFact._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET business_seconds = %s, off_hours = %s WHERE id = %s", changed
        )
    if changed or not columns.is_ready(account):
        # The dashboards' day columns hold business seconds too.
        columns.rebuild_all(account)
    return len(changed)
