"""Loan application pages, their documents and contracts, and the product / template settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhudai.core.errors import error_text
from zhudai.core.paging import CappedPaginator
from zhudai.core.uploads import file_response
from zhudai.customers import queries as customer_queries
from zhudai.customers import services as customer_services
from zhudai.engines.flow.views import process_panel
from zhudai.security import masking

from . import contracts, queries, services
from .choices import ApplicationStatus, DocumentKind
from .filters import SORTS, LoanApplicationFilterSet
from .forms import ApplicationForm, DocumentForm, ProductForm, TemplateForm
from .models import ContractTemplate, LoanApplication, Product


def _detail(application, anchor=""):
    return reverse("loans:detail", args=[application.pk]) + (f"#{anchor}" if anchor else "")


@login_required
@permission_required("loan.view", raise_exception=True)
def application_list(request):
    params = request.GET
    filterset = LoanApplicationFilterSet(params or None, queryset=queries.visible_applications(request.user),
                                         user=request.user)
    sort = params.get("sort", "-created")
    rows = (filterset.qs if filterset.is_bound else filterset.queryset).order_by(*SORTS.get(sort, SORTS["-created"]))
    # The page's 20 rows first, their customers, products and owners after by id: with the joins in the
    # row query SQLite drove it from a joined table and sorted every application.
    page = CappedPaginator(rows.prefetch_related("customer", "product", "owner"), 20).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return render(request, "loans/list.html", {
        "filterset": filterset, "page": page, "query": query.urlencode(), "sort": sort,
        "sort_query": sort_query.urlencode(),
    })


@login_required
@permission_required("loan.add", raise_exception=True)
def application_create(request, customer_pk):
    customer = customer_queries.access_customer(request.user, customer_pk)
    initial = {"amount": customer.expected_amount and f"{customer.expected_amount:f}",
               "term_months": customer.term_months, "purpose": customer.purpose}
    form = ApplicationForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        application = form.save(commit=False)
        application.customer = customer
        try:
            services.create_application(request.user, application)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("贷款申请 %(n)s 已创建（草稿）。上传材料后即可提交审批。") % {"n": application.number})
            return redirect("loans:detail", pk=application.pk)
    return render(request, "loans/form.html", {"form": form, "customer": customer, "creating": True})


@login_required
def application_edit(request, pk):
    application = queries.access_application(request.user, pk)
    _require_change(request.user, application)
    if application.status not in services.EDITABLE_STATUSES:
        messages.error(request, _("只有草稿状态的申请可以修改；审批中的申请请在审批环节中修改。"))
        return redirect("loans:detail", pk=pk)
    before = services.snapshot(application)
    form = ApplicationForm(request.POST or None, instance=application, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_application(request.user, form.save(commit=False), before)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("loans:detail", pk=pk)
    return render(request, "loans/form.html", {"form": form, "customer": application.customer,
                                               "application": application, "creating": False})


def _may_change(user, application):
    """The owner, or someone whose data scope for loan.change covers the application."""
    return user.has_perm("loan.change") and (application.owner_id == user.pk or LoanApplication.objects.visible_to(
        user, "loan.change").filter(pk=application.pk).exists())


def _require_change(user, application):
    if not _may_change(user, application):
        raise PermissionDenied


@login_required
def application_detail(request, pk):
    application = queries.access_application(request.user, pk)
    user = request.user
    documents = list(application.documents.select_related("uploaded_by"))
    present = {d.kind for d in documents} | set(
        application.customer.attachments.values_list("kind", flat=True))
    checklist = [(code, DocumentKind(code).label, code in present) for code in application.product.required_documents
                 if code in DocumentKind.values]
    can_change = _may_change(user, application)
    return render(request, "loans/detail.html", {
        "application": application, "customer": application.customer, "documents": documents,
        "checklist": checklist, "process": process_panel(user, "loan_application", application),
        "next_url": _detail(application, "process"), "document_form": DocumentForm(),
        "can_change": can_change, "can_submit": can_change and application.status in (
            ApplicationStatus.DRAFT, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN),
        "can_upload": can_change or _handles(user, application),
        "templates": ContractTemplate.objects.filter(Q(product__isnull=True) | Q(product=application.product),
                                                     is_active=True),
        "can_generate": user.has_perm("loan.contract") and application.status in (
            ApplicationStatus.APPROVED, ApplicationStatus.SIGNED, ApplicationStatus.DISBURSED),
        "account_masked": masking.mask("bank_card", application.disbursement_account),
        "can_reveal_account": bool(application.disbursement_account) and masking.can_reveal(user, "bank_card"),
    })


def _handles(user, application):
    """Whether `user` holds an open task of the application (a handler may add documents)."""
    process = queries.flow_queries.running_instance("loan_application", application.pk)
    return bool(process) and process.tasks.filter(status="open", assignee=user).exists()


@login_required
@require_POST
def application_submit(request, pk):
    application = queries.access_application(request.user, pk)
    _require_change(request.user, application)
    try:
        services.submit_application(request.user, application, request.POST.get("comment", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已提交审批。"))
    return redirect(_detail(application, "process"))


@login_required
@require_POST
def document_add(request, pk):
    application = queries.access_application(request.user, pk)
    if not (request.user.has_perm("loan.change") or _handles(request.user, application)):
        raise PermissionDenied
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_document(request.user, application, form.cleaned_data["file"], form.cleaned_data["kind"],
                                  form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, _("材料未上传：%(e)s") % {"e": error_text(exc)})
        else:
            messages.success(request, _("材料已上传。"))
    else:
        messages.error(request, _("材料未上传：%(e)s") % {"e": "；".join(e for errs in form.errors.values() for e in errs)})
    return redirect(request.POST.get("next") or _detail(application, "documents"))


@login_required
def document_download(request, pk, document_pk):
    application = queries.access_application(request.user, pk)
    document = get_object_or_404(application.documents, pk=document_pk)
    document.application = application
    return file_response(services.read_document(request.user, document), document.content_type,
                         document.original_name)


@login_required
@require_POST
def document_delete(request, pk, document_pk):
    application = queries.access_application(request.user, pk)
    _require_change(request.user, application)
    document = get_object_or_404(application.documents, pk=document_pk)
    document.application = application
    try:
        services.delete_document(request.user, document)
        messages.success(request, _("材料已删除。"))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(_detail(application, "documents"))


@login_required
@require_POST
@permission_required("loan.contract", raise_exception=True)
def contract_generate(request, pk):
    application = queries.access_application(request.user, pk)
    template = get_object_or_404(ContractTemplate, pk=request.POST.get("template") or 0)
    try:
        document = services.generate_contract(request.user, application, template)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(_detail(application, "documents"))
    messages.success(request, _("合同已生成：%(n)s。打印签字后请把已签合同上传回来。") % {"n": document.original_name})
    return redirect(_detail(application, "documents"))


@login_required
@require_POST
def reveal_account(request, pk):
    application = queries.access_application(request.user, pk)
    value = customer_services.reveal(request.user, application, "disbursement_account")
    return HttpResponse(f'<span class="revealed">{escape(value)}</span>')


# -- settings: products and contract templates ---------------------------------------------------


@login_required
@permission_required("settings.products", raise_exception=True)
def product_list(request):
    return render(request, "loans/product_list.html", {"products": Product.objects.all()})


@login_required
@permission_required("settings.products", raise_exception=True)
def product_edit(request, pk=None):
    product = get_object_or_404(Product, pk=pk) if pk else Product()
    before = services.product_snapshot(product) if pk else None
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        services.save_product(request.user, form.save(commit=False), before)
        messages.success(request, _("产品“%(n)s”已保存。") % {"n": product})
        return redirect("loans:products")
    return render(request, "loans/product_form.html", {"form": form, "product": product})


@login_required
@permission_required("settings.products", raise_exception=True)
def template_list(request):
    return render(request, "loans/template_list.html", {"templates": ContractTemplate.objects.select_related(
        "product", "uploaded_by")})


@login_required
@permission_required("settings.products", raise_exception=True)
def template_edit(request, pk=None):
    template = get_object_or_404(ContractTemplate, pk=pk) if pk else ContractTemplate()
    form = TemplateForm(request.POST or None, request.FILES or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_template(request.user, form.save(commit=False), form.cleaned_data.get("upload"))
        except ValidationError as exc:
            form.add_error("upload", exc)
        else:
            messages.success(request, _("合同模板已保存。"))
            return redirect("loans:templates")
    return render(request, "loans/template_form.html", {"form": form, "template": template})


@login_required
@permission_required("settings.products", raise_exception=True)
def template_download(request, pk=None):
    """An uploaded template, or (without pk) the sample template with every placeholder."""
    if pk is None:
        data, name = contracts.sample_template(), "借款居间服务合同-示例模板.docx"
    else:
        template = get_object_or_404(ContractTemplate, pk=pk)
        with template.file.open("rb") as fh:
            data, name = fh.read(), template.original_name
    return file_response(data, services.DOCX[".docx"], name)
