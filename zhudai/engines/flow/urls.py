from django.urls import path

from . import views

app_name = "flow"
urlpatterns = [
    path("todo/", views.todo, name="todo"),
    path("todo/bulk-approve/", views.bulk_approve, name="bulk_approve"),
    path("todo/tasks/<int:pk>/act/", views.task_act, name="act"),
    path("todo/tasks/<int:pk>/claim/", views.task_claim, name="claim"),
    path("todo/tasks/<int:pk>/assign/", views.task_assign, name="assign"),
    path("todo/processes/<int:pk>/withdraw/", views.instance_withdraw, name="withdraw"),
    path("todo/files/<int:pk>/", views.transition_file, name="file"),
    path("settings/processes/", views.definition_list, name="definitions"),
    path("settings/processes/<int:pk>/", views.definition_detail, name="definition"),
    path("settings/processes/<int:pk>/edit/", views.definition_edit, name="definition_edit"),
    path("settings/processes/<int:pk>/copy/", views.definition_copy, name="definition_copy"),
    path("settings/processes/<int:pk>/default/", views.definition_make_default, name="definition_default"),
    path("settings/processes/versions/<int:pk>/publish/", views.version_publish, name="publish"),
    path("settings/processes/versions/<int:pk>/discard/", views.version_discard, name="discard"),
]
