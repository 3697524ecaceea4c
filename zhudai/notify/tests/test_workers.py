"""Two workers at once (threads with their own connections, on PostgreSQL): every message once."""

import pytest
from django.db import connection

from zhudai.engines.flow.tests.test_concurrency import _at_once
from zhudai.notify import services
from zhudai.notify.choices import Channel
from zhudai.notify.models import DeliveryAttempt, Message

from .fakes import FakeGateway

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workers_never_send_a_message_twice(db):
    if connection.vendor != "postgresql":
        pytest.skip("tested with threads on PostgreSQL")
    with FakeGateway() as gateway:
        # Rows as queue() writes them, without its after-commit nudge (immediate in tests).
        Message.objects.bulk_create([Message(channel=Channel.WECOM, body=f"提醒 {n}", address=f"{gateway.url}/hook")
                                     for n in range(40)])
        results = _at_once(services.deliver_due, services.deliver_due, services.deliver_due)
        assert all(isinstance(r, int) for r in results), results
        assert sum(results) == 40
        bodies = [r["body"] for r in gateway.requests]
    assert len(bodies) == 40 == len(set(bodies))
    assert DeliveryAttempt.objects.count() == 40 and not Message.objects.exclude(status="sent").exists()
