"""Reads for loan application pages: every one starts from the user's data scope, widened by the
applications the user works on in the process (handler, submitter, copied)."""

from django.http import Http404

from zhudai.accounts.choices import DataScope
from zhudai.engines.flow import queries as flow_queries

from .models import LoanApplication

SUBJECT = "loan_application"


def visible_applications(user, permission="loan.view"):
    """Applications in the user's data scope plus those their to-dos lead to (handler now or before,
    submitter, copied)."""
    scoped = LoanApplication.objects.visible_to(user, permission)
    if not user.is_authenticated or (user.has_perm(permission) and user.data_scope == DataScope.ALL):
        return scoped
    # Most of what someone works on lies inside their scope already; only the rest is added, as a short
    # id list beside the scope's indexed column (an OR with subqueries made PostgreSQL scan every row).
    outside = set(LoanApplication.objects.outside_scope_of(user, permission)
                  .filter(pk__in=flow_queries.involvement(user, SUBJECT)).values_list("pk", flat=True))
    return scoped | LoanApplication.objects.filter(pk__in=outside) if outside else scoped


def access_application(user, pk):
    """The application if `user` may see it, else 404 (the same for missing and forbidden)."""
    try:
        return (visible_applications(user).select_related("customer", "product", "owner", "channel", "org_unit")
                .get(pk=pk))
    except (LoanApplication.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def for_customer(user, customer):
    return visible_applications(user).filter(customer=customer).select_related("product").order_by("-created_at")
