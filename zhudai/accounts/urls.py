from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("settings/users/", views.user_list, name="users"),
    path("settings/users/new/", views.user_edit, name="user_create"),
    path("settings/users/<int:pk>/", views.user_edit, name="user_edit"),
    path("settings/users/<int:pk>/toggle/", views.user_toggle_active, name="user_toggle"),
    path("settings/units/", views.unit_list, name="units"),
    path("settings/units/new/", views.unit_edit, name="unit_create"),
    path("settings/units/<int:pk>/", views.unit_edit, name="unit_edit"),
    path("settings/units/<int:pk>/delete/", views.unit_delete, name="unit_delete"),
    path("settings/roles/", views.role_list, name="roles"),
    path("settings/roles/new/", views.role_edit, name="role_create"),
    path("settings/roles/<int:pk>/", views.role_edit, name="role_edit"),
    path("settings/handover/", views.handover, name="handover"),
    path("account/password/", views.password_change, name="password"),
]
