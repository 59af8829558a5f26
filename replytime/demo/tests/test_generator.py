"""Tests of the demo data generator: determinism, volume, validity, realism and bounded memory."""

from __future__ import annotations

import gc
import itertools
import re
import statistics
import tracemalloc
from collections import Counter, defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from replytime.demo import (
    DemoAccount,
    DemoMailbox,
    DemoTeam,
    build_account,
    generate_records,
)
from replytime.demo.account import MAX_TEAM_SIZE
from replytime.demo.worktime import holiday_dates
from replytime.mailboxes.connectors.base import AUTO_FLAG_NAMES, HeaderRecord

END = int(datetime(2026, 3, 2, 12, tzinfo=UTC).timestamp())
DAYS = 182
START = END - DAYS * 86_400
LONDON = ZoneInfo("Europe/London")
RESERVED = re.compile(r"\.(example|test)$")
# Enough of spec §2's norm_subject for these tests: reply and forward prefixes, case-folded.
PREFIX = re.compile(r"^\s*(re|aw|sv|antw|fw|fwd|wg|tr|rv|doorst)\s*:\s*", re.IGNORECASE)
REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw)\s*:", re.IGNORECASE)

Pair = tuple[str, HeaderRecord]


def norm_subject(subject: str) -> str:
    previous = None
    while previous != subject:
        previous, subject = subject, PREFIX.sub("", subject)
    return " ".join(subject.casefold().split())


def domain(address: str) -> str:
    return address.rpartition("@")[2]


def is_out(record: HeaderRecord) -> bool:
    return record.folders == ("Sent",)


@pytest.fixture(autouse=True)
def _fast_settings() -> None:
    """Overrides the project-wide Django settings fixture: these tests use no Django at all,
    so they also run with `-p no:django`."""


@pytest.fixture(scope="module")
def account() -> DemoAccount:
    return build_account()


@pytest.fixture(scope="module")
def records(account: DemoAccount) -> list[Pair]:
    return list(generate_records(account, end=END))


@pytest.fixture(scope="module")
def team_addresses(account: DemoAccount) -> set[str]:
    return {a for team in account.teams for a in team.addresses}


# --- the account -----------------------------------------------------------------------------


def test_default_account_shape(account: DemoAccount) -> None:
    assert account.name == "demo"
    assert account.timezone == "Europe/London"
    assert account.holiday_country == "GB"
    assert len(account.mailboxes) == 20
    names = {t.name for t in account.teams}
    assert names == {"Support", "Sales", "Customer Success", "Billing"}
    assert {t.addresses[0] for t in account.teams} >= {"support@acme.example", "sales@acme.example"}
    addresses = [a for m in account.mailboxes for a in (m.address, *m.aliases)]
    assert len(addresses) == len(set(addresses))
    assert not set(addresses) & {a for t in account.teams for a in t.addresses}
    for address in addresses:
        assert address == address.lower() and "@" in address
        assert domain(address) in account.internal_domains
        assert RESERVED.search(address)
    for mailbox in account.mailboxes:
        assert 1 <= len(mailbox.teams) <= 2 and set(mailbox.teams) <= names
    assert sum(1 for m in account.mailboxes if m.aliases) >= 4
    assert sum(1 for m in account.mailboxes if len(m.teams) == 2) >= 2
    assert len({m.name.split()[0] for m in account.mailboxes}) == 20


def test_build_account_is_deterministic() -> None:
    assert build_account(seed=3) == build_account(seed=3)
    assert build_account(seed=3) != build_account(seed=4)
    assert build_account(name="x").name == "x"


def test_large_account_splits_teams() -> None:
    big = build_account(mailboxes=200)
    assert len(big.mailboxes) == 200
    assert len({m.address for m in big.mailboxes}) == 200
    members = Counter(name for m in big.mailboxes for name in m.teams)
    only = Counter(m.teams[0] for m in big.mailboxes if len(m.teams) == 1)
    assert len(big.teams) >= 20
    assert all(only[t.name] <= MAX_TEAM_SIZE for t in big.teams)
    assert all(1 <= members[t.name] <= 2 * MAX_TEAM_SIZE for t in big.teams)
    assert len({a for t in big.teams for a in t.addresses}) == len(big.teams)


def test_tiny_account() -> None:
    tiny = build_account(mailboxes=1)
    assert len(tiny.mailboxes) == 1 and len(tiny.teams) == 1
    with pytest.raises(ValueError):
        build_account(mailboxes=0)


# --- volume and determinism ------------------------------------------------------------------


def test_generation_is_deterministic(account: DemoAccount) -> None:
    first = list(generate_records(account, end=END, days=21))
    again = list(generate_records(account, end=END, days=21))
    assert first == again
    other = list(generate_records(account, end=END, days=21, seed=8))
    assert other != first


def test_counts_match_parameters(account: DemoAccount, records: list[Pair]) -> None:
    expected = len(account.mailboxes) * DAYS * 12.0
    assert abs(len(records) - expected) / expected < 0.05
    small = build_account(mailboxes=5, seed=2)
    n = sum(1 for _ in generate_records(small, end=END, days=30, messages_per_mailbox_day=4.0))
    assert abs(n - 5 * 30 * 4.0) / (5 * 30 * 4.0) < 0.15
    per_box = Counter(box for box, _ in records)
    assert set(per_box) == {m.address for m in account.mailboxes}


def test_invalid_parameters(account: DemoAccount) -> None:
    with pytest.raises(ValueError):
        generate_records(account, end=END, days=0)
    with pytest.raises(ValueError):
        generate_records(account, end=END, messages_per_mailbox_day=-1)
    assert list(generate_records(account, end=END, messages_per_mailbox_day=0)) == []


# --- every record is valid -------------------------------------------------------------------


def test_records_are_well_formed(
    account: DemoAccount, records: list[Pair], team_addresses: set[str]
) -> None:
    own = {m.address: {m.address, *m.aliases} for m in account.mailboxes}
    members = defaultdict(set)
    for m in account.mailboxes:
        for team in account.teams:
            if team.name in m.teams:
                members[m.address].update(team.addresses)
    provider_ids = set()
    for box, r in records:
        assert r.provider_id.startswith("demo:") and r.provider_id not in provider_ids
        provider_ids.add(r.provider_id)
        assert r.message_id and "<" not in r.message_id and " " not in r.message_id
        for address in (r.from_addr, *r.to, *r.cc, *([r.sender] if r.sender else [])):
            assert address == address.lower() and "@" in address, address
            assert RESERVED.search(domain(address)), address
        assert START <= r.date <= r.received_at <= END
        assert set(r.auto_flags) <= set(AUTO_FLAG_NAMES)
        assert r.subject and r.size and r.size > 0
        assert r.to
        if is_out(r):
            assert r.received_at == r.date
            assert (r.sender or r.from_addr) in own[box]
        else:
            assert r.folders == ("INBOX",)
            assert r.received_at - r.date <= 60
            assert set(r.to + r.cc) & (own[box] | members[box])


def test_records_come_in_time_order(records: list[Pair]) -> None:
    times = [r.received_at for _, r in records]
    assert times == sorted(times)


def test_message_ids_unique_per_mailbox_and_shared_only_by_copies(records: list[Pair]) -> None:
    seen: set[tuple[str, str]] = set()
    headers: dict[str, tuple] = {}
    copies = Counter()
    for box, r in records:
        key = (box, r.message_id)
        assert key not in seen
        seen.add(key)
        h = (r.in_reply_to, r.references, r.thread_index, r.from_addr, r.sender, r.to, r.cc,
             r.subject, r.date, r.auto_flags, r.size)  # fmt: skip
        assert headers.setdefault(r.message_id, h) == h
        copies[r.message_id] += 1
    assert max(copies.values()) >= 5  # team-address fan-out


def test_replies_come_after_their_parents(records: list[Pair]) -> None:
    dates: dict[str, int] = {}
    checked = 0
    for _, r in records:
        dates.setdefault(r.message_id, r.date)
        if r.in_reply_to:
            assert r.references[-1] == r.in_reply_to[0]
        for ref in r.references:
            if ref in dates:
                assert dates[ref] < r.date
                checked += 1
    assert checked > 10_000


# --- the data contains what a dashboard needs ------------------------------------------------


def test_contains_every_kind_of_mail(
    account: DemoAccount, records: list[Pair], team_addresses: set[str]
) -> None:
    internal = set(account.internal_domains)
    mail = {r.message_id: r for _, r in records}.values()
    external = [r for r in mail if domain(r.from_addr) not in internal and not r.auto_flags]
    everyone = [r for r in mail if not r.auto_flags]

    def all_internal(r: HeaderRecord) -> bool:
        return all(domain(a) in internal for a in (r.from_addr, *r.to, *r.cc))

    referenced = {ref for r in mail for ref in r.references}
    unanswered = [r for r in external if r.message_id not in referenced]
    auto = [r for r in mail if "auto-submitted" in r.auto_flags and "reply" in r.subject.lower()]
    assert len(unanswered) > 100
    assert len(auto) > 20
    assert any(domain(r.from_addr) in internal for r in auto)  # our out-of-office replies
    assert sum(1 for r in everyone if all_internal(r)) > 500
    assert sum(1 for r in external if set(r.to) & team_addresses) > 1000
    assert sum(1 for r in mail if r.cc and domain(r.from_addr) not in internal) > 200
    assert sum(1 for r in mail if {"list-id", "noreply-sender"} & set(r.auto_flags)) > 300
    assert sum(1 for r in mail if r.sender and r.sender != r.from_addr) > 20  # on behalf of
    assert sum(1 for r in everyone if re.match(r"(fwd?|wg|tr|rv|doorst):", r.subject, re.I)) > 20
    assert sum(1 for r in everyone if re.match(r"(aw|sv|antw):", r.subject, re.I)) > 50
    with_index = sum(1 for r in mail if r.thread_index)
    assert 0.1 < with_index / len(mail) < 0.6
    weekend = [r for r in external if datetime.fromtimestamp(r.date, LONDON).weekday() >= 5]
    assert len(weekend) > 100


def test_subject_only_threads(records: list[Pair]) -> None:
    """Replies without references that only the subject (spec §4.2) links to their thread."""
    latest: dict[str, int] = {}
    found = 0
    for _, r in records:
        key = norm_subject(r.subject)
        if (
            REPLY_PREFIX.match(r.subject)
            and not r.in_reply_to
            and not r.references
            and not r.auto_flags
            and r.date - latest.get(key, -(10**12)) <= 30 * 86_400
        ):
            found += 1
        latest[key] = r.date
    assert found > 50


def test_customers_write_twice(account: DemoAccount, records: list[Pair]) -> None:
    internal = set(account.internal_domains)
    sender = {r.message_id: r.from_addr for _, r in records}
    chasers = {
        r.message_id
        for _, r in records
        if r.in_reply_to
        and domain(r.from_addr) not in internal
        and sender.get(r.in_reply_to[0]) == r.from_addr
        and not r.auto_flags
    }
    assert len(chasers) > 100


def test_replies_follow_working_hours(account: DemoAccount, records: list[Pair]) -> None:
    human = [r for _, r in records if is_out(r) and not r.auto_flags]
    local = [datetime.fromtimestamp(r.date, LONDON) for r in human]
    in_hours = sum(1 for d in local if d.weekday() < 5 and 8 <= d.hour + d.minute / 60 < 18.5)
    assert in_hours / len(human) > 0.9
    assert any(d.weekday() >= 5 for d in local)  # someone always checks mail at the weekend
    off = holiday_dates("GB", [2025, 2026])
    per_day = Counter(d.date() for d in local)
    holidays = [per_day[day] for day in off if START < datetime(day.year, day.month, day.day,
                                                               tzinfo=LONDON).timestamp() < END]  # fmt: skip
    weekdays = [n for day, n in per_day.items() if day.weekday() < 5 and day not in off]
    assert holidays, "the window should contain a bank holiday"
    assert max(holidays) < 0.2 * statistics.median(weekdays)


def test_reply_times_are_plausible(account: DemoAccount, records: list[Pair]) -> None:
    internal = set(account.internal_domains)
    inbox: dict[tuple[str, str], HeaderRecord] = {}
    delays: dict[str, list[int]] = defaultdict(list)
    for box, r in records:
        if not is_out(r):
            inbox[(box, r.message_id)] = r
            continue
        if r.auto_flags or not r.in_reply_to:
            continue
        parent = inbox.get((box, r.in_reply_to[0]))
        if parent and domain(parent.from_addr) not in internal:
            delays[box].append(r.date - parent.received_at)
    every = sorted(d for ds in delays.values() for d in ds)
    assert 15 * 60 < statistics.median(every) < 8 * 3600
    assert every[0] > 0
    assert sum(1 for d in every if d > 3 * 86_400) > 20  # the occasional very slow one
    medians = sorted(statistics.median(ds) for ds in delays.values() if len(ds) > 50)
    assert medians[0] < 0.5 * medians[-1]  # some people are much faster than others


def test_friday_slow_team(account: DemoAccount, records: list[Pair]) -> None:
    """The Customer Success team answers Friday morning mail more slowly than Mon-Thu mail."""
    team = {m.address for m in account.mailboxes if m.teams == ("Customer Success",)}
    inbox: dict[tuple[str, str], HeaderRecord] = {}
    by_weekday: dict[bool, list[int]] = defaultdict(list)
    for box, r in records:
        if box not in team:
            continue
        if not is_out(r):
            inbox[(box, r.message_id)] = r
        elif r.in_reply_to and not r.auto_flags and (box, r.in_reply_to[0]) in inbox:
            parent = inbox[(box, r.in_reply_to[0])]
            arrived = datetime.fromtimestamp(parent.received_at, LONDON)
            if arrived.weekday() < 5 and 9 <= arrived.hour < 13:
                by_weekday[arrived.weekday() == 4].append(r.date - parent.received_at)
    assert statistics.median(by_weekday[True]) > 1.3 * statistics.median(by_weekday[False])


def test_custom_minimal_account() -> None:
    """A hand-made account: one mailbox, no teams, UTC, no holidays."""
    solo = DemoAccount(
        name="solo",
        timezone="UTC",
        internal_domains=("solo.test",),
        teams=(DemoTeam("Helpdesk", ("help@solo.test",), None),),
        mailboxes=(DemoMailbox("sam@solo.test", "Sam", ("s@solo.test",), ()),),
        holiday_country=None,
    )
    out = list(generate_records(solo, end=END, days=28, messages_per_mailbox_day=10))
    assert 0.8 * 280 < len(out) < 1.2 * 280
    assert {box for box, _ in out} == {"sam@solo.test"}


# --- streaming ----------------------------------------------------------------------------------


def test_memory_stays_bounded_over_300k_records() -> None:
    """Generating 300k records holds no growing list: the live object count stays flat."""
    big = build_account(mailboxes=200)
    stream = generate_records(big, end=END, days=55, messages_per_mailbox_day=27.5)
    gc.collect()
    baseline = len(gc.get_objects())
    live = []
    count = 0
    for count, _ in enumerate(stream, 1):
        if count % 50_000 == 0:
            live.append(len(gc.get_objects()) - baseline)
    assert count > 290_000
    # About 30k objects (the simulated world and the records of running threads) at any time;
    # holding the records would add several objects per record.
    assert max(live) < 100_000
    assert live[-1] < 2 * live[0] + 10_000


def test_tracemalloc_peak_is_small() -> None:
    """Steady-state generation of 20k records allocates a few MB at most, not 20k records."""
    big = build_account(mailboxes=200)
    stream = generate_records(big, end=END, days=60, messages_per_mailbox_day=27.5)
    for _ in itertools.islice(stream, 100_000):
        pass  # warm up: world built, holidays loaded, buckets at steady state
    tracemalloc.start()
    try:
        for _ in itertools.islice(stream, 20_000):
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Keeping 20k HeaderRecords alive would take well over 15 MB.
    assert peak < 8_000_000
