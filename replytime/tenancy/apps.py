from __future__ import annotations

from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "replytime.tenancy"
    label = "tenancy"

    def ready(self) -> None:
        # Sign-in and security events reach the audit trail only through signals.
        from replytime.tenancy import receivers  # noqa: F401
