"""Routes the keystore app to its own database alias and keeps every other app off it."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

KEYSTORE_DB = "keystore"
_APP = "keystore"


class KeystoreRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return KEYSTORE_DB if model._meta.app_label == _APP else None

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return KEYSTORE_DB if model._meta.app_label == _APP else None

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        in_keystore = {obj1._meta.app_label == _APP, obj2._meta.app_label == _APP}
        return False if len(in_keystore) == 2 else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return (db == KEYSTORE_DB) == (app_label == _APP)
