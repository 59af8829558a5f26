"""The connectors replytime knows: kind -> (label, dotted path of the class), imported lazily.

Adding a connector means adding its package and one line here; forms, the activation page and
`mailbox connect` read the rest (label, parameters) from the class.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from replytime.mailboxes.connectors.base import Connector

CONNECTORS: dict[str, tuple[str, str]] = {
    "imap": ("IMAP", "replytime.mailboxes.connectors.imap.connector.ImapConnector"),
    "m365": ("Microsoft 365", "replytime.mailboxes.connectors.m365.connector.M365Connector"),
    "gmail": (
        "Gmail / Google Workspace",
        "replytime.mailboxes.connectors.gmail.connector.GmailConnector",
    ),
}


class UnknownConnector(LookupError):
    pass


def connector_class(kind: str) -> type[Connector]:
    try:
        _label, path = CONNECTORS[kind]
    except KeyError:
        known = ", ".join(sorted(CONNECTORS))
        raise UnknownConnector(f"Unknown connector {kind!r}; known: {known}") from None
    cls: type[Connector] = import_string(path)
    return cls


def choices() -> list[tuple[str, str]]:
    """(kind, label) pairs for forms, without importing any connector."""
    return [(kind, label) for kind, (label, _path) in sorted(CONNECTORS.items())]
