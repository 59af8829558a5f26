"""Spec §10 worked examples A-L, table-driven, for calendar and business time.

Mailbox ann@acme.com (internal domain acme.com), Mon-Fri 09:00-17:00 Europe/London, no holidays,
in the week of Monday 2026-03-02. Each example is checked for the mailbox scope and for the
account scope (which, with one mailbox, must give the same facts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from replytime.conversations.identity import RecordInfo
from replytime.metrics.tests.builders import ANN, BOB, CARL, ann_core, rec, wk
from replytime.metrics.walk import ACCOUNT, MAILBOX, Scope

# (start, end, calendar s, business s, off_hours, answered, first_reply)
FactRow = tuple[int, int, int, int, bool, int, bool]


@dataclass(frozen=True)
class Example:
    name: str
    records: list[RecordInfo]
    facts: list[FactRow]
    unanswered: list[tuple[int, int]] = field(default_factory=list)
    settings: dict[str, bool] = field(default_factory=dict)
    conversations: int = 1


MON10, MON11, MON12 = wk("Mon", "10:00"), wk("Mon", "11:00"), wk("Mon", "12:00")
REPLY_31_DAYS = MON10 + 31 * 86400

EXAMPLES = [
    Example(
        "A",
        [rec(1, MON10, BOB, [ANN]), rec(2, wk("Mon", "10:30"), ANN, [BOB], irt=["m1@test"])],
        [(MON10, wk("Mon", "10:30"), 1800, 1800, False, 1, True)],
    ),
    Example(
        "B",
        [
            rec(1, MON10, BOB, [ANN]),
            rec(2, MON11, BOB, [ANN], irt=["m1@test"]),
            rec(3, MON12, ANN, [BOB], irt=["m2@test"]),
        ],
        [(MON10, MON12, 7200, 7200, False, 2, True)],
    ),
    Example(
        "C",
        [
            rec(1, wk("Fri", "16:00"), BOB, [ANN]),
            rec(2, wk("Mon2", "10:00"), ANN, [BOB], irt=["m1@test"]),
        ],
        [(wk("Fri", "16:00"), wk("Mon2", "10:00"), 237600, 7200, False, 1, True)],
    ),
    Example(
        "D",
        [
            rec(1, wk("Sat", "10:00"), BOB, [ANN]),
            rec(2, wk("Sat", "11:00"), ANN, [BOB], irt=["m1@test"]),
        ],
        [(wk("Sat", "10:00"), wk("Sat", "11:00"), 3600, 0, True, 1, True)],
    ),
    Example(
        "E",
        [
            rec(1, MON10, ANN, [BOB]),
            rec(2, MON12, BOB, [ANN], irt=["m1@test"]),
            rec(3, wk("Tue", "09:30"), ANN, [BOB], irt=["m2@test"]),
        ],
        [(MON12, wk("Tue", "09:30"), 77400, 19800, False, 1, False)],
    ),
    Example(
        "F (count_cc false)",
        [
            rec(1, MON10, BOB, ["sales@acme.com"], cc=[ANN]),
            rec(2, MON11, ANN, [BOB], irt=["m1@test"]),
        ],
        [],
    ),
    Example(
        "F (count_cc true)",
        [
            rec(1, MON10, BOB, ["sales@acme.com"], cc=[ANN]),
            rec(2, MON11, ANN, [BOB], irt=["m1@test"]),
        ],
        [(MON10, MON11, 3600, 3600, False, 1, True)],
        settings={"count_cc": True},
    ),
    Example(
        "G (count_internal false)",
        [rec(1, MON10, CARL, [ANN]), rec(2, wk("Mon", "10:05"), ANN, [CARL], irt=["m1@test"])],
        [],
    ),
    Example(
        "G (count_internal true)",
        [rec(1, MON10, CARL, [ANN]), rec(2, wk("Mon", "10:05"), ANN, [CARL], irt=["m1@test"])],
        [(MON10, wk("Mon", "10:05"), 300, 300, False, 1, True)],
        settings={"count_internal": True},
    ),
    Example(
        "H",
        [
            rec(1, MON10, BOB, [ANN], auto=["auto-submitted"]),
            rec(2, wk("Mon", "10:10"), ANN, [BOB], irt=["m1@test"]),
        ],
        [],
    ),
    Example(
        "I",
        [
            rec(1, MON10, BOB, [ANN]),
            rec(2, wk("Mon", "10:01"), ANN, [BOB], irt=["m1@test"], auto=["auto-submitted"]),
            rec(3, MON11, ANN, [BOB], irt=["m1@test"]),
        ],
        [(MON10, MON11, 3600, 3600, False, 1, True)],
    ),
    Example("J", [rec(1, MON10, BOB, [ANN])], [], unanswered=[(MON10, 1)]),
    Example(
        "K",
        [
            rec(1, MON10, BOB, [ANN], subject="Prices"),
            rec(2, wk("Tue", "10:00"), ANN, [BOB], subject="RE: Prices"),
        ],
        [(MON10, wk("Tue", "10:00"), 86400, 28800, False, 1, True)],
    ),
    Example(
        "L",
        [
            rec(1, MON10, BOB, [ANN], subject="Prices"),
            rec(2, REPLY_31_DAYS, ANN, [BOB], subject="RE: Prices"),
        ],
        [],
        unanswered=[(MON10, 1)],
        conversations=2,
    ),
]


def _rows(facts: list) -> list[FactRow]:
    return [
        (
            f.start,
            f.end,
            f.calendar_seconds,
            f.business_seconds,
            f.off_hours,
            f.answered,
            f.first_reply,
        )
        for f in facts
    ]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
@pytest.mark.parametrize("scope", [Scope(MAILBOX, 1), Scope(ACCOUNT)], ids=["mailbox", "account"])
def test_worked_example(example: Example, scope: Scope) -> None:
    result = ann_core(example.records, **example.settings)
    facts = [f for f in result.facts if f.scope == scope]
    assert _rows(facts) == example.facts
    assert [(u.start, u.count) for u in result.unanswered if u.scope == scope] == (
        example.unanswered
    )
    assert len(result.conversations) == example.conversations
    assert all(f.replier == 1 and f.repliers == (1,) for f in facts)


def test_example_l_first_conversation_holds_the_unanswered_item() -> None:
    records = EXAMPLES[-1].records
    result = ann_core(records)
    first = result.conversation_of_record[1]
    assert result.conversation_of_record[2] != first
    assert [u.conversation for u in result.unanswered] == [first, first]


def test_example_k_needs_the_subject_join() -> None:
    # Without the reply prefix the reply would start a conversation of its own.
    result = ann_core(
        [
            rec(1, MON10, BOB, [ANN], subject="Prices"),
            rec(2, wk("Tue", "10:00"), ANN, [BOB], subject="Prices"),
        ]
    )
    assert len(result.conversations) == 2
    assert result.facts == ()
