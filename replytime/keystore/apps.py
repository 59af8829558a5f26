from __future__ import annotations

from django.apps import AppConfig


class KeystoreConfig(AppConfig):
    name = "replytime.keystore"
    label = "keystore"
