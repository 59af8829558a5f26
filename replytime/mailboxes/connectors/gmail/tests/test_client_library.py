"""Fidelity: Google's own client (google-api-python-client) built from the discovery document
the fake serves, pointed at the fake, accepts its answers: list, get metadata, history, batch,
and Google's errors (a body format refused under gmail.metadata, a stale history id)."""

from __future__ import annotations

from typing import Any

import pytest

from replytime.mailboxes.connectors.gmail.records import METADATA_HEADERS
from replytime.mailboxes.connectors.gmail.tests.conftest import grant
from replytime.mailboxes.connectors.gmail.tests.corpus import synthetic
from replytime.mailboxes.connectors.gmail.tests.fake_gmail import FakeGoogle

discovery = pytest.importorskip("googleapiclient.discovery")
errors = pytest.importorskip("googleapiclient.errors")
httplib2 = pytest.importorskip("httplib2")
google_auth_httplib2 = pytest.importorskip("google_auth_httplib2")
credentials = pytest.importorskip("google.oauth2.credentials")

ANN = "ann@acme.example"


def service_for(fake: FakeGoogle) -> Any:
    client, refresh = grant(fake, ANN)
    creds = credentials.Credentials(
        token=None, refresh_token=refresh, client_id=client.client_id,
        client_secret=client.secret, token_uri=f"{fake.base}/token",
    )  # fmt: skip
    http = google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(timeout=30))
    url = f"{fake.base}/discovery/v1/apis/{{api}}/{{apiVersion}}/rest"
    return discovery.build("gmail", "v1", http=http, discoveryServiceUrl=url,
                           static_discovery=False, cache_discovery=False)  # fmt: skip


def test_the_official_client_accepts_the_fakes_answers(fake: FakeGoogle) -> None:
    box = fake.add_user(ANN)
    synthetic(box, 130)
    gmail = service_for(fake).users()
    profile = gmail.getProfile(userId="me").execute()
    assert profile["emailAddress"] == ANN and isinstance(profile["historyId"], str)
    ids: list[str] = []
    request = gmail.messages().list(userId="me", maxResults=50)
    while request is not None:
        answer = request.execute()
        ids += [m["id"] for m in answer.get("messages", [])]
        request = gmail.messages().list_next(request, answer)
    assert len(ids) == len([m for m in box.messages.values() if "SPAM" not in m.labels])
    message = gmail.messages().get(userId="me", id=ids[0], format="metadata",
                                   metadataHeaders=list(METADATA_HEADERS)).execute()  # fmt: skip
    assert isinstance(message["internalDate"], str) and isinstance(message["sizeEstimate"], int)
    names = {h["name"] for h in message["payload"]["headers"]}
    assert names <= set(METADATA_HEADERS) and {"From", "Date", "Message-ID"} <= names

    start = profile["historyId"]
    synthetic(box, 5, seed=3, start=1_790_000_000, record=True)
    history = gmail.history().list(userId="me", startHistoryId=start,
                                   historyTypes=["messageAdded"]).execute()  # fmt: skip
    added = [a["message"]["id"] for h in history["history"] for a in h["messagesAdded"]]
    assert len(added) == 5 and int(history["historyId"]) > int(start)

    got: dict[str, Any] = {}

    def keep(request_id: str, response: Any, exception: Exception | None) -> None:
        assert exception is None
        got[response["id"]] = response

    batch = service_for(fake).new_batch_http_request(callback=keep)
    for message_id in ids[:3]:
        batch.add(gmail.messages().get(userId="me", id=message_id, format="metadata",
                                       metadataHeaders=["From", "Subject"]))  # fmt: skip
    batch.execute()
    assert set(got) == set(ids[:3])
    assert fake.body_requests() == []


def test_the_official_client_sees_googles_errors(fake: FakeGoogle) -> None:
    box = fake.add_user(ANN)
    synthetic(box, 3)
    gmail = service_for(fake).users()
    message_id = next(iter(box.messages))
    with pytest.raises(errors.HttpError) as refused:
        gmail.messages().get(userId="me", id=message_id).execute()  # format=full by default
    assert refused.value.status_code == 403 and refused.value.reason.startswith("Metadata scope")
    box.expire_history()
    with pytest.raises(errors.HttpError) as stale:
        gmail.history().list(userId="me", startHistoryId="5").execute()
    assert stale.value.status_code == 404
    assert len(fake.body_requests()) == 1  # the refused one, and nothing else
