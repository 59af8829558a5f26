"""Small field helpers shared by the settings forms."""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

from django import forms

from replytime.lib.durations import format_duration, parse_duration

_SEPARATORS = re.compile(r"[\s,;]+")


@cache
def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
    return [(z, z.replace("_", " ")) for z in zones]


def split_values(text: str) -> list[str]:
    """Values separated by new lines, commas, semicolons or spaces."""
    return [v for v in _SEPARATORS.split(text or "") if v]


def goal_text(seconds: int | None) -> str:
    """A goal in the shortest exact unit, as the duration field expects it back."""
    if not seconds:
        return ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return str(seconds)


class DurationField(forms.CharField):
    """`4h`, `90m`, `1d` or seconds; cleans to whole seconds (None when left empty)."""

    def to_python(self, value: str | None) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            seconds = parse_duration(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        if seconds <= 0:
            raise forms.ValidationError("Use a duration longer than zero.")
        return seconds


def describe_goal(seconds: int | None) -> str:
    return format_duration(seconds) if seconds else "account goal"


class TimezoneField(forms.ChoiceField):
    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("label", "Time zone")
        super().__init__(choices=timezone_choices, **kwargs)  # type: ignore[arg-type]
