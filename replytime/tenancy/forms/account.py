"""The account settings of spec §1, and the form that creates a new account."""

from __future__ import annotations

from typing import Any

from django import forms

from replytime.tenancy.forms.common import DurationField, TimezoneField, goal_text, split_values
from replytime.tenancy.models import Account
from replytime.tenancy.services import normalise_domains

# The settings that change which mail counts, and so need the metrics recomputed.
METRIC_FIELDS = (
    "internal_domains",
    "count_internal",
    "count_cc",
    "thread_window_days",
    "reply_goal_seconds",
    "timezone",
)


class AccountSettingsForm(forms.Form):
    internal_domains = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One domain per line. Left empty, the domains of your mailbox addresses are "
        "internal.",
    )
    count_internal = forms.BooleanField(
        required=False,
        label="Count internal mail",
        help_text="Mail from colleagues also needs a reply and counts in reply times.",
    )
    count_cc = forms.BooleanField(
        required=False,
        label="Count mail where the mailbox is only in Cc",
    )
    thread_window_days = forms.IntegerField(
        min_value=0,
        max_value=3650,
        label="Thread window (days)",
        help_text="How far back a reply with the same subject joins a conversation.",
    )
    reply_goal_seconds = DurationField(
        label="Reply goal",
        help_text="For “replied within goal”, in business time: e.g. 4h, 90m, 1d.",
    )
    timezone = TimezoneField(help_text="Days, weeks and hours of day in reports use this zone.")

    @staticmethod
    def initial_for(account: Account) -> dict[str, Any]:
        return {
            "internal_domains": account.internal_domains,
            "count_internal": account.count_internal,
            "count_cc": account.count_cc,
            "thread_window_days": account.thread_window_days,
            "reply_goal_seconds": goal_text(account.reply_goal_seconds),
            "timezone": account.timezone,
        }

    def clean_internal_domains(self) -> str:
        try:
            domains = normalise_domains(split_values(self.cleaned_data["internal_domains"]))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return "\n".join(domains)

    def apply(self, account: Account) -> dict[str, list[Any]]:
        """Save the cleaned values; returns {field: [old, new]} for every changed one."""
        changes: dict[str, list[Any]] = {}
        for field in METRIC_FIELDS:
            old, new = getattr(account, field), self.cleaned_data[field]
            if old != new:
                changes[field] = [old, new]
                setattr(account, field, new)
        if changes:
            account.save(update_fields=list(changes))
        return changes


class NewAccountForm(forms.Form):
    name = forms.SlugField(
        max_length=100,
        label="Account name",
        help_text="Lowercase letters, digits, - and _; it appears in addresses (/a/name/).",
    )
    timezone = TimezoneField(initial="UTC")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].lower()
        if Account.objects.filter(name=name).exists():
            raise forms.ValidationError("That name is taken; choose another.")
        return name
