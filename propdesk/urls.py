from django.urls import include, path

from propdesk.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("tickets/", include("propdesk.tickets.urls")),
    path("sla/", include("propdesk.sla.urls")),
    path("reports/", include("propdesk.reports.urls")),
    path("", include("propdesk.core.urls")),
]
