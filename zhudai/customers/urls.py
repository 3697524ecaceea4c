from django.urls import path

from . import lead_views, views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("pool/", lead_views.pool, name="pool"),
    path("pool/claim/", lead_views.pool_claim, name="pool_claim"),
    path("<int:pk>/release/", lead_views.pool_release, name="release"),
    path("check-duplicate/", views.check_duplicate, name="check_duplicate"),
    path("filters/save/", views.save_filter, name="save_filter"),
    path("filters/<int:pk>/delete/", views.delete_filter, name="delete_filter"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/delete/", views.customer_delete, name="delete"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
    path("<int:pk>/reveal/<str:field>/", views.reveal, name="reveal"),
    path("<int:pk>/follow-ups/", views.follow_up_add, name="follow_up_add"),
    path("<int:pk>/related/new/", views.related_edit, name="related_add"),
    path("<int:pk>/related/<int:person_pk>/", views.related_edit, name="related_edit"),
    path("<int:pk>/related/<int:person_pk>/delete/", views.related_delete, name="related_delete"),
    path("<int:pk>/related/<int:person_pk>/reveal/<str:field>/", views.reveal_related, name="reveal_related"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/attachments/<int:attachment_pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("<int:pk>/files/<slug:key>/", views.custom_file_download, name="custom_file"),
]
