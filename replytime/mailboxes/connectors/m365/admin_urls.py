"""Admin pages of the Microsoft 365 connector, under /a/<account>/settings/m365/."""

from __future__ import annotations

from django.urls import URLPattern, path

from replytime.mailboxes.connectors.m365 import admin_views

urlpatterns: list[URLPattern] = [
    path("", admin_views.app_settings, name="rt-m365-settings"),
    path("directory/", admin_views.directory, name="rt-m365-directory"),
]
