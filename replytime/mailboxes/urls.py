from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from replytime.mailboxes import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("gmail/", include("replytime.mailboxes.connectors.gmail.urls")),
    path("m365/", include("replytime.mailboxes.connectors.m365.urls")),
    path("activate/<str:token>/", views.activate, name="rt-mailbox-activate"),
    path(
        "activate/<str:token>/<slug:kind>/",
        views.activate_provider,
        name="rt-mailbox-activate-provider",
    ),
]
