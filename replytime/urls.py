"""Root URLs: each app brings its own urls module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/", include("allauth.urls")),
    path("", include("replytime.tenancy.urls")),
    # Each app adds its include here (web app: tenancy, reports; live sync: mailboxes).
    path("mailboxes/", include("replytime.mailboxes.urls")),
    path(
        "a/<slug:account>/settings/m365/",
        include("replytime.mailboxes.connectors.m365.admin_urls"),
    ),
    path("a/<slug:account>/", include("replytime.reports.urls")),
]
