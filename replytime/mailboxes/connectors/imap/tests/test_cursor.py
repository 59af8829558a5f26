"""The IMAP cursor: round trips, cursors written before the folder plan, plan staleness."""

from __future__ import annotations

from replytime.mailboxes.connectors.imap.cursor import FolderPlan, FolderState, ImapCursor


def test_a_cursor_round_trips_with_its_plan() -> None:
    cursor = ImapCursor(
        {"INBOX": FolderState(7, 120, 55, 1_700_000_000)},
        FolderPlan([("INBOX", False), ("Sent", True)], ["Support"], 1_700_000_000),
    )
    assert ImapCursor.load(cursor.dump()) == cursor


def test_a_cursor_from_before_the_plan_loads_without_one() -> None:
    old = (
        '{"v":1,"folders":{"INBOX":{"uidvalidity":7,"last_uid":3,"modseq":null,"watermark":null}}}'
    )
    cursor = ImapCursor.load(old)
    assert cursor.plan is None and cursor.folders["INBOX"].last_uid == 3


def test_a_plan_is_listed_again_after_a_day_or_when_the_chosen_folders_change() -> None:
    plan = FolderPlan([("INBOX", False)], ["Support"], 1_000_000)
    assert plan.usable(["Support"], 1_000_000 + 3600, max_age=86400)
    assert not plan.usable(["Support"], 1_000_000 + 86400, max_age=86400)
    assert not plan.usable([], 1_000_000 + 60, max_age=86400)
    assert not plan.usable(["Support"], 1_000_000 - 60, max_age=86400)  # the clock went back
