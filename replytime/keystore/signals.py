"""Destroying an account's data key before its rows are deleted.

A signal (rather than a call in one service) because every path that deletes an account must do
this first, including the Django admin and cascades; what remains afterwards is unreadable even
if the row deletion then fails.
"""

from __future__ import annotations

from typing import Any

from replytime.keystore.services import destroy_account_key
from replytime.tenancy.models import Account


def destroy_key_before_account_delete(sender: type[Account], instance: Account, **kw: Any) -> None:
    destroy_account_key(instance.pk)
