from django.urls import include, path

from propdesk.core import views, views_attachments

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
    path("attachments/add/", views_attachments.attachment_add, name="attachment-add"),
    path("attachments/<int:pk>/file/", views_attachments.attachment_file, name="attachment-file"),
    path("attachments/<int:pk>/thumbnail/", views_attachments.attachment_thumbnail, name="attachment-thumbnail"),
]
