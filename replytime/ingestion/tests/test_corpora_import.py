"""Imports of the real corpora in ../shared/corpora (unpacked into temporary folders)."""

from __future__ import annotations

import email.policy
import gzip
import shutil
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

import pytest

from replytime.ingestion.models import Record, Rejection
from replytime.ingestion.pipeline import run_import
from replytime.testing import make_account, make_mailbox
from replytime.testing_corpora import require_corpora, unpack

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.corpus]


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_corpora()
    root = tmp_path_factory.mktemp("corpora")
    unpack("notmuch-test-corpora/notmuch-test-corpora.tar.xz", root)
    unpack("enron/enron-allfolders-subset-13-mailboxes.tar.xz", root)
    unpack("r-mailing-lists/r-sig-finance.tar.xz", root)
    fedora = root / "fedora.mbox"
    with gzip.open(require_corpora() / "fedora-devel-2010-01/2010-January.txt.gz") as src:
        fedora.write_bytes(src.read())
    return root


def _addresses(value: str | None) -> tuple[str, ...]:
    return tuple(sorted({a.lower() for _, a in getaddresses([value or ""]) if "@" in a}))


def _independent_fingerprints(folder: Path) -> set[tuple]:
    """Spec §3.1 fingerprints computed with the standard library, not with our parser."""
    parser = BytesParser(policy=email.policy.compat32)
    prints = set()
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        with path.open("rb") as f:
            msg = parser.parse(f, headersonly=True)
        date = parsedate_to_datetime(msg["Date"])
        prints.add(
            (
                _addresses(msg["From"])[0],
                int(date.timestamp()),
                " ".join(str(msg["Subject"] or "").split()),
                _addresses(msg["To"]),
                _addresses(msg["Cc"]),
            )
        )
    return prints


def test_enron_copies_in_several_folders_become_one_record(corpora: Path) -> None:
    folder = corpora / "maildir" / "badeer-r"
    mailbox = make_mailbox(make_account(internal_domains=["enron.com"]), "robert.badeer@enron.com")
    run = run_import(mailbox, [folder], update_metrics=False)
    files = sum(1 for p in folder.rglob("*") if p.is_file())
    assert run.read == files
    assert run.read == run.stored + run.duplicates + run.rejected
    assert run.duplicates > 0, "the all-folders export files messages more than once"
    # One record per distinct message (Message-IDs differ per file; fingerprints do not).
    assert run.stored == len(_independent_fingerprints(folder)) - run.rejected
    merged = Record.objects.filter(mailbox=mailbox, folders__contains="\n")
    assert merged.exists()
    assert all(r.extra_message_ids for r in merged[:20])


def test_enron_reimport_changes_nothing(corpora: Path) -> None:
    folder = corpora / "maildir" / "cuilla-m"
    mailbox = make_mailbox(make_account(internal_domains=["enron.com"]), "martin.cuilla@enron.com")
    first = run_import(mailbox, [folder], update_metrics=False)
    before = list(Record.objects.order_by("id").values())
    second = run_import(mailbox, [folder], update_metrics=False)
    assert second.stored == 0
    assert second.duplicates == first.stored + first.duplicates
    assert list(Record.objects.order_by("id").values()) == before


def test_notmuch_edge_cases_are_stored_or_rejected_with_a_reason(corpora: Path) -> None:
    mailbox = make_mailbox(make_account())
    root = corpora / "notmuch-corpora" / "test" / "corpora"
    run = run_import(mailbox, [root], update_metrics=True)
    assert run.read > 300
    assert run.read == run.stored + run.duplicates + run.rejected
    reasons = set(Rejection.objects.values_list("reason", flat=True))
    assert reasons <= {"no-date", "no-from-no-message-id", "unreadable-headers", "truncated",
                       "header-too-large"}  # fmt: skip
    # The duplicate corpus: 9 files, 3 Message-IDs.
    dup = Record.objects.filter(folders__contains="duplicate")
    assert dup.count() == 3
    # The reference loop imports and threads without hanging.
    loop = Record.objects.filter(message_id__startswith="mid-loop-")
    assert loop.count() == 2
    assert len({r.conversation_id for r in loop}) == 1


def test_fedora_month_stores_every_message(corpora: Path) -> None:
    mailbox = make_mailbox(make_account(), "fedora-devel-list@redhat.com")
    run = run_import(mailbox, [corpora / "fedora.mbox"], update_metrics=False)
    assert (run.read, run.stored, run.rejected) == (292, 292, 0)


def test_a_pipermail_slice_restores_addresses_and_the_list_recipient(
    corpora: Path, tmp_path: Path
) -> None:
    months = tmp_path / "finance"
    months.mkdir()
    for name in ("2009q1.txt", "2009q2.txt"):
        shutil.copy(corpora / "r-sig-finance" / name, months / name)
    account = make_account("rlists", internal_domains=["r-project.org"])
    mailbox = make_mailbox(account, "r-sig-finance@r-project.org")
    run = run_import(
        mailbox, [months], fmt="pipermail", list_address="r-sig-finance@r-project.org",
        update_metrics=False,
    )  # fmt: skip
    assert run.stored > 500
    records = Record.objects.filter(mailbox=mailbox)
    assert not records.filter(from_addr__contains=" at ").exists()
    assert not records.exclude(from_addr__contains="@").exists()
    assert records.filter(to_addrs="r-sig-finance@r-project.org").count() == run.stored
