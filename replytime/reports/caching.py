"""Keeping computed dashboard figures until the facts under them change.

Dashboards are read far more often than facts change (a sync every few minutes), and the same
views are opened by many people (the morning overview), so each figure set is cached under a
key made of its inputs: the account, the version of its data, what the member may see and the
filters. The data version changes whenever the metrics engine rewrites facts (every rebuild
inserts new rows, so the highest row ids move), a conversation is closed or reopened, a
schedule is saved (business seconds are updated in place) or a goal or the zone changes.
Times relative to "now" (ages of waiting mail) are computed after the cache, never cached.

REPLYTIME_REPORTS_CACHE_SECONDS = 0 turns caching off.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max

from replytime.conversations.models import Closure
from replytime.metrics.models import Activity, ReplyFact, Schedule, UnansweredItem
from replytime.tenancy.access import for_account
from replytime.tenancy.models import Account, Team

if TYPE_CHECKING:
    from replytime.reports.queries import Context

T = TypeVar("T")
DEFAULT_SECONDS = 600


def seconds() -> int:
    return int(getattr(settings, "REPLYTIME_REPORTS_CACHE_SECONDS", DEFAULT_SECONDS))


# The version is read at most this often per process (seven small queries spared on most
# requests); a change made through this process (closing) forgets it at once.
VERSION_SECONDS = 5.0
_versions: dict[int, tuple[float, str]] = {}
_lock = threading.Lock()


def current_version(account: Account) -> str:
    """`data_version`, remembered for VERSION_SECONDS in this process."""
    now = time.monotonic()
    with _lock:
        known = _versions.get(account.pk)
    if known is not None and known[0] > now:
        return known[1]
    version = data_version(account)
    with _lock:
        _versions[account.pk] = (now + VERSION_SECONDS, version)
    return version


def forget_version(account: Account) -> None:
    with _lock:
        _versions.pop(account.pk, None)


def data_version(account: Account) -> str:
    """A string that changes whenever anything a dashboard figure depends on changes."""
    parts: list[Any] = [account.timezone, account.reply_goal_seconds]
    for model in (ReplyFact, UnansweredItem, Activity):
        parts.append(for_account(account, model).aggregate(m=Max("id"))["m"])
    parts.append(
        for_account(account, Closure).aggregate(n=Count("id"), m=Max("id"), t=Max("closed_at"))
    )
    parts.append(for_account(account, Schedule).aggregate(t=Max("updated_at"))["t"])
    parts.append(list(for_account(account, Team).order_by("id").values_list("id", "goal_seconds")))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def cached(ctx: Context, name: str, compute: Callable[[], T]) -> T:
    """`compute()`, or its value from the cache for the same data, viewer and filters."""
    ttl = seconds()
    if ttl <= 0:
        return compute()
    vis = ctx.vis
    raw = repr(
        (
            name,
            vis.account.pk,
            ctx.version,
            vis.totals,
            vis.mailbox_ids,
            vis.team_ids,
            ctx.filters,
            ctx.today,
        )
    )
    key = "rt-reports:" + hashlib.sha256(raw.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, ttl)
    return value
