"""URLs of the Gmail connector, under /mailboxes/gmail/."""

from __future__ import annotations

from django.urls import URLPattern, path

from replytime.mailboxes.connectors.gmail import views

urlpatterns: list[URLPattern] = [
    path("activate/<str:token>/", views.activate, name="rt-gmail-activate"),
    path("callback/", views.callback, name="rt-gmail-callback"),
    path("push/<str:push_token>/", views.push, name="rt-gmail-push"),
    path("a/<slug:account>/setup/", views.setup_page, name="rt-gmail-setup"),
    path("a/<slug:account>/users/", views.users_page, name="rt-gmail-users"),
]
