"""Inviting people and changing a member's role and what they may see."""

from __future__ import annotations

from typing import Any

from django import forms

from replytime.mailboxes.models import Mailbox
from replytime.tenancy.access import for_account
from replytime.tenancy.models import Account, Membership, Role, Team


def role_choices(actor: Membership) -> list[tuple[str, str]]:
    """Roles the actor may hand out: only owners make owners."""
    return [(r.value, r.label) for r in Role if r != Role.OWNER or actor.role == Role.OWNER]


class RoleScopeForm(forms.Form):
    """Role plus the scope fields of restricted managers (teams, mailboxes) and agents."""

    role = forms.ChoiceField(widget=forms.RadioSelect)
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Restricted managers see these teams and their mailboxes.",
    )
    mailboxes = forms.ModelMultipleChoiceField(
        queryset=Mailbox.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Restricted managers also see these mailboxes.",
    )
    own_mailbox = forms.ModelChoiceField(
        queryset=Mailbox.objects.none(),
        required=False,
        label="Their mailbox",
        empty_label="(none yet)",
        help_text="Agents see only this mailbox.",
    )

    def __init__(self, *args: Any, account: Account, actor: Membership, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["role"].choices = role_choices(actor)  # type: ignore[attr-defined]
        self.fields["teams"].queryset = for_account(account, Team)  # type: ignore[attr-defined]
        mailboxes = for_account(account, Mailbox)
        self.fields["mailboxes"].queryset = mailboxes  # type: ignore[attr-defined]
        self.fields["own_mailbox"].queryset = mailboxes  # type: ignore[attr-defined]

    def role_descriptions(self) -> list[tuple[str, str, str]]:
        return [
            (value, label, Role(value).description) for value, label in self.fields["role"].choices
        ]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if role == Role.RESTRICTED and not (data.get("teams") or data.get("mailboxes")):
            self.add_error("teams", "Choose at least one team or mailbox for a restricted manager.")
        if role == Role.AGENT and not data.get("own_mailbox"):
            self.add_error("own_mailbox", "Choose the agent's own mailbox.")
        return data

    def scope(self) -> dict[str, Any]:
        return {
            "teams": list(self.cleaned_data.get("teams") or []),
            "mailboxes": list(self.cleaned_data.get("mailboxes") or []),
            "own_mailbox": self.cleaned_data.get("own_mailbox"),
        }


class InviteForm(RoleScopeForm):
    email = forms.EmailField(max_length=320, label="Email address")

    field_order = ["email", "role", "teams", "mailboxes", "own_mailbox"]


class MemberForm(RoleScopeForm):
    @staticmethod
    def initial_for(membership: Membership) -> dict[str, Any]:
        return {
            "role": membership.role,
            "teams": list(membership.teams.values_list("pk", flat=True)),
            "mailboxes": list(membership.mailboxes.values_list("pk", flat=True)),
            "own_mailbox": membership.own_mailbox_id,
        }
