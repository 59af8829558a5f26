"""Deterministic, streaming demo data: an organisation's mail as header records.

    account = build_account()
    for mailbox, record in generate_records(account, end=now_rounded_to_the_hour):
        ...

The generator walks the window day by day (local days of the account zone). Each day it starts
conversations (threads) until the day's share of the requested volume is reached, writes each
thread from start to finish, and then releases every record dated before the end of the day. So
records come out in time order, and only the future records of running threads are held in
memory, however long the window or large the account.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import accumulate

from replytime.demo.account import DemoAccount, DemoMailbox, DemoTeam, build_account
from replytime.demo.context import Ctx
from replytime.demo.outreach import automated, internal, outbound
from replytime.demo.scenarios import direct_request, handoff, team_request
from replytime.demo.sink import Sink
from replytime.demo.worktime import DAY, WEEKEND_CUM, WORKDAY_CUM, Calendar, profile_share
from replytime.demo.world import build_world
from replytime.mailboxes.connectors.base import HeaderRecord

__all__ = [
    "DemoAccount",
    "DemoMailbox",
    "DemoTeam",
    "build_account",
    "generate_records",
]

_Scenario = Callable[[Ctx], None]

# Share of threads started by kind, on working days and on weekends / public holidays (when
# only customers and machines write).
_WORKDAY_MIX: tuple[tuple[str, _Scenario, float], ...] = (
    ("team-request", team_request, 26.0),
    ("direct-request", direct_request, 20.0),
    ("handoff", handoff, 3.0),
    ("outbound", outbound, 12.0),
    ("internal", internal, 17.0),
    ("automated", automated, 16.0),
)
_OFFDAY_MIX: tuple[tuple[str, _Scenario, float], ...] = (
    ("team-request", team_request, 45.0),
    ("direct-request", direct_request, 22.0),
    ("automated", automated, 30.0),
)
# Relative volume by weekday: Monday catches up on the weekend, Friday afternoons are quiet.
_WEEKDAY_VOLUME = (1.12, 1.05, 1.0, 0.98, 0.86, 0.13, 0.10)
_HOLIDAY_VOLUME = 0.18
# Scenarios that cannot start (nobody working that day) write nothing; stop trying after this.
_MAX_IDLE_TRIES = 200


def generate_records(
    account: DemoAccount,
    *,
    seed: int = 7,
    end: int,
    days: int = 182,
    messages_per_mailbox_day: float = 12.0,
    stats: Counter[str] | None = None,
) -> Iterator[tuple[str, HeaderRecord]]:
    """Stream (mailbox primary address, record) pairs for the `days` days up to `end`.

    Contract:
    - deterministic: the same account, seed, end, days and rate give the same records in the
      same order;
    - every record's `date` and `received_at` lie in [end - days * 86400, end] (epoch seconds);
      records are yielded in order of their time (received_at; for Sent copies the Date);
    - about `len(account.mailboxes) * days * messages_per_mailbox_day` records in all: the rate
      counts records (message copies seen by one mailbox) per mailbox per calendar day, weekends
      and holidays included (they are quieter, working days busier);
    - a message seen by several mailboxes (team address fan-out, Cc, internal mail) gives one
      record per mailbox with the same Message-ID and headers; a mailbox sees a message once;
    - memory is bounded by the records of threads still running, not by the total.

    `stats`, if given, is filled with counts by thread kind ("threads:...") and by message
    label ("messages:..." and "records:...").
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    if messages_per_mailbox_day < 0:
        raise ValueError("messages_per_mailbox_day must not be negative")
    return _generate(account, seed, int(end), days, messages_per_mailbox_day, stats)


def _generate(
    account: DemoAccount,
    seed: int,
    end: int,
    days: int,
    rate: float,
    stats: Counter[str] | None,
) -> Iterator[tuple[str, HeaderRecord]]:
    if not account.mailboxes or rate == 0:
        return
    start = end - days * DAY
    world = build_world(account, seed, start, end)
    rng = random.Random(f"replytime-demo-records:{seed}")
    sink = Sink(world, rng, start, end, stats)
    ctx = Ctx(world, rng, sink, stats)
    workday_mix, offday_mix = _Mix(_WORKDAY_MIX), _Mix(_OFFDAY_MIX)
    goal = 0.0
    for day, lo, hi, target in _day_plan(
        world.cal, start, end, len(account.mailboxes) * days * rate
    ):
        ctx.set_day(day, lo, hi)
        mix = workday_mix if world.cal.workday[day] else offday_mix
        goal += target
        idle = 0
        while sink.generated < goal and idle < _MAX_IDLE_TRIES:
            before = sink.generated
            name, scenario = mix.pick(rng)
            scenario(ctx)
            if sink.generated > before:
                ctx.count(f"threads:{name}")
                idle = 0
            else:
                idle += 1
        yield from sink.drain(day)
    yield from sink.drain(world.cal.days)


class _Mix:
    """Weighted choice among scenarios."""

    def __init__(self, rows: tuple[tuple[str, _Scenario, float], ...]) -> None:
        self._rows = [(name, fn) for name, fn, _ in rows]
        self._cum = list(accumulate(w for _, _, w in rows))

    def pick(self, rng: random.Random) -> tuple[str, _Scenario]:
        return self._rows[bisect_right(self._cum, rng.random() * self._cum[-1])]


def _day_plan(
    cal: Calendar, start: int, end: int, total: float
) -> list[tuple[int, int, int, float]]:
    """(day index, lo, hi, records to start that day) for each local day in [start, end].

    Volume follows the weekday, public holidays, a summer and Christmas dip and a gentle growth
    trend over the window (a dashboard with perfectly flat lines looks fake). Partial first and
    last days get the share of their hours in the daily profile.
    """
    first, last = cal.index(start), cal.index(end)
    rows: list[tuple[int, int, int, float]] = []
    for i in range(first, last + 1):
        base, nxt = cal.day_start[i], cal.day_start[i + 1]
        lo, hi = max(start, base), min(end + 1, nxt)
        if hi <= lo:
            continue
        cum = WORKDAY_CUM if cal.weekday[i] < 5 else WEEKEND_CUM
        share = profile_share(cum, lo - base, hi - base)
        progress = (i - first) / max(1, last - first)
        rows.append((i, lo, hi, _day_volume(cal, i, progress) * share))
    weights = sum(w for *_, w in rows) or 1.0
    return [(i, lo, hi, w * total / weights) for i, lo, hi, w in rows]


def _day_volume(cal: Calendar, i: int, progress: float) -> float:
    day = cal.dates[i]
    volume = _HOLIDAY_VOLUME if cal.holiday[i] else _WEEKDAY_VOLUME[cal.weekday[i]]
    if day.month == 8:
        volume *= 0.85
    if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 2):
        volume *= 0.55
    return volume * (0.92 + 0.16 * progress)
