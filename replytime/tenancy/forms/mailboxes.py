"""Adding and editing a mailbox: address, display name, aliases and teams."""

from __future__ import annotations

from typing import Any

from django import forms

from replytime.mailboxes.models import Mailbox, MailboxAddress
from replytime.tenancy.access import for_account
from replytime.tenancy.forms.common import split_values
from replytime.tenancy.models import Account, Team
from replytime.tenancy.services import normalise_address


class MailboxForm(forms.Form):
    address = forms.EmailField(max_length=320, label="Email address")
    name = forms.CharField(max_length=200, required=False, label="Display name")
    aliases = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Other addresses of the same person or shared mailbox, one per line.",
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, account: Account, mailbox: Mailbox | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.account = account
        self.mailbox = mailbox
        self.fields["teams"].queryset = for_account(account, Team)  # type: ignore[attr-defined]
        if mailbox is not None:
            # The primary address identifies the mailbox's stored mail; it cannot change.
            self.fields["address"].disabled = True

    @staticmethod
    def initial_for(mailbox: Mailbox) -> dict[str, Any]:
        aliases = mailbox.addresses.filter(is_primary=False).order_by("address")
        return {
            "address": mailbox.address,
            "name": mailbox.name,
            "aliases": "\n".join(a.address for a in aliases),
            "teams": [link.team_id for link in mailbox.team_links.all()],
        }

    def _taken(self, addresses: list[str]) -> list[str]:
        rows = for_account(self.account, MailboxAddress).filter(address__in=addresses)
        if self.mailbox is not None:
            rows = rows.exclude(mailbox=self.mailbox)
        return sorted(rows.values_list("address", flat=True))

    def clean_address(self) -> str:
        address = normalise_address(self.cleaned_data["address"])
        if self.mailbox is None and self._taken([address]):
            raise forms.ValidationError("This address already belongs to a mailbox.")
        return address

    def clean_aliases(self) -> list[str]:
        try:
            aliases = [normalise_address(a) for a in split_values(self.cleaned_data["aliases"])]
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        taken = self._taken(aliases)
        if taken:
            raise forms.ValidationError(f"Already used by another mailbox: {', '.join(taken)}")
        return list(dict.fromkeys(aliases))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        address = data.get("address") or (self.mailbox.address if self.mailbox else None)
        if address and address in data.get("aliases", []):
            self.add_error("aliases", "The primary address cannot be an alias too.")
        return data
