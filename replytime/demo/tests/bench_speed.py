"""Quick speed check and content summary of the demo generator (prints; asserts nothing).

.venv/bin/python -m replytime.demo.tests.bench_speed                 # 200 mailboxes, ~1M records
.venv/bin/python -m replytime.demo.tests.bench_speed --summary       # counts for the default account
.venv/bin/python -m replytime.demo.tests.bench_speed --mailboxes 20 --rate 12 --repeat 3
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import UTC, datetime

from replytime.demo import build_account, generate_records

END = int(datetime(2026, 3, 2, 12, tzinfo=UTC).timestamp())


def measure(mailboxes: int, days: int, rate: float, repeat: int) -> None:
    """Print records/s (wall clock and CPU) of each run; the consumer only counts records."""
    account = build_account(mailboxes=mailboxes)
    for run in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        count = sum(1 for _ in generate_records(account, end=END, days=days,
                                                messages_per_mailbox_day=rate))  # fmt: skip
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"run {run + 1}: {count:,} records for {mailboxes} mailboxes x {days} days "
            f"in {wall:.1f} s: {count / wall:,.0f} records/s wall, {count / cpu:,.0f} records/s CPU"
        )


def summary() -> None:
    """Print what the default account's data contains, by thread kind and message label."""
    stats: Counter[str] = Counter()
    account = build_account()
    records = list(generate_records(account, end=END, stats=stats))
    boxes = Counter(box for box, _ in records)
    print(f"default account: {len(account.mailboxes)} mailboxes, {len(account.teams)} teams, "
          f"{len(records):,} records ({min(boxes.values())}-{max(boxes.values())} per mailbox)")  # fmt: skip
    for prefix in ("threads:", "messages:", "records:"):
        rows = sorted((k, v) for k, v in stats.items() if k.startswith(prefix))
        print(f"\n{prefix[:-1]}")
        for key, value in rows:
            print(f"  {key[len(prefix) :]:32} {value:8,}")
    print(f"\nrecords delivered via a team address: {stats['records-via-team-address']:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailboxes", type=int, default=200)
    parser.add_argument("--days", type=int, default=182)
    parser.add_argument("--rate", type=float, default=27.5, help="records per mailbox per day")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--summary", action="store_true", help="describe the default account")
    args = parser.parse_args()
    if args.summary:
        summary()
    else:
        measure(args.mailboxes, args.days, args.rate, args.repeat)


if __name__ == "__main__":
    main()
