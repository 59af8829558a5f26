"""The metrics engine on real mail: threading against independent answers, facts on real data."""

from __future__ import annotations

import gzip
import re
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from replytime.conversations.models import Conversation
from replytime.ingestion.models import Record
from replytime.ingestion.pipeline import run_import
from replytime.metrics.models import ReplyFact, Scope, UnansweredItem
from replytime.metrics.report import build_report
from replytime.testing import make_account, make_mailbox
from replytime.testing_corpora import require_corpora, unpack

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.corpus]
FEDORA = "fedora-devel-2010-01"


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = require_corpora()
    root = tmp_path_factory.mktemp("corpora")
    unpack("notmuch-test-corpora/notmuch-test-corpora.tar.xz", root)
    unpack("enron/enron-allfolders-subset-13-mailboxes.tar.xz", root)
    unpack("r-mailing-lists/r-sig-finance.tar.xz", root)
    with gzip.open(folder / FEDORA / "2010-January.txt.gz") as src:
        (root / "fedora.mbox").write_bytes(src.read())
    return root


def _mailman_threads() -> list[set[int]]:
    """Mailman's (MHonArc's) thread index: message numbers are positions in the mbox."""
    path = require_corpora() / FEDORA / "2010-January_thread.html.gz"
    with gzip.open(path, "rt", errors="replace") as f:
        body = f.read().split("<HR>", 1)[1]
    depth, threads = 0, []
    for m in re.finditer(r'<(/?)ul>|<a name="(\d+)"', body, re.IGNORECASE):
        if m.group(2):
            if depth == 1:
                threads.append({int(m.group(2))})
            else:
                threads[-1].add(int(m.group(2)))
        else:
            depth += -1 if m.group(1) else 1
    return threads


def test_fedora_threads_match_mailman_but_for_one_orphaned_reply_chain(corpora: Path) -> None:
    mailbox = make_mailbox(make_account(), "fedora-devel-list@redhat.com")
    run_import(mailbox, [corpora / "fedora.mbox"])
    rows = sorted(
        Record.objects.values_list("provider_id", "conversation__key", "message_id", "references",
                                   "in_reply_to", "from_addr"),
        key=lambda r: int(r[0].rsplit("#", 1)[1]),
    )  # fmt: skip
    ours: dict[str, set[int]] = defaultdict(set)
    for position, row in enumerate(rows):
        ours[row[1]].add(position)
    mailman = _mailman_threads()
    assert (len(ours), len(mailman)) == (61, 60)  # JWZ threaders and notmuch find 62
    only_ours = [s for s in ours.values() if s not in mailman]
    only_mailman = [s for s in mailman if s not in ours.values()]
    # The one difference: a "Re: Common Lisp apps in Fedora" follow-up without any reference
    # header (and the two replies to it). Mailman joins it to that thread by subject alone;
    # spec §4 joins by subject only when the sender already took part in the conversation,
    # and this sender had not.
    assert len(only_mailman) == 1 and len(only_ours) == 2
    assert set().union(*only_ours) == only_mailman[0]
    orphan = min(only_ours, key=len)
    first = rows[min(orphan)]
    assert (first[3], first[4]) == ("", "")
    main_thread = max(only_ours, key=len)
    participants = {rows[i][5] for i in main_thread}
    assert first[5] not in participants


def test_notmuch_ghost_root_threads(corpora: Path) -> None:
    folder = corpora / "notmuch-corpora" / "test" / "corpora" / "threading" / "ghost-root"
    mailbox = make_mailbox(make_account())
    run_import(mailbox, [folder])
    groups = Counter(Record.objects.values_list("conversation__key", flat=True))
    # The real-root family (5 messages + a "fake root" referencing a missing parent) is one
    # thread; the RT ticket messages (original, auto-reply, resolution) are the other.
    assert sorted(groups.values()) == [3, 6]


def test_enron_mailbox_without_reference_headers_gets_facts_by_subject(corpora: Path) -> None:
    account = make_account("enron", internal_domains=["enron.com"], count_internal=True)
    mailbox = make_mailbox(account, "drew.fossum@enron.com")
    run_import(mailbox, [corpora / "maildir" / "fossum-d"])
    assert not Record.objects.exclude(in_reply_to="").exists()  # no reference headers at all
    facts = ReplyFact.objects.filter(scope=Scope.MAILBOX, mailbox=mailbox)
    # This export is mostly sent mail (1,550 distinct messages, 442 inbound): 27 replies.
    assert facts.count() == 27
    assert all(f.end > f.start for f in facts)
    # One of them, checked by hand: Louis Soldano's "research analyst position" (Wed 6 Dec
    # 2000 11:32 -0800), answered by "Re: research analyst position" 59,700 s later.
    question = Record.objects.get(from_addr="louis.soldano@enron.com",
                                  subject="research analyst position")  # fmt: skip
    fact = facts.get(conversation=question.conversation)
    assert fact.calendar_seconds == 59700
    assert Conversation.objects.get(pk=question.conversation_id).message_count >= 2


def test_r_list_as_a_shared_mailbox(corpora: Path, tmp_path: Path) -> None:
    months = tmp_path / "finance"
    months.mkdir()
    for name in ("2008q1.txt", "2008q2.txt", "2008q3.txt", "2008q4.txt"):
        shutil.copy(corpora / "r-sig-finance" / name, months / name)
    account = make_account("rsig", internal_domains=["r-project.org"])
    probe = make_mailbox(account, "probe@r-project.org")
    run_import(probe, [months], fmt="pipermail", list_address="r-sig-finance@r-project.org")
    # The most active posters play the core members who answer the list.
    top = Counter(Record.objects.values_list("from_addr", flat=True)).most_common(4)
    Record.objects.all().delete()
    probe.delete()
    core = [address for address, _ in top]
    mailbox = make_mailbox(account, "r-sig-finance@r-project.org", aliases=core)
    run_import(mailbox, [months], fmt="pipermail", list_address="r-sig-finance@r-project.org")
    facts = ReplyFact.objects.filter(scope=Scope.MAILBOX)
    assert facts.count() > 50
    assert UnansweredItem.objects.filter(scope=Scope.MAILBOX).exists()
    report = build_report(account)
    stats = report["mailboxes"][0]["reply_time"]["calendar"]
    assert stats["n"] == facts.count()
    # A community list answers within hours, not seconds and not months.
    assert 600 < stats["median"] < 7 * 86400
