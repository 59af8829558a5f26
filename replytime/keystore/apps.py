from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import pre_delete


class KeystoreConfig(AppConfig):
    name = "replytime.keystore"
    label = "keystore"

    def ready(self) -> None:
        from replytime.keystore.signals import destroy_key_before_account_delete
        from replytime.tenancy.models import Account

        pre_delete.connect(
            destroy_key_before_account_delete,
            sender=Account,
            dispatch_uid="keystore-destroy-account-key",
        )
