import pytest
from django.db import DatabaseError, connection, transaction

from zhudai.audit.choices import Action
from zhudai.audit.models import AuditEvent
from zhudai.audit.services import record

pytestmark = pytest.mark.django_db


def test_events_cannot_be_changed_or_deleted_through_the_orm():
    event = record(Action.EXPORT, object_type="customer", object_repr="x")
    event.object_repr = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(object_repr="y")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_the_database_itself_refuses_an_update():
    event = record(Action.EXPORT, object_type="customer", object_repr="x")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditevent SET object_repr = 'forged' WHERE id = %s", [event.pk])


def test_on_postgresql_the_database_also_refuses_a_delete():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps DELETE for emptying test databases")
    event = record(Action.EXPORT, object_type="customer", object_repr="x")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


def test_events_carry_actor_ip_and_request_id(people, client_for):
    from zhudai.testing import factories

    customer = factories.customer(people.sales1)
    client_for(people.sales1).post(f"/customers/{customer.pk}/reveal/mobile/", HTTP_X_REQUEST_ID="req-42",
                                   REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(action=Action.REVEAL)
    assert (event.actor, event.ip, event.request_id) == (people.sales1, "10.1.2.3", "req-42")
    assert event.subject == f"customer:{customer.pk}" and event.extra == {"field": "mobile"}


def test_commands_record_the_system_as_actor(people):
    from django.core.management import call_command
    import io

    call_command("rotate_keys", stdout=io.StringIO())
    event = AuditEvent.objects.get(action=Action.KEY_ROTATION)
    assert event.actor is None and event.actor_label == "cli:rotate-keys"


def test_no_ui_can_edit_events(people, client_for):
    event = record(Action.EXPORT, object_type="customer", object_repr="x")
    client = client_for(people.admin)
    assert client.get("/settings/audit/").status_code == 200
    assert client.get(f"/settings/audit/{event.pk}/").status_code == 200
    assert client.post(f"/settings/audit/{event.pk}/", {"object_repr": "y"}).status_code == 405
    assert client.post("/settings/audit/", {"object_repr": "y"}).status_code == 405
    assert client.get("/admin/").status_code == 404
    assert AuditEvent.objects.get(pk=event.pk).object_repr == "x"
