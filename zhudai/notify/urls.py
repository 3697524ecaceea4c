from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/<int:pk>/", views.open_notification, name="open"),
    path("notifications/read-all/", views.mark_all_read, name="read_all"),
    path("settings/messages/", views.outbox, name="outbox"),
    path("settings/messages/<int:pk>/", views.message_detail, name="message"),
    path("settings/messages/<int:pk>/retry/", views.message_retry, name="retry"),
]
