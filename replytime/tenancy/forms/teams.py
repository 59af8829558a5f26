"""Creating and editing a team: name, goal, team addresses and member mailboxes."""

from __future__ import annotations

from typing import Any

from django import forms

from replytime.mailboxes.models import Mailbox
from replytime.tenancy.access import for_account
from replytime.tenancy.forms.common import DurationField, goal_text, split_values
from replytime.tenancy.models import Account, Team
from replytime.tenancy.services import normalise_address


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100)
    goal_seconds = DurationField(
        required=False,
        label="Reply goal",
        help_text="e.g. 2h. Leave empty to use the account's goal.",
    )
    addresses = forms.CharField(
        required=False,
        label="Team addresses",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Group or distribution-list addresses that deliver to the members, one per "
        "line (e.g. sales@example.com).",
    )
    mailboxes = forms.ModelMultipleChoiceField(
        queryset=Mailbox.objects.none(),
        required=False,
        label="Members",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, account: Account, team: Team | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.account = account
        self.team = team
        self.fields["mailboxes"].queryset = for_account(account, Mailbox)  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(team: Team) -> dict[str, Any]:
        return {
            "name": team.name,
            "goal_seconds": goal_text(team.goal_seconds),
            "addresses": team.addresses,
            "mailboxes": [link.mailbox_id for link in team.members.all()],
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        same = for_account(self.account, Team).filter(name=name)
        if self.team is not None:
            same = same.exclude(pk=self.team.pk)
        if same.exists():
            raise forms.ValidationError("There is a team with that name already.")
        return name

    def clean_addresses(self) -> str:
        try:
            addresses = [normalise_address(a) for a in split_values(self.cleaned_data["addresses"])]
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return "\n".join(dict.fromkeys(addresses))
