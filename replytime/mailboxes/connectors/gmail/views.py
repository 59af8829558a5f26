"""Web pages of the Gmail connector.

The owner's path: the activation link's "Gmail" choice redirects here (`activate`), which sends
the browser to Google's consent screen with PKCE; `callback` trades the code for a refresh
token, checks that the Google account is the mailbox, and completes the activation (the
connection check, sealing, the first sync). The admin's path: the set-up page (OAuth client,
service account, Pub/Sub topic) and the Workspace users page (bulk add). And the Pub/Sub push
endpoint, which only triggers syncs.
"""

from __future__ import annotations

import logging
import secrets
import time

import httpx
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from replytime.mailboxes.activation import InvalidActivation, complete, resolve
from replytime.mailboxes.connectors.base import ConnectorError, RequestBudget
from replytime.mailboxes.connectors.gmail import oauth
from replytime.mailboxes.connectors.gmail import push as gmail_push
from replytime.mailboxes.connectors.gmail.conf import gmail_options
from replytime.mailboxes.connectors.gmail.connector import GmailConnector
from replytime.mailboxes.connectors.gmail.directory import list_users
from replytime.mailboxes.connectors.gmail.forms import BulkAddForm, SetupForm
from replytime.mailboxes.connectors.gmail.setup import (
    KIND,
    bulk_add,
    oauth_client,
    oauth_params,
    save_setup,
    service_account,
    setup_of,
)
from replytime.mailboxes.models import ActivationInvite, MailboxConnection
from replytime.mailboxes.status import mailbox_status
from replytime.mailboxes.sync.connections import build_connector
from replytime.tenancy.access import account_view
from replytime.tenancy.audit import audit
from replytime.tenancy.models import Role

log = logging.getLogger(__name__)
_SESSION_KEY = "rt_gmail_oauth"
_FLOW_SECONDS = 900


def redirect_uri() -> str:
    return f"{settings.REPLYTIME_BASE_URL}{reverse('rt-gmail-callback')}"


def _problem(
    request: HttpRequest, message: str, token: str = "", status: int = 400
) -> HttpResponse:
    ctx = {"message": message, "token": token}
    return render(request, "gmail/oauth_problem.html", ctx, status=status)


def _invalid(request: HttpRequest, error: InvalidActivation) -> HttpResponse:
    return render(request, "mailboxes/activate_invalid.html", {"message": str(error)}, status=410)


# -- the owner: activation through Google's consent screen -----------------------------------------


@never_cache
def activate(request: HttpRequest, token: str) -> HttpResponse:
    """Start the OAuth flow for the mailbox of an activation link."""
    try:
        invite = resolve(token)
    except InvalidActivation as error:
        return _invalid(request, error)
    client_id, _secret = oauth_client(invite.account)
    if not client_id:
        message = (
            "Google is not set up for this account yet. Ask the administrator who invited you."
        )
        return _problem(request, message, token, status=503)
    state, verifier = secrets.token_urlsafe(24), oauth.code_verifier()
    # The verifier stays on the server (the session): whoever intercepts the code lacks it.
    flows = {k: v for k, v in request.session.get(_SESSION_KEY, {}).items()
             if v["at"] > time.time() - _FLOW_SECONDS}  # fmt: skip
    flows[state] = {"token": token, "verifier": verifier, "at": time.time()}
    request.session[_SESSION_KEY] = flows
    url = oauth.authorization_url(
        gmail_options(), client_id=client_id, redirect_uri=redirect_uri(), state=state,
        verifier=verifier, login_hint=invite.mailbox.address,
    )  # fmt: skip
    return HttpResponseRedirect(url)


def _pop_flow(request: HttpRequest) -> dict[str, object] | None:
    flows = dict(request.session.get(_SESSION_KEY, {}))
    flow = flows.pop(str(request.GET.get("state", "")), None)
    request.session[_SESSION_KEY] = flows
    if flow is None or flow["at"] < time.time() - _FLOW_SECONDS:
        return None
    return flow


@never_cache
def callback(request: HttpRequest) -> HttpResponse:
    """Google sends the owner back here with a code (or an error) and our state."""
    flow = _pop_flow(request)
    if flow is None:
        return _problem(
            request,
            "This sign-in has expired or was already used. Open your activation link again.",
        )
    token = str(flow["token"])
    if request.GET.get("error"):
        reason = str(request.GET["error"])[:40]
        message = f"Google did not connect the mailbox ({reason}). You can try again."
        return _problem(request, message, token)
    try:
        invite = resolve(token)
    except InvalidActivation as error:
        return _invalid(request, error)
    try:
        params, secrets_ = _grant(invite, str(request.GET.get("code", "")), str(flow["verifier"]))
        _check_owner(invite, params, secrets_)
        complete(invite, KIND, params, secrets_)
    except ConnectorError as exc:
        return _problem(request, f"{exc.message} {exc.action}".strip(), token)
    except InvalidActivation as error:
        return _invalid(request, error)
    ctx = {"mailbox": invite.mailbox, "status": mailbox_status(invite.mailbox)}
    return render(request, "mailboxes/activate_done.html", ctx)


def _grant(invite: ActivationInvite, code: str, verifier: str) -> tuple[dict[str, object], dict[str, str]]:  # fmt: skip
    client_id, client_secret = oauth_client(invite.account)
    with httpx.Client() as http:
        grant = oauth.exchange_code(
            http, gmail_options(), client_id=client_id, client_secret=client_secret, code=code,
            verifier=verifier, redirect_uri=redirect_uri(),
        )  # fmt: skip
    return oauth_params(invite.account, invite.mailbox.address, grant.refresh_token)


def _check_owner(invite: ActivationInvite, params: dict[str, object], secrets_: dict[str, str]) -> None:  # fmt: skip
    """The Google account that consented must be this mailbox (or one of its aliases)."""
    connector = build_connector(invite.mailbox, KIND, params, secrets_, RequestBudget(10))
    assert isinstance(connector, GmailConnector)
    try:
        connector.check()
    finally:
        connector.close()
    email = str((connector.profile or {}).get("emailAddress", "")).lower()
    if email not in invite.mailbox.address_set():
        raise ConnectorError(
            "The Google account you signed in with is not this mailbox's account.",
            True,
            action="Sign in to Google with that mailbox's account and try again.",
        )


# -- Pub/Sub push -----------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def push(request: HttpRequest, push_token: str) -> HttpResponse:
    """Pub/Sub push endpoint: checks the push, then only triggers a sync (2xx acks it)."""
    try:
        setup = gmail_push.setup_for_token(push_token)
        gmail_push.verify_bearer(request.headers.get("Authorization", ""), gmail_options())
    except gmail_push.PushRejected as exc:
        log.warning("gmail push rejected: %s", exc)
        return HttpResponse(status=403)
    try:
        note = gmail_push.parse(request.body)
    except gmail_push.PushRejected:
        return HttpResponse(status=400)
    gmail_push.trigger(setup, note)
    # Acknowledged even when no mailbox matches: redelivering it would not change that.
    return HttpResponse(status=204)


# -- the admin: set-up and Workspace bulk add --------------------------------------------------------


@account_view(Role.ADMIN, write=True)
def setup_page(request: HttpRequest, account: str) -> HttpResponse:
    the_account = request.account  # type: ignore[attr-defined]
    setup = setup_of(the_account)
    initial = {"client_id": setup.client_id, "admin_email": setup.admin_email,
               "domain": setup.domain, "topic": setup.topic}  # fmt: skip
    form = SetupForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        save_setup(the_account, form.values())
        audit(request, "gmail_setup_changed", client_id=bool(form.cleaned_data["client_id"]),
              service_account=bool(form.cleaned_data["key_file"]))  # fmt: skip
        messages.success(request, "Gmail set-up saved.")
        return redirect("rt-gmail-setup", account)
    push_path = reverse("rt-gmail-push", args=[setup.push_token])
    ctx = {
        "form": form, "setup": setup, "account_name": account, "redirect_uri": redirect_uri(),
        "push_url": f"{settings.REPLYTIME_BASE_URL}{push_path}",
        "client_stored": bool(setup.client_secret), "key_stored": bool(setup.service_account_key),
    }  # fmt: skip
    return render(request, "gmail/setup.html", ctx)


@account_view(Role.ADMIN, write=True)
def users_page(request: HttpRequest, account: str) -> HttpResponse:
    the_account = request.account  # type: ignore[attr-defined]
    setup, key = setup_of(the_account), service_account(the_account)
    ctx: dict[str, object] = {"account_name": account, "users": [], "form": None, "error": ""}
    if key is None or not setup.admin_email:
        ctx["error"] = "Upload the service account's key and enter an admin address first."
        return render(request, "gmail/users.html", ctx)
    try:
        users = list_users(gmail_options(), key, setup.admin_email, setup.domain)
    except ConnectorError as exc:
        ctx["error"] = f"{exc.message} {exc.action}".strip()
        return render(request, "gmail/users.html", ctx, status=502)
    connected = set(
        MailboxConnection.objects.filter(account=the_account, kind=KIND)
        .values_list("mailbox__addresses__address", flat=True)
    )  # fmt: skip
    choices = [(u.email, u.email) for u in users if not u.suspended and u.email not in connected]
    form = BulkAddForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        ticked = set(form.cleaned_data["users"])
        result = bulk_add(the_account, [u for u in users if u.email in ticked])
        audit(request, "gmail_bulk_add", added=len(result.added), connected=len(result.connected))
        for error in result.errors:
            messages.error(request, error)
        done = len(result.added) + len(result.connected)
        if done:
            messages.success(
                request, f"{done} mailbox(es) connected; their first sync has started."
            )
        return redirect("rt-gmail-users", account)
    ctx.update(users=users, form=form, connected=connected)
    return render(request, "gmail/users.html", ctx)
