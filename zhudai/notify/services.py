"""Queueing messages (inside the caller's transaction) and delivering them (the worker).

`queue()` writes an outbox row in the same transaction as the change that caused it: if that
change rolls back, nothing is sent. After the commit the worker is nudged; the periodic job
(every minute) picks up anything due anyway, so a stopped worker or a gateway that was down
loses nothing. A message is claimed with a conditional UPDATE before it is sent, so two workers
never send it twice.
"""

import contextlib
import datetime
import threading

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from zhudai.audit.choices import Action
from zhudai.audit.services import record
from zhudai.core import preferences
from zhudai.core.transactions import on_commit_once

from .choices import Channel, Status
from .models import DeliveryAttempt, Message, Notification
from .transports import TransportError, transport_for

MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = datetime.timedelta(minutes=10)  # a worker that died mid-send releases its claim
UNREAD_VERSION_KEY = "notify:unread:version"


def backoff(attempts):
    """Minutes to wait after the n-th failed try: 1, 2, 4, … capped at an hour."""
    return datetime.timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


class _Held(threading.local):
    messages = None  # a list while batched() collects, else None


_held = _Held()


@contextlib.contextmanager
def batched():
    """Collect the messages queued inside (those without a dedupe key) and write them with one
    insert at the end, in the caller's transaction: a scheduler tick that queues thousands of
    reminders pays one statement, not one per message."""
    outer = _held.messages
    _held.messages = [] if outer is None else outer
    try:
        yield
        if outer is None and _held.messages:
            Message.objects.bulk_create(_held.messages, batch_size=500)
            on_commit_once(_nudge)
    finally:
        if outer is None:
            _held.messages = None


def queue(channel, body, *, user=None, address="", address_label="", subject="", url="", template="", params=None,
          customer=None, related="", dedupe_key=None):
    """Write one message to the outbox; returns it, or None when `dedupe_key` was queued before."""
    message = Message(channel=channel, user=user, address=address, subject=subject[:200], body=body, url=url[:300],
                      template=template, params=params or {}, related=related, dedupe_key=dedupe_key,
                      address_label=address_label[:100] or (user.display_name if user is not None else ""))
    if customer is not None:
        message.customer_facing, message.customer_id = True, customer.pk
        if getattr(customer, "sms_opt_out", False) and channel == Channel.SMS:
            message.status, message.last_error = Status.CANCELLED, _("客户已退订短信")
    if dedupe_key is None and _held.messages is not None:
        _held.messages.append(message)
        return message
    if dedupe_key is None:
        message.save()
    else:
        try:
            with transaction.atomic():  # a savepoint only where a duplicate key can be refused
                message.save()
        except IntegrityError:
            if Message.objects.filter(dedupe_key=dedupe_key).exists():
                return None  # this occurrence was queued already: never a second SMS
            raise
    on_commit_once(_nudge)
    return message


def notify_user(user, title, body="", *, url="", related="", dedupe_key=None):
    """An in-app message for a colleague (delivered by the worker into their bell)."""
    if user is None or not user.is_active:
        return None
    return queue(Channel.IN_APP, body or title, user=user, subject=title, url=url, related=related,
                 dedupe_key=dedupe_key)


def _nudge():
    from .tasks import deliver_pending

    deliver_pending.schedule(delay=0)


def quiet_until(now):
    """When customer-facing SMS may go out again, or None inside the allowed hours."""
    local = timezone.localtime(now)
    start, end = preferences.get("sms_quiet_start"), preferences.get("sms_quiet_end")
    moment = local.time()
    in_quiet = (moment >= start or moment < end) if start > end else (start <= moment < end)
    if not in_quiet:
        return None
    day = local.date() if moment < end else local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, end, tzinfo=local.tzinfo)


def deliver_due(now=None, limit=200):
    """Deliver up to `limit` due messages; returns how many were sent. Safe to run in several workers."""
    now = now or timezone.now()
    # Claims of a worker that died are given back.
    Message.objects.filter(status=Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT).update(status=Status.PENDING)
    sent = 0
    due = list(Message.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    for pk in due:
        claimed = Message.objects.filter(pk=pk, status=Status.PENDING).update(status=Status.SENDING, claimed_at=now)
        if claimed:
            sent += deliver(Message.objects.get(pk=pk), now)
    return sent


def deliver_all(now=None, limit=200, rounds=50):
    """Deliver due messages batch after batch until none is left (or `rounds` batches): a tick that
    queued thousands of reminders does not wait for the next minutes' ticks."""
    total = 0
    for _round in range(rounds):
        due_before = Message.objects.filter(status=Status.PENDING, next_attempt_at__lte=now or timezone.now()).count()
        if not due_before:
            break
        total += deliver_due(now, limit)
        if due_before <= limit:
            break
    return total


def deliver(message, now):
    """Hand one claimed message to its transport and record the attempt; 1 if it went out."""
    if message.customer_facing and message.channel == Channel.SMS:
        later = quiet_until(now)
        if later is not None:  # deferred, not dropped
            Message.objects.filter(pk=message.pk).update(status=Status.PENDING, next_attempt_at=later, claimed_at=None)
            return 0
    number = message.attempts + 1
    try:
        detail = transport_for(message.channel).send(message)
    except TransportError as exc:
        permanent = exc.permanent or number >= MAX_ATTEMPTS
        DeliveryAttempt.objects.create(message=message, number=number, ok=False, permanent=exc.permanent,
                                       detail=str(exc)[:500])
        Message.objects.filter(pk=message.pk).update(
            status=Status.FAILED if permanent else Status.PENDING, attempts=number, claimed_at=None,
            next_attempt_at=now + backoff(number), last_error=str(exc)[:500], permanent_error=exc.permanent)
        return 0
    DeliveryAttempt.objects.create(message=message, number=number, ok=True, detail=str(detail)[:500])
    Message.objects.filter(pk=message.pk).update(status=Status.SENT, attempts=number, sent_at=timezone.now(),
                                                 claimed_at=None, last_error="")
    if message.channel == Channel.IN_APP:
        _unread_changed()
    return 1


@transaction.atomic
def retry(actor, message):
    """An administrator sends a failed message again (after fixing the number or the gateway)."""
    if message.status not in (Status.FAILED, Status.CANCELLED):
        return False
    Message.objects.filter(pk=message.pk).update(status=Status.PENDING, next_attempt_at=timezone.now(),
                                                 permanent_error=False, attempts=0)
    record(Action.UPDATE, message, actor=actor, object_type="message", extra={"retry": True})
    on_commit_once(_nudge)
    return True


# -- the bell --------------------------------------------------------------------------------------


def _unread_changed():
    try:
        cache.incr(UNREAD_VERSION_KEY)
    except ValueError:
        cache.set(UNREAD_VERSION_KEY, 1, None)


def unread_count(user):
    key = f"notify:unread:{user.pk}:{cache.get(UNREAD_VERSION_KEY, 0)}"
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(user=user, read_at__isnull=True).count()
        cache.set(key, count, 300)
    return count


def mark_read(user, ids=None):
    """Mark the user's notifications (these ids, or all) read; returns how many."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    changed = rows.update(read_at=timezone.now())
    if changed:
        _unread_changed()
    return changed


def count_by_status():
    """{status: number of messages}, for the outbox page's tabs."""
    return dict(Message.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
