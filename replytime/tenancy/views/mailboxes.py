"""Mailboxes: list, add, edit (name, aliases, teams) and remove.

The live-sync work adds each mailbox's connection status and activation; the templates keep
a marked place for its partial `mailboxes/_status.html`.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse

from replytime.mailboxes.models import Mailbox, MailboxAddress, TeamMember
from replytime.tenancy.access import account_view, for_account, get_mailbox_for_user
from replytime.tenancy.audit import Action, audit
from replytime.tenancy.configure import create_mailbox, update_mailbox
from replytime.tenancy.forms.mailboxes import MailboxForm
from replytime.tenancy.models import Role
from replytime.tenancy.tasks import schedule_recompute
from replytime.tenancy.views.common import saved, settings_page


@account_view(Role.ADMIN, write=True)
def mailbox_list(request: HttpRequest, account: str) -> HttpResponse:
    aliases = MailboxAddress.objects.filter(is_primary=False).order_by("address")
    links = TeamMember.objects.select_related("team").order_by("team__name")
    mailboxes = for_account(request.account, Mailbox).prefetch_related(  # type: ignore[attr-defined]
        Prefetch("addresses", queryset=aliases, to_attr="aliases"),
        Prefetch("team_links", queryset=links, to_attr="links"),
    )
    context = {"mailboxes": mailboxes}
    return settings_page(request, "tenancy/settings/mailboxes.html", context, tab="mailboxes")


@account_view(Role.ADMIN, write=True)
def mailbox_new(request: HttpRequest, account: str) -> HttpResponse:
    form = MailboxForm(request.POST or None, account=request.account)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        mailbox = create_mailbox(
            request.account,  # type: ignore[attr-defined]
            address=data["address"],
            name=data["name"],
            aliases=data["aliases"],
            teams=data["teams"],
        )
        audit(request, Action.MAILBOX_ADDED, mailbox=mailbox.address, aliases=data["aliases"])
        schedule_recompute(request.account)  # type: ignore[attr-defined]
        return saved(request, f"Mailbox {mailbox.address} added.", "rt-settings-mailboxes")
    context = {"form": form, "mailbox": None}
    return settings_page(request, "tenancy/settings/mailbox_form.html", context, tab="mailboxes")


@account_view(Role.ADMIN, write=True)
def mailbox_edit(request: HttpRequest, account: str, mailbox: str) -> HttpResponse:
    found = get_mailbox_for_user(request, mailbox)
    form = MailboxForm(
        request.POST or None,
        account=request.account,  # type: ignore[attr-defined]
        mailbox=found,
        initial=MailboxForm.initial_for(found),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        update_mailbox(found, name=data["name"], aliases=data["aliases"], teams=data["teams"])
        audit(request, Action.MAILBOX_CHANGED, mailbox=found.address, aliases=data["aliases"])
        schedule_recompute(request.account)  # type: ignore[attr-defined]
        return saved(request, f"Mailbox {found.address} saved.", "rt-settings-mailboxes")
    context = {"form": form, "mailbox": found, "status": _connection_status(found)}
    return settings_page(request, "tenancy/settings/mailbox_form.html", context, tab="mailboxes")


def _connection_status(mailbox: Mailbox) -> object | None:
    """The live-sync status of the mailbox for its partial (None until that code exists)."""
    try:
        from replytime.mailboxes.status import mailbox_status
    except ImportError:
        return None
    return mailbox_status(mailbox)


@account_view(Role.ADMIN, write=True)
def mailbox_remove(request: HttpRequest, account: str, mailbox: str) -> HttpResponse:
    """GET asks for confirmation; POST removes the mailbox and all mail stored for it."""
    found = get_mailbox_for_user(request, mailbox)
    if request.method != "POST":
        return settings_page(
            request, "tenancy/settings/mailbox_remove.html", {"mailbox": found}, tab="mailboxes"
        )
    address = found.address
    found.delete()
    audit(request, Action.MAILBOX_REMOVED, mailbox=address)
    schedule_recompute(request.account)  # type: ignore[attr-defined]
    return saved(request, f"Mailbox {address} removed.", "rt-settings-mailboxes")
