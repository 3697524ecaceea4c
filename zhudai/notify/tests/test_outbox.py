"""The outbox: written with the change, delivered by the worker with retries and back-off, once."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from zhudai.notify import services
from zhudai.notify.choices import Channel, Status
from zhudai.notify.models import Message, Notification
from zhudai.testing import factories

from .fakes import FakeGateway, free_port

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_message_is_written_with_the_change_and_lost_with_its_rollback(people):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify_user(people.sales1, "不会发出")
        raise RuntimeError
    assert not Message.objects.exists()
    services.notify_user(people.sales1, "新待办")
    assert Message.objects.get().status == Status.PENDING


def test_the_worker_puts_in_app_messages_in_the_bell(people, client_for):
    services.notify_user(people.sales1, "新待办：风控评估", "ZD20261202-0001 张三 3万", url="/loans/1/#process")
    assert services.deliver_due() == 1
    assert services.unread_count(people.sales1) == 1
    client = client_for(people.sales1)
    page = client.get("/").content.decode()
    assert 'class="bell"' in page and '<span class="nav-count" style="float:none">1</span>' in page
    item = Notification.objects.get()
    assert client.get(reverse("notify:open", args=[item.pk]))["Location"] == "/loans/1/#process"
    assert services.unread_count(people.sales1) == 0


def test_a_cause_named_twice_sends_once(people):
    assert services.notify_user(people.sales1, "生日提醒", dedupe_key="birthday:42:2026") is not None
    assert services.notify_user(people.sales1, "生日提醒", dedupe_key="birthday:42:2026") is None
    services.deliver_due()
    services.deliver_due()
    assert Notification.objects.count() == 1


def test_a_deactivated_user_gets_no_message(people):
    people.sales2.is_active = False
    assert services.notify_user(people.sales2, "x") is None


def test_a_gateway_down_for_ten_minutes_loses_nothing_and_sends_nothing_twice(db):
    port = free_port()
    start = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        services.queue(Channel.WECOM, "逾期提醒", address=f"http://127.0.0.1:{port}/hook", address_label="贷后群")
    minute = start
    for _ in range(10):  # the scheduler's tick every minute while nothing listens on the port
        with time_machine.travel(minute, tick=False):
            services.deliver_due()
        minute += datetime.timedelta(minutes=1)
    message = Message.objects.get()
    assert message.status == Status.PENDING and message.attempts >= 3 and not message.permanent_error
    with FakeGateway(port=port) as gateway:
        for _ in range(70):  # the back-off has grown; within the hour it is tried again
            with time_machine.travel(minute, tick=False):
                services.deliver_due()
            minute += datetime.timedelta(minutes=1)
    message.refresh_from_db()
    assert message.status == Status.SENT and len(gateway.requests) == 1
    assert [a.ok for a in message.deliveries.all()][-1] is True


def test_a_permanent_failure_goes_to_the_failed_list_and_can_be_retried(people, client_for):
    answers = iter([(200, {"errcode": 93000, "errmsg": "invalid webhook url"}), (200, {"errcode": 0})])
    with FakeGateway(lambda request: next(answers)) as gateway:
        services.queue(Channel.WECOM, "提醒", address=f"{gateway.url}/hook", address_label="群")
        services.deliver_due()
        message = Message.objects.get()
        assert message.status == Status.FAILED and message.permanent_error and message.attempts == 1
        admin = client_for(people.admin)
        assert "93000" in admin.get(reverse("notify:outbox")).content.decode()
        assert client_for(people.sales1).get(reverse("notify:outbox")).status_code == 403
        admin.post(reverse("notify:retry", args=[message.pk]))
        services.deliver_due()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert "已发送" in admin.get(reverse("notify:message", args=[message.pk])).content.decode()


def test_transient_failures_back_off_and_give_up_after_the_last_attempt(db):
    port = free_port()
    moment = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        services.queue(Channel.WECOM, "x", address=f"http://127.0.0.1:{port}/hook")
    waits = []
    for _ in range(services.MAX_ATTEMPTS):
        with time_machine.travel(moment, tick=False):
            services.deliver_due()
        message = Message.objects.get()
        waits.append(round((message.next_attempt_at - moment).total_seconds() / 60))
        moment = message.next_attempt_at
    assert waits[:5] == [1, 2, 4, 8, 16]
    assert message.status == Status.FAILED and message.attempts == services.MAX_ATTEMPTS


def test_customer_sms_waits_for_the_end_of_quiet_hours(people):
    customer = factories.customer(people.sales1, mobile="13951100009")
    night = datetime.datetime(2026, 12, 2, 22, 30, tzinfo=SHANGHAI)
    with time_machine.travel(night, tick=False):
        services.queue(Channel.SMS, "您的还款日是明天", address=customer.mobile, customer=customer)
        assert services.deliver_due() == 0
    message = Message.objects.get()
    assert message.status == Status.PENDING
    assert message.next_attempt_at == datetime.datetime(2026, 12, 3, 8, 0, tzinfo=SHANGHAI)
    with time_machine.travel(datetime.datetime(2026, 12, 3, 8, 1, tzinfo=SHANGHAI), tick=False):
        assert services.deliver_due() == 1


def test_quiet_hours_are_set_on_the_messages_page(people, client_for):
    admin = client_for(people.admin)
    assert admin.post("/settings/messages/", {"sms_quiet_start": "20:00", "sms_quiet_end": "09:30"}).status_code == 302
    assert client_for(people.sales1).post("/settings/messages/", {"sms_quiet_start": "00:00"}).status_code == 403
    customer = factories.customer(people.sales1, mobile="13951100019")
    with time_machine.travel(datetime.datetime(2026, 12, 2, 20, 30, tzinfo=SHANGHAI), tick=False):
        services.queue(Channel.SMS, "明天还款", address=customer.mobile, customer=customer)
        assert services.deliver_due() == 0
    assert Message.objects.get().next_attempt_at == datetime.datetime(2026, 12, 3, 9, 30, tzinfo=SHANGHAI)


def test_a_customer_who_opted_out_gets_no_sms(people):
    customer = factories.customer(people.sales1, sms_opt_out=True)
    message = services.queue(Channel.SMS, "营销短信", address=customer.mobile, customer=customer)
    assert message.status == Status.CANCELLED and "退订" in message.last_error
    assert services.deliver_due() == 0


def test_addresses_are_encrypted_in_the_outbox(people):
    from django.db import connection

    services.queue(Channel.SMS, "x", address="13951100077", address_label="139****0077")
    with connection.cursor() as cur:
        cur.execute("SELECT address FROM notify_message")
        assert "13951100077" not in cur.fetchone()[0]


def test_a_new_task_rings_its_assignees_bell(people):
    from zhudai.engines.flow.tests.helpers import act, submitted

    application = submitted(people.sales1)
    act(people.sales1, application, "forward", comment="请代为预审", to_user=people.lead1)
    services.deliver_due()
    titles = list(Notification.objects.filter(user=people.lead1).values_list("title", "body"))
    assert titles == [("新待办：资质预审", f"{application.number} {application.customer.name} 3万（刘业务转交给您）")]
    assert Notification.objects.filter(user=people.sales1, title="新待办：资质预审").exists()


def test_a_burst_of_messages_is_delivered_in_one_go(people):
    for n in range(450):
        Message.objects.create(channel=Channel.IN_APP, user=people.sales1, subject=f"提醒 {n}", body="x")
    assert services.deliver_all() == 450
    assert Notification.objects.filter(user=people.sales1).count() == 450
