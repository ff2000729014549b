"""Every app's URLs come from the registry (propdesk.web.registry): adding an
app is a `parts.py`, not an edit here. The catch-all (core, prefix "") is last."""

from django.urls import include, path

from propdesk.api import api
from propdesk.web.registry import registry

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    *[path(prefix, include(urlconf)) for prefix, urlconf in registry.url_includes()],
]

# Pages answer 403/404 inside the shell, in the user's language; the API keeps its JSON.
handler403 = "propdesk.web.pages.forbidden"
handler404 = "propdesk.web.pages.not_found"
