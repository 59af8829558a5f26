"""The keystore database: one wrapped data key per account, and nothing else.

These rows live on the `keystore` database alias (see router.py), apart from the main database
that holds the sealed secrets: neither database alone can decrypt anything.
"""

from __future__ import annotations

from django.db import models


class DataKey(models.Model):
    """An account's data key, wrapped (AES-GCM) by the master key `master_key_id`."""

    # No foreign key: accounts live in another database.
    account_id = models.BigIntegerField(unique=True)
    key_ref = models.CharField(max_length=32, unique=True)
    wrapped = models.BinaryField()
    master_key_id = models.CharField(max_length=16, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"data key {self.key_ref} (account {self.account_id})"
