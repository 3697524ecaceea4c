"""/api/v1/loans and /api/v1/tasks: the caller's data scope, masking and process rules apply exactly
as in the pages (the same queries and service functions)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from zhudai.accounts.models import User
from zhudai.engines.flow import queries as flow_queries
from zhudai.engines.flow import services as flow
from zhudai.engines.flow.choices import TASK_ACTIONS, Action
from zhudai.engines.flow.models import Task, Transition
from zhudai.security import masking

from . import queries
from .filters import SORTS, LoanApplicationFilterSet
from .models import LoanApplication


class LoanApplicationSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    product = serializers.StringRelatedField()
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    channel = serializers.StringRelatedField()

    class Meta:
        model = LoanApplication
        fields = ["id", "number", "customer", "customer_name", "product", "amount", "term_months", "purpose", "channel",
                  "owner", "status", "current_step", "is_renewal", "submitted_at", "recommended_amount",
                  "recommended_rate", "recommended_term", "credit_line", "approved_rate", "approved_term",
                  "contract_signed_at", "disbursed_at", "disbursed_amount", "disbursement_bank",
                  "disbursement_account", "created_at", "updated_at"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["disbursement_account"] = masking.mask("bank_card", instance.disbursement_account)
        return data


class TransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transition
        fields = ["node_id", "node_name", "action", "actor_label", "comment", "to_node", "created_at",
                  "duration_seconds", "over_limit"]


class LoanApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Loan applications visible to the caller; query parameters are those of the list page."""

    serializer_class = LoanApplicationSerializer
    filter_backends = []

    def get_queryset(self):
        return queries.visible_applications(self.request.user).select_related("customer", "product", "owner", "channel")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.request.query_params
        rows = LoanApplicationFilterSet(params or None, queryset=queryset, user=self.request.user).qs
        return rows.order_by(*SORTS.get(params.get("sort", "-created"), SORTS["-created"]))

    def get_object(self):
        return queries.access_application(self.request.user, self.kwargs["pk"])

    @extend_schema(responses=TransitionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        application = self.get_object()
        rows = Transition.objects.filter(instance__subject_type="loan_application",
                                         instance__subject_id=application.pk).order_by("id")
        return Response(TransitionSerializer(rows, many=True).data)


class TaskSerializer(serializers.ModelSerializer):
    application = serializers.IntegerField(source="instance.subject_id", read_only=True)

    class Meta:
        model = Task
        fields = ["id", "application", "node_id", "node_name", "kind", "created_at", "due_at", "note"]


class ActSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[a.value for a in TASK_ACTIONS] + [Action.RESUBMIT])
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    to_user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True),
                                           required=False, allow_null=True)
    target = serializers.CharField(required=False, allow_blank=True, default="")


class TaskViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """My pending tasks (待我处理), and actions on them."""

    serializer_class = TaskSerializer

    def get_queryset(self):
        return flow_queries.pending(self.request.user)

    @extend_schema(request=ActSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def act(self, request, pk=None):
        serializer = ActSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            flow.act(request.user, int(pk), data["action"], comment=data["comment"], target=data["target"] or None,
                     to_user=data.get("to_user"))
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"detail": exc.messages}) from None
        return Response({"detail": "ok"})
