"""Opening an authenticated IMAP session, and turning failures into ConnectorErrors.

TLS is always on: IMAPS (implicit TLS, port 993 by default) or STARTTLS (port 143), with
certificate and host name checks. A private CA can be trusted per mailbox (`ca_pem`) or for the
whole installation (REPLYTIME_IMAP_CA_FILE).
"""

from __future__ import annotations

import contextlib
import imaplib
import socket
import ssl
from collections.abc import Iterator, Mapping
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from replytime.mailboxes.connectors.base import ConnectorError

FIX_PASSWORD = (
    "Enter the mailbox's current password or token again (replytime mailbox connect, or send "
    "the owner a new activation link)."
)
FIX_CERTIFICATE = (
    "Give the server a certificate from a trusted authority, or trust its CA for this mailbox "
    "(--ca-file) or for all IMAP servers (REPLYTIME_IMAP_CA_FILE)."
)
FIX_TLS = "Check the security setting: IMAPS (usually port 993) or STARTTLS (usually port 143)."


def tls_context(ca_pem: str, ca_file: str) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    if ca_pem:
        context.load_verify_locations(cadata=ca_pem)
    return context


@contextlib.contextmanager
def imap_errors(where: str) -> Iterator[None]:
    """Map socket, TLS and IMAP failures to ConnectorErrors with words and a fix."""
    try:
        yield
    except ConnectorError:
        raise
    except LoginError:
        raise ConnectorError(
            "The IMAP server refused the user name or password.", True, action=FIX_PASSWORD
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise ConnectorError(
            f"The IMAP server's certificate could not be verified ({exc.verify_message}).",
            True,
            action=FIX_CERTIFICATE,
        ) from None
    except ssl.SSLError as exc:
        raise ConnectorError(
            f"TLS with the IMAP server failed ({exc.reason}).", True, action=FIX_TLS
        ) from None
    except (socket.gaierror, ConnectionRefusedError) as exc:
        raise ConnectorError(
            f"Cannot reach the IMAP server ({exc.strerror or type(exc).__name__}).",
            retry_after=60,
        ) from None
    except (TimeoutError, OSError, imaplib.IMAP4.abort) as exc:
        raise ConnectorError(f"The IMAP connection broke {where} ({type(exc).__name__}).") from None
    except IMAPClientError as exc:
        raise ConnectorError(f"The IMAP server answered an error {where}: {_short(exc)}") from None


def _short(exc: Exception) -> str:
    # Server texts are short status lines; cap them anyway, they end up in the UI.
    return str(exc).replace("\r", " ").replace("\n", " ")[:200]


def open_session(
    params: Mapping[str, Any], secrets: Mapping[str, str], options: Mapping[str, Any]
) -> IMAPClient:
    """A logged-in client; raises ConnectorError. The caller logs it out."""
    security = params.get("security", "ssl")
    port = int(params.get("port") or (143 if security == "starttls" else 993))
    context = tls_context(params.get("ca_pem", ""), options.get("ca_file", ""))
    timeout = float(options.get("timeout", 60))
    with imap_errors("while connecting"):
        client = IMAPClient(
            params["host"],
            port=port,
            ssl=security != "starttls",
            ssl_context=context,
            timeout=timeout,
        )
    try:
        with imap_errors("while logging in"):
            if security == "starttls":
                client.starttls(context)
            _login(client, params.get("user", ""), secrets)
    except ConnectorError:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise
    client.normalise_times = False  # INTERNALDATE as an aware datetime
    return client


def _login(client: IMAPClient, user: str, secrets: Mapping[str, str]) -> None:
    if secrets.get("oauth2_token"):
        client.oauth2_login(user, secrets["oauth2_token"])
    elif secrets.get("password"):
        client.login(user, secrets["password"])
    else:
        raise ConnectorError("No password or OAuth token is stored.", True, action=FIX_PASSWORD)
