"""Demo loan applications, walked through the real process by the demo people (so every history,
to-do and time on a step is real), and the sample contract template."""

import random
from decimal import Decimal

from django.core.files.base import ContentFile

from zhudai.core.context import acting
from zhudai.customers.models import Customer
from zhudai.engines.flow import services as flow
from zhudai.engines.flow.choices import TaskStatus
from zhudai.engines.flow.models import Task

from . import contracts, services
from .models import ContractTemplate, LoanApplication, Product

# How far each demo application gets: the number of approvals after submission (None: a draft).
STOPS = [None, None, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 8, 8, 8, "reject", "return", "materials"]
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
STEP_FIELDS = {
    "risk_assessment": {"recommended_amount": None, "recommended_rate": "8.5", "recommended_term": None,
                        "risk_opinion": "收入稳定，负债率可控，建议按申请金额审批。"},
    "renewal_review": {"recommended_amount": None, "risk_opinion": "老客户，历史还款良好。"},
    "final_approval": {"credit_line": None, "approved_rate": "8.5", "approved_term": None},
    "final_countersign": {"credit_line": None, "approved_rate": "7.8", "approved_term": None},
    "contract": {"contract_signed_at": "today"},
    "disbursement": {"disbursed_at": "today", "disbursed_amount": None, "disbursement_bank": "宁夏银行",
                     "disbursement_account": "6222021203004567890"},
}
DOCUMENTS = {"documents": ["id_card", "credit_report"], "contract": ["signed_contract"]}


def create_sample_template(user):
    if ContractTemplate.objects.exists():
        return None
    template = ContractTemplate(name="借款居间服务合同", original_name="借款居间服务合同.docx", uploaded_by=user)
    template.file.save("template.docx", ContentFile(contracts.sample_template()), save=False)
    template.save()
    return template


def create_demo_applications(users, seed=20261202):
    """About two dozen applications at every stage of the standard process; returns how many."""
    rng = random.Random(seed)
    create_sample_template(users["admin"])
    products = list(Product.objects.filter(is_active=True, product_type="credit"))
    owners = [users["sales1"], users["sales2"], users["sales3"]]
    candidates = {owner.pk: list(Customer.objects.filter(owner=owner, birth_date__year__gte=1970)
                                 .exclude(id_number="").order_by("id")[:len(STOPS)]) for owner in owners}
    created = 0
    for n, stop in enumerate(STOPS):
        owner = owners[n % len(owners)]
        if not candidates[owner.pk]:
            continue
        customer = candidates[owner.pk].pop(0)
        product = products[n % len(products)]
        amount = Decimal(rng.choice([3, 4, 8, 12, 15, 25, 30]) * 10000)
        amount = min(max(amount, product.min_amount), product.max_amount)
        with acting(owner):
            application = services.create_application(owner, LoanApplication(
                customer=customer, product=product, amount=amount, term_months=rng.choice([12, 24]),
                purpose=customer.purpose or "经营周转"))
            created += 1
            if stop is None:
                continue
            services.submit_application(owner, application, "客户资料已初审")
        _walk(application, stop, users)
    return created


def _walk(application, stop, users):
    approvals = stop if isinstance(stop, int) else 3
    for _step in range(approvals):
        task = _open_task(application)
        if task is None:
            return
        _approve(task, application)
    task = _open_task(application)
    if task is None or isinstance(stop, int):
        return
    with acting(task.assignee):
        if stop == "reject":
            flow.act(task.assignee, task.pk, "reject", comment="负债率过高，暂不符合条件")
        elif stop == "return":
            flow.act(task.assignee, task.pk, "return", comment="征信报告不清晰，请重新上传")
        else:
            flow.act(task.assignee, task.pk, "request_materials", comment="请补充近6个月银行流水")


def _open_task(application):
    return (Task.objects.filter(instance__subject_type="loan_application", instance__subject_id=application.pk,
                                status=TaskStatus.OPEN, assignee__isnull=False, kind="approval")
            .select_related("assignee", "instance__version").order_by("id").first())


def _approve(task, application):
    from django.utils import timezone

    user = task.assignee
    for kind in DOCUMENTS.get(task.node_id, []):
        services.add_document(user, application, services.NamedFile(f"{kind}.pdf"), kind, data=PDF,
                              content_type="application/pdf")
    node = task.instance.version.node(task.node_id)
    form = None
    values = STEP_FIELDS.get(task.node_id)
    if values:
        application.refresh_from_db()
        data = {}
        for name, value in values.items():
            if value is None:
                value = application.amount if "amount" in name or name == "credit_line" else application.term_months
            elif value == "today":
                value = timezone.localdate().isoformat()
            data[f"step-{name}"] = str(value)
        form = flow.adapter_for(task.instance).edit_form(application, node.get("editable_fields"), data)
    with acting(user):
        flow.act(user, task.pk, "approve", comment="同意", form=form)
