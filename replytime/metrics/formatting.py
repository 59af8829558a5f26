"""Rendering a report (see report.py) as a text table or CSV rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from replytime.lib.durations import format_duration

CSV_COLUMNS = (
    "kind",
    "name",
    "received",
    "eligible",
    "sent",
    "replies",
    "unanswered",
    "conversations",
)
_STAT_COLUMNS = ("n", "mean", "median", "p90", "within_goal")


def _rows(report: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for m in report["mailboxes"]:
        yield "mailbox", m["address"], m
    for t in report["teams"]:
        yield "team", t["name"], t
    yield "total", report["account"], report["total"]


def csv_header() -> list[str]:
    header = list(CSV_COLUMNS)
    for metric in ("reply_time", "first_reply_time"):
        for clock in ("calendar", "business"):
            header.extend(f"{metric}_{clock}_{s}" for s in _STAT_COLUMNS)
            if clock == "business":
                header.append(f"{metric}_business_off_hours")
    return header


def csv_rows(report: dict[str, Any]) -> Iterator[list[Any]]:
    for kind, name, entry in _rows(report):
        row: list[Any] = [kind, name, *(entry[k] for k in CSV_COLUMNS[2:])]
        for metric in ("reply_time", "first_reply_time"):
            for clock in ("calendar", "business"):
                stats = entry[metric][clock]
                row.extend("" if stats[s] is None else stats[s] for s in _STAT_COLUMNS)
                if clock == "business":
                    row.append(stats["off_hours"])
        yield row


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def table(report: dict[str, Any], *, business: bool = False) -> str:
    """A fixed-width table of the headline figures (median first, never a bare average)."""
    clock = "business" if business else "calendar"
    head = ("", "received", "replies", "unanswered", "median", "p90", "mean", "in goal", "first")
    lines = [f"{head[0]:<34}" + "".join(f"{h:>11}" for h in head[1:])]
    for kind, name, e in _rows(report):
        stats = e["reply_time"][clock]
        first = e["first_reply_time"][clock]
        label = f"{name}" if kind != "team" else f"[team] {name}"
        cells = (
            e["received"],
            e["replies"],
            e["unanswered"],
            format_duration(stats["median"]),
            format_duration(stats["p90"]),
            format_duration(stats["mean"]),
            _share(stats["within_goal"]),
            format_duration(first["median"]),
        )
        lines.append(f"{label[:34]:<34}" + "".join(f"{c!s:>11}" for c in cells))
    title = f"Reply times ({clock} time) for {report['account']}, zone {report['timezone']}"
    return "\n".join([title, *lines])
