"""Small helpers that build valid records for tests."""

import datetime
import itertools

from zhudai.core import chinese
from zhudai.core.context import acting
from zhudai.customers import services
from zhudai.customers.models import Customer, FollowUp

_seq = itertools.count(1)


def id_number(region="640104", birth=datetime.date(1988, 5, 17), sequence=None):
    """A valid ID number; an odd `sequence` makes a man, an even one a woman."""
    return chinese.make_id_number(region, birth, next(_seq) if sequence is None else sequence)


def mobile():
    return f"139{next(_seq):08d}"


def customer(owner, actor=None, **fields):
    """A saved customer owned by `owner`, made through the service like any real one."""
    fields.setdefault("name", "张三")
    fields.setdefault("mobile", mobile())
    with acting(actor or owner):
        return services.create_customer(actor or owner, Customer(owner=owner, **fields))


def follow_up(customer, actor, content="电话沟通，客户有意向", **fields):
    return services.add_follow_up(actor, customer, FollowUp(content=content, **fields))


def application(owner, customer=None, *, amount=30000, term_months=12, product=None, credit_rating="good",
                **fields):
    """A saved draft loan application (and, unless given, its customer with a valid ID number)."""
    from decimal import Decimal

    from zhudai.loans import services as loan_services
    from zhudai.loans.models import LoanApplication, Product

    if customer is None:
        customer = globals()["customer"](owner, id_number=id_number(), credit_rating=credit_rating)
    product = product or Product.objects.get(name="宁易贷")
    with acting(owner):
        return loan_services.create_application(owner, LoanApplication(
            customer=customer, product=product, amount=Decimal(amount), term_months=term_months, **fields))


def upload(name="doc.pdf", content=b"%PDF-1.4 test"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
