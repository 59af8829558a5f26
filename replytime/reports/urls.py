"""Dashboard URLs, included under /a/<account>/ (every view is an account_view)."""

from __future__ import annotations

from django.urls import URLPattern, path

from replytime.reports import exports, views

urlpatterns: list[URLPattern] = [
    path("", views.overview, name="rt-overview"),
    path("trend/", views.trend, name="rt-trend"),
    path("leaderboard/", views.leaderboard, name="rt-leaderboard"),
    path("awaiting/", views.awaiting, name="rt-awaiting"),
    path("customers/", views.customers, name="rt-customers"),
    path("when/", views.when, name="rt-when"),
    path("c/<str:key>/", views.conversation, name="rt-conversation"),
    path("c/<str:key>/close/", views.close, name="rt-close"),
    path("export/<slug:table>/", exports.export, name="rt-export"),
]
