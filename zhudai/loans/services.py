"""Every write to products, loan applications, their documents and contracts.

Views, the API and the process engine (through the adapter in engine.py) call these functions;
each runs in one transaction and writes its audit event in it.
"""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhudai.audit.choices import Action
from zhudai.audit.services import record, record_change
from zhudai.core.uploads import check_upload, read_encrypted, store_encrypted
from zhudai.customers import services as customer_services
from zhudai.engines.flow import services as flow
from zhudai.engines.flow.choices import EndResult
from zhudai.engines.flow.models import ProcessDefinition
from zhudai.security import masking

from .choices import ApplicationStatus, DocumentKind
from .models import ApplicationDocument, LoanApplication

AUDITED_FIELDS = [
    "customer", "product", "amount", "term_months", "purpose", "channel", "owner", "status", "current_step",
    "recommended_amount", "recommended_rate", "recommended_term", "risk_opinion", "credit_line", "approved_rate",
    "approved_term", "contract_signed_at", "disbursed_at", "disbursed_amount", "disbursement_bank",
    "disbursement_account",
]
EDITABLE_STATUSES = {ApplicationStatus.DRAFT}
DOCX = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def snapshot(application):
    data = {}
    for name in AUDITED_FIELDS:
        value = getattr(application, name)
        if name == "disbursement_account":
            value = masking.mask("bank_card", value)
        elif hasattr(value, "pk"):
            value = str(value)
        data[name] = value
    return data


def _next_number(day):
    prefix = f"ZD{day:%Y%m%d}-"
    last = (LoanApplication.objects.filter(number__startswith=prefix).order_by("-number")
            .values_list("number", flat=True).first())
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:04d}"


def validate_terms(application):
    """Amount and term inside the product's ranges; errors keyed by field for the form."""
    product, errors = application.product, {}
    if application.amount is not None and not product.min_amount <= application.amount <= product.max_amount:
        errors["amount"] = _("%(p)s 的金额范围是 %(lo)s - %(hi)s 元。") % {
            "p": product, "lo": f"{product.min_amount:,.0f}", "hi": f"{product.max_amount:,.0f}"}
    if application.term_months is not None and not product.min_term <= application.term_months <= product.max_term:
        errors["term_months"] = _("%(p)s 的期限范围是 %(lo)d - %(hi)d 个月。") % {
            "p": product, "lo": product.min_term, "hi": product.max_term}
    if errors:
        raise ValidationError(errors)


def _check_owner(owner):
    if owner is None or not owner.is_active:
        raise ValidationError({"owner": _("负责人必须是在职的员工。")})


@transaction.atomic
def create_application(actor, application):
    """Save a new draft application for a customer; owner defaults to the customer's owner."""
    if application.owner_id is None:
        application.owner = application.customer.owner or actor
    _check_owner(application.owner)
    application.org_unit_id = application.owner.org_unit_id
    if application.channel_id is None:
        application.channel_id = application.customer.channel_id
    application.created_by = actor if getattr(actor, "pk", None) else None
    if not application.product.is_active:
        raise ValidationError({"product": _("该产品已停售。")})
    validate_terms(application)
    for _attempt in range(5):
        application.number = _next_number(timezone.localdate())
        try:
            with transaction.atomic():
                application.save()
            break
        except IntegrityError:
            # Two applications the same second on PostgreSQL: take the next number.
            continue
    else:
        raise ValidationError(_("申请编号生成冲突，请重试。"))
    record(Action.CREATE, application, actor=actor,
           changes={k: [None, v] for k, v in snapshot(application).items() if v not in (None, "")})
    return application


@transaction.atomic
def save_application(actor, application, before):
    """Save an edited application; `before` is snapshot() taken before the edit was applied."""
    _check_owner(application.owner)
    application.org_unit_id = application.owner.org_unit_id
    validate_terms(application)
    application.save()
    record_change(application, before, snapshot(application), actor=actor)
    return application


def process_for(application):
    """The product's own process, else the default process for loan applications."""
    definition = application.product.process or ProcessDefinition.objects.filter(
        subject="loan_application", is_default=True).first()
    if definition is None:
        raise ValidationError(_("还没有设置贷款申请的默认审批流程，请联系管理员。"))
    return definition


@transaction.atomic
def submit_application(actor, application, comment=""):
    """Send a draft into the default process; the customer moves to 待审批."""
    if application.status not in EDITABLE_STATUSES and application.status not in (
            ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN):
        raise ValidationError(_("该申请已在审批中或已结束，不能再次提交。"))
    customer = application.customer
    missing = [label for value, label in ((customer.id_number, _("身份证号")), (customer.mobile, _("手机号"))) if not value]
    if missing:
        raise ValidationError(_("提交前请先在客户档案中补全：%(m)s。") % {"m": "、".join(missing)})
    validate_terms(application)
    before = snapshot(application)
    application.is_renewal = LoanApplication.objects.filter(
        customer=customer, status=ApplicationStatus.DISBURSED).exclude(pk=application.pk).exists()
    application.status = ApplicationStatus.IN_REVIEW
    application.submitted_at = timezone.now()
    application.save()
    record_change(application, before, snapshot(application), actor=actor)
    customer_services.set_stage(actor, customer, "approving", reason=_("提交贷款申请 %(n)s") % {"n": application.number})
    flow.start(actor, process_for(application), application, comment=comment)
    return application


def step_entered(actor, application, step_name, status=None):
    """The process reached a step; a step may also move the application's status (已批准, 已签约)."""
    changes = {"current_step": step_name}
    if status:
        changes["status"] = status
    LoanApplication.objects.filter(pk=application.pk).update(**changes, updated_at=timezone.now())
    for name, value in changes.items():
        setattr(application, name, value)


def process_ended(actor, application, result):
    """The process ended: approved (after disbursement when it was recorded), rejected or withdrawn."""
    if result == EndResult.APPROVED:
        status = ApplicationStatus.DISBURSED if application.disbursed_at else ApplicationStatus.APPROVED
    elif result == EndResult.REJECTED:
        status = ApplicationStatus.REJECTED
    else:
        status = ApplicationStatus.WITHDRAWN
    before = snapshot(application)
    application.status = status
    application.current_step = ""
    LoanApplication.objects.filter(pk=application.pk).update(status=status, current_step="",
                                                             updated_at=timezone.now())
    record_change(application, before, snapshot(application), actor=actor)
    if status == ApplicationStatus.DISBURSED:
        customer_services.set_stage(actor, application.customer, "disbursed",
                                    reason=_("贷款申请 %(n)s 已放款") % {"n": application.number})


PRODUCT_FIELDS = ["lender", "name", "product_type", "min_amount", "max_amount", "min_term", "max_term", "rate_min",
                  "rate_max", "required_documents", "process", "is_active"]


def product_snapshot(product):
    return {name: str(value) if hasattr(value, "pk") else value
            for name in PRODUCT_FIELDS for value in [getattr(product, name)]}


@transaction.atomic
def save_product(actor, product, before=None):
    creating = product.pk is None
    product.save()
    if creating:
        record(Action.CREATE, product, actor=actor, object_type="loan_product",
               changes={k: [None, v] for k, v in product_snapshot(product).items()})
    else:
        record_change(product, before or {}, product_snapshot(product), actor=actor, object_type="loan_product")
    return product


# -- documents ----------------------------------------------------------------------------------


def _document_repr(document):
    return f"{document.application.number}: {document.get_kind_display()} {document.original_name}"


@transaction.atomic
def add_document(actor, application, upload, kind, note="", *, data=None, content_type=None):
    """Store an uploaded (or generated: `data`) document encrypted; audited on the application."""
    if kind not in DocumentKind.values:
        raise ValidationError(_("材料类型无效。"))
    if data is None:
        content_type = check_upload(upload, settings.ATTACHMENT_MAX_BYTES)
        data = b"".join(upload.chunks())
    document = ApplicationDocument(application=application, kind=kind, original_name=upload.name[:200],
                                   content_type=content_type, size=len(data), note=note[:200], uploaded_by=actor)
    store_encrypted(document.file, data)
    document.save()
    record(Action.CREATE, document, actor=actor, object_type="loan_document", object_repr=_document_repr(document),
           subject=application, extra={"kind": kind, "size": len(data)})
    return document


def read_document(actor, document):
    """The decrypted file; every download is audited."""
    data = read_encrypted(document.file)
    record(Action.DOWNLOAD, document, actor=actor, object_type="loan_document", object_repr=_document_repr(document),
           subject=document.application)
    return data


@transaction.atomic
def delete_document(actor, document):
    if document.kind == DocumentKind.SIGNED_CONTRACT and document.application.status == ApplicationStatus.DISBURSED:
        raise ValidationError(_("已放款申请的已签合同不能删除。"))
    record(Action.DELETE, document, actor=actor, object_type="loan_document", object_repr=_document_repr(document),
           subject=document.application)
    transaction.on_commit(lambda name=document.file.name, storage=document.file.storage: storage.delete(name))
    document.delete()


# -- contracts ----------------------------------------------------------------------------------


@transaction.atomic
def save_template(actor, template, upload=None):
    """Store a contract template; the upload must be a .docx that docxtpl can open."""
    if upload is not None:
        check_upload(upload, settings.ATTACHMENT_MAX_BYTES, allowed=DOCX)
        data = b"".join(upload.chunks())
        from . import contracts

        contracts.check_template(data)
        from django.core.files.base import ContentFile

        template.file.save("template.docx", ContentFile(data), save=False)
        template.original_name = upload.name[:200]
    creating = template.pk is None
    template.uploaded_by = actor
    template.save()
    record(Action.CREATE if creating else Action.UPDATE, template, actor=actor, object_type="contract_template",
           extra={"file": template.original_name, "active": template.is_active})
    return template


@transaction.atomic
def generate_contract(actor, application, template):
    """Fill a template with the application's data; stored as the application's 合同（生成） document."""
    from . import contracts

    if application.status not in (ApplicationStatus.APPROVED, ApplicationStatus.SIGNED, ApplicationStatus.DISBURSED):
        raise ValidationError(_("申请通过终审后才能生成合同。"))
    if not template.is_active:
        raise ValidationError(_("该合同模板已停用。"))
    with template.file.open("rb") as fh:
        data = contracts.render(fh.read(), contracts.context_for(application))
    name = f"{application.number}-{template.name}.docx"
    document = add_document(actor, application, NamedFile(name), DocumentKind.CONTRACT, note=template.name,
                            data=data, content_type=DOCX[".docx"])
    record(Action.GENERATE, application, actor=actor, extra={"template": template.name, "document": document.pk})
    return document


class NamedFile(io.BytesIO):
    """A stand-in upload carrying only a file name, for generated documents."""

    def __init__(self, name):
        super().__init__()
        self.name = name


def handover_applications(actor, from_user, to_user):
    """Registered handover hook: every application `from_user` owns goes to `to_user` (and their team)."""
    from zhudai.audit.services import record_many

    rows = list(LoanApplication.objects.filter(owner=from_user).values_list("pk", "number"))
    LoanApplication.objects.filter(pk__in=[pk for pk, _n in rows]).update(
        owner=to_user, org_unit=to_user.org_unit_id, updated_at=timezone.now())
    record_many(Action.HANDOVER, "loan_application", rows, actor=actor,
                changes={"owner": [from_user.display_name, to_user.display_name]})
    return {"applications": len(rows)}
