from django.urls import path

from . import views

app_name = "rules"
urlpatterns = [
    path("settings/rules/", views.rule_list, name="list"),
    path("settings/rules/new/", views.rule_edit, name="add"),
    path("settings/rules/<int:pk>/", views.rule_edit, name="edit"),
    path("settings/rules/<int:pk>/test/", views.rule_test, name="test"),
    path("settings/rules/<int:pk>/log/", views.rule_log, name="log"),
    path("settings/rules/<int:pk>/toggle/", views.rule_toggle, name="toggle"),
    path("todo/reminders/<int:pk>/done/", views.todo_done, name="todo_done"),
]
