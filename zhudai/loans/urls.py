from django.urls import path

from . import views

app_name = "loans"
urlpatterns = [
    path("loans/", views.application_list, name="list"),
    path("customers/<int:customer_pk>/loans/new/", views.application_create, name="create"),
    path("loans/<int:pk>/", views.application_detail, name="detail"),
    path("loans/<int:pk>/edit/", views.application_edit, name="edit"),
    path("loans/<int:pk>/submit/", views.application_submit, name="submit"),
    path("loans/<int:pk>/documents/", views.document_add, name="document_add"),
    path("loans/<int:pk>/documents/<int:document_pk>/", views.document_download, name="document"),
    path("loans/<int:pk>/documents/<int:document_pk>/delete/", views.document_delete, name="document_delete"),
    path("loans/<int:pk>/contract/", views.contract_generate, name="contract"),
    path("loans/<int:pk>/reveal-account/", views.reveal_account, name="reveal_account"),
    path("settings/products/", views.product_list, name="products"),
    path("settings/products/new/", views.product_edit, name="product_add"),
    path("settings/products/<int:pk>/", views.product_edit, name="product_edit"),
    path("settings/contract-templates/", views.template_list, name="templates"),
    path("settings/contract-templates/new/", views.template_edit, name="template_add"),
    path("settings/contract-templates/sample.docx", views.template_download, name="template_sample"),
    path("settings/contract-templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("settings/contract-templates/<int:pk>/download/", views.template_download, name="template_download"),
]
