"""Shared pieces of the JSON API: authentication, the error shape, domain
errors, keyset pagination and Idempotency-Key handling."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from propdesk.core.models import ApiToken, IdempotencyRecord

# ---------------------------------------------------------------- errors


class ApiError(Exception):
    """A domain error that maps to an HTTP status and a human sentence."""

    status = 400

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class BadInput(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class TooManyRequests(ApiError):
    status = 429


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    """The action is not allowed in the current state; detail says what is missing."""

    status = 409


def error_body(detail: str, errors: dict | None = None) -> dict:
    return {"detail": detail, "errors": errors or {}}


# ---------------------------------------------------------------- auth


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        row = ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(token)).first()
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


class ActiveSessionAuth(SessionAuth):
    """Browser pages (htmx) call the API with their session cookie; unsafe
    methods must carry the CSRF token (checked by ninja's cookie auth)."""

    def _get_key(self, request: HttpRequest):
        # No session cookie: not a browser call; let the answer be a plain 401
        # rather than a CSRF failure.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        if key is None:
            return None
        user = request.user
        return user if user.is_authenticated and user.is_active else None


session_auth = ActiveSessionAuth()


# ---------------------------------------------------------------- pagination


def _encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, RecursionError):
        raise BadInput(_("The cursor is not valid."), {"cursor": [_("Not a cursor from this list.")]}) from None
    if not isinstance(values, list) or any(isinstance(v, str) and "\x00" in v for v in values):
        # NUL: PostgreSQL refuses it in text, and no cursor of ours holds one.
        raise BadInput(_("The cursor is not valid."), {"cursor": [_("Not a cursor from this list.")]})
    return values


def keyset_page(qs, *, order: tuple[str, ...] = ("-id",), cursor: str | None = None, limit: int = 50):
    """One page of `qs` ordered by `order` (the last field must be unique, e.g.
    id), continuing after `cursor`. Returns (rows, next_cursor). Stable under
    inserts: the cursor holds the sort values of the last row, not an offset."""
    limit = max(1, min(int(limit or 50), 200))
    qs = qs.order_by(*order)
    if cursor:
        values = _decode_cursor(cursor)
        if len(values) != len(order):
            raise BadInput(_("The cursor is not valid."), {"cursor": [_("Not a cursor from this list.")]})
        condition = Q()
        for i, field in enumerate(order):
            name = field.lstrip("-")
            op = "lt" if field.startswith("-") else "gt"
            step = Q(**{f"{name}__{op}": values[i]})
            for prev_field, prev_value in zip(order[:i], values[:i], strict=False):
                step &= Q(**{prev_field.lstrip("-"): prev_value})
            condition |= step
        try:
            qs = qs.filter(condition)
        except (ValueError, TypeError, ValidationError):  # e.g. a date that does not exist: 9999-99-99
            raise BadInput(_("The cursor is not valid."), {"cursor": [_("Not a cursor from this list.")]}) from None
    rows = list(qs[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode_cursor([_cursor_value(last, f.lstrip("-")) for f in order])
    return rows, next_cursor


def _cursor_value(obj, dotted: str):
    value = obj
    for part in dotted.split("__"):
        value = getattr(value, part)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# ---------------------------------------------------------------- idempotency


def _body_digest(raw: bytes) -> str:
    """The same body whatever its JSON spelling (key order, spaces): a client
    retrying with a re-serialised body still gets the first answer."""
    with contextlib.suppress(ValueError, UnicodeDecodeError, RecursionError):
        raw = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()


def idempotent_create(request: HttpRequest, create) -> tuple[int, Any]:
    """Run `create()` (returning (status, json-able body)) once per
    Idempotency-Key: a repeat with the same key and body gets the first answer;
    the same key with a different body is a 409. The record is written in the
    create's own transaction, so a concurrent twin either sees it or loses the
    unique-constraint race and replays it."""
    key = request.headers.get("Idempotency-Key")
    if not key:
        return create()
    key = key.strip()[:200]
    path = request.path[:300]
    digest = _body_digest(request.body or b"")

    def replay(record):
        if record.body_digest != digest:
            raise Conflict(_("This Idempotency-Key was already used with a different request body."))
        return record.status, record.response

    existing = IdempotencyRecord.objects.filter(user=request.user, key=key, path=path).first()
    if existing:
        return replay(existing)
    try:
        with transaction.atomic():
            status, body = create()
            IdempotencyRecord.objects.create(
                user=request.user,
                key=key,
                path=path,
                body_digest=digest,
                status=status,
                response=json.loads(json.dumps(body, default=str)),
            )
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(user=request.user, key=key, path=path).first()
        if existing is None:
            raise
        return replay(existing)
    return status, body
