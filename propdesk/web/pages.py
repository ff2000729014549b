"""The page side of the shared layer: the submit token that makes a double
click register once, domain refusals shown on forms, and the 403/404 pages.

Submit token. Every create/action form renders `{% submit_token %}` (a random
one-time value, propdesk.web.templatetags.ui); its view is decorated with
`@submit_once`. The first POST carrying a token runs in one transaction with
a row recording its result (the redirect, or the htmx fragment); a repeat of
the same form — a double click, a reload of the POST — is answered with that
first result and creates nothing. Two clicks racing each other both run, but
the second one's unique row fails and its whole transaction (the duplicate
record included) is rolled back. The rows are `core.IdempotencyRecord`, the
table behind the API's Idempotency-Key, under the page's path. A POST
without a token (a script, a form rendered before this existed) runs as
before; the button is also disabled on submit in the browser (app.js), but
the server check is what counts."""

from __future__ import annotations

import hashlib
import re
from functools import wraps

from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from propdesk.common.errors import DomainError

TOKEN_FIELD = "submit_token"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_REPLAY_LIMIT = 256 * 1024  # a fragment larger than this is not kept for replay
_NOT_HASHED = frozenset({TOKEN_FIELD, "csrfmiddlewaretoken"})


def new_token() -> str:
    import secrets

    return secrets.token_urlsafe(18)


def _form_digest(request) -> str:
    """The submitted values (not the CSRF field or the token): a form sent
    back with other values after the back button is a new submission."""
    h = hashlib.sha256()
    for key in sorted(request.POST):
        if key in _NOT_HASHED:
            continue
        for value in request.POST.getlist(key):
            h.update(key.encode("utf-8", "surrogatepass") + b"\0" + value.encode("utf-8", "surrogatepass") + b"\0")
    for key in sorted(request.FILES):
        for f in request.FILES.getlist(key):
            h.update(f"{key}\0{f.name}\0{f.size}\0".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _replay(request, record):
    from django.contrib import messages

    answer = record.response or {}
    if "location" in answer:
        messages.info(request, _("This form was already sent; nothing was registered twice."))
        return HttpResponseRedirect(answer["location"])
    response = HttpResponse(answer.get("html", ""), status=record.status)
    response["Content-Type"] = answer.get("content_type", "text/html; charset=utf-8")
    return response


def _answer_of(response) -> dict | None:
    """What a repeat will get: a redirect's location or a small HTML answer."""
    if response.status_code in (301, 302, 303) and response.has_header("Location"):
        return {"location": response["Location"]}
    if 200 <= response.status_code < 300 and not getattr(response, "streaming", False):
        content = response.content
        if len(content) <= _REPLAY_LIMIT and response.get("Content-Type", "").startswith("text/html"):
            return {"html": content.decode(response.charset or "utf-8"), "content_type": response["Content-Type"]}
    return None  # a refusal (4xx) is not kept: the user corrects the form and sends it again


def _drop_queued_messages(request) -> None:
    # The rolled-back twin's "registered as number N" must not be shown.
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", None)
    if isinstance(queued, list):
        queued.clear()


def submit_once(view):
    """Decorate a view that creates or acts on POST: a repeated submit token
    gets the first answer instead of running the view again."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        token = request.POST.get(TOKEN_FIELD, "") if request.method == "POST" else ""
        user = getattr(request, "user", None)
        if not token or not _TOKEN_RE.match(token) or user is None or not user.is_authenticated:
            return view(request, *args, **kwargs)
        from propdesk.core.models import IdempotencyRecord

        digest = _form_digest(request)
        key = f"form:{token}:{digest[:32]}"
        path = request.path[:300]
        first = IdempotencyRecord.objects.filter(user=user, key=key, path=path).first()
        if first is not None:
            return _replay(request, first)
        try:
            with transaction.atomic():
                response = view(request, *args, **kwargs)
                answer = _answer_of(response)
                if answer is not None:
                    IdempotencyRecord.objects.create(
                        user=user, key=key, path=path, body_digest=digest, status=response.status_code, response=answer
                    )
        except IntegrityError:
            # A twin sent at the same moment committed first (unique user+key+path):
            # this run, and whatever it created, has been rolled back.
            first = IdempotencyRecord.objects.filter(user=user, key=key, path=path).first()
            if first is None:
                raise
            _drop_queued_messages(request)
            return _replay(request, first)
        return response

    return wrapped


def refuse_form(form, exc: DomainError) -> None:
    """Show a domain refusal on a form: the sentence on top, field reasons on their fields."""
    form.add_error(None, exc.detail)
    for name, errors in exc.errors.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def safe_next(request, default: str) -> str:
    """`next` from the form or the query when it stays on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


# ---------------------------------------------------------------- 403 and 404


def _way_back(request) -> str:
    """The page the user came from, when it is on this site (else the page offers home)."""
    referer = request.META.get("HTTP_REFERER", "")
    same_site = referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure())
    if same_site and not referer.endswith(request.get_full_path()):
        return referer
    return ""


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def forbidden(request, exception=None):
    """403 inside the shell: why (the PermissionDenied's sentence) and a way back."""
    reason = str(exception) if exception is not None and str(exception) else ""
    if _is_api(request):
        return JsonResponse({"detail": reason or _("You are not permitted to do this."), "errors": {}}, status=403)
    context = {"reason": reason, "back": _way_back(request)}
    return render(request, "403.html", context, status=403)


def not_found(request, exception=None):
    """404 inside the shell: the record does not exist or is not visible to this user."""
    if _is_api(request):
        return JsonResponse({"detail": _("Not found."), "errors": {}}, status=404)
    return render(request, "404.html", {"back": _way_back(request)}, status=404)
