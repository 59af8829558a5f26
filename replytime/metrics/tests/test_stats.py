"""Statistics (spec §7): numpy-equal percentiles and the STATS shape of cli.md."""

from __future__ import annotations

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

from replytime.metrics.stats import (
    percentile,
    reply_time_stats,
    summarize,
    summarize_business,
)
from replytime.metrics.tests.builders import ANN, BOB, ann_core, mailbox_facts, rec, wk


@given(
    values=st.lists(st.integers(0, 10**9), min_size=1, max_size=200),
    q=st.sampled_from([0, 10, 25, 50, 75, 90, 95, 99, 100]),
)
def test_percentile_equals_numpy(values: list[int], q: int) -> None:
    assert percentile(sorted(values), q) == float(numpy.percentile(values, q))


@given(values=st.lists(st.floats(0, 1e7), min_size=1, max_size=50))
def test_percentile_equals_numpy_for_floats(values: list[float]) -> None:
    assert percentile(sorted(values), 90) == float(numpy.percentile(values, 90))


def test_summarize() -> None:
    stats = summarize([600, 1800, 3600, 7200, 14400, 28800], goal=14400)
    assert stats == {
        "n": 6,
        "mean": 9400.0,
        "median": 5400.0,
        "p90": 21600.0,
        "within_goal": pytest.approx(5 / 6),
    }


def test_summarize_empty() -> None:
    expected = {"n": 0, "mean": None, "median": None, "p90": None, "within_goal": None}
    assert summarize([], goal=100) == expected
    assert summarize_business([(0, True)], goal=100) == {**expected, "off_hours": 1}


def test_summarize_business_leaves_off_hours_out() -> None:
    stats = summarize_business([(100, False), (0, True), (300, False), (0, True)], goal=100)
    assert stats == {
        "n": 2,
        "mean": 200.0,
        "median": 200.0,
        "p90": 280.0,
        "within_goal": 0.5,
        "off_hours": 2,
    }


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)


def test_reply_time_stats_of_facts() -> None:
    records = [
        rec(1, wk("Fri", "16:00"), BOB, [ANN]),
        rec(2, wk("Mon2", "10:00"), ANN, [BOB], irt=["m1@test"]),
        rec(3, wk("Sat", "10:00"), BOB, [ANN], subject="Other"),
        rec(4, wk("Sat", "11:00"), ANN, [BOB], irt=["m3@test"], subject="Re: Other"),
    ]
    facts = mailbox_facts(ann_core(records))
    stats = reply_time_stats(facts, goal=7200)
    assert stats["calendar"] == {
        "n": 2,
        "mean": (237600 + 3600) / 2,
        "median": (237600 + 3600) / 2,
        "p90": 3600 + 0.9 * (237600 - 3600),
        "within_goal": 0.5,
    }
    assert stats["business"] == {
        "n": 1,
        "mean": 7200.0,
        "median": 7200.0,
        "p90": 7200.0,
        "within_goal": 1.0,
        "off_hours": 1,
    }
