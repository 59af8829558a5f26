"""Probe: how long the pure metrics core takes on a synthetic account of 250k messages.

Run: .venv/bin/python benchmarks/metrics_core_probe.py [MESSAGES] [--profile] [--worst]
Prints wall-clock and CPU time of building the input and of one full `compute_core` call.
`--worst` gives every conversation the same subject and no references (old Exchange style), the
hardest case for subject threading. Not a test.
"""

from __future__ import annotations

import cProfile
import pstats
import random
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from replytime.conversations.identity import RecordInfo, make_fingerprint
from replytime.metrics.business import make_schedule
from replytime.metrics.engine_core import AccountSettings, MailboxInfo, TeamInfo, compute_core

T = TypeVar("T")
START = 1_767_225_600  # 2026-01-01T00:00:00Z
SUBJECTS = ["Invoice", "Order status", "Prices", "Login problem", "Refund", "Delivery"]
AUTO = ("auto-submitted",)


def timed(label: str, call: Callable[[], T]) -> T:
    """Run `call`, printing wall-clock and CPU seconds (CPU is what one core spends)."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = call()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<34}{wall:8.2f} s wall {cpu:8.2f} s CPU")
    return value


class Synth:
    """Builds conversations of 1-8 messages between customers and tracked agents."""

    def __init__(self, rng: random.Random, mailboxes: int, worst: bool = False) -> None:
        self.rng = rng
        # Worst case for subject threading: one subject everywhere and no references at all.
        self.worst = worst
        self.agents = [f"agent{i}@acme.com" for i in range(mailboxes)]
        self.records: list[RecordInfo] = []
        self.messages = 0

    def record(self, mailbox: int, **fields: object) -> None:
        fields.setdefault("fingerprint", None)
        self.records.append(RecordInfo(id=len(self.records) + 1, mailbox_id=mailbox, **fields))  # type: ignore[arg-type]

    def conversation(self, number: int) -> None:
        rng = self.rng
        customer = f"c{rng.randrange(40000)}@client{rng.randrange(500)}.com"
        agent = rng.randrange(len(self.agents))
        subject = "Question" if self.worst else f"{rng.choice(SUBJECTS)} #{number}"
        when = START + rng.randrange(365 * 86400)
        linked = not self.worst and rng.random() < 0.8  # the rest threads by subject only
        parent: str | None = None
        for k in range(rng.randint(1, 8)):
            mid = f"{number}.{k}@synth"
            inbound = k % 2 == 0
            frm, to = (customer, self.agents[agent]) if inbound else (self.agents[agent], customer)
            text = subject if k == 0 else f"Re: {subject}"
            fields = {
                "message_ids": (mid,),
                "in_reply_to": (parent,) if parent and linked else (),
                "references": (parent,) if parent and linked else (),
                "from_addr": frm,
                "to": (to,),
                "cc": (self.agents[(agent + 1) % len(self.agents)],) if rng.random() < 0.1 else (),
                "subject": text,
                "date": when,
                "received_at": when + rng.randrange(5),
                "folders": ("INBOX",) if inbound else ("Sent Items",),
                "auto_flags": AUTO if rng.random() < 0.05 else (),
            }
            fields["fingerprint"] = make_fingerprint(frm, when, text, fields["to"], fields["cc"])
            self.record(agent + 1, **fields)
            if fields["cc"]:
                self.record((agent + 1) % len(self.agents) + 1, **fields)
            self.messages += 1
            parent = mid
            when += rng.randrange(60, 3 * 86400)


def build(
    messages: int, worst: bool = False
) -> tuple[list[RecordInfo], list[MailboxInfo], list[TeamInfo]]:
    synth = Synth(random.Random(42), mailboxes=20, worst=worst)
    number = 0
    while synth.messages < messages:
        synth.conversation(number)
        number += 1
    mailboxes = [MailboxInfo(i + 1, (a,)) for i, a in enumerate(synth.agents)]
    teams = [
        TeamInfo(100, "support", tuple(range(1, 11)), addresses=("support@acme.com",)),
        TeamInfo(101, "sales", tuple(range(8, 21)), goal_seconds=3600),
    ]
    return synth.records, mailboxes, teams


def main() -> None:
    count = int(next((a for a in sys.argv[1:] if a.isdigit()), "250000"))
    worst = "--worst" in sys.argv
    records, mailboxes, teams = timed("build synthetic records", lambda: build(count, worst))
    print(f"{len(records)} records for {count} messages, {len(mailboxes)} mailboxes, 2 teams")
    settings = AccountSettings(
        timezone="Europe/London",
        schedule=make_schedule("Europe/London", "mon-fri 09:00-17:00", "GB-ENG"),
    )
    run = lambda: compute_core(settings, mailboxes, teams, records)  # noqa: E731
    if "--profile" in sys.argv:
        profiler = cProfile.Profile()
        result = profiler.runcall(run)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    else:
        result = timed("compute_core (full rebuild)", run)
    print(
        f"{len(result.conversations)} conversations, {len(result.facts)} reply facts, "
        f"{len(result.unanswered)} unanswered items, {len(result.activity)} activity rows"
    )


if __name__ == "__main__":
    main()
