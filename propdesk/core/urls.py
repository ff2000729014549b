from django.urls import include, path

from propdesk.core import views

app_name = "core"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("project/", views.switch_project, name="switch-project"),
    path("", views.dashboard, name="dashboard"),
    path("search/", views.search, name="search"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("estate/", include("propdesk.core.urls_estate")),
]
