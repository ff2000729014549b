"""Request-level guard: text no field may hold never reaches a view.

For the API (API.md conventions as amended) a NUL character or a lone UTF-16
surrogate (JSON lets `"\\ud800"` through) in a query string, a JSON body or a
header is answered with a 400 naming the field, before any view runs:
PostgreSQL refuses NUL, and SQLite would store a surrogate that then breaks
every page showing it. JSON bodies are checked on every path (htmx posts
JSON too). Pages keep their own forgiving handling of typed text (a search
box drops a NUL, a login with one is simply wrong), and every service checks
again through propdesk.common.clean (defence in depth)."""

from __future__ import annotations

import json

from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from propdesk.common.clean import bad_text, reject_bad_text
from propdesk.core.services import id_views_batched

JSON_TYPES = ("application/json",)


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self._bad_field(request)
        if field is not None:
            return self._refuse(request, field)
        with id_views_batched():  # the request's ID-number views, recorded in one insert
            return self.get_response(request)

    def _bad_field(self, request) -> str | None:
        if request.method in ("POST", "PUT", "PATCH") and request.META.get("CONTENT_TYPE", "").startswith(JSON_TYPES):
            found = self._bad_json(request)
            if found is not None:
                return found
        if not request.path.startswith("/api/"):
            return None
        for key, values in request.GET.lists():
            if bad_text(key) or any(bad_text(v) for v in values):
                return key if not bad_text(key) else "__query__"
        for name, value in request.META.items():
            if name.startswith("HTTP_") and bad_text(value):
                return name[5:].replace("_", "-").title()
        return None

    @staticmethod
    def _bad_json(request) -> str | None:
        try:
            raw = request.body
        except Exception:  # RequestDataTooBig: answered as 413 by the API error middleware
            return None
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None  # not JSON: the view answers "not valid JSON"
        return reject_bad_text(data)

    @staticmethod
    def _refuse(request, field: str):
        detail = _("Some fields are missing or invalid.")
        message = _("Contains a character that is not allowed.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": detail, "errors": {field: [message]}}, status=400)
        body = f"<!doctype html><meta charset=utf-8><title>400</title><p>{escape(detail)} {escape(field)}: "
        body += escape(message)
        return HttpResponse(body, status=400)
