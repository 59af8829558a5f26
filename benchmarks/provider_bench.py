"""Provider connector benchmarks against the local fakes (issue 6): Gmail and Microsoft 365.

Each provider module is optional (`provider_bench_gmail.bench_gmail`,
`provider_bench_m365.bench_m365`); the figures of those present are printed as JSON.
Run: `python -m benchmarks.provider_bench`.
"""

from __future__ import annotations

import importlib
import json


def main() -> None:
    results = []
    for module, function in (("provider_bench_gmail", "bench_gmail"),
                             ("provider_bench_m365", "bench_m365")):  # fmt: skip
        try:
            bench = getattr(importlib.import_module(f"benchmarks.{module}"), function)
        except (ImportError, AttributeError):
            continue
        results.append(bench())
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
