from django.urls import path

from . import views

app_name = "io"
urlpatterns = [
    path("customers/import/", views.import_list, name="list"),
    path("customers/import/upload/", views.upload, name="upload"),
    path("customers/import/template.xlsx", views.template, name="template"),
    path("customers/import/<int:pk>/", views.detail, name="detail"),
    path("customers/import/<int:pk>/mapping/", views.mapping, name="mapping"),
    path("customers/import/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("customers/import/<int:pk>/rollback/", views.rollback, name="rollback"),
    path("customers/import/<int:pk>/errors.xlsx", views.error_report, name="error_report"),
    path("customers/export/", views.export_customers, name="export"),
    path("customers/export/<int:pk>/", views.export_detail, name="export_detail"),
    path("customers/export/<int:pk>/download/", views.export_download, name="export_download"),
]
