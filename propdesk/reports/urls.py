from django.urls import path

from propdesk.reports import views

app_name = "reports"

urlpatterns = [
    path("weekly/", views.weekly, name="weekly"),
    path("weekly/tickets/<int:ticket_id>/notes/", views.weekly_note, name="weekly_note"),
    path("monthly/", views.monthly, name="monthly"),
    path("monthly/export.xlsx", views.monthly_export, name="monthly_export"),
    path("monthly/signoff/", views.monthly_signoff, name="monthly_signoff"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/live/", views.dashboard_live, name="dashboard_live"),
]
