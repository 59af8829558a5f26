"""Parsing of the DURATION values of the command line (`90m`, `4h`, `2d` or seconds)."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """Seconds for `90m`, `4h`, `2d`, `30s` or a bare number of seconds."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration: use 90m, 4h, 2d or a number of seconds")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def format_duration(seconds: float | None) -> str:
    """A short human form: `45s`, `12m`, `3h 05m`, `2d 4h`; an empty value is `-`."""
    if seconds is None:
        return "-"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"
