from django.urls import path

from propdesk.sla import views

app_name = "sla"

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/badge/", views.unread_badge, name="unread_badge"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="notification_read"),
    path("policy/", views.policy, name="policy"),
    path("webhook/", views.webhook, name="webhook"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:delivery_id>/retry/", views.delivery_retry, name="delivery_retry"),
]
