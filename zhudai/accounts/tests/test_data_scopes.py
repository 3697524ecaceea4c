"""Who sees which customer, on every read path: the data-scope matrix of the foundation issue."""

import re

import pytest
from django.urls import reverse

from zhudai.testing import factories

pytestmark = pytest.mark.django_db

# user -> (sees sales1's customer, sees sales3's customer)
MATRIX = {
    "sales1": (True, False),
    "sales2": (False, False),
    "lead1": (True, False),
    "lead2": (False, True),
    "sales3": (False, True),
    "gm": (True, True),
    "admin": (True, True),
    "risk": (True, True),
}


@pytest.fixture
def two_customers(people):
    mine = factories.customer(people.sales1, name="王小明", mobile="13900001111", employer="银川新华百货",
                              id_number=factories.id_number())
    theirs = factories.customer(people.sales3, name="王大明", mobile="13900003333", employer="银川新华商场",
                                id_number=factories.id_number(region="640302"))
    return mine, theirs


def reads(client, customer):
    """Every way a page or API call can show a customer: yields (path, whether it showed it)."""
    marker = f"/customers/{customer.pk}/"
    for query in ({"q": customer.mobile}, {"q": customer.id_number}, {"q": "王"}, {"q": "w"}, {"q": "银川新华"},
                  {"stage": customer.stage_id}, {}):
        response = client.get(reverse("customers:list"), query)
        yield f"list {query}", response.status_code == 200 and marker in response.content.decode()
    home = client.get(reverse("web:home"))
    yield "home", marker in home.content.decode()
    yield "detail", client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    api = client.get("/api/v1/customers/", {"q": customer.mobile})
    yield "api list", api.status_code == 200 and any(r["id"] == customer.pk for r in api.json()["results"])
    yield "api detail", client.get(f"/api/v1/customers/{customer.pk}/").status_code == 200
    yield "api follow-ups", client.get(f"/api/v1/customers/{customer.pk}/follow-ups/").status_code == 200
    reveal = client.post(reverse("customers:reveal", args=[customer.pk, "mobile"]))
    yield "reveal", reveal.status_code == 200 and customer.mobile in reveal.content.decode()


@pytest.mark.parametrize("username", MATRIX)
def test_every_read_path_respects_the_data_scope(username, people, two_customers, client_for):
    client = client_for(people[username])
    for customer, expected in zip(two_customers, MATRIX[username]):
        for path, shown in reads(client, customer):
            if path == "reveal" and not people[username].has_perm("sensitive.reveal_phone"):
                assert not shown
                continue
            assert shown == expected, f"{username} / {customer.owner.username}'s customer / {path}"


def test_hidden_customer_is_a_404_on_every_direct_url(people, two_customers, client_for):
    _mine, theirs = two_customers
    client = client_for(people.sales1)
    for name, args in [("detail", [theirs.pk]), ("edit", [theirs.pk]), ("delete", [theirs.pk]),
                       ("merge", [theirs.pk]), ("related_add", [theirs.pk])]:
        assert client.get(reverse(f"customers:{name}", args=args)).status_code == 404, name
    for name, args in [("reveal", [theirs.pk, "mobile"]), ("follow_up_add", [theirs.pk]),
                       ("attachment_add", [theirs.pk])]:
        assert client.post(reverse(f"customers:{name}", args=args)).status_code == 404, name
    assert client.get(f"/api/v1/customers/{theirs.pk}/").status_code == 404


def test_missing_and_forbidden_look_the_same(people, two_customers, client_for):
    client = client_for(people.sales1)
    hidden = client.get(reverse("customers:detail", args=[two_customers[1].pk]))
    missing = client.get(reverse("customers:detail", args=[999999]))
    assert hidden.status_code == missing.status_code == 404
    strip = lambda r: re.sub(rb'(content|value)="[A-Za-z0-9]{64}"', b"", r.content)  # noqa: E731  CSRF tokens
    assert strip(hidden) == strip(missing)


def test_bulk_actions_skip_customers_outside_the_scope(people, two_customers, client_for):
    mine, theirs = two_customers
    client = client_for(people.lead1)
    client.post(reverse("customers:bulk"), {"action": "assign", "owner": people.sales2.pk, "ids": [mine.pk, theirs.pk]})
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert mine.owner == people.sales2
    assert theirs.owner == people.sales3


def test_duplicate_warning_outside_the_scope_does_not_say_whose(people, two_customers, client_for):
    _mine, theirs = two_customers
    client = client_for(people.sales1)
    response = client.post(reverse("customers:check_duplicate"), {"mobile": theirs.mobile})
    text = response.content.decode()
    assert "已存在" in text
    assert theirs.name not in text and people.sales3.display_name not in text


def test_moving_a_salesperson_to_another_team_moves_their_customers_scope(people, units, two_customers, client_for):
    from zhudai.accounts import services

    mine, _ = two_customers
    before = services.user_snapshot(people.sales1)
    people.sales1.org_unit = units.team2
    services.save_user(people.admin, people.sales1, before)
    assert client_for(people.lead2).get(reverse("customers:detail", args=[mine.pk])).status_code == 200
    assert client_for(people.lead1).get(reverse("customers:detail", args=[mine.pk])).status_code == 404
