from django.urls import path

from propdesk.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("export.xlsx", views.export, name="export"),
    path("new/", views.intake, name="intake"),
    path("new/lookup/", views.lookup, name="lookup"),
    path("board/", views.board, name="board"),
    path("inbox/", views.inbox, name="inbox"),
    path("visits/", views.visits, name="visits"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/", views.mine_detail, name="mine_detail"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/slip/<str:kind>/", views.slip, name="slip"),
    path("<int:pk>/instructions/<int:instruction_id>/done/", views.instruction_done, name="instruction_done"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]
