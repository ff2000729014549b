"""Core pages: login, dashboard. Thin: read via selectors, write via services."""

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from propdesk.core.services import calendar_missing_next_year
from propdesk.core.throttle import login_allowed, login_failed, login_succeeded


@require_http_methods(["GET", "POST"])
def login_view(request):
    error = None
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        if not login_allowed(request, username):
            error = _("Too many failed logins. Try again in a few minutes.")
        else:
            user = authenticate(request, username=username, password=password)
            if user is None or not user.is_active:
                login_failed(request, username)
                error = _("The username or password is wrong.")
            else:
                login_succeeded(request, username)
                login(request, user)
                return redirect(request.GET.get("next") or "core:dashboard")
    return render(request, "core/login.html", {"error": error}, status=200 if error is None else 400)


@require_http_methods(["POST"])
def logout_view(request):
    logout(request)
    return redirect("core:login")


@login_required
def dashboard(request):
    project = request.project
    return render(request, "core/dashboard.html", {
        "calendar_warning": project is not None and calendar_missing_next_year(project),
    })
