"""Root URLs: each app brings its own urls module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/", include("allauth.urls")),
    # Each app adds its include here (web app: tenancy, reports; live sync: mailboxes).
]
