"""Uploading a mail file for import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet

from replytime.mailboxes.models import Mailbox

FORMAT_CHOICES = [
    ("auto", "Detect automatically"),
    ("mbox", "mbox (also .gz, .xz, .bz2)"),
    ("eml", ".eml files (in a .zip)"),
    ("maildir", "Maildir (in a .zip)"),
    ("pipermail", "Mailman (pipermail) archive"),
]


class UploadForm(forms.Form):
    mailbox = forms.ModelChoiceField(
        queryset=Mailbox.objects.none(),
        help_text="The mailbox whose mail this file holds.",
    )
    file = forms.FileField(
        label="Mail file",
        help_text="An mbox file (compressed or not), a single .eml, or a .zip of a Maildir or of "
        ".eml files. Only headers are kept; the file is deleted after the import.",
    )
    fmt = forms.ChoiceField(label="Format", choices=FORMAT_CHOICES, initial="auto")

    def __init__(self, *args: Any, mailboxes: QuerySet[Mailbox], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["mailbox"].queryset = mailboxes  # type: ignore[attr-defined]

    def clean_file(self) -> UploadedFile:
        file: UploadedFile = self.cleaned_data["file"]
        limit = settings.REPLYTIME_UPLOAD_MAX_MB
        if (file.size or 0) > limit * 1024 * 1024:
            raise forms.ValidationError(f"The file is larger than {limit} MB.")
        return file
