"""Public pages of the Microsoft 365 connector: the owner's sign-in and Graph's webhooks.

The activation link is the owner's authority (as in the activation flow); the sign-in keeps
msal's flow (state, nonce, PKCE verifier) in the session until Microsoft redirects back.
Webhooks answer the validation handshake (200, text/plain, the token) and otherwise only
check clientState and make a sync due: they never read mail.
"""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from replytime.mailboxes.activation import InvalidActivation, resolve
from replytime.mailboxes.connectors.base import ConnectorError
from replytime.mailboxes.connectors.m365 import push, setup
from replytime.mailboxes.status import mailbox_status

log = logging.getLogger(__name__)
_FLOW = "rt_m365_flow"


def _invalid(request: HttpRequest, message: str, status: int = 410) -> HttpResponse:
    return render(request, "mailboxes/activate_invalid.html", {"message": message}, status=status)


@never_cache
def activate(request: HttpRequest, token: str) -> HttpResponse:
    """Start the owner's Microsoft sign-in for the mailbox of a valid activation link."""
    try:
        invite = resolve(token)
        flow = setup.start_sign_in(invite)
    except InvalidActivation as error:
        return _invalid(request, str(error))
    except ConnectorError as exc:
        ctx = {"mailbox": invite.mailbox, "error": exc.message, "action": exc.action,
               "token": token}  # fmt: skip
        return render(request, "m365/activate_error.html", ctx, status=503)
    request.session[_FLOW] = {"token": token, "flow": flow}
    return HttpResponseRedirect(flow["auth_uri"])


@never_cache
def callback(request: HttpRequest) -> HttpResponse:
    """Microsoft redirects here with `code` and `state` (or `error`)."""
    saved = request.session.pop(_FLOW, None)
    if not saved or saved["flow"].get("state") != request.GET.get("state"):
        return _invalid(request, "This sign-in cannot be completed. Open the activation link "
                        "again.")  # fmt: skip
    try:
        invite = resolve(saved["token"])
    except InvalidActivation as error:
        return _invalid(request, str(error))
    if "error" in request.GET:
        ctx = {"mailbox": invite.mailbox, "token": saved["token"], "action": "",
               "error": "Microsoft did not connect the mailbox (the sign-in was cancelled or "
                        "consent was refused)."}  # fmt: skip
        return render(request, "m365/activate_error.html", ctx, status=400)
    try:
        setup.finish_sign_in(invite, saved["flow"], request.GET.dict())
    except InvalidActivation as error:
        return _invalid(request, str(error))
    except ConnectorError as exc:
        ctx = {"mailbox": invite.mailbox, "error": exc.message, "action": exc.action,
               "token": saved["token"]}  # fmt: skip
        return render(request, "m365/activate_error.html", ctx, status=400)
    ctx = {"mailbox": invite.mailbox, "status": mailbox_status(invite.mailbox)}
    return render(request, "mailboxes/activate_done.html", ctx)


def _validation(request: HttpRequest) -> HttpResponse | None:
    token = request.GET.get("validationToken")
    if token is None:
        return None
    # Graph waits at most 10 s: answer at once with the decoded token as plain text.
    return HttpResponse(token, content_type="text/plain; charset=utf-8")


def _items(request: HttpRequest) -> list[object] | None:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    value = body.get("value") if isinstance(body, dict) else None
    return value if isinstance(value, list) else None


def _webhook(request: HttpRequest, *, lifecycle: bool) -> HttpResponse:
    answer = _validation(request)
    if answer is not None:
        return answer
    items = _items(request)
    if items is None:
        return HttpResponse(status=400)
    accepted, _rejected = push.accept(items, lifecycle=lifecycle)
    # 202 when something was ours; 403 when nothing was (a forged or stale notification).
    return HttpResponse(status=202 if accepted else 403)


@csrf_exempt  # Graph cannot send a CSRF token; clientState authenticates each notification
@require_POST
def notify(request: HttpRequest) -> HttpResponse:
    return _webhook(request, lifecycle=False)


@csrf_exempt
@require_POST
def lifecycle(request: HttpRequest) -> HttpResponse:
    return _webhook(request, lifecycle=True)
