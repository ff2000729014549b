"""sla pages: notification centre, header count, policy, deliveries. Thin:
read via selectors, write via services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from propdesk.common.errors import DomainError, Forbidden
from propdesk.common.paging import keyset_page
from propdesk.common.rights import as_actor
from propdesk.core.permissions import visible_projects
from propdesk.sla import rights, selectors, services, transports
from propdesk.sla.models import Policy, Webhook
from propdesk.sla.policy import FIGURES


@login_required
@require_GET
def notifications(request):
    """The notification centre: newest first, "more" by cursor, each leading to its record."""
    unread = request.GET.get("unread") == "true"
    try:
        rows, next_cursor = keyset_page(
            selectors.notifications_for(request.user, unread=unread).select_related("project"),
            order=("-id",),
            cursor=request.GET.get("cursor"),
            limit=50,
        )
    except DomainError:
        raise Http404 from None
    actor = as_actor(request.user)
    rows = selectors.with_records(rows)
    for n in rows:
        n.record_url = selectors.record_url(n, actor)
        n.record_title = n.title
    return render(
        request,
        "sla/notifications.html",
        {
            "notifications": rows,
            "next_cursor": next_cursor,
            "unread": unread,
            "unread_total": selectors.unread_count(request.user),
        },
    )


@login_required
@require_POST
def notification_read(request, notification_id: int):
    try:
        services.notification_mark_read(user=request.user, notification_id=notification_id)
    except DomainError:
        raise Http404 from None
    return redirect("sla:notifications")


@login_required
@require_POST
def notifications_read_all(request):
    services.notifications_mark_all_read(user=request.user)
    return redirect("sla:notifications")


@login_required
@require_GET
def unread_badge(request):
    """The header's unread count, polled by htmx."""
    return render(request, "sla/_unread_badge.html", {"unread_total": selectors.unread_count(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def policy(request):
    project = request.project
    if project is None or not rights.may(request.user, "policy", project):
        raise PermissionDenied(_("Only the project manager or above may see and change time limits."))
    errors = {}
    if request.method == "POST":
        figures = {key: request.POST.get(key, "").strip() for key in FIGURES}
        try:
            created = services.policy_create_version(project=project, actor=request.user, figures=figures)
        except DomainError as exc:
            errors = exc.errors
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Time limits saved as version %(version)s.") % {"version": created.version})
            return redirect("sla:policy")
    current = Policy.objects.filter(project=project).order_by("-version").first()
    groups = selectors.policy_groups(current)
    if errors:
        for group in groups:
            for row in group["rows"]:
                row["value"] = request.POST.get(row["key"], row["value"])
                row["errors"] = errors.get(row["key"], [])
    versions = Policy.objects.filter(project=project).select_related("created_by").order_by("-version")[:20]
    webhooks = list(Webhook.objects.filter(project=project))
    return render(
        request,
        "sla/policy.html",
        {
            "current": current,
            "groups": groups,
            "versions": versions,
            "webhooks": webhooks,
            "webhook": webhooks[0] if len(webhooks) == 1 else None,
            "transports": [(t.key, t.label) for t in transports.TRANSPORTS.values()],
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def webhook(request):
    project = request.project
    if project is None:
        raise PermissionDenied
    webhook_id = request.POST.get("webhook", "").strip()
    try:
        services.webhook_set(
            project=project,
            actor=request.user,
            url=request.POST.get("url", ""),
            secret=request.POST.get("secret", ""),
            is_active=request.POST.get("is_active") == "on",
            transport=request.POST.get("transport") or None,
            name=request.POST.get("name", ""),
            webhook_id=int(webhook_id) if webhook_id.isdigit() else None,
            new=request.POST.get("new") == "1",
        )
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise PermissionDenied(exc.detail) from None
        detail = "; ".join([exc.detail, *[m for msgs in exc.errors.values() for m in msgs]])
        messages.error(request, detail)
    else:
        messages.success(request, _("Webhook saved."))
    return redirect("sla:policy")


@login_required
@require_GET
def deliveries(request):
    if not rights.may(request.user, "deliveries"):
        raise PermissionDenied(_("Only the project manager or above may see deliveries."))
    qs = selectors.deliveries_for(visible_projects(request.user))
    state = request.GET.get("state")
    if state in ("pending", "sent", "failed"):
        qs = qs.filter(state=state)
    try:
        rows, next_cursor = keyset_page(qs, order=("-id",), cursor=request.GET.get("cursor"), limit=50)
    except DomainError:
        raise Http404 from None
    return render(request, "sla/deliveries.html", {"deliveries": rows, "next_cursor": next_cursor, "state": state})


@login_required
@require_POST
def delivery_retry(request, delivery_id: int):
    try:
        done = services.delivery_retry_now(actor=request.user, delivery_id=delivery_id)
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise PermissionDenied(exc.detail) from None
        raise Http404 from None
    if done:
        messages.success(request, _("Tried again."))
    return redirect("sla:deliveries")
