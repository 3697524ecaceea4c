"""Contracts from Word templates (docxtpl): the data a template can use, rendering, a sample.

Placeholders are Jinja: {{ customer.name }}, {{ application.amount_cn }} (伍万元整), and
{% for a in approvals %}…{% endfor %}. docs/loans.md lists every variable.
"""

import io
from decimal import Decimal

import cn2an
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from docxtpl import DocxTemplate
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from zhudai.engines.flow.choices import Action
from zhudai.engines.flow.models import Transition


def capitals(amount):
    """A CNY amount in Chinese capitals, as contracts write it: 50000 → 伍万元整."""
    if amount is None:
        return ""
    return cn2an.an2cn(str(Decimal(amount).quantize(Decimal("0.01"))), "rmb")


def _money(amount):
    return "" if amount is None else f"{Decimal(amount):,.2f}"


def context_for(application):
    """Everything a contract template may print about an application, its customer and approvals."""
    from zhudai.accounts.models import OrgUnit

    customer, product = application.customer, application.product
    company = OrgUnit.objects.filter(parent__isnull=True).order_by("order", "id").first()
    approvals = (Transition.objects.filter(instance__subject_type="loan_application",
                                           instance__subject_id=application.pk, action=Action.APPROVE)
                 .order_by("id").values_list("node_name", "actor_label", "comment", "created_at"))
    amount = application.credit_line or application.amount
    return {
        "company": company.name if company else "",
        "today": f"{timezone.localdate():%Y年%m月%d日}",
        "customer": {
            "name": customer.name, "id_number": customer.id_number, "mobile": customer.mobile,
            "gender": customer.get_gender_display(), "address": customer.current_address or customer.registered_address,
            "employer": customer.employer, "bank_name": customer.bank_name,
        },
        "application": {
            "number": application.number, "amount": _money(application.amount),
            "amount_cn": capitals(application.amount), "term_months": application.term_months,
            "purpose": application.purpose, "credit_line": _money(amount), "credit_line_cn": capitals(amount),
            "rate": application.approved_rate or application.recommended_rate or "",
            "term": application.approved_term or application.term_months,
            "owner": application.owner.display_name,
        },
        "product": {"name": product.name, "lender": product.lender, "type": product.get_product_type_display()},
        "approvals": [{"step": step, "by": by, "comment": comment, "at": f"{at:%Y-%m-%d %H:%M}"}
                      for step, by, comment, at in approvals],
    }


def render(template_bytes, context):
    """The filled .docx as bytes; a template error becomes a Chinese message, never a traceback."""
    try:
        document = DocxTemplate(io.BytesIO(template_bytes))
        document.render(context, jinja_env=SandboxedEnvironment(autoescape=True))
    except TemplateError as exc:
        raise ValidationError(_("合同模板有误：%(e)s") % {"e": exc}) from None
    except Exception as exc:  # noqa: BLE001  a broken .docx raises anything from zipfile to lxml
        raise ValidationError(_("合同模板无法打开：%(e)s") % {"e": exc.__class__.__name__}) from None
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def check_template(template_bytes):
    """Refuse a template that cannot be rendered with an application's shape of data."""
    sample = {
        "company": "", "today": "",
        "customer": dict.fromkeys(("name", "id_number", "mobile", "gender", "address", "employer", "bank_name"), ""),
        "application": dict.fromkeys(("number", "amount", "amount_cn", "term_months", "purpose", "credit_line",
                                      "credit_line_cn", "rate", "term", "owner"), ""),
        "product": dict.fromkeys(("name", "lender", "type"), ""), "approvals": [],
    }
    render(template_bytes, sample)


def sample_template():
    """A small 借款服务合同 template (python-docx) for the demo firm and the tests."""
    from docx import Document

    document = Document()
    document.add_heading("借款居间服务合同", level=1)
    document.add_paragraph("合同编号：{{ application.number }}　　签订日期：{{ today }}")
    document.add_paragraph("甲方（借款人）：{{ customer.name }}　　身份证号：{{ customer.id_number }}")
    document.add_paragraph("联系电话：{{ customer.mobile }}　　住址：{{ customer.address }}")
    document.add_paragraph("乙方（居间服务方）：{{ company }}")
    document.add_paragraph(
        "甲方经乙方居间，向{{ product.lender }}申请“{{ product.name }}”（{{ product.type }}），"
        "授信额度人民币{{ application.credit_line_cn }}（¥{{ application.credit_line }}），"
        "期限{{ application.term }}个月，年利率{{ application.rate }}%，资金用途：{{ application.purpose }}。")
    document.add_paragraph("审批记录：")
    document.add_paragraph("{% for a in approvals %}{{ a.step }}：{{ a.by }} {{ a.at }} {{ a.comment }}；{% endfor %}")
    document.add_paragraph("客户经理：{{ application.owner }}")
    document.add_paragraph("甲方签字：____________　　乙方盖章：____________")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
