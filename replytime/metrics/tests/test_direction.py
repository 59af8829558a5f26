"""Direction, automation, eligibility and record time (spec §2, §3.2-3.4)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from replytime.metrics.direction import (
    EligibilityRules,
    default_internal_domains,
    is_automated,
    is_eligible,
    is_outbound,
    is_sent_folder,
    record_time,
)
from replytime.metrics.tests.builders import ANN, BOB, CARL, rec

ADDRESSES = frozenset({ANN, "a.smith@acme.com"})
RULES = EligibilityRules(frozenset({"acme.com"}))


@pytest.mark.parametrize(
    ("folder", "sent"),
    [
        ("SENT", True),
        ("sentitems", True),
        ("\\Sent", True),
        ("Sent", True),
        (".Sent", True),
        ("..sent items", True),
        ("INBOX/Sent Items", True),
        ("[Gmail]/Sent Mail", True),
        ("ann/_sent_mail", True),
        ("ann/sent_items", True),
        ("Sent Messages", True),
        ("Maildir/.Sent/cur", True),
        ("Sent/2024", False),
        ("Sentinel", False),
        ("INBOX", False),
        ("Sent-Items", False),
        (".INBOX.Sent", False),
        ("", False),
    ],
)
def test_sent_folders(folder: str, sent: bool) -> None:
    assert is_sent_folder(folder) is sent


def test_outbound_by_from_sender_or_folder() -> None:
    assert is_outbound(rec(1, 0, ANN, [BOB]), ADDRESSES)
    assert is_outbound(rec(1, 0, "boss@acme.com", [BOB], sender="a.smith@acme.com"), ADDRESSES)
    assert is_outbound(rec(1, 0, "old@acme.com", [BOB], folders=["Sent Items"]), ADDRESSES)
    assert not is_outbound(rec(1, 0, BOB, [ANN]), ADDRESSES)


@pytest.mark.parametrize(
    ("frm", "flags", "automated"),
    [
        (BOB, (), False),
        (BOB, ("auto-submitted",), True),
        ("noreply@shop.com", (), True),
        ("MAILER-DAEMON@x.com".lower(), (), True),
        ("no-reply-team@x.com", (), False),
        (None, (), False),
    ],
)
def test_automated(frm: str | None, flags: tuple[str, ...], automated: bool) -> None:
    assert is_automated(rec(1, 0, frm, [ANN], auto=flags)) is automated


def test_eligibility_rules() -> None:
    cc_rules = EligibilityRules(frozenset({"acme.com"}), count_cc=True)
    internal_rules = EligibilityRules(frozenset({"acme.com"}), count_internal=True)
    assert is_eligible(rec(1, 0, BOB, [ANN]), ADDRESSES, RULES)
    assert is_eligible(rec(1, 0, None, [ANN]), ADDRESSES, RULES)  # no From: external
    assert not is_eligible(rec(1, 0, BOB, ["x@acme.com"], cc=[ANN]), ADDRESSES, RULES)
    assert is_eligible(rec(1, 0, BOB, ["x@acme.com"], cc=[ANN]), ADDRESSES, cc_rules)
    assert not is_eligible(rec(1, 0, CARL, [ANN]), ADDRESSES, RULES)
    assert is_eligible(rec(1, 0, CARL, [ANN]), ADDRESSES, internal_rules)
    assert not is_eligible(rec(1, 0, BOB, [ANN], auto=["list-id"]), ADDRESSES, RULES)
    assert not is_eligible(rec(1, 0, ANN, [ANN]), ADDRESSES, internal_rules)
    assert not is_eligible(rec(1, 0, BOB, [ANN], folders=["Sent"]), ADDRESSES, RULES)


def test_default_internal_domains() -> None:
    assert default_internal_domains([ANN, "sales@acme.co.uk", "bad"]) == {"acme.com", "acme.co.uk"}


def test_record_time() -> None:
    both = rec(1, 0, BOB, [ANN], date=100, received=200)
    assert record_time(both, outbound=True) == 100
    assert record_time(both, outbound=False) == 200
    assert record_time(replace(both, date=None), outbound=True) == 200
    assert record_time(replace(both, received_at=None), outbound=False) == 100
    assert record_time(replace(both, date=None, received_at=None), outbound=False) is None
