"""Activation by email: an admin invites a mailbox's owner, who connects it through a link.

The link carries a signed invite id (TimestampSigner, so it expires after
REPLYTIME_ACTIVATION_MAX_AGE seconds); the invite row makes it single-use, and a newer invite
for the same mailbox revokes the older ones. The owner picks a connector, enters what it needs,
and the connection is saved and its first sync enqueued only once the connection check passes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from replytime.mailboxes.models import ActivationInvite, Mailbox, MailboxConnection
from replytime.mailboxes.services import add_mailbox
from replytime.mailboxes.sync.connections import check_connection, connection_of, save_connection
from replytime.mailboxes.sync.scheduler import start_now
from replytime.tenancy.access import NotFound, get_mailbox
from replytime.tenancy.models import Account

log = logging.getLogger(__name__)
_SALT = "replytime.mailboxes.activation"


class InvalidActivation(Exception):
    """The link cannot be used; the message says why, in words for the owner."""


def activation_token(invite: ActivationInvite) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(invite.public_id.hex)


def activation_url(invite: ActivationInvite) -> str:
    path = reverse("rt-mailbox-activate", args=[activation_token(invite)])
    return f"{settings.REPLYTIME_BASE_URL}{path}"


def invite_owner(account: Account, address: str, *, name: str = "") -> ActivationInvite:
    """Add the mailbox if needed and email its owner a fresh activation link."""
    with transaction.atomic():
        try:
            mailbox = get_mailbox(account, address)
        except NotFound:
            mailbox = add_mailbox(account, address, name=name)
        connection_of(mailbox)
        ActivationInvite.objects.filter(mailbox=mailbox, used_at=None, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        invite = ActivationInvite.objects.create(account=account, mailbox=mailbox)
    _send(invite)
    log.info("activation invite %s sent for mailbox %d", invite.public_id, mailbox.pk)
    return invite


def _send(invite: ActivationInvite) -> None:
    mailbox = invite.mailbox
    days = max(1, settings.REPLYTIME_ACTIVATION_MAX_AGE // 86400)
    greeting = f"Hello {mailbox.name}," if mailbox.name else "Hello,"
    body = (
        f"{greeting}\n\n"
        f'The account "{mailbox.account.name}" would like to measure reply times of the '
        f"mailbox {mailbox.address} with replytime.\n\n"
        "replytime reads only message headers (sender, recipients, subject, dates and "
        "message ids). It never reads, stores or sends the text of a message or its "
        "attachments.\n\n"
        f"To connect the mailbox, open this link:\n\n{activation_url(invite)}\n\n"
        f"The link works once and expires in {days} day(s). If you did not expect this "
        "message, ignore it: nothing happens until you connect the mailbox.\n"
    )
    send_mail(
        "Connect your mailbox to replytime",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [mailbox.address],
    )


def resolve(token: str) -> ActivationInvite:
    """The invite behind a link; raises InvalidActivation when it cannot be used."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(
            token, max_age=settings.REPLYTIME_ACTIVATION_MAX_AGE
        )
    except signing.SignatureExpired:
        raise InvalidActivation("This link has expired. Ask for a new one.") from None
    except signing.BadSignature:
        raise InvalidActivation("This link is not valid.") from None
    invite = (
        ActivationInvite.objects.select_related("mailbox", "account")
        .filter(public_id=value)
        .first()
    )
    if invite is None:
        raise InvalidActivation("This link is not valid.")
    if invite.used_at is not None:
        raise InvalidActivation("This link has been used already. Ask for a new one.")
    if invite.revoked_at is not None:
        raise InvalidActivation("A newer link was sent for this mailbox; use that one.")
    return invite


def complete(
    invite: ActivationInvite, kind: str, params: Mapping[str, Any], secrets: Mapping[str, str]
) -> MailboxConnection:
    """Check the connection, then save it, use up the invite and start the first sync.

    Raises ConnectorError (nothing saved) when the check fails, InvalidActivation when the
    invite was used meanwhile.
    """
    mailbox: Mailbox = invite.mailbox
    check_connection(mailbox, kind, params, secrets)
    with transaction.atomic():
        fresh = ActivationInvite.objects.select_for_update().get(pk=invite.pk)
        if fresh.used_at is not None or fresh.revoked_at is not None:
            raise InvalidActivation("This link has been used already. Ask for a new one.")
        conn = save_connection(mailbox, kind, params, secrets)
        fresh.used_at = timezone.now()
        fresh.save(update_fields=["used_at"])
    start_now(conn.pk)
    log.info("activation invite %s completed for mailbox %d", invite.public_id, mailbox.pk)
    return conn
