"""npstats.grouped_stats equals metrics.stats.summarize bit for bit, group by group."""

from __future__ import annotations

import random

import numpy as np
import pytest

from replytime.metrics.stats import summarize
from replytime.reports.npstats import grouped_stats


@pytest.mark.parametrize("seed", range(4))
def test_grouped_stats_equal_summarize(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        n = rng.randint(1, 400)
        groups = np.array([rng.randint(-3, rng.randint(0, 40)) for _ in range(n)], dtype=np.int64)
        # Seconds from a few to decades: every width the packed columns use.
        values = [rng.randint(0, 10 ** rng.randint(1, 10)) for _ in range(n)]
        goal = rng.randint(0, 10**6)
        goals = {g: rng.randint(0, 10**6) for g in set(groups.tolist()) if rng.random() < 0.3}
        got = grouped_stats(groups, np.array(values, dtype=np.int64), goal, goals=goals)
        for g in set(groups.tolist()):
            chosen = [v for k, v in zip(groups.tolist(), values, strict=True) if k == g]
            expected = summarize(chosen, goals.get(g, goal))
            assert repr(got[g]) == repr(expected)


def test_labels_name_the_groups_and_empty_input_has_none() -> None:
    got = grouped_stats(np.array([0, 1, 1]), np.array([5, 7, 9]), 8, labels=["a", "b"])
    assert got == {"a": summarize([5], 8), "b": summarize([7, 9], 8)}
    assert grouped_stats(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 1) == {}


def test_values_too_wide_for_one_key_still_sort() -> None:
    groups = np.array([2**40, 0, 2**40], dtype=np.int64)
    values = np.array([2**40, 3, 1], dtype=np.int64)
    got = grouped_stats(groups, values, 10)
    assert got[2**40] == summarize([2**40, 1], 10)
