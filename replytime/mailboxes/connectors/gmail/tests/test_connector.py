"""The Gmail connector against the fake Google: header-only requests, paging, history, resync,
quota, errors, delegation and watch renewal."""

from __future__ import annotations

import pytest

from replytime.mailboxes.connectors.base import (
    Connector,
    ConnectorConfig,
    ConnectorError,
    HeaderRecord,
    RequestBudget,
    SyncPage,
)
from replytime.mailboxes.connectors.gmail.conf import DIRECTORY_SCOPE, GMAIL_SCOPE
from replytime.mailboxes.connectors.gmail.connector import GmailConnector
from replytime.mailboxes.connectors.gmail.cursor import GmailCursor
from replytime.mailboxes.connectors.gmail.oauth import FIX_DELEGATION, RECONNECT
from replytime.mailboxes.connectors.gmail.records import METADATA_HEADERS, SKIPPED_LABELS
from replytime.mailboxes.connectors.gmail.tests.conftest import (
    TOPIC,
    Enron,
    delegated_params,
    oauth_connector,
)
from replytime.mailboxes.connectors.gmail.tests.corpus import synthetic
from replytime.mailboxes.connectors.gmail.tests.fake_gmail import FakeGoogle

ANN = "ann@acme.example"


def sync_all(conn: GmailConnector, cursor: str | None = None) -> tuple[list[SyncPage], str]:
    pages: list[SyncPage] = []
    for _ in range(10_000):
        page = conn.fetch_page(cursor)
        pages.append(page)
        cursor = page.cursor
        if not page.more:
            return pages, cursor
    raise AssertionError("the sync did not end")


def records(pages: list[SyncPage]) -> list[HeaderRecord]:
    return [i for p in pages for i in p.items if isinstance(i, HeaderRecord)]


def expected_ids(fake: FakeGoogle, user: str) -> set[str]:
    box = fake.mailboxes[user]
    return {m.id for m in box.messages.values() if not SKIPPED_LABELS & set(m.labels)}


def assert_header_only(fake: FakeGoogle) -> None:
    assert fake.body_requests() == []
    gets = fake.gmail_calls("messages.get")
    assert gets, "the log must show the messages.get calls"
    for entry in gets:
        assert entry.in_batch, "metadata is fetched in batches"
        assert entry.params["format"] == ["metadata"]
        assert tuple(entry.params["metadataHeaders"]) == METADATA_HEADERS
        assert "snippet" not in entry.params["fields"][0]


def test_it_implements_the_connector_protocol() -> None:
    config = ConnectorConfig(mailbox_id=1, address="a@b.example", params={})
    assert isinstance(GmailConnector(config), Connector)


def test_a_first_sync_reads_the_enron_mailbox_headers_only(fake: FakeGoogle, enron: Enron) -> None:
    conn = oauth_connector(fake, enron.box.address)
    pages, cursor = sync_all(conn)
    found = records(pages)
    assert {r.provider_id for r in found} == expected_ids(fake, enron.box.address)
    assert_header_only(fake)
    sent = [r for r in found if "SENT" in r.folders]
    assert sent and all(r.from_addr == enron.box.address for r in sent)
    assert all(r.provider_thread_id and "UNREAD" not in r.folders for r in found)
    by_id = {m.id: m for m in enron.box.messages.values()}
    assert all(r.received_at == by_id[r.provider_id].internal_ms // 1000 for r in found)
    assert not any("SNIPPET" in repr(r) for r in found)
    state = GmailCursor.load(cursor)
    assert state is not None and state.phase == "history"
    conn.close()


def test_an_incremental_sync_fetches_only_what_changed(fake: FakeGoogle) -> None:
    box = fake.add_user(ANN)
    synthetic(box, 300)
    conn = oauth_connector(fake, ANN)
    _pages, cursor = sync_all(conn)
    fake.reset_log()
    synthetic(box, 40, seed=7, start=1_790_000_000, record=True)
    trashed = next(m for m in box.messages.values() if m.labels == ["INBOX"])
    box.relabel(trashed.id, add=("TRASH",), remove=("INBOX",))
    box.relabel(trashed.id, add=("INBOX",), remove=("TRASH",))  # restored
    read = next(m for m in box.messages.values() if "UNREAD" in m.labels)
    box.relabel(read.id, remove=("UNREAD",))  # reading mail is no reason to fetch it again
    pages, cursor = sync_all(conn, cursor)
    fetched = {e.path.rsplit("/", 1)[1] for e in fake.gmail_calls("messages.get")}
    new = {m.id for m in list(box.messages.values())[-40:]}
    assert fetched == new | {trashed.id}
    assert read.id not in fetched
    assert {r.provider_id for r in records(pages)} == (new | {trashed.id}) & expected_ids(fake, ANN)
    fake.reset_log()
    pages, _cursor = sync_all(conn, cursor)
    assert records(pages) == [] and [e.api for e in fake.log] == ["history.list"]
    conn.close()


def test_an_expired_history_id_runs_a_bounded_resync(fake: FakeGoogle) -> None:
    box = fake.add_user(ANN)
    synthetic(box, 3000, start=1_700_000_000)  # ~2 months of mail
    conn = oauth_connector(fake, ANN)
    _pages, cursor = sync_all(conn)
    before = GmailCursor.load(cursor)
    assert before is not None and before.newest
    synthetic(box, 50, seed=9, start=1_790_000_000, record=True)
    box.expire_history()
    fake.reset_log()
    pages, cursor = sync_all(conn, cursor)
    assert [e.status for e in fake.gmail_calls("history.list")] == [404, 200]
    # Listed again: the mail since the last one seen minus the 7-day overlap, and one page more.
    assert len(fake.gmail_calls("messages.list")) <= 3
    ids = {r.provider_id for r in records(pages)}
    since = before.newest - 7 * 86400
    recent = {m.id for m in box.messages.values() if m.internal_ms // 1000 >= since}
    assert recent & expected_ids(fake, ANN) <= ids
    assert len(ids) < 1600, "bounded: not the whole mailbox"
    state = GmailCursor.load(cursor)
    assert (
        state is not None and state.phase == "history" and int(state.history) >= box.oldest_history
    )
    conn.close()


def test_a_revoked_grant_pauses_with_a_reconnect_action(fake: FakeGoogle) -> None:
    synthetic(fake.add_user(ANN), 10)
    conn = oauth_connector(fake, ANN)
    fake.auth.revoke(ANN)
    with pytest.raises(ConnectorError) as caught:
        conn.fetch_page(None)
    assert caught.value.permanent and caught.value.action == RECONNECT
    assert "@" not in caught.value.message


@pytest.mark.parametrize("status", [429, 403])
def test_quota_answers_are_retried_with_backoff(fake: FakeGoogle, status: int) -> None:
    synthetic(fake.add_user(ANN), 300)
    fake.quota_rate, fake.quota_window, fake.quota_status = 1000.0, 0.5, status
    # The connector does not pace here (unlimited units), so the fake must refuse some calls.
    # Full jitter may draw several short waits in a row; ten retries make a page that never
    # outlasts the fake's half-second window (p < 1e-9) impossible in practice, not just rare.
    conn = oauth_connector(fake, ANN, options=fake.options(backoff_base=0.2, retries=10))
    pages, _ = sync_all(conn)
    assert {r.provider_id for r in records(pages)} == expected_ids(fake, ANN)
    refused = [e for e in fake.log if e.status == status]
    assert refused and conn.api.traffic.retries > 0
    conn.close()


def test_the_pacer_keeps_under_the_quota(fake: FakeGoogle) -> None:
    synthetic(fake.add_user(ANN), 400)
    fake.quota_rate, fake.quota_window = 2000.0, 1.0
    conn = oauth_connector(fake, ANN, options=fake.options(units_per_second=2000.0))
    pages, _ = sync_all(conn)
    assert len(records(pages)) > 350
    assert not [e for e in fake.log if e.status == 429]
    conn.close()


def test_server_errors_and_expired_tokens_are_survived(fake: FakeGoogle) -> None:
    synthetic(fake.add_user(ANN), 700)
    fake.fault_every = 7
    conn = oauth_connector(fake, ANN)
    first = conn.fetch_page(None)
    fake.auth.expire_access_tokens()
    pages, _ = sync_all(conn, first.cursor)
    assert {r.provider_id for r in records([first, *pages])} == expected_ids(fake, ANN)
    assert [e for e in fake.log if e.status == 503] and [e for e in fake.log if e.status == 401]
    conn.close()


def test_persistent_server_errors_end_the_page_as_a_transient_error(fake: FakeGoogle) -> None:
    synthetic(fake.add_user(ANN), 10)
    conn = oauth_connector(fake, ANN)
    fake.faults = [503] * 50
    with pytest.raises(ConnectorError) as caught:
        conn.fetch_page(None)
    assert not caught.value.permanent


def _delegated(fake: FakeGoogle, scopes: set[str] | None = None) -> GmailConnector:
    params, secrets = delegated_params(fake, scopes)
    config = ConnectorConfig(
        mailbox_id=2, address=ANN, params={**params, "user": ANN}, secrets=secrets,
        budget=RequestBudget(1000), options={"gmail": fake.options()},
    )  # fmt: skip
    return GmailConnector(config)


def test_domain_wide_delegation_reads_a_user_without_consent(fake: FakeGoogle) -> None:
    synthetic(fake.add_user(ANN), 120)
    conn = _delegated(fake)
    pages, _ = sync_all(conn)
    assert {r.provider_id for r in records(pages)} == expected_ids(fake, ANN)
    conn.close()
    denied = _delegated(fake, {DIRECTORY_SCOPE})  # delegation without gmail.metadata
    with pytest.raises(ConnectorError) as caught:
        denied.check()
    assert caught.value.permanent and caught.value.action == FIX_DELEGATION


def test_a_forged_assertion_is_refused(fake: FakeGoogle) -> None:
    fake.add_user(ANN)
    params, _secrets = delegated_params(fake, {GMAIL_SCOPE})
    other, _ = delegated_params(fake, {GMAIL_SCOPE})
    forged = {
        "private_key": fake.auth.service_accounts[other["client_email"]].json_key("p", "t")[
            "private_key"
        ]
    }
    config = ConnectorConfig(mailbox_id=3, address=ANN, params={**params, "user": ANN},
                             secrets=forged, options={"gmail": fake.options()})  # fmt: skip
    with pytest.raises(ConnectorError) as caught:
        GmailConnector(config).check()
    assert caught.value.permanent


def test_the_watch_is_renewed_once_a_day(fake: FakeGoogle) -> None:
    synthetic(fake.add_user(ANN), 5)
    conn = oauth_connector(fake, ANN, topic=TOPIC)
    _pages, cursor = sync_all(conn)
    conn.close()
    state = GmailCursor.load(cursor)
    assert state is not None and state.watch_until and state.watch_at
    watch = fake.gmail_calls("watch")
    assert len(watch) == 1 and watch[0].status == 200
    again = oauth_connector(fake, ANN, topic=TOPIC)
    sync_all(again, cursor)
    assert len(fake.gmail_calls("watch")) == 1
    state.watch_at -= 25 * 3600
    _pages, cursor = sync_all(again, state.dump())  # a run a day later renews it
    again.close()
    assert len(fake.gmail_calls("watch")) == 2
    renewed = GmailCursor.load(cursor)
    assert renewed is not None and renewed.watch_at > state.watch_at


def test_the_request_budget_bounds_a_run(fake: FakeGoogle) -> None:
    from replytime.mailboxes.connectors.base import BudgetExhausted

    synthetic(fake.add_user(ANN), 1500)
    conn = oauth_connector(fake, ANN, budget=12)
    with pytest.raises(BudgetExhausted):
        sync_all(conn)


def test_first_sync_of_20000_messages(fake: FakeGoogle) -> None:
    """The lean path of the 20,000-message scenario: the connector's pages, without storage
    (test_scenarios.py proves pages and stored rows agree on smaller mailboxes)."""
    synthetic(fake.add_user(ANN), 20_000, start=1_760_000_000)
    conn = oauth_connector(fake, ANN)
    pages, _cursor = sync_all(conn)
    found = records(pages)
    assert {r.provider_id for r in found} == expected_ids(fake, ANN)
    assert len(found) == len({r.provider_id for r in found}), "no message twice"
    outer = [e for e in fake.log if not e.in_batch and e.path != "/token"]
    assert len(outer) / 20 <= 15, len(outer)
    assert len(fake.gmail_calls("messages.list")) == 40  # 500 ids a page
    assert fake.body_requests() == []
    conn.close()


def test_a_refused_watch_does_not_stop_the_sync(fake: FakeGoogle) -> None:
    synthetic(fake.add_user(ANN), 5)
    conn = oauth_connector(fake, ANN, topic="projects/another-project/topics/gmail")
    pages, cursor = sync_all(conn)
    state = GmailCursor.load(cursor)
    assert records(pages) and state is not None and state.watch_until is None
    assert [e.status for e in fake.gmail_calls("watch")] == [400]
    conn.close()
