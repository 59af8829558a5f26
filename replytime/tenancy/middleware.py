"""Security headers that neither Django nor django-csp sets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.http import HttpRequest, HttpResponseBase
from whitenoise.middleware import WhiteNoiseMiddleware

# The app uses none of these browser features; say so, so an injected frame cannot either.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

Handler = Callable[[HttpRequest], HttpResponseBase]


def permissions_policy(get_response: Handler) -> Handler:
    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


class StaticFiles(WhiteNoiseMiddleware):
    """WhiteNoise, quiet about a STATIC_ROOT that `collectstatic` never filled: the finders
    serve the files from the source tree then (WHITENOISE_USE_FINDERS)."""

    def add_files(self, root: str, prefix: str | None = None) -> None:
        if Path(root).is_dir():
            super().add_files(root, prefix)
