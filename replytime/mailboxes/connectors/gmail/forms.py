"""Forms of the Gmail set-up page and of the Workspace bulk-add page."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from replytime.mailboxes.connectors.gmail.setup import parse_key_file

_TOPIC = re.compile(r"projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/topics/[A-Za-z][\w.~+%-]{2,254}")


class SetupForm(forms.Form):
    client_id = forms.CharField(
        label="OAuth client ID", required=False, max_length=200,
        help_text="Empty: the installation's client (REPLYTIME_GOOGLE_MAIL_CLIENT_ID).",
    )  # fmt: skip
    client_secret = forms.CharField(
        label="OAuth client secret", required=False, strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted and never shown again; leave empty to keep the stored one.",
    )  # fmt: skip
    key_file = forms.FileField(
        label="Service account JSON key", required=False,
        help_text="For Google Workspace: the key of the service account with domain-wide "
        "delegation. Stored encrypted; leave empty to keep the stored one.",
    )  # fmt: skip
    admin_email = forms.EmailField(
        label="Workspace admin address", required=False,
        help_text="The Directory API lists the domain's users as this admin.",
    )  # fmt: skip
    domain = forms.CharField(
        label="Domain", required=False, max_length=253,
        help_text="Empty: every domain of the Workspace customer.",
    )  # fmt: skip
    topic = forms.CharField(
        label="Pub/Sub topic (push)", required=False, max_length=300,
        help_text="projects/<project>/topics/<topic>; empty: polling only.",
    )  # fmt: skip

    def clean_topic(self) -> str:
        topic = str(self.cleaned_data.get("topic") or "").strip()
        if topic and not _TOPIC.fullmatch(topic):
            raise forms.ValidationError("Enter the topic as projects/<project>/topics/<topic>.")
        return topic

    def clean_key_file(self) -> str:
        upload = self.cleaned_data.get("key_file")
        if not upload:
            return ""
        if upload.size > 64 * 1024:
            raise forms.ValidationError("This file is too large for a JSON key.")
        text = upload.read().decode("utf-8", "replace")
        try:
            parse_key_file(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class BulkAddForm(forms.Form):
    users = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="Users")

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["users"].choices = choices
