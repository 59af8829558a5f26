from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "replytime.reports"
    label = "reports"
