"""Forms of the Microsoft 365 admin pages."""

from __future__ import annotations

import re
from typing import Any

from django import forms

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class AppForm(forms.Form):
    tenant_id = forms.CharField(
        label="Directory (tenant) id", max_length=100,
        help_text="The GUID shown on the app registration's Overview page in Entra ID.",
    )  # fmt: skip
    client_id = forms.CharField(label="Application (client) id", max_length=100)
    client_secret = forms.CharField(
        label="Client secret", required=False, strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted and never shown again. Leave empty to keep the stored one.",
    )  # fmt: skip
    full_headers = forms.BooleanField(
        label="The app has Mail.Read (not only Mail.ReadBasic.All)", required=False,
        help_text="Only then can replytime read In-Reply-To and References in application "
        "mode; Mail.Read could also read bodies, which replytime never requests.",
    )  # fmt: skip
    push = forms.BooleanField(
        label="Use change notifications", required=False, initial=True,
        help_text="Needs a public https address; polling keeps working without it.",
    )  # fmt: skip

    def __init__(self, *args: Any, has_secret: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_secret = has_secret

    def clean_client_id(self) -> str:
        value = self.cleaned_data["client_id"].strip()
        if not _GUID.match(value):
            raise forms.ValidationError("Enter the application (client) id, a GUID.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("client_secret") and not self.has_secret:
            self.add_error("client_secret", "Enter the client secret.")
        return data
