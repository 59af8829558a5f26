"""msal against the fake, the owner's sign-in through the activation flow, the admin's bulk
add under an application access policy, and push (handshake, clientState, lifecycle)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import msal
import pytest
from django.test import Client

from replytime.mailboxes.activation import activation_token, invite_owner
from replytime.mailboxes.connectors.m365 import push, setup
from replytime.mailboxes.connectors.m365.auth import APP_SCOPES, build_app
from replytime.mailboxes.connectors.m365.models import GraphSubscription
from replytime.mailboxes.connectors.m365.tests.conftest import (
    BOTH,
    CLIENT_ID,
    SECRET,
    new_user,
    sign_in,
)
from replytime.mailboxes.connectors.m365.tests.fake_graph import FakeGraph
from replytime.mailboxes.models import MailboxConnection
from replytime.testing import make_account


def test_msal_accepts_the_fakes_answers(fake: FakeGraph) -> None:
    user = new_user(fake)
    result = sign_in(fake, user)  # auth code flow with PKCE, state and nonce checked by msal
    assert result["token_type"] == "Bearer" and result["id_token_claims"]["oid"] == user.id
    cache = msal.SerializableTokenCache()
    cache.deserialize(result["_cache"])
    app = build_app(fake.options(), fake.tenant_id, CLIENT_ID, SECRET, cache)
    account = app.get_accounts()[0]
    refreshed = app.acquire_token_silent_with_error(["Mail.ReadBasic"], account,
                                                    force_refresh=True)  # fmt: skip
    assert refreshed and refreshed["access_token"] != result["access_token"]
    client = app.acquire_token_for_client(APP_SCOPES)
    assert client["token_type"] == "Bearer" and "refresh_token" not in client
    fake.entra.revoke_user(user.id)
    revoked = app.acquire_token_silent_with_error(["Mail.ReadBasic"], account,
                                                  force_refresh=True)  # fmt: skip
    assert revoked["error"] == "invalid_grant" and 50173 in revoked["error_codes"]
    token_requests = [r for r in fake.log if r.path.endswith("/oauth2/v2.0/token")]
    assert {r.status for r in token_requests} == {200, 400}


def _setup_account(fake: FakeGraph, name: str) -> Any:
    account = make_account(name, internal_domains=["enron.com"])
    setup.save_app(account, tenant_id=fake.tenant_id, client_id=CLIENT_ID, secret=SECRET,
                   full_headers=False, push=True)  # fmt: skip
    return account


@pytest.mark.django_db(databases=BOTH)
def test_owner_signs_in_from_the_activation_link(fake: FakeGraph, settings: Any) -> None:
    settings.REPLYTIME_BASE_URL = "http://testserver"
    user = new_user(fake)
    account = _setup_account(fake, "m365-owner")
    invite = invite_owner(account, user.mail)
    browser = Client()
    start = browser.get(f"/mailboxes/activate/{activation_token(invite)}/m365/")
    assert start.status_code == 302
    to_microsoft = browser.get(start["Location"])
    assert to_microsoft.status_code == 302
    fake.entra.sign_in_user = user.id
    answer = httpx.get(to_microsoft["Location"], verify=fake.ca_file, follow_redirects=False)
    back = urlsplit(answer.headers["location"])
    assert "code_challenge=" in to_microsoft["Location"]  # PKCE
    done = browser.get(back.path, QUERY_STRING=back.query)
    assert done.status_code == 200, done.content[:400]
    conn = MailboxConnection.objects.get(mailbox__address=user.mail)
    assert conn.state == MailboxConnection.State.ACTIVE and conn.params["user_id"] == user.id
    assert "refresh" not in conn.secrets and conn.secrets.startswith("rtks1:")  # sealed
    replay = browser.get(back.path, QUERY_STRING=back.query)
    assert replay.status_code == 410  # the flow is used up


@pytest.mark.django_db(databases=BOTH)
def test_admin_bulk_add_respects_the_access_policy(fake: FakeGraph) -> None:
    allowed, outside = new_user(fake, "allowed"), new_user(fake, "outside")
    fake.policy = {allowed.id}
    account = _setup_account(fake, "m365-admin")
    listed = {u.address: u for u in setup.list_directory(account)}
    assert allowed.mail in listed and outside.mail in listed
    outcomes = dict(setup.bulk_add(account, [listed[allowed.mail], listed[outside.mail]]))
    assert outcomes[allowed.mail].startswith("connected")
    assert "application access policy" in outcomes[outside.mail]
    assert MailboxConnection.objects.filter(account=account, kind="m365").count() == 1
    users_calls = [r for r in fake.log if r.path == "/v1.0/users"]
    assert users_calls[0].query["$select"] == ["id,displayName,mail,userPrincipalName"]


@pytest.mark.django_db(databases=BOTH)
def test_push_handshake_client_state_and_lifecycle(fake: FakeGraph, settings: Any) -> None:
    settings.REPLYTIME_BASE_URL = "https://replytime.example"
    web = Client()

    def deliver(url: str, payload: Any, token: str | None) -> tuple[int, str, str]:
        path = urlsplit(url).path  # Graph -> replytime, through the test client
        if token is not None:
            answer = web.post(path, QUERY_STRING=urlencode({"validationToken": token}))
        else:
            answer = web.post(path, json.dumps(payload), content_type="application/json")
        return answer.status_code, answer.get("Content-Type", ""), answer.content.decode()

    fake.subscriptions.deliver = deliver
    user = new_user(fake)
    account = _setup_account(fake, "m365-push")
    listed = {u.address: u for u in setup.list_directory(account)}
    setup.bulk_add(account, [listed[user.mail]])
    conn = MailboxConnection.objects.get(account=account, kind="m365")
    MailboxConnection.objects.filter(pk=conn.pk).update(claim="", next_sync_at=None)
    assert push.ensure(conn) == 2
    subs = fake.subscriptions.for_user(user.id)
    assert {s.resource.split("'")[1] for s in subs} == {"inbox", "sentitems"}
    assert all(s.change_type == "created" and s.lifecycle_url for s in subs)
    sub = subs[0]
    assert fake.subscriptions.notify(sub, "AAkX", client_state="forged") == 403
    assert MailboxConnection.objects.get(pk=conn.pk).claim == ""  # nothing triggered
    assert fake.subscriptions.notify(sub, "AAkX") == 202
    assert MailboxConnection.objects.get(pk=conn.pk).claim != ""  # a sync is queued
    assert not [r for r in fake.log if r.path.endswith("/messages/delta")]  # no mail fetched
    row = GraphSubscription.objects.get(subscription_id=sub.id)
    push.handle_lifecycle(row.pk, "reauthorizationRequired")
    assert fake.requests_to(f"/v1.0/subscriptions/{sub.id}")[-1].method == "PATCH"
    fake.subscriptions.delete(sub.id)
    push.handle_lifecycle(row.pk, "subscriptionRemoved")
    assert len(fake.subscriptions.for_user(user.id)) == 2  # recreated
    assert GraphSubscription.objects.filter(connection=conn).count() == 2
