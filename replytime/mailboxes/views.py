"""The owner's side of activation by email: open the link, pick a provider, connect.

No sign-in: the signed, single-use link is the authority, and it grants nothing but connecting
this one mailbox.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from replytime.mailboxes.activation import InvalidActivation, complete, resolve
from replytime.mailboxes.connectors.base import ConnectorError
from replytime.mailboxes.connectors.registry import CONNECTORS, choices, connector_class
from replytime.mailboxes.forms import ConnectorForm
from replytime.mailboxes.status import mailbox_status
from replytime.mailboxes.sync.connections import split_values


def _invalid(request: HttpRequest, error: InvalidActivation) -> HttpResponse:
    ctx = {"message": str(error)}
    return render(request, "mailboxes/activate_invalid.html", ctx, status=410)


@never_cache
def activate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invite = resolve(token)
    except InvalidActivation as error:
        return _invalid(request, error)
    ctx = {"mailbox": invite.mailbox, "token": token, "providers": choices()}
    return render(request, "mailboxes/activate_choose.html", ctx)


@never_cache
@csrf_protect
def activate_provider(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    if kind not in CONNECTORS:
        raise Http404("unknown provider")
    try:
        invite = resolve(token)
    except InvalidActivation as error:
        return _invalid(request, error)
    # Connectors that sign the owner in with their provider (OAuth) take over from here.
    if view_name := getattr(connector_class(kind), "activation_view", ""):
        return redirect(view_name, token)
    mailbox = invite.mailbox
    data = request.POST if request.method == "POST" else None
    form = ConnectorForm(kind, data, initial_user=mailbox.address)
    if form.is_valid():
        params, secrets = split_values(kind, form.values())
        try:
            complete(invite, kind, params, secrets)
        except ConnectorError as exc:
            form.add_error(None, f"{exc.message} {exc.action}".strip())
        except InvalidActivation as error:
            return _invalid(request, error)
        else:
            ctx = {"mailbox": mailbox, "status": mailbox_status(mailbox)}
            return render(request, "mailboxes/activate_done.html", ctx)
    ctx = {"mailbox": mailbox, "form": form, "label": CONNECTORS[kind][0], "token": token}
    return render(request, "mailboxes/activate_form.html", ctx)
