from django.urls import include, path

from propdesk.core import views

app_name = "core"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("estate/", include("propdesk.core.urls_estate")),
]
