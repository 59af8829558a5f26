"""Conversation states relative to the account (spec §8)."""

from __future__ import annotations

from replytime.metrics.tests.builders import ANN, BOB, CARL, ann_core, rec, wk

MON10 = wk("Mon", "10:00")


def state(records: list) -> tuple[str, str, str]:
    [conversation] = ann_core(records).conversations
    return conversation.origin, conversation.waiting, conversation.last_external_address


def test_internal_conversation() -> None:
    records = [rec(1, MON10, CARL, [ANN]), rec(2, MON10 + 60, ANN, [CARL], irt=["m1@test"])]
    assert state(records) == ("internal", "", "")


def test_inbound_awaiting_our_reply_then_theirs() -> None:
    first = rec(1, MON10, BOB, [ANN])
    assert state([first]) == ("inbound", "ours", BOB)
    reply = rec(2, MON10 + 60, ANN, [BOB], irt=["m1@test"])
    assert state([first, reply]) == ("inbound", "theirs", BOB)


def test_outbound_awaiting_their_reply() -> None:
    assert state([rec(1, MON10, ANN, [BOB])]) == ("outbound", "theirs", "")


def test_internal_forward_and_automated_mail_do_not_change_who_waits() -> None:
    records = [
        rec(1, MON10, BOB, [ANN]),
        rec(2, MON10 + 60, ANN, [CARL], irt=["m1@test"], subject="Fwd: Question"),
        rec(3, MON10 + 90, ANN, [BOB], irt=["m1@test"], auto=["auto-submitted"]),
    ]
    assert state(records) == ("inbound", "ours", BOB)


def test_conversation_summary_fields() -> None:
    records = [
        rec(1, MON10, BOB, [ANN], subject="Prices"),
        rec(2, MON10 + 60, ANN, [BOB], irt=["m1@test"], subject="Re: Prices"),
    ]
    [conversation] = ann_core(records).conversations
    assert (conversation.subject, conversation.first_time, conversation.last_time) == (
        "Prices",
        MON10,
        MON10 + 60,
    )
    assert conversation.message_count == 2
    assert conversation.mailbox_ids == (1,)
    assert {"m:m1@test", "m:m2@test", "s:prices"} <= set(conversation.lookup_keys)
