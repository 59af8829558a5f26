"""Reply walks per mailbox, team and account (spec §5), and volume roles (§7)."""

from __future__ import annotations

import pytest

from replytime.conversations.identity import RecordInfo, single_copy
from replytime.metrics.business import make_schedule
from replytime.metrics.direction import EligibilityRules
from replytime.metrics.engine_core import (
    AccountSettings,
    CoreResult,
    MailboxInfo,
    TeamInfo,
    scope_goal,
)
from replytime.metrics.tests.builders import (
    ANN,
    ANN_ID,
    BOB,
    ann_core,
    mailbox_facts,
    mailbox_unanswered,
    rec,
    run,
    wk,
)
from replytime.metrics.walk import (
    ACCOUNT,
    MAILBOX,
    TEAM,
    Directory,
    Scope,
    WalkItem,
    group_item,
    mailbox_item,
    walk,
    widened_item,
)

MON10 = wk("Mon", "10:00")
DAN, DAN_ID = "dan@acme.com", 2
SUPPORT, SUPPORT_ID = "support@acme.com", 3
SALES = "sales@acme.com"
TEAM_ID = 10
MAILBOXES = [
    MailboxInfo(ANN_ID, (ANN,)),
    MailboxInfo(DAN_ID, (DAN,)),
    MailboxInfo(SUPPORT_ID, (SUPPORT,)),
]
SALES_TEAM = TeamInfo(TEAM_ID, "sales", (ANN_ID, DAN_ID), addresses=(SALES,), goal_seconds=600)


def scoped(result: CoreResult, scope: Scope) -> list[tuple[int, int, int, tuple[int, ...]]]:
    return [(f.start, f.end, f.answered, f.repliers) for f in result.facts if f.scope == scope]


def test_team_address_counts_for_the_team_only() -> None:
    # Bob writes to the sales list; it reaches Ann and Dan; Dan replies.
    records = [
        rec(1, MON10, BOB, [SALES], mid="q@test"),
        rec(2, MON10 + 5, BOB, [SALES], mid="q@test", mailbox=DAN_ID),
        rec(3, MON10 + 600, DAN, [BOB], irt=["q@test"], mailbox=DAN_ID),
    ]
    result = run(records, MAILBOXES, [SALES_TEAM])
    assert mailbox_facts(result, ANN_ID) == mailbox_facts(result, DAN_ID) == []
    assert mailbox_unanswered(result, ANN_ID) == []
    expected = [(MON10, MON10 + 600, 1, (DAN_ID,))]
    assert scoped(result, Scope(TEAM, TEAM_ID)) == expected
    assert scoped(result, Scope(ACCOUNT)) == expected


def test_team_walk_uses_one_record_per_message() -> None:
    to_both = [ANN, DAN]
    records = [
        rec(1, MON10, BOB, to_both, mid="q@test"),
        rec(2, MON10 + 30, BOB, to_both, mid="q@test", mailbox=DAN_ID),
        rec(3, MON10 + 600, ANN, [BOB], irt=["q@test"]),
    ]
    result = run(records, MAILBOXES, [SALES_TEAM])
    assert scoped(result, Scope(TEAM, TEAM_ID)) == [(MON10, MON10 + 600, 1, (ANN_ID,))]
    # Dan never answered in his own mailbox.
    assert [(u.start, u.count) for u in mailbox_unanswered(result, DAN_ID)] == [(MON10 + 30, 1)]
    team_activity = [a for a in result.activity if a.scope == Scope(TEAM, TEAM_ID)]
    assert [(a.inbound, a.eligible, a.outbound) for a in team_activity] == [
        (True, True, False),
        (False, False, True),
    ]


def test_on_behalf_of_credits_the_sender_mailbox() -> None:
    # The shared support mailbox replies with From: support@ and Sender: Dan.
    records = [
        rec(1, MON10, BOB, [SUPPORT], mailbox=SUPPORT_ID),
        rec(2, MON10 + 60, SUPPORT, [BOB], sender=DAN, irt=["m1@test"], mailbox=SUPPORT_ID),
    ]
    result = run(records, MAILBOXES)
    [fact] = mailbox_facts(result, SUPPORT_ID)
    assert (fact.replier, fact.repliers) == (SUPPORT_ID, (SUPPORT_ID, DAN_ID))
    [account] = [f for f in result.facts if f.scope == Scope(ACCOUNT)]
    assert account.repliers == (SUPPORT_ID, DAN_ID)


def test_sender_equal_to_from_or_untracked_adds_no_credit() -> None:
    records = [
        rec(1, MON10, BOB, [ANN]),
        rec(2, MON10 + 60, ANN, [BOB], sender="assistant@acme.com", irt=["m1@test"]),
    ]
    [fact] = mailbox_facts(ann_core(records))
    assert fact.repliers == (ANN_ID,)


def test_cc_only_records_count_in_volume_but_not_in_replies() -> None:
    records = [
        rec(1, MON10, BOB, [DAN], cc=[ANN]),
        rec(2, MON10 + 60, ANN, [BOB], irt=["m1@test"]),
    ]
    result = ann_core(records)
    assert mailbox_facts(result) == []
    ann = [a for a in result.activity if a.scope == Scope(MAILBOX, ANN_ID)]
    assert [(a.inbound, a.eligible, a.outbound) for a in ann] == [
        (True, False, False),
        (False, False, True),
    ]
    assert len(mailbox_facts(ann_core(records, count_cc=True))) == 1


def test_automated_mail_is_never_eligible_nor_a_reply() -> None:
    records = [
        rec(1, MON10, "noreply@shop.com", [ANN]),
        rec(2, MON10 + 60, BOB, [ANN], irt=["m1@test"]),
        rec(3, MON10 + 90, ANN, [BOB], irt=["m2@test"], auto=["x-autoreply"]),
    ]
    result = ann_core(records)
    assert mailbox_facts(result) == []
    assert [(u.start, u.count) for u in mailbox_unanswered(result)] == [(MON10 + 60, 1)]


def test_first_reply_only_for_the_first_fact() -> None:
    records = [
        rec(1, MON10, BOB, [ANN]),
        rec(2, MON10 + 60, ANN, [BOB], irt=["m1@test"]),
        rec(3, MON10 + 120, BOB, [ANN], irt=["m2@test"]),
        rec(4, MON10 + 300, ANN, [BOB], irt=["m3@test"]),
        rec(5, MON10 + 400, ANN, [BOB], irt=["m4@test"]),
    ]
    facts = mailbox_facts(ann_core(records))
    assert [(f.start, f.end, f.first_reply) for f in facts] == [
        (MON10, MON10 + 60, True),
        (MON10 + 120, MON10 + 300, False),
    ]


def test_inbound_sorts_before_outbound_at_the_same_second() -> None:
    records = [
        rec(2, MON10, ANN, [BOB], irt=["m1@test"]),
        rec(1, MON10, BOB, [ANN]),
    ]
    [fact] = mailbox_facts(ann_core(records))
    assert (fact.calendar_seconds, fact.business_seconds, fact.off_hours) == (0, 0, False)


def test_walk_order_ties_use_message_id_then_from_then_subject() -> None:
    def item(record_id: int, message_id: str, eligible: bool) -> WalkItem:
        return WalkItem(
            time=MON10,
            outbound=False,
            message_id=message_id,
            from_addr="b@x",
            subject="s",
            record_id=record_id,
            eligible=eligible,
            automated=False,
            repliers=(),
        )

    reply = WalkItem(MON10 + 1, True, "z", ANN, "s", 9, False, False, (ANN_ID,))
    outcome = walk([reply, item(2, "b", True), item(1, "", False), item(3, "a", True)])
    assert [i.record_id for i in outcome.items] == [1, 3, 2, 9]
    [fact] = outcome.facts
    assert (fact.start_record_id, fact.answered, fact.first_reply) == (3, 2, False)


def test_sent_folder_copy_from_an_unknown_address_is_outbound() -> None:
    records = [
        rec(1, MON10, BOB, [ANN]),
        rec(2, MON10 + 60, "ann.old@acme.com", [BOB], folders=["Sent Items"], irt=["m1@test"]),
    ]
    [fact] = mailbox_facts(ann_core(records))
    assert fact.end == MON10 + 60


def test_team_schedule_and_goal_scopes() -> None:
    always = make_schedule("Europe/London", "mon-sun 00:00-24:00")
    team = TeamInfo(TEAM_ID, "sales", (ANN_ID,), schedule=always, goal_seconds=600)
    records = [
        rec(1, wk("Sat", "10:00"), BOB, [ANN]),
        rec(2, wk("Sat", "11:00"), ANN, [BOB], irt=["m1@test"]),
    ]
    result = run(records, MAILBOXES, [team])
    by_scope = {f.scope: (f.business_seconds, f.off_hours) for f in result.facts}
    # Ann's own schedule resolves to her team's (24/7); the account keeps London office hours.
    assert by_scope[Scope(MAILBOX, ANN_ID)] == (3600, False)
    assert by_scope[Scope(TEAM, TEAM_ID)] == (3600, False)
    assert by_scope[Scope(ACCOUNT)] == (0, True)
    settings = AccountSettings(reply_goal_seconds=900)
    assert scope_goal(settings, [team], Scope(TEAM, TEAM_ID)) == 600
    assert scope_goal(settings, [team], Scope(MAILBOX, ANN_ID)) == 900


def _directory() -> Directory:
    addresses = {m.id: frozenset(m.addresses) for m in MAILBOXES}
    return Directory.build(addresses, EligibilityRules(frozenset({"acme.com"})))


SINGLE_RECORDS = [
    rec(1, MON10, BOB, [ANN]),
    rec(2, MON10, BOB, [SALES]),
    rec(3, MON10, BOB, [SALES], auto=["list-id"]),
    rec(4, MON10, ANN, [BOB], sender=DAN),
    rec(5, MON10, "ann.old@acme.com", [BOB], folders=["Sent"]),
    rec(6, MON10, SALES, [ANN]),
]


@pytest.mark.parametrize("record", SINGLE_RECORDS, ids=lambda r: str(r.id))
@pytest.mark.parametrize("extra", [{}, {ANN_ID: frozenset({SALES})}], ids=["plain", "team"])
def test_single_record_group_item_equals_widened_mailbox_item(
    record: RecordInfo, extra: dict[int, frozenset[str]]
) -> None:
    directory = _directory()
    collapsed = single_copy(record, directory.addresses[ANN_ID])
    own = mailbox_item(collapsed, directory)
    assert own is not None
    assert widened_item(own, collapsed, directory, extra) == group_item(
        [collapsed], directory, extra
    )


def test_outbound_wins_over_eligible_in_a_group() -> None:
    # Ann writes to the shared support mailbox; with count_internal it is eligible there.
    records = [
        rec(1, MON10, ANN, [SUPPORT], mid="a@test"),
        rec(2, MON10, ANN, [SUPPORT], mid="a@test", mailbox=SUPPORT_ID),
    ]
    result = run(records, MAILBOXES, count_internal=True)
    assert [(u.scope, u.count) for u in result.unanswered] == [(Scope(MAILBOX, SUPPORT_ID), 1)]
    account = [a for a in result.activity if a.scope == Scope(ACCOUNT)]
    assert [(a.inbound, a.eligible, a.outbound) for a in account] == [(False, False, True)]
