"""Conversation states relative to the account (spec §8).

Origin: `internal` (every participant internal), else `inbound` (the earliest message is from
outside) or `outbound`. Waiting: `ours` when the latest message from outside is the latest that
matters, `theirs` when that is a message from inside with an external recipient. Internal-only
and automated messages do not change who is waiting (see docs/metrics-decisions.md). Closing by a
user is stored by the database layer against the stable conversation key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from replytime.conversations.threading import ThreadMessage
from replytime.metrics.direction import is_internal_address

INTERNAL = "internal"
INBOUND = "inbound"
OUTBOUND = "outbound"
WAITING_OURS = "ours"
WAITING_THEIRS = "theirs"
WAITING_NONE = ""


@dataclass(frozen=True, slots=True)
class ConversationState:
    origin: str
    waiting: str
    last_external_address: str


def _from_outside(message: ThreadMessage, internal: frozenset[str]) -> bool:
    # A message without a From address counts as external, as in spec §3.4.
    return not is_internal_address(message.from_addr, internal)


def _has_external(message: ThreadMessage, internal: frozenset[str]) -> bool:
    return any(not is_internal_address(a, internal) for a in message.participants)


def conversation_state(
    messages: Sequence[ThreadMessage], automated: Sequence[bool], internal: frozenset[str]
) -> ConversationState:
    """The state of a conversation whose messages are given in §4 order (earliest first).

    `automated[i]` says whether message i is automated (any of its records is).
    """
    if not any(_from_outside(m, internal) or _has_external(m, internal) for m in messages):
        return ConversationState(INTERNAL, WAITING_NONE, "")
    origin = INBOUND if _from_outside(messages[0], internal) else OUTBOUND
    # Latest first, automated mail left out: it never asks for or gives an answer.
    human = [m for m, auto in zip(reversed(messages), reversed(automated), strict=True) if not auto]
    return ConversationState(origin, _waiting(human, internal), _last_external(human, internal))


def _waiting(latest_first: Sequence[ThreadMessage], internal: frozenset[str]) -> str:
    """Who must answer: decided by the latest message that is not internal-only."""
    for message in latest_first:
        if _from_outside(message, internal):
            return WAITING_OURS
        if _has_external(message, internal):
            return WAITING_THEIRS
    return WAITING_NONE


def _last_external(latest_first: Sequence[ThreadMessage], internal: frozenset[str]) -> str:
    """The From address of the latest message from outside ("" if none or it has no From)."""
    for message in latest_first:
        if _from_outside(message, internal):
            return message.from_addr or ""
    return ""
