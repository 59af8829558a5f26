"""Uploading a mail file for import, with an HTMX-polled progress fragment."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from replytime.mailboxes.models import Mailbox
from replytime.tenancy.access import account_view, for_account, get_object_in_account
from replytime.tenancy.audit import Action, audit
from replytime.tenancy.forms.imports import UploadForm
from replytime.tenancy.models import Role, Upload
from replytime.tenancy.tasks import import_upload_task
from replytime.tenancy.uploads import find_import_run, store_upload
from replytime.tenancy.views.common import saved, settings_page

# How often the progress fragment asks again while an import runs.
POLL_SECONDS = 2


@account_view(Role.ADMIN, write=True)
def import_page(request: HttpRequest, account: str) -> HttpResponse:
    current = request.account  # type: ignore[attr-defined]
    form = UploadForm(
        request.POST or None, request.FILES or None, mailboxes=for_account(current, Mailbox)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = store_upload(
            current, data["mailbox"], data["file"], fmt=data["fmt"], user=request.user
        )
        audit(
            request,
            Action.IMPORT_STARTED,
            mailbox=upload.mailbox.address,
            file=upload.file_name,
            size=upload.size,
        )
        import_upload_task.enqueue(upload_id=upload.pk)
        return saved(
            request,
            f"{upload.file_name} uploaded; the import runs in the background.",
            "rt-settings-import",
        )
    uploads = for_account(current, Upload).select_related("mailbox", "import_run")[:20]
    context = {"form": form, "uploads": [_progress(u) for u in uploads]}
    return settings_page(request, "tenancy/settings/import.html", context, tab="import")


def _progress(upload: Upload) -> dict[str, object]:
    return {"upload": upload, "run": find_import_run(upload), "poll": POLL_SECONDS}


@account_view(Role.ADMIN)
def upload_progress(request: HttpRequest, account: str, upload: str) -> HttpResponse:
    """The progress row of one upload; HTMX polls it until the import has finished."""
    found = get_object_in_account(request, Upload, upload)
    return render(request, "tenancy/settings/_upload.html", {"item": _progress(found)})
