"""The JSON API at /api/v1/: one NinjaAPI, one router per app, one error shape."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from propdesk.common.errors import DomainError
from propdesk.web.api import BearerAuth, error_body, session_auth, status_of

api = NinjaAPI(
    title="propdesk API",
    version="1",
    urls_namespace="api",
    auth=[BearerAuth(), session_auth],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _field_name(loc) -> str:
    # ninja locations look like ("body", "payload", "field") or ("query", "field")
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form", "payload", "data")]
    return ".".join(parts) or "__all__"


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors: dict[str, list[str]] = {}
    for err in exc.errors:
        errors.setdefault(_field_name(err.get("loc", ())), []).append(str(err.get("msg", _("Invalid value."))))
    return api.create_response(request, error_body(_("The request has invalid fields."), errors), status=400)


@api.exception_handler(DomainError)
def on_api_error(request, exc: DomainError):
    return api.create_response(request, error_body(exc.detail, exc.errors), status=status_of(exc))


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    detail = _("Authentication credentials were not provided or are invalid.")
    return api.create_response(request, error_body(detail), status=401)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, error_body(_("Not found.")), status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return api.create_response(request, error_body(str(exc) or _("You are not permitted to do this.")), status=403)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return api.create_response(request, error_body(_("The request body is too large.")), status=413)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return api.create_response(request, error_body(str(exc)), status=exc.status_code)


def _register_routers():
    """Every registered app's router (propdesk.web.registry), core first."""
    from propdesk.web.registry import registry

    for router in registry.api_routers():
        api.add_router("/", router)


_register_routers()
