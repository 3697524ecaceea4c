from django.contrib.auth import views as auth_views
from django.urls import include, path

from zhudai.accounts.views import LoginView
from zhudai.customers import lead_views

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("zhudai.web.urls")),
    path("", include("zhudai.accounts.urls")),
    path("", include("zhudai.io.urls")),
    path("customers/", include("zhudai.customers.urls")),
    path("lead/", lead_views.public_lead, name="public_lead"),
    path("settings/assignment/", lead_views.assignment_rules, name="assignment"),
    path("settings/assignment/<int:pk>/", lead_views.assignment_rules, name="assignment_edit"),
    path("", include("zhudai.loans.urls")),
    path("", include("zhudai.engines.flow.urls")),
    path("", include("zhudai.notify.urls")),
    path("", include("zhudai.engines.rules.urls")),
    path("settings/fields/", include("zhudai.engines.forms.urls")),
    path("settings/audit/", include("zhudai.audit.urls")),
    path("api/v1/", include("zhudai.api.urls")),
]

handler403 = "zhudai.web.views.forbidden"
handler404 = "zhudai.web.views.not_found"
handler500 = "zhudai.web.views.server_error"
