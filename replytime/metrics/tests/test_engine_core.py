"""The metrics core as the database layer calls it: rejections, validation, defaults."""

from __future__ import annotations

from dataclasses import replace

import pytest

from replytime.metrics.engine_core import (
    AccountSettings,
    MailboxInfo,
    compute_core,
    effective_rules,
)
from replytime.metrics.tests.builders import ANN, ANN_ID, BOB, ann_core, rec, wk

MON10 = wk("Mon", "10:00")


def test_records_without_a_time_are_rejected_not_dropped() -> None:
    undated = replace(rec(2, MON10, BOB, [ANN]), date=None, received_at=None, fingerprint=None)
    result = ann_core([rec(1, MON10, BOB, [ANN]), undated])
    assert result.rejected == ((2, "no-date"),)
    assert sorted(result.conversation_of_record) == [1]


def test_unknown_mailbox_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown mailboxes"):
        compute_core(
            AccountSettings(), [MailboxInfo(ANN_ID, (ANN,))], [], [rec(1, 0, BOB, [ANN], mailbox=9)]
        )


def test_default_internal_domains_come_from_mailbox_addresses() -> None:
    mailboxes = [MailboxInfo(1, (ANN, "ann@acme.co.uk"))]
    assert effective_rules(AccountSettings(), mailboxes).internal_domains == {
        "acme.com",
        "acme.co.uk",
    }
    configured = AccountSettings(internal_domains=frozenset({"corp.example"}))
    assert effective_rules(configured, mailboxes).internal_domains == {"corp.example"}


def test_default_schedule_is_office_hours_in_the_account_zone() -> None:
    records = [
        rec(1, wk("Fri", "16:00"), BOB, [ANN]),
        rec(2, wk("Mon2", "10:00"), ANN, [BOB], irt=["m1@test"]),
    ]
    settings = AccountSettings(timezone="Europe/London")
    result = compute_core(settings, [MailboxInfo(ANN_ID, (ANN,))], [], records)
    assert {f.business_seconds for f in result.facts} == {7200}


def test_empty_input() -> None:
    result = compute_core(AccountSettings(), [], [], [])
    assert result.conversations == result.facts == result.unanswered == result.activity == ()
