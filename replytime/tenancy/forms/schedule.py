"""Business hours (spec §6) of the account, a team or a mailbox, as a form.

Each weekday takes its working intervals as text ("08:00-12:00 13:00-17:00"; empty: closed).
The values are checked with the metrics engine's own parser, so the form accepts exactly what
`replytime schedule set` accepts.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django import forms

from replytime.metrics.business import (
    FULL_WEEKDAYS,
    WEEKDAYS,
    format_hours,
    make_schedule,
    parse_holiday_region,
    parse_hours,
)
from replytime.tenancy.forms.common import TimezoneField, split_values


@cache
def holiday_country_choices() -> list[tuple[str, str]]:
    from holidays.registry import COUNTRIES

    names = {entry[1]: key.replace("_", " ").title() for key, entry in COUNTRIES.items()}
    countries = sorted(((code, f"{name} ({code})") for code, name in names.items()), key=_label)
    return [("", "No public holidays"), *countries]


def _label(choice: tuple[str, str]) -> str:
    return choice[1]


def _day_text(intervals: tuple[tuple[int, int], ...]) -> str:
    return " ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in intervals)


def schedule_initial(row: Any, timezone: str) -> dict[str, Any]:
    """Form values from a stored Schedule row (or Mon-Fri 09:00-17:00 when there is none)."""
    hours = row.hours if row is not None else "mon-fri 09:00-17:00"
    weekly = parse_hours(hours)
    initial: dict[str, Any] = {day: _day_text(weekly[i]) for i, day in enumerate(WEEKDAYS)}
    initial["timezone"] = row.timezone if row is not None else timezone
    if row is not None:
        initial["holiday_country"] = row.holiday_country
        initial["holiday_subdivision"] = row.holiday_subdivision
        initial["holiday_dates"] = row.holiday_dates
    return initial


class ScheduleForm(forms.Form):
    timezone = TimezoneField()
    holiday_country = forms.ChoiceField(
        required=False, label="Public holidays of", choices=holiday_country_choices
    )
    holiday_subdivision = forms.CharField(
        required=False,
        max_length=16,
        label="Region",
        help_text="Optional state or region code, e.g. SCT for Scotland, CA for California.",
    )
    holiday_dates = forms.CharField(
        required=False,
        label="Other days off",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One date per line, YYYY-MM-DD (company holidays, closures).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for short, full in zip(WEEKDAYS, FULL_WEEKDAYS, strict=True):
            self.fields[short] = forms.CharField(
                required=False,
                label=full.capitalize(),
                widget=forms.TextInput(attrs={"placeholder": "closed", "class": "rt-hours"}),
            )

    def day_fields(self) -> list[forms.BoundField]:
        return [self[day] for day in WEEKDAYS]

    def hours_text(self) -> str:
        groups = [f"{d} {self.cleaned_data[d]}" for d in WEEKDAYS if self.cleaned_data.get(d)]
        return ", ".join(groups)

    def canonical_hours(self) -> str:
        """The hours as the engine stores them ("mon-thu 08:00-12:00, fri ...")."""
        return format_hours(parse_hours(self.hours_text()))

    def region(self) -> str | None:
        country = self.cleaned_data.get("holiday_country") or ""
        sub = (self.cleaned_data.get("holiday_subdivision") or "").strip().upper()
        if not country:
            return None
        return f"{country}-{sub}" if sub else country

    def dates(self) -> list[str]:
        return split_values(self.cleaned_data.get("holiday_dates", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if data.get("holiday_subdivision") and not data.get("holiday_country"):
            self.add_error("holiday_subdivision", "Choose the country first.")
            return data
        try:
            region = self.region()
            if region:
                parse_holiday_region(region)
            make_schedule(data["timezone"], self.hours_text(), region, self.dates())
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data
