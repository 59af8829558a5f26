"""Public URLs of the Microsoft 365 connector, under /mailboxes/m365/."""

from __future__ import annotations

from django.urls import URLPattern, path

from replytime.mailboxes.connectors.m365 import views

urlpatterns: list[URLPattern] = [
    path("activate/<str:token>/", views.activate, name="rt-m365-activate"),
    path("callback/", views.callback, name="rt-m365-callback"),
    path("notify/", views.notify, name="rt-m365-notify"),
    path("lifecycle/", views.lifecycle, name="rt-m365-lifecycle"),
]
