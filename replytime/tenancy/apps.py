from __future__ import annotations

from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "replytime.tenancy"
    label = "tenancy"
