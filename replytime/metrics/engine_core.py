"""The pure metrics core: records in, conversations and facts out (spec §3-§8).

`compute_core` runs identity (§3.1) -> threading (§4) -> walks per mailbox, team and account
(§5) -> business time (§6) -> conversation states (§8). It touches no database.

Full rebuild: pass every record of the account. Incremental rebuild: pass every record of every
conversation that the change can affect (the conversations holding the changed records, plus
those sharing a lookup key with them, see `ConversationResult.lookup_keys`); the results for those
conversations replace what was stored. Conversation keys depend only on content, so a full and an
incremental rebuild of the same records give the same keys.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

from replytime.conversations.identity import (
    MailboxRecord,
    RecordInfo,
    collapse_message,
    group_messages,
)
from replytime.conversations.states import conversation_state
from replytime.conversations.threading import (
    ThreadMessage,
    link_keys,
    subject_key,
    thread_message,
    thread_messages,
)
from replytime.mailboxes.connectors.base import REASON_NO_DATE
from replytime.metrics.business import (
    BusinessClock,
    Schedule,
    clock_for,
    default_schedule,
    resolve_schedule,
    resolve_team_schedule,
)
from replytime.metrics.direction import EligibilityRules, default_internal_domains
from replytime.metrics.walk import (
    ACCOUNT,
    MAILBOX,
    TEAM,
    Directory,
    Scope,
    WalkFact,
    WalkItem,
    WalkOutcome,
    group_item,
    mailbox_item,
    walk,
    widened_item,
)


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """Spec §1 account settings. Empty `internal_domains` means the default (mailbox domains)."""

    internal_domains: frozenset[str] = frozenset()
    count_internal: bool = False
    count_cc: bool = False
    thread_window_days: int = 30
    reply_goal_seconds: int = 14400
    timezone: str = "UTC"
    schedule: Schedule | None = None


@dataclass(frozen=True, slots=True)
class MailboxInfo:
    """A tracked mailbox: primary address first, then aliases (lowercased)."""

    id: int
    addresses: tuple[str, ...]
    schedule: Schedule | None = None


@dataclass(frozen=True, slots=True)
class TeamInfo:
    """A team: its member mailboxes, team (group) addresses, goal and schedule."""

    id: int
    name: str
    mailbox_ids: tuple[int, ...]
    addresses: tuple[str, ...] = ()
    goal_seconds: int | None = None
    schedule: Schedule | None = None


class ReplyFact(NamedTuple):
    """A reply fact (spec §5) with calendar and business time (§6).

    `replier` is the mailbox that sent the reply; `repliers` adds "on behalf of" credit (§3.2).
    `start_record_id` / `end_record_id` are the kept records of the first pending message and
    of the reply. Facts, unanswered items and activity rows are NamedTuples: there are hundreds
    of thousands of them and tuples are the cheapest immutable objects to build.
    """

    scope: Scope
    conversation: str
    start: int
    end: int
    calendar_seconds: int
    business_seconds: int
    off_hours: bool
    answered: int
    first_reply: bool
    replier: int | None
    repliers: tuple[int, ...]
    start_record_id: int
    end_record_id: int


class UnansweredItem(NamedTuple):
    """Pending records at the end of a walk (spec §5.1): first one's time, and how many."""

    scope: Scope
    conversation: str
    start: int
    count: int
    start_record_id: int


class ActivityRow(NamedTuple):
    """One message as seen by one scope: the volume roles of spec §7.

    `received` counts rows with `inbound`, `eligible` those with `eligible`, `sent` those with
    `outbound`; `conversations` counts distinct `conversation` values in a period.
    """

    scope: Scope
    conversation: str
    time: int
    inbound: bool
    eligible: bool
    outbound: bool
    record_id: int


@dataclass(frozen=True, slots=True)
class ConversationResult:
    """One conversation (spec §4) with its state (§8) and lookup keys for incremental updates."""

    key: str
    subject: str
    first_time: int
    last_time: int
    message_count: int
    origin: str
    waiting: str
    last_external_address: str
    record_ids: tuple[int, ...]
    mailbox_ids: tuple[int, ...]
    lookup_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CoreResult:
    conversations: tuple[ConversationResult, ...]
    conversation_of_record: dict[int, str]
    facts: tuple[ReplyFact, ...]
    unanswered: tuple[UnansweredItem, ...]
    activity: tuple[ActivityRow, ...]
    rejected: tuple[tuple[int, str], ...]  # (record id, reason code of spec §9)


@dataclass(frozen=True, slots=True)
class _ScopeSpec:
    """A team or the account as a walk scope: members and their extra (team) addresses."""

    scope: Scope
    members: frozenset[int] | None  # None: every mailbox (the account scope)
    extra: Mapping[int, frozenset[str]]
    schedule: Schedule


@dataclass(slots=True)
class _Message:
    thread: ThreadMessage
    records: list[MailboxRecord]
    automated: bool


@dataclass(slots=True)
class _Output:
    facts: list[ReplyFact]
    unanswered: list[UnansweredItem]
    activity: list[ActivityRow]


def effective_rules(
    settings: AccountSettings, mailboxes: Sequence[MailboxInfo]
) -> EligibilityRules:
    """Eligibility rules with the default internal domains filled in."""
    domains = settings.internal_domains or default_internal_domains(
        a for m in mailboxes for a in m.addresses
    )
    return EligibilityRules(frozenset(domains), settings.count_internal, settings.count_cc)


def scope_goal(settings: AccountSettings, teams: Sequence[TeamInfo], scope: Scope) -> int:
    """The reply goal of a scope: a team's own goal, else the account's."""
    if scope.kind == TEAM:
        team = next((t for t in teams if t.id == scope.id), None)
        if team is not None and team.goal_seconds is not None:
            return team.goal_seconds
    return settings.reply_goal_seconds


def mailbox_schedules(
    settings: AccountSettings, mailboxes: Sequence[MailboxInfo], teams: Sequence[TeamInfo]
) -> dict[int, Schedule]:
    """Each mailbox's resolved schedule (mailbox, its teams by name, account, default)."""
    teams_of: dict[int, list[TeamInfo]] = defaultdict(list)
    for team in teams:
        for mailbox_id in team.mailbox_ids:
            teams_of[mailbox_id].append(team)
    return {
        m.id: resolve_schedule(
            m.schedule,
            [(t.name, t.schedule) for t in teams_of[m.id]],
            settings.schedule,
            settings.timezone,
        )
        for m in mailboxes
    }


def _group_scopes(settings: AccountSettings, teams: Sequence[TeamInfo]) -> list[_ScopeSpec]:
    account_extra: dict[int, frozenset[str]] = defaultdict(frozenset)
    specs = []
    for team in sorted(teams, key=lambda t: t.id):
        addresses = frozenset(team.addresses)
        # Only mailboxes with team addresses get an entry: the others reuse mailbox items.
        extra = {m: addresses for m in team.mailbox_ids if addresses}
        for m in extra:
            account_extra[m] |= addresses
        schedule = resolve_team_schedule(team.schedule, settings.schedule, settings.timezone)
        specs.append(_ScopeSpec(Scope(TEAM, team.id), frozenset(team.mailbox_ids), extra, schedule))
    account_schedule = settings.schedule or default_schedule(settings.timezone)
    everyone = _ScopeSpec(Scope(ACCOUNT), None, dict(account_extra), account_schedule)
    return [*specs, everyone]


def _build_messages(
    records: Iterable[RecordInfo], addresses: Mapping[int, frozenset[str]]
) -> tuple[list[_Message], list[tuple[int, str]]]:
    messages: list[_Message] = []
    rejected: list[tuple[int, str]] = []
    for copies in group_messages(list(records)):
        collapsed = collapse_message(copies, addresses)
        timed = [r for r in collapsed if r.time is not None]
        if len(timed) < len(collapsed):
            rejected.extend(
                (i, REASON_NO_DATE) for r in collapsed if r.time is None for i in r.record_ids
            )
        thread = thread_message(timed) if timed else None
        if thread is not None:
            messages.append(_Message(thread, timed, any(r.automated for r in collapsed)))
    return messages, sorted(rejected)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the duration of a rebuild.

    A rebuild allocates millions of small tuples and no reference cycles; with the collector
    running, its repeated full scans of them cost about a third of the run time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compute_core(
    settings: AccountSettings,
    mailboxes: Sequence[MailboxInfo],
    teams: Sequence[TeamInfo],
    records: Iterable[RecordInfo],
) -> CoreResult:
    """Conversations, reply facts, unanswered items and activity for these records.

    Every record's `mailbox_id` must be one of `mailboxes`. Records with no usable time are
    returned in `rejected` with reason `no-date` and take no further part.
    """
    with _collector_paused():
        return _compute(settings, mailboxes, teams, records)


def _compute(
    settings: AccountSettings,
    mailboxes: Sequence[MailboxInfo],
    teams: Sequence[TeamInfo],
    records: Iterable[RecordInfo],
) -> CoreResult:
    addresses = {m.id: frozenset(m.addresses) for m in mailboxes}
    records = list(records)
    unknown = {r.mailbox_id for r in records} - addresses.keys()
    if unknown:
        raise ValueError(f"records of unknown mailboxes: {sorted(unknown)}")
    rules = effective_rules(settings, mailboxes)
    directory = Directory.build(addresses, rules)
    messages, rejected = _build_messages(records, addresses)
    threading = thread_messages([m.thread for m in messages], settings.thread_window_days)
    context = _Context(
        directory, mailbox_schedules(settings, mailboxes, teams), _group_scopes(settings, teams)
    )
    conversations = []
    for group in threading.conversations:
        members = [messages[i] for i in group.messages]
        conversations.append(_conversation(group.key, members, rules.internal_domains))
        context.walk_conversation(group.key, members)
    return CoreResult(
        conversations=tuple(conversations),
        conversation_of_record={i: c.key for c in conversations for i in c.record_ids},
        facts=tuple(context.out.facts),
        unanswered=tuple(context.out.unanswered),
        activity=tuple(context.out.activity),
        rejected=tuple(rejected),
    )


class _Context:
    """Walks every scope over one conversation at a time and collects the results."""

    def __init__(
        self,
        directory: Directory,
        schedules: Mapping[int, Schedule],
        groups: Sequence[_ScopeSpec],
    ) -> None:
        self.directory = directory
        self.clocks = {m: clock_for(s) for m, s in schedules.items()}
        self.groups = [(spec, clock_for(spec.schedule)) for spec in groups]
        self.scopes = {m: Scope(MAILBOX, m) for m in schedules}
        # Mailbox, team and account facts often share (start, end) and schedule.
        self.memo: dict[tuple[int, int, int], tuple[int, bool]] = {}
        self.out = _Output([], [], [])

    def walk_conversation(self, key: str, messages: Sequence[_Message]) -> None:
        own: dict[int, WalkItem] = {}
        by_mailbox: dict[int, list[WalkItem]] = defaultdict(list)
        for message in messages:
            for record in message.records:
                item = mailbox_item(record, self.directory)
                if item is not None:
                    own[record.record_id] = item
                    by_mailbox[record.mailbox_id].append(item)
        for mailbox_id in sorted(by_mailbox):
            outcome = walk(by_mailbox[mailbox_id])
            self._emit(self.scopes[mailbox_id], key, outcome, self.clocks[mailbox_id])
        for spec, clock in self.groups:
            items = self._group_items(spec, messages, own)
            if items:
                self._emit(spec.scope, key, walk(items), clock)

    def _group_items(
        self, spec: _ScopeSpec, messages: Sequence[_Message], own: Mapping[int, WalkItem]
    ) -> list[WalkItem]:
        items = []
        for message in messages:
            records = message.records
            if spec.members is not None:
                records = [r for r in records if r.mailbox_id in spec.members]
            if len(records) == 1:
                # One record: the group item is the mailbox item, widened by team addresses.
                item = own.get(records[0].record_id)
                if item is not None:
                    item = widened_item(item, records[0], self.directory, spec.extra)
            else:
                item = group_item(records, self.directory, spec.extra) if records else None
            if item is not None:
                items.append(item)
        return items

    def _business(self, clock: BusinessClock, start: int, end: int) -> tuple[int, bool]:
        memo_key = (id(clock), start, end)
        value = self.memo.get(memo_key)
        if value is None:
            value = self.memo[memo_key] = clock.seconds(start, end)
        return value

    def _emit(self, scope: Scope, key: str, outcome: WalkOutcome, clock: BusinessClock) -> None:
        for fact in outcome.facts:
            seconds, off = self._business(clock, fact.start, fact.end)
            self.out.facts.append(_reply_fact(scope, key, fact, seconds, off))
        left = outcome.unanswered
        if left is not None:
            self.out.unanswered.append(
                UnansweredItem(scope, key, left.start, left.count, left.start_record_id)
            )
        self.out.activity.extend(
            ActivityRow(scope, key, i.time, not i.outbound, i.eligible, i.outbound, i.record_id)
            for i in outcome.items
        )


def _reply_fact(scope: Scope, key: str, fact: WalkFact, seconds: int, off: bool) -> ReplyFact:
    return ReplyFact(
        scope,
        key,
        fact.start,
        fact.end,
        fact.end - fact.start,
        seconds,
        off,
        fact.answered,
        fact.first_reply,
        fact.repliers[0] if fact.repliers else None,
        fact.repliers,
        fact.start_record_id,
        fact.end_record_id,
    )


def _conversation(
    key: str, members: Sequence[_Message], internal: frozenset[str]
) -> ConversationResult:
    threads = [m.thread for m in members]
    state = conversation_state(threads, [m.automated for m in members], internal)
    lookup = {k for t in threads for k in link_keys(t)}
    lookup.update(k for k in (subject_key(t) for t in threads) if k)
    return ConversationResult(
        key=key,
        subject=threads[0].subject,
        first_time=threads[0].time,
        last_time=max(t.time for t in threads),
        message_count=len(threads),
        origin=state.origin,
        waiting=state.waiting,
        last_external_address=state.last_external_address,
        record_ids=tuple(sorted(i for m in members for r in m.records for i in r.record_ids)),
        mailbox_ids=tuple(sorted({r.mailbox_id for m in members for r in m.records})),
        lookup_keys=tuple(sorted(lookup)),
    )
