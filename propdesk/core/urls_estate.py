"""Estate pages under /estate/ (included by core.urls; names start with "estate-")."""

from django.urls import path

from propdesk.core import views_estate

urlpatterns = [
    path("import/", views_estate.import_page, name="estate-import"),
    path("export.xlsx", views_estate.export_download, name="estate-export"),
    path("template.xlsx", views_estate.template_download, name="estate-template"),
    path("calendar/", views_estate.calendar_page, name="estate-calendar"),
]
