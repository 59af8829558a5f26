from __future__ import annotations

from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "replytime.metrics"
    label = "metrics"
