"""Dashboard queries against facts built by the real pipeline (see mail.py for the data)."""

from __future__ import annotations

import random
from datetime import date

import pytest
from django.db import connection

from replytime.conversations.models import Conversation
from replytime.metrics.report import build_report
from replytime.metrics.service import update_account
from replytime.metrics.stats import summarize
from replytime.reports.board import leaderboard
from replytime.reports.caching import forget_version
from replytime.reports.customers import customers
from replytime.reports.filters import parse_filters, preset_range
from replytime.reports.heatmap import heatmap
from replytime.reports.overview import overview, summary_stats, with_ages
from replytime.reports.queue import close_conversation, queue
from replytime.reports.scoping import visibility_of
from replytime.reports.sqlstats import grouped_stats
from replytime.reports.tests.mail import SECRET, context, everything, load_mail, store
from replytime.reports.timeline import timeline, visible_conversation
from replytime.reports.trend import trend
from replytime.reports.zones import offset_segments
from replytime.testing import Personas, header, make_personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db: None) -> Personas:
    people = make_personas()
    load_mail(people)
    return people


def test_it_gives_the_hand_computed_overview(people: Personas) -> None:
    o = with_ages(context(everything(people)), overview(context(everything(people))))
    rt = o["reply_time"]
    assert rt["n"]["value"] == 3
    assert rt["median"]["value"] == 7200
    assert rt["mean"]["value"] == 7800
    assert rt["p90"]["value"] == summarize([1800, 7200, 14400], 14400)["p90"]
    assert rt["within_goal"]["value"] == 1.0
    assert o["first_reply_time"]["n"]["value"] == 3
    assert o["unanswered"]["value"] == 1
    assert o["oldest_age"] == context(everything(people)).now - 1772528400  # Tue 09:00
    assert o["volume"]["received"]["value"] == 5
    assert o["volume"]["sent"]["value"] == 3
    assert o["volume"]["replies"]["value"] == 3
    # The previous week is empty: no change can be computed.
    assert rt["median"]["previous"] is None and rt["median"]["change"] is None


@pytest.mark.parametrize("clock", ["calendar", "business"])
def test_it_equals_build_report_for_every_scope(people: Personas, clock: str) -> None:
    ctx = context(everything(people), clock=clock)
    report = build_report(people.acme, ctx.period)
    assert summary_stats(ctx)["reply_time"] == report["total"]["reply_time"][clock]
    assert summary_stats(ctx)["first_reply_time"] == report["total"]["first_reply_time"][clock]
    rows = {r["name"]: r for r in leaderboard(ctx)}
    for entry in [*report["mailboxes"], *report["teams"]]:
        row = rows[entry.get("name") or entry["address"]]
        stats = entry["reply_time"][clock]
        assert (row["n"], row["median"], row["p90"], row["mean"], row["within_goal"]) == (
            stats["n"], stats["median"], stats["p90"], stats["mean"], stats["within_goal"],
        )  # fmt: skip
        assert (row["received"], row["sent"]) == (entry["received"], entry["sent"])


def test_a_team_filter_reads_the_team_scope(people: Personas) -> None:
    ctx = context(everything(people), team=str(people.support.public_id))
    o = overview(ctx)
    assert o["reply_time"]["n"]["value"] == 1
    assert o["reply_time"]["median"]["value"] == 14400
    assert {r["name"] for r in leaderboard(ctx)} == {"ben@acme.com", "Support"}


def test_a_restricted_view_sees_only_its_mailboxes(people: Personas) -> None:
    vis = visibility_of(
        people.acme,
        mailboxes=people.acme.mailboxes.filter(pk=people.ann.pk),
        teams=people.acme.teams.filter(pk=people.sales.pk),
        totals=False,
    )
    ctx = context(vis)
    assert ctx.target.kind == "mailbox"
    assert overview(ctx)["reply_time"]["n"]["value"] == 2
    assert {r["name"] for r in leaderboard(ctx)} == {"ann@acme.com", "Sales"}
    assert queue(ctx)["total"] == 0
    assert {r["name"] for r in customers(ctx)} == {"client.com", "other.org"}
    # A team the member may not see is ignored, not honoured.
    ctx = context(vis, team=str(people.support.public_id))
    assert overview(ctx)["reply_time"]["n"]["value"] == 2


def test_trend_buckets_by_local_day(people: Personas) -> None:
    rows = trend(context(everything(people), group="day"))["rows"]
    assert [r["start"] for r in rows][:2] == [date(2026, 3, 2), date(2026, 3, 3)]
    assert (rows[0]["n"], rows[0]["median"]) == (2, 4500)
    assert (rows[1]["n"], rows[1]["median"], rows[1]["received"]) == (1, 14400, 2)
    assert rows[2]["n"] == 0 and rows[2]["median"] is None
    weeks = trend(context(everything(people), group="week"))["rows"]
    assert len(weeks) == 1 and weeks[0]["n"] == 3


def test_leaderboard_sorts_by_any_column(people: Personas) -> None:
    by_median = leaderboard(context(everything(people), sort="median", dir="asc"))
    medians = [r["median"] for r in by_median if r["median"] is not None]
    assert medians == sorted(medians)
    by_name = leaderboard(context(everything(people), sort="name", dir="asc"))
    assert [r["name"] for r in by_name] == sorted((r["name"] for r in by_name), key=str.lower)


def test_the_queue_lists_the_oldest_first_and_hides_closed_until_new_mail(people: Personas) -> None:
    ctx = context(everything(people))
    rows = queue(ctx)["rows"]
    assert [(r["subject"], r["customer"], r["owner"]) for r in rows] == [
        ("Help", "dave@client.com", "ben@acme.com")
    ]
    assert rows[0]["age"] == ctx.now - rows[0]["start"]
    assert rows[0]["business_age"] == 4 * 8 * 3600  # Tue 09:00 to Mon 09:00
    conv = Conversation.objects.get(account=people.acme, key=rows[0]["key"])
    close_conversation(people.acme, conv, "alice", now=ctx.now)
    ctx = context(everything(people))  # one context per request: closures are read once
    assert queue(ctx)["total"] == 0
    assert overview(ctx)["unanswered"]["value"] == 0
    # A newer message from the customer reopens it.
    store(people.ben, [header(frm="dave@client.com", to=("ben@acme.com",), subject="Re: Help",
                              at="2026-03-09 10:00", in_reply_to=("c1@test",))])  # fmt: skip
    update_account(people.acme)
    forget_version(people.acme)  # this process remembers the data version for a few seconds
    assert queue(context(everything(people)))["total"] == 1


def test_customers_by_domain_and_by_contact(people: Personas) -> None:
    rows = {r["name"]: r for r in customers(context(everything(people)))}
    assert (rows["client.com"]["n"], rows["client.com"]["median"]) == (2, 8100)
    assert rows["client.com"]["unanswered"] == 1
    assert rows["other.org"]["n"] == 1
    contacts = {r["name"] for r in customers(context(everything(people), by="contact"))}
    assert contacts == {"bob@client.com", "carol@other.org", "dave@client.com"}


def test_heatmap_counts_inbound_by_local_weekday_and_hour(people: Personas) -> None:
    grid = heatmap(context(everything(people)))["grid"]
    monday, tuesday = grid[0]["cells"], grid[1]["cells"]
    assert (monday[10]["volume"], monday[11]["volume"], monday[12]["volume"]) == (1, 1, 1)
    assert (tuesday[9]["volume"], tuesday[10]["volume"]) == (1, 1)
    assert monday[11]["median"] == 7200 and tuesday[10]["median"] == 14400


def test_the_timeline_shows_headers_and_reply_times(people: Personas) -> None:
    ctx = context(everything(people))
    conv = Conversation.objects.get(account=people.acme, subject="Order")
    t = timeline(ctx, visible_conversation(ctx, conv.key))
    assert [m["direction"] for m in t["entries"]] == ["in", "in", "out"]
    assert t["entries"][2]["replies"][0]["calendar"] == 7200
    assert "body" not in t["entries"][0]


def test_other_accounts_never_leak(people: Personas) -> None:
    ctx = context(everything(people))
    names = {r["name"] for r in customers(ctx)} | {r["name"] for r in leaderboard(ctx)}
    assert SECRET not in names and "gus@globex.com" not in names
    globex_conv = Conversation.objects.get(account=people.globex)
    with pytest.raises(Exception, match="No such conversation"):
        visible_conversation(ctx, globex_conv.key)


def test_sqlstats_equals_summarize() -> None:
    rng = random.Random(4)
    for n in (1, 2, 3, 7, 10, 11, 101):
        values = [rng.randrange(0, 200_000) for _ in range(n)]
        marks = ", ".join(["(%s)"] * n)
        sql = f"SELECT 1 AS g, column1 AS x, CASE WHEN column1 <= 14400 THEN 1 ELSE 0 END AS ok FROM (VALUES {marks}) AS v"
        with connection.cursor():
            got = grouped_stats(sql, values)[1]
        assert got == summarize(values, 14400), n


def test_zone_offsets_follow_dst() -> None:
    start, end = 1774746000 - 86400, 1774746000 + 86400  # around 2026-03-29 01:00 UTC
    assert offset_segments("Europe/London", start, end) == [(1774746000, 0), (None, 3600)]


def test_filters_round_trip_and_presets() -> None:
    f = parse_filters({"period": "custom", "from": "2026-03-08", "to": "2026-03-02"})  # type: ignore[arg-type]
    assert (f.first, f.last) == (date(2026, 3, 2), date(2026, 3, 8))
    assert parse_filters({"period": "nonsense", "clock": "x"}).period == "30d"  # type: ignore[arg-type]
    assert "period=custom" in f.query() and "from=2026-03-02" in f.query()
    today = date(2026, 3, 9)
    assert preset_range("7d", today).first == date(2026, 3, 3)
    assert preset_range("last-month", today).first == date(2026, 2, 1)
    assert preset_range("last-month", today).last == date(2026, 2, 28)
    assert preset_range("this-quarter", today).first == date(2026, 1, 1)
    assert preset_range("7d", today).previous().last == date(2026, 3, 2)


def test_the_data_version_moves_with_the_facts(people: Personas) -> None:
    from replytime.metrics.service import recompute_account
    from replytime.reports.caching import data_version

    before = data_version(people.acme)
    assert data_version(people.acme) == before
    conv = Conversation.objects.get(account=people.acme, subject="Help")
    close_conversation(people.acme, conv, "alice", now=conv.last_time + 60)
    closed = data_version(people.acme)
    assert closed != before
    recompute_account(people.acme)
    assert data_version(people.acme) != closed
