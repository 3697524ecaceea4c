import pytest

from zhudai.customers.models import Customer
from zhudai.testing import factories

pytestmark = pytest.mark.django_db


def test_prefix_matches_names_starting_with_the_text_only(people):
    for name in ["王小明", "王", "汪洋", "小王", "王%_"]:
        factories.customer(people.sales1, name=name)
    found = set(Customer.objects.filter(name__prefix="王").values_list("name", flat=True))
    assert found == {"王小明", "王", "王%_"}
    assert set(Customer.objects.filter(name__prefix="王%").values_list("name", flat=True)) == {"王%_"}
