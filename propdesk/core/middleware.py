"""Request-wide context: the current project and its time zone, and the API error shape
for answers Django itself produces (405, 404, 413, 500) under /api/."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.common.clean import bad_text
from propdesk.core import zones
from propdesk.core.permissions import visible_projects

log = logging.getLogger(__name__)

SESSION_PROJECT_KEY = "project_code"


class CurrentProjectMiddleware:
    """Sets request.project to the project chosen in the switcher (or the
    first one the user may see), and shows every time in that project's zone:
    pages activate `request.project.time_zone`; the API does when the request
    names a project (`?project=DEMO`). Without one, the site's TIME_ZONE holds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.project = None
        if request.path.startswith("/api/"):
            # Whether the caller may see the project is the endpoint's business (404).
            code = request.GET.get("project")
            if code and len(code) <= 32 and not bad_text(code):
                zones.activate_for_code(code)
            else:
                return self.get_response(request)
        elif request.user.is_authenticated:
            projects = visible_projects(request.user)
            code = request.session.get(SESSION_PROJECT_KEY)
            project = projects.filter(code=code).first() if code else None
            request.project = project or projects.order_by("code").first()
            zone = zones.zone_named(request.project.time_zone) if request.project is not None else None
            if zone is None:
                return self.get_response(request)
            timezone.activate(zone)
        else:
            return self.get_response(request)
        try:
            return self.get_response(request)
        finally:
            zones.deactivate()


_API_STATUS_TEXT = {
    404: "Not found.",
    405: "Method not allowed.",
    413: "The request body is too large.",
    500: "Internal error.",
}


class ApiErrorShapeMiddleware:
    """Keeps every /api/ answer in the {"detail", "errors"} shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        length = request.META.get("CONTENT_LENGTH")
        from django.conf import settings

        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.content_type == "multipart/form-data":
            # File uploads (attachments) have their own, larger limit and a clearer
            # 400 naming it; only a body far beyond it is cut short here.
            limit = max(limit, 2 * getattr(settings, "ATTACHMENT_MAX_BYTES", 0) + 1024 * 1024)
        try:
            if length and int(length) > limit:
                return JsonResponse({"detail": _("The request body is too large."), "errors": {}}, status=413)
        except ValueError:
            return JsonResponse({"detail": _("Content-Length is not a number."), "errors": {}}, status=400)
        response = self.get_response(request)
        if response.status_code in _API_STATUS_TEXT and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            body = {"detail": _(_API_STATUS_TEXT[response.status_code]), "errors": {}}
            new = JsonResponse(body, status=response.status_code)
            if response.has_header("Allow"):
                new["Allow"] = response["Allow"]
            return new
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse({"detail": _("The request body is too large."), "errors": {}}, status=413)
        log.exception("API error on %s", request.path)
        return JsonResponse({"detail": _("Internal error."), "errors": {}}, status=500)
