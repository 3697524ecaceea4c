"""/api/v1/customers: the caller's data scope and masking apply exactly as in the pages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from zhudai.core import chinese
from zhudai.security import masking

from . import queries, services
from .filters import CustomerFilterSet
from .models import Customer, FollowUp

SENSITIVE = {"id_number": "id_number", "mobile": "phone", "backup_phone": "phone", "bank_card": "bank_card"}


class CustomerSerializer(serializers.ModelSerializer):
    stage = serializers.SlugRelatedField(slug_field="code", read_only=True)
    channel = serializers.StringRelatedField()
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    tags = serializers.StringRelatedField(many=True, read_only=True)
    id_number = serializers.CharField(required=False, allow_blank=True)
    mobile = serializers.CharField()
    backup_phone = serializers.CharField(required=False, allow_blank=True)
    bank_card = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = Customer
        fields = [
            "id", "name", "id_number", "gender", "birth_date", "native_region", "marital_status", "mobile",
            "backup_phone", "wechat", "occupation", "employer", "monthly_income", "credit_rating", "bank_name",
            "bank_card", "loan_type", "expected_amount", "term_months", "purpose", "channel", "owner", "stage",
            "next_follow_up_at", "last_follow_up_at", "tags", "custom_fields", "created_at", "updated_at",
        ]
        read_only_fields = ["gender", "birth_date", "native_region", "last_follow_up_at", "custom_fields",
                            "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name, kind in SENSITIVE.items():
            data[name] = masking.mask(kind, getattr(instance, name))
        data["custom_fields"] = {k: ("***" if isinstance(v, dict) and "c" in v else v)
                                 for k, v in (instance.custom_fields or {}).items()}
        return data

    def _validate_with(self, func, value):
        if not value:
            return ""
        try:
            return func(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate_id_number(self, value):
        return self._validate_with(lambda v: chinese.parse_id_number(v).number, value)

    def validate_mobile(self, value):
        return self._validate_with(chinese.validate_mobile, value)

    def validate_backup_phone(self, value):
        return self._validate_with(chinese.validate_phone, value)

    def validate_bank_card(self, value):
        return self._validate_with(chinese.validate_bank_card, value)


class FollowUpSerializer(serializers.ModelSerializer):
    created_by = serializers.StringRelatedField()

    class Meta:
        model = FollowUp
        fields = ["id", "kind", "content", "result", "next_follow_up_at", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    """Customers visible to the caller. Query parameters are those of the customer list page."""

    serializer_class = CustomerSerializer
    filter_backends = []

    def get_queryset(self):
        return queries.visible_customers(self.request.user).with_list_columns().prefetch_related("tags")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return CustomerFilterSet(self.request.query_params or None, queryset=queryset, user=self.request.user).qs

    def get_object(self):
        customer = queries.access_customer(self.request.user, self.kwargs["pk"])
        self.check_object_permissions(self.request, customer)
        return customer

    def create(self, request, *args, **kwargs):
        """Callers that take leads for others (the front desk, a website's backend: customer.add without
        customer.change) go through the assignment rules; a lead that is already a customer is not
        duplicated, its owner is told, and the caller learns only that it exists."""
        user = request.user
        if not user.has_perm("customer.add") or user.has_perm("customer.change"):
            return super().create(request, *args, **kwargs)
        from .assignment import take_lead

        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer, created = take_lead(user, Customer(**serializer.validated_data))
        if not created:
            return Response({"detail": "该客户已存在，已通知其业务员。", "created": False}, status=200)
        return Response({"id": customer.pk, "created": True, "assigned": customer.owner_id is not None,
                         "detail": "已按分配规则分配。" if customer.owner_id else "已进入公海。"}, status=201)

    def perform_create(self, serializer):
        if not self.request.user.has_perm("customer.add"):
            raise PermissionDenied("您没有新建客户的权限。")
        data = serializer.validated_data
        dups = services.find_duplicates(self.request.user, id_number=data.get("id_number", ""),
                                        phones=[data.get("mobile", ""), data.get("backup_phone", "")])
        if dups:
            raise serializers.ValidationError({"duplicate": [d.message for d in dups]})
        serializer.instance = services.create_customer(self.request.user, Customer(**data))

    @extend_schema(request=FollowUpSerializer, responses=FollowUpSerializer(many=True))
    @action(detail=True, methods=["get", "post"], url_path="follow-ups")
    def follow_ups(self, request, pk=None):
        customer = self.get_object()
        if request.method == "POST":
            serializer = FollowUpSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            follow_up = services.add_follow_up(request.user, customer, FollowUp(**serializer.validated_data))
            return Response(FollowUpSerializer(follow_up).data, status=201)
        items = customer.follow_ups.select_related("created_by")[:200]
        return Response(FollowUpSerializer(items, many=True).data)
