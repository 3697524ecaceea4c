"""Reads for customer pages: every one starts from the user's data scope."""

from datetime import timedelta
from functools import lru_cache
from typing import NamedTuple

from django.utils import timezone

from zhudai.accounts.scoping import access_object
from zhudai.audit.models import AuditEvent
from zhudai.audit.services import subject_key
from zhudai.core.paging import bounded_count
from zhudai.engines.forms import types
from zhudai.engines.forms.models import FieldDefinition
from zhudai.security import masking

from .models import Customer, FollowUp


def access_customer(user, pk, permission="customer.view"):
    """The customer if `user` may see it (and holds `permission`), else 404."""
    return access_object(Customer.objects.select_related("stage", "channel", "owner", "org_unit"), user, pk, permission)


def visible_customers(user, permission="customer.view"):
    return Customer.objects.visible_to(user, permission)


def home_lists(user, now):
    """工作台: follow-ups due today, overdue ones and recently added customers, in the user's scope."""
    mine = visible_customers(user).filter(owner=user) if user.has_perm("customer.view") else Customer.objects.none()
    day_end = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=999999)
    base = mine.select_related("stage").only("id", "name", "stage__name", "next_follow_up_at", "created_at",
                                             "last_follow_up_at")
    return {
        "due_today": list(base.filter(next_follow_up_at__gte=now, next_follow_up_at__lte=day_end)
                          .order_by("next_follow_up_at")[:20]),
        "overdue": list(base.filter(next_follow_up_at__lt=now).order_by("next_follow_up_at")[:20]),
        "overdue_count": mine.filter(next_follow_up_at__lt=now).count(),
        "recent": list(visible_customers(user).select_related("stage", "owner")
                       .order_by("-created_at", "-id")[:10]),
        "new_this_week": mine.filter(created_at__gte=now - timedelta(days=7)).count(),
    }


def custom_field_rows(user, customer):
    """[(label, text, definition)] of the custom fields `user` may see, for the 360° page."""
    definitions = list(FieldDefinition.objects.for_model("customer").visible_to(user))
    users = {}
    user_ids = [customer.custom_fields.get(d.key) for d in definitions if d.field_type == "user"]
    if any(user_ids):
        from zhudai.accounts.models import User

        users = {u.pk: u for u in User.objects.filter(pk__in=[i for i in user_ids if i])}
    stored = customer.custom_fields or {}
    return [(d, types.display(d, stored.get(d.key), users=users)) for d in definitions]


def customer_360(user, customer):
    """Everything the 360° page shows, in a fixed number of queries whatever the history length."""
    follow_ups = list(FollowUp.objects.filter(customer=customer).select_related("created_by"))
    return {
        "customer": customer,
        "tags": list(customer.tags.all()),
        "follow_ups": follow_ups,
        "related_persons": list(customer.related_persons.all()),
        "attachments": list(customer.attachments.select_related("uploaded_by")),
        "custom_rows": custom_field_rows(user, customer),
        "history": list(AuditEvent.objects.filter(subject=subject_key(customer)).order_by("-id")[:50]),
        "sensitive": sensitive_rows(user, customer),
    }


def sensitive_rows(user, obj):
    """[(field name, label, masked value, may reveal)] for the encrypted fields of `obj`."""
    rows = []
    for field in obj.encrypted_fields():
        value = getattr(obj, field.attname)
        rows.append((field.name, field.verbose_name, masking.mask(field.kind, value),
                     bool(value) and masking.can_reveal(user, field.kind)))
    return rows


class ScopedList:
    """The unfiltered customer list of one user, the page people open most: its bounded count and
    its pages, by SQL compiled once per shape (scope lookup, number of units, sort) and run with
    this user's scope values as parameters.

    Building the scoped queryset, its values() and compiling both statements cost the ORM more
    than the database took to run them (~0.9 ms against ~0.8 ms for a salesperson at 1,000,000
    customers). The statements are the ORM's own, compiled from a queryset of the same shape, so
    scope and order are exactly those of `visible_customers(user)` with `filters.ordering(sort)`.
    Returns pages of `rendering.ROW_VALUES` dicts, like `.values()`.
    """

    def __init__(self, user, sort):
        from django.db import connections

        from .filters import SORTS

        lookup = Customer.objects.scope_lookup(user)
        if lookup is None:
            raise ValueError("the user may not see customers")
        field, value = next(iter(lookup.items()), (None, None))
        values = list(value) if isinstance(value, (list, tuple)) else ([] if field is None else [value])
        sort = sort if sort and sort.lstrip("-") in SORTS else "-created"  # what ordering() falls back to
        self.params = values
        self.statements = _list_statements(field, len(values), sort)
        self.connection = connections[Customer.objects.db]

    def count(self, cap):
        return bounded_count(self.connection, self.statements.keys, self.params, cap)

    def __getitem__(self, window):
        start, stop = window.start or 0, window.stop
        statements, connection = self.statements, self.connection
        with connection.cursor() as cur:
            cur.execute(f"{statements.rows} LIMIT {int(stop - start)} OFFSET {int(start)}", self.params)
            rows = cur.fetchall()
        names, converters = statements.names, statements.converters
        page = []
        for row in rows:
            row = list(row)
            for n, (functions, expression) in converters:
                value = row[n]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[n] = value
            page.append(dict(zip(names, row)))
        return page


class _Statements(NamedTuple):
    rows: str  # the page's SELECT, ordered, without LIMIT
    keys: str  # the ids of the same rows, unordered, for the bounded count
    names: list  # the page's column names, as values() names them
    converters: list  # [(column, (functions, expression))]


@lru_cache(maxsize=256)
def _list_statements(field, arity, sort):
    """The row and key statements of ScopedList for one shape, compiled by the ORM from a queryset
    with stand-in scope values (the values are parameters, so the SQL is the same for every user)."""
    from .filters import ordering
    from .rendering import ROW_VALUES, with_tag_names

    stand_in = {} if field is None else {field: list(range(1, arity + 1)) if field.endswith("__in") else 1}
    base = Customer.objects.filter(**stand_in)
    rows = with_tag_names(base).order_by(*ordering(sort)).values(*ROW_VALUES)
    compiler = rows.query.get_compiler(rows.db)
    rows_sql, params = compiler.as_sql()
    keys_sql, key_params = base.order_by().values("pk").query.sql_with_params()
    if len(params) != arity or len(key_params) != arity:  # a statement with parameters of its own
        raise ValueError(f"unexpected parameters in the customer list statements: {params!r}")
    fields = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
    # (column, (functions, expression)): the backend's and the fields' from-database converters,
    # pure functions of the value, called with the connection that ran the statement.
    converters = list(compiler.get_converters(fields).items())
    query = rows.query
    names = [*query.extra_select, *query.values_select, *query.annotation_select]  # as ValuesIterable
    return _Statements(rows_sql, keys_sql, names, converters)
