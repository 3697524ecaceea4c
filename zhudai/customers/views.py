"""Customer pages: list, 360° view, create/edit, follow-ups, related persons, attachments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhudai.core.errors import error_text
from zhudai.core.paging import LIST_COUNT_CAP, CappedPaginator
from zhudai.core.uploads import file_response

from . import queries, rendering, services
from .filters import DENSE_MATCHES, CustomerFilterSet, has_filters
from .forms import AssignForm, AttachmentForm, CustomerForm, FollowUpForm, MergeForm, RelatedPersonForm
from .models import Customer, RelatedPerson, SavedFilter, Tag

PAGE_SIZES = (20, 50, 100)


@login_required
@permission_required("customer.view", raise_exception=True)
def customer_list(request):
    user, params = request.user, request.GET
    try:
        per_page = int(params.get("per_page", 20))
    except ValueError:
        per_page = 20
    per_page = per_page if per_page in PAGE_SIZES else 20
    filterset = None
    if has_filters(params):
        filterset = CustomerFilterSet(params, queryset=queries.visible_customers(user), user=user)
        # The row query has no joins (see rendering.ROW_VALUES), so its COUNT is a plain scoped count.
        rows = rendering.with_tag_names(filterset.qs)
        paginator = CappedPaginator(rows.values(*rendering.ROW_VALUES), per_page)
        if paginator.count > DENSE_MATCHES:
            dense = filterset.dense_rows()
            paginator.rows = rendering.with_tag_names(dense).values(*rendering.ROW_VALUES) if dense is not None else None
    else:
        listing = queries.ScopedList(user, params.get("sort"))
        paginator = CappedPaginator(listing, per_page, known_count=listing.count(LIST_COUNT_CAP))
    page = paginator.get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    sort, list_url = params.get("sort", "-created"), reverse("customers:list")
    unsorted = query.copy()
    unsorted.pop("sort", None)  # the column links add their own
    query = query.urlencode()
    table = rendering.table_html(page, sort, query, list_url, head_query=unsorted.urlencode())
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "customer-table":
        return HttpResponse(table)
    context = {"page": page, "query": query, "sort": sort, "table": table}

    def panel_context():
        return {
            "filterset": filterset or CustomerFilterSet(params or None, queryset=queries.visible_customers(user),
                                                        user=user),
            "sort": context["sort"], "saved_filters": SavedFilter.objects.filter(user=user),
            "assign_form": AssignForm(user=user) if user.has_perm("customer.assign") else None,
            "tags": Tag.objects.all(),
        }

    context["filter_panel"] = rendering.filter_panel(request, panel_context)
    return render(request, "customers/list.html", context)


@login_required
@require_POST
def bulk_action(request):
    """Assign or tag the selected customers; only customers inside the user's scope are touched."""
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    action = request.POST.get("action")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "customers:list"
    if not ids:
        messages.warning(request, _("请先勾选客户。"))
        return redirect(back)
    permission = {"assign": "customer.assign", "tag": "customer.change"}.get(action)
    if permission is None or not request.user.has_perm(permission):
        raise PermissionDenied
    customers = list(queries.visible_customers(request.user, permission).filter(pk__in=ids).select_related("owner"))
    try:
        if action == "assign":
            form = AssignForm(request.POST, user=request.user)
            if not form.is_valid():
                raise ValidationError(_("请选择要分配给的业务员。"))
            count = services.assign_customers(request.user, customers, form.cleaned_data["owner"])
            messages.success(request, _("已将 %(n)d 位客户分配给 %(u)s。") % {"n": count, "u": form.cleaned_data["owner"]})
        else:
            tag = services.get_or_create_tag(request.POST.get("tag", ""))
            count = services.add_tag(request.user, customers, tag)
            messages.success(request, _("已为 %(n)d 位客户添加标签“%(t)s”。") % {"n": count, "t": tag.name})
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(back)


@login_required
@require_POST
def save_filter(request):
    name = request.POST.get("name", "").strip()[:40]
    query = QueryDict(request.POST.get("query", ""), mutable=True)
    query.pop("page", None)
    if not name:
        messages.error(request, _("请填写筛选名称。"))
    else:
        SavedFilter.objects.update_or_create(user=request.user, name=name, defaults={"query": query.urlencode()[:1000]})
        messages.success(request, _("已保存常用筛选“%(n)s”。") % {"n": name})
    return redirect(f"{reverse('customers:list')}?{query.urlencode()}")


@login_required
@require_POST
def delete_filter(request, pk):
    get_object_or_404(SavedFilter, pk=pk, user=request.user).delete()
    return redirect("customers:list")


@login_required
def customer_detail(request, pk):
    from zhudai.loans.queries import for_customer

    customer = queries.access_customer(request.user, pk)
    context = queries.customer_360(request.user, customer)
    context.update({
        "applications": list(for_customer(request.user, customer)),
        "can_add_loan": request.user.has_perm("loan.add"),
        "follow_up_form": FollowUpForm(),
        "attachment_form": AttachmentForm(),
        "related_form": RelatedPersonForm(),
        "can_change": request.user.has_perm("customer.change"),
        "can_merge": request.user.has_perm("customer.merge"),
        "can_delete": request.user.has_perm("customer.delete"),
    })
    return render(request, "customers/detail.html", context)


@login_required
@permission_required("customer.add", raise_exception=True)
def customer_create(request):
    form = CustomerForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            lead = form.save(commit=False)
            if request.user.has_perm("customer.change") or lead.owner_id:
                customer = services.create_customer(request.user, lead, tags=form.cleaned_data.get("tags") or ())
            else:
                # The front desk enters leads for others: the assignment rules (or the pool) decide whose.
                from .assignment import take_lead

                customer, _created = take_lead(request.user, lead, tags=form.cleaned_data.get("tags") or ())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("客户“%(n)s”已创建。") % {"n": customer.name})
            if not queries.visible_customers(request.user).filter(pk=customer.pk).exists():
                return redirect("customers:list")  # assigned to a colleague: outside the front desk's scope
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "creating": True})


@login_required
def customer_edit(request, pk):
    customer = queries.access_customer(request.user, pk, "customer.change")
    before = services.snapshot(customer)
    form = CustomerForm(request.POST or None, request.FILES or None, instance=customer, user=request.user,
                        initial={"tags": list(customer.tags.all())})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_customer(request.user, form.save(commit=False), before, tags=form.cleaned_data.get("tags"))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer, "creating": False})


@login_required
@require_POST
def check_duplicate(request):
    """HTMX: warn while typing when an ID number or phone already exists."""
    from zhudai.core import chinese

    id_number = request.POST.get("id_number", "")
    phones = [request.POST.get("mobile", ""), request.POST.get("backup_phone", "")]
    id_number = id_number if len(chinese.normalize_id_number(id_number)) == 18 else ""
    phones = [p for p in phones if len(chinese.normalize_phone(p)) >= 11]
    exclude = request.POST.get("exclude")
    dups = services.find_duplicates(request.user, id_number=id_number, phones=phones,
                                    exclude_pk=int(exclude) if exclude and exclude.isdigit() else None)
    return render(request, "customers/_duplicates.html", {"duplicates": dups})


@login_required
def customer_delete(request, pk):
    customer = queries.access_customer(request.user, pk, "customer.delete")
    if request.method == "POST":
        services.delete_customer(request.user, customer)
        messages.success(request, _("客户“%(n)s”已删除。") % {"n": customer.name})
        return redirect("customers:list")
    return render(request, "customers/confirm_delete.html", {"customer": customer})


@login_required
def customer_merge(request, pk):
    keep = queries.access_customer(request.user, pk, "customer.merge")
    form = MergeForm(request.POST or None, initial={"duplicate": request.GET.get("duplicate")})
    duplicate = None
    if request.method == "POST" and form.is_valid():
        duplicate = queries.visible_customers(request.user, "customer.merge").filter(
            pk=form.cleaned_data["duplicate"]).first()
        if duplicate is None:
            form.add_error("duplicate", _("找不到该客户，或您无权操作。"))
        elif request.POST.get("confirm") == "1":
            try:
                services.merge_customers(request.user, keep, duplicate)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("已将“%(d)s”合并到本客户。") % {"d": duplicate.name})
                return redirect("customers:detail", pk=keep.pk)
    candidates = services.find_duplicates(request.user, id_number=keep.id_number,
                                          phones=[keep.mobile, keep.backup_phone], exclude_pk=keep.pk)
    return render(request, "customers/merge.html", {"customer": keep, "form": form, "duplicate": duplicate,
                                                    "candidates": [c for c in candidates if c.customer]})


@login_required
@require_POST
def reveal(request, pk, field):
    """HTMX: the full value of one sensitive field, audited."""
    customer = queries.access_customer(request.user, pk)
    if field not in {f.name for f in Customer.encrypted_fields()}:
        raise Http404
    value = services.reveal(request.user, customer, field)
    return HttpResponse(f'<span class="revealed">{escape(value)}</span>')


@login_required
@require_POST
def reveal_related(request, pk, person_pk, field):
    customer = queries.access_customer(request.user, pk)
    person = get_object_or_404(RelatedPerson, pk=person_pk, customer=customer)
    if field not in {f.name for f in RelatedPerson.encrypted_fields()}:
        raise Http404
    return HttpResponse(f'<span class="revealed">{escape(services.reveal(request.user, person, field))}</span>')


@login_required
@require_POST
def follow_up_add(request, pk):
    customer = queries.access_customer(request.user, pk)
    if not (request.user.has_perm("customer.change") or customer.owner_id == request.user.pk):
        raise PermissionDenied
    form = FollowUpForm(request.POST)
    if form.is_valid():
        services.add_follow_up(request.user, customer, form.save(commit=False))
        form = FollowUpForm()
        if not request.headers.get("HX-Request"):
            messages.success(request, _("跟进记录已添加。"))
            return redirect("customers:detail", pk=customer.pk)
    elif not request.headers.get("HX-Request"):
        messages.error(request, _("跟进记录未保存：请填写跟进内容。"))
        return redirect("customers:detail", pk=customer.pk)
    context = {"customer": customer, "follow_ups": customer.follow_ups.select_related("created_by"),
               "follow_up_form": form}
    return render(request, "customers/_timeline.html", context)


@login_required
def related_edit(request, pk, person_pk=None):
    customer = queries.access_customer(request.user, pk, "customer.change")
    person = get_object_or_404(RelatedPerson, pk=person_pk, customer=customer) if person_pk else RelatedPerson()
    before = services._related_snapshot(person) if person.pk else None
    form = RelatedPersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        services.save_related_person(request.user, customer, form.save(commit=False), before)
        messages.success(request, _("关联人已保存。"))
        return redirect(f"{customer_url(customer)}#related")
    return render(request, "customers/related_form.html", {"customer": customer, "form": form, "person": person})


@login_required
@require_POST
def related_delete(request, pk, person_pk):
    customer = queries.access_customer(request.user, pk, "customer.change")
    person = get_object_or_404(RelatedPerson, pk=person_pk, customer=customer)
    services.delete_related_person(request.user, person)
    messages.success(request, _("关联人已删除。"))
    return redirect(f"{customer_url(customer)}#related")


def customer_url(customer):
    return reverse("customers:detail", args=[customer.pk])


@login_required
@require_POST
def attachment_add(request, pk):
    customer = queries.access_customer(request.user, pk)
    if not (request.user.has_perm("customer.change") or customer.owner_id == request.user.pk):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        services.add_attachment(request.user, customer, form.cleaned_data["file"], form.cleaned_data["kind"],
                                form.cleaned_data["note"])
        messages.success(request, _("附件已上传。"))
    else:
        messages.error(request, _("附件未上传：%(e)s") % {"e": "；".join(e for errs in form.errors.values() for e in errs)})
    return redirect(f"{customer_url(customer)}#attachments")


@login_required
def attachment_download(request, pk, attachment_pk):
    customer = queries.access_customer(request.user, pk)
    attachment = get_object_or_404(customer.attachments, pk=attachment_pk)
    attachment.customer = customer
    data = services.read_attachment(request.user, attachment)
    return file_response(data, attachment.content_type, attachment.original_name)


@login_required
@require_POST
def attachment_delete(request, pk, attachment_pk):
    customer = queries.access_customer(request.user, pk, "customer.change")
    attachment = get_object_or_404(customer.attachments, pk=attachment_pk)
    attachment.customer = customer
    services.delete_attachment(request.user, attachment)
    messages.success(request, _("附件已删除。"))
    return redirect(f"{customer_url(customer)}#attachments")


@login_required
def custom_file_download(request, pk, key):
    from zhudai.engines.forms.models import FieldDefinition
    from zhudai.engines.forms.views import serve_custom_file

    customer = queries.access_customer(request.user, pk)
    defn = get_object_or_404(FieldDefinition.objects.for_model("customer").visible_to(request.user), key=key)
    return serve_custom_file(request.user, customer, defn)

