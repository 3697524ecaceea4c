import pytest
from django.urls import reverse

from zhudai.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_login_and_failed_login_are_audited(people, client):
    client.post(reverse("login"), {"username": "sales1", "password": "wrong-password"})
    assert AuditEvent.objects.filter(action="login_failed", object_repr="sales1").exists()
    response = client.post(reverse("login"), {"username": "sales1", "password": "demo1234"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="login", actor=people.sales1).exists()


def test_repeated_failures_lock_the_account(people, client):
    for _ in range(5):
        client.post(reverse("login"), {"username": "sales1", "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": "sales1", "password": "demo1234"})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_pages_need_a_login_and_carry_security_headers(client):
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    page = client.get(reverse("login"))
    assert page["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in page["Content-Security-Policy"]
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["X-Request-ID"]


def test_posts_without_csrf_token_are_refused(people):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people.sales1, backend="zhudai.accounts.backends.RoleBackend")
    assert client.post(reverse("customers:create"), {"name": "x"}).status_code == 403


def test_weak_passwords_are_refused(people, client_for):
    response = client_for(people.admin).post(reverse("accounts:user_create"), {
        "username": "sales9", "name": "新人", "role": people.sales1.role_id, "org_unit": people.sales1.org_unit_id,
        "password": "12345678"})
    assert response.status_code == 200 and "密码" in response.content.decode()
    assert not type(people.admin).objects.filter(username="sales9").exists()


def test_role_changes_are_audited_as_permission_events(people, client_for):
    from zhudai.accounts.models import Role

    role = Role.objects.get(code="salesperson")
    client_for(people.admin).post(reverse("accounts:role_edit", args=[role.pk]), {
        "name": role.name, "code": role.code, "data_scope": "team", "permissions": ["customer.view"]})
    role.refresh_from_db()
    assert role.data_scope == "team" and role.permissions == ["customer.view"]
    event = AuditEvent.objects.get(action="permission", object_type="role")
    assert event.changes["data_scope"] == ["own", "team"]


def test_only_user_managers_reach_the_settings_pages(people, client_for):
    for path in ("/settings/users/", "/settings/units/", "/settings/roles/", "/settings/fields/", "/settings/audit/"):
        assert client_for(people.sales1).get(path).status_code == 403, path
        assert client_for(people.admin).get(path).status_code == 200, path
