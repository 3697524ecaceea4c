from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from zhudai.customers.api import CustomerViewSet
from zhudai.loans.api import LoanApplicationViewSet, TaskViewSet

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("loans", LoanApplicationViewSet, basename="loan")
router.register("tasks", TaskViewSet, basename="task")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    *router.urls,
]
