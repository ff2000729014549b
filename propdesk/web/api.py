"""The API side of the shared layer: authentication, the one error shape and
the status of each domain error, request bodies, Idempotency-Key, the
project parameter, and action endpoints generated from a workflow.

Domain errors (propdesk.common.errors) know no HTTP; `STATUS` is the one
place they become status codes."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pydantic
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from ninja import Status as Answer
from ninja.security import HttpBearer, SessionAuth

from propdesk.common.clean import bad_text, reject_bad_text
from propdesk.common.errors import (
    BadInput,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from propdesk.core.models import ApiToken, IdempotencyRecord

STATUS: dict[type[DomainError], int] = {
    BadInput: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooManyRequests: 429,
}


def status_of(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(detail: str, errors: dict | None = None) -> dict:
    return {"detail": str(detail), "errors": errors or {}}


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


# ---------------------------------------------------------------- auth


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        if bad_text(token):
            return None
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


# ---------------------------------------------------------------- request bodies


def _validation_errors(exc: pydantic.ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ())) or "__all__"
        errors.setdefault(field, []).append(str(err.get("msg", "")))
    return errors


def parse_body(request, schema: type[Schema]):
    """The JSON body as `schema`; an empty body is an empty object (actions
    like `accept` need nothing)."""
    raw = request.body or b""
    data: Any = {}
    if raw.strip():
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise BadInput(_("The request body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise BadInput(_("The request body must be a JSON object."))
    field = reject_bad_text(data)
    if field:
        raise BadInput(
            _("Some fields are missing or invalid."), {field: [_("Contains a character that is not allowed.")]}
        )
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise BadInput(_("Some fields are missing or invalid."), _validation_errors(exc)) from None


def body_doc(schema: type[Schema]) -> dict:
    """OpenAPI for a body read by `parse_body` (optional, as actions allow an empty body)."""
    return {"requestBody": {"required": False, "content": {"application/json": {"schema": schema.model_json_schema()}}}}


def required(value, field: str):
    """A body field that the schema lets be absent but the action needs."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadInput(_("Some fields are missing or invalid."), {field: [_("This field is required.")]})
    return value


# ---------------------------------------------------------------- idempotency


def _body_digest(raw: bytes) -> str:
    """The same body whatever its JSON spelling (key order, spaces): a client
    retrying with a re-serialised body still gets the first answer."""
    with contextlib.suppress(ValueError, UnicodeDecodeError, RecursionError):
        raw = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
            "utf-8", "surrogatepass"
        )
    return hashlib.sha256(raw).hexdigest()


def idempotent_create(
    request: HttpRequest, create: Callable[[], tuple[int, Any]], *, digest: str | None = None
) -> tuple[int, Any]:
    """Run `create()` (returning (status, json-able body)) once per
    Idempotency-Key: a repeat with the same key and body gets the first answer;
    the same key with a different body is a 409. The record is written in the
    create's own transaction, so a concurrent twin either sees it or loses the
    unique-constraint race and replays it. `digest` stands for the body where
    it cannot be read again (a multipart upload: its fields and the file's hash)."""
    key = request.headers.get("Idempotency-Key")
    if not key:
        return create()
    key = key.strip()[:200]
    if bad_text(key):
        raise BadInput(_("The Idempotency-Key is not valid."), {"Idempotency-Key": [_("Not a valid key.")]})
    path = request.path[:300]
    digest = digest or _body_digest(request.body or b"")

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


def created(request, create: Callable[[], Any], *, digest: str | None = None) -> Answer:
    """A 201 answer for `create()` (returning the record's JSON), honouring Idempotency-Key."""
    status, body = idempotent_create(request, lambda: (201, create()), digest=digest)
    return Answer(status, body)


# ---------------------------------------------------------------- action endpoints


@dataclass(frozen=True)
class Action:
    """One POST /<records>/{id}/<name> endpoint: its body schema and the call
    of its service, `call(record, user, body)` → the changed record."""

    schema: type[Schema]
    call: Callable[[Any, Any, Any], Any]
    doc: str = ""


def add_actions(
    router,
    *,
    prefix: str,
    workflow,
    actions: Mapping[str, Action],
    load: Callable[[Any, int], Any],
    answer: Callable[[Any, Any], Any],
    response: Any,
    tag: str,
    paths: Mapping[str, str] | None = None,
) -> None:
    """Register one endpoint per action: look the record up (404 when not
    visible), refuse callers without the right (403) before reading the body,
    parse the body (400), run the service (409 with its sentence) and answer
    the record. `paths` overrides an action's path suffix."""

    def make(name: str, action: Action):
        def endpoint(request, id: int):
            record = load(request.user, id)
            workflow.check_rights(request.user, name, record)
            body = parse_body(request, action.schema)
            result = action.call(record, request.user, body)
            return answer(request.user, result)

        endpoint.__name__ = f"{tag}_{name}"
        return endpoint

    for name, action in actions.items():
        suffix = (paths or {}).get(name, name)
        endpoint = make(name, action)
        router.add_api_operation(
            f"{prefix}/{{id}}/{suffix}",
            ["POST"],
            endpoint,
            response=response,
            operation_id=f"{tag}_{name}",
            summary=workflow.label(name)[:1].upper() + workflow.label(name)[1:] if name in workflow.steps else name,
            description=action.doc,
            openapi_extra=body_doc(action.schema),
        )
