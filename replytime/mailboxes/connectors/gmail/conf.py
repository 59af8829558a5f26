"""The Gmail connector's installation-wide options (settings.REPLYTIME_GMAIL), as one value.

The sync framework may pass them in `ConnectorConfig.options["gmail"]`; when it does not, they
are read from the settings here, so tests and the benchmark can point every URL at a fake.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

# The only Gmail scope replytime asks for: labels, history and message headers, never a body.
# Google forbids `q` and format=full/raw under it, and that is the point: never combine it
# with a broader Gmail scope, or the broader one wins and bodies become readable.
GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.metadata"
IDENTITY_SCOPES = ("openid", "email")
DIRECTORY_SCOPE = "https://www.googleapis.com/auth/admin.directory.user.readonly"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True)
class GmailOptions:
    """Endpoints, quota and paging of the Gmail connector (defaults: Google's real ones)."""

    auth_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    token_url: str = "https://oauth2.googleapis.com/token"
    gmail_url: str = "https://gmail.googleapis.com"
    directory_url: str = "https://admin.googleapis.com"
    certs_url: str = "https://www.googleapis.com/oauth2/v3/certs"
    client_id: str = ""
    client_secret: str = ""
    timeout: float = 60.0
    # Per-user quota: 250 units per second on average (15,000 per minute in newer pages).
    units_per_second: float = 250.0
    # Share of the quota replytime uses, so other clients of the user keep some room.
    quota_share: float = 0.95
    batch_size: int = 100
    list_page_size: int = 500
    # Retries of one request (or of the failed parts of a batch) inside a page.
    retries: int = 5
    backoff_base: float = 1.0
    max_inline_wait: float = 30.0
    resync_overlap_days: int = 7
    resync_max_messages: int = 50_000
    initial_days: int = 0
    watch_renew_hours: int = 24
    push_audience: str = ""
    push_service_account: str = ""

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> GmailOptions:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    def with_(self, **changes: Any) -> GmailOptions:
        return replace(self, **changes)


def gmail_options(options: Mapping[str, Any] | None = None) -> GmailOptions:
    """The options passed by the framework, else those of the settings."""
    given = (options or {}).get("gmail")
    if isinstance(given, GmailOptions):
        return given
    if isinstance(given, Mapping):
        return GmailOptions.from_mapping(given)
    from django.conf import settings

    return GmailOptions.from_mapping(getattr(settings, "REPLYTIME_GMAIL", {}))
