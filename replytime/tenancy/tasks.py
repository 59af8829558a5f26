"""Background tasks of the web app (django_tasks): thin wrappers that take ids and call a
service, so the worker never receives a model instance from a request."""

from __future__ import annotations

from django_tasks import task

from replytime.tenancy.models import Account


@task()
def recompute_account_task(account_id: int) -> None:
    """Rebuild conversations and facts after settings that change them were saved."""
    from replytime.metrics.service import recompute_account

    account = Account.objects.filter(pk=account_id).first()
    if account is not None:
        recompute_account(account)


@task()
def import_upload_task(upload_id: int) -> None:
    """Import an uploaded mail file (see `uploads.run_upload`)."""
    from replytime.tenancy.uploads import run_upload

    run_upload(upload_id)


def schedule_recompute(account: Account) -> None:
    recompute_account_task.enqueue(account_id=account.pk)
