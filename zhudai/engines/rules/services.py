"""The rules engine: validating rules, the scheduler tick, firing once, and the actions.

A rule's moment is a record's date field plus an offset (time rules), its last activity plus an
offset (inactivity rules) or this year's date of a yearly field plus an offset (birthdays). Each
tick looks at the moments that arrived since the previous tick: one indexed range per rule, so a
tick costs what happened in that minute, not the size of the table. A firing is inserted before
its actions, in their transaction, under a unique (rule, record, moment) key: whoever inserts it
first acts; a second scheduler, a restart or a re-run finds it and does nothing.
"""

import contextlib
import datetime
import functools
import threading

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template import Context, Template, TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext as _

from zhudai.audit.choices import Action as AuditAction
from zhudai.audit.services import record
from zhudai.core.chinese import lunar_month_day
from zhudai.core.expressions import cached_expression, compile_expression, values_for
from zhudai.core.registry import registry
from zhudai.core.workdays import add_working_hours

from .adapters import RuleSubject
from .choices import ActionType, Priority, Since, Trigger, Unit
from .models import Firing, Rule, Todo

GRACE = datetime.timedelta(minutes=5)  # rows committed a little after their moment are still seen
RECIPIENTS_HELP = "owner, owner_lead, role:<code>, user:<login>"


def subject_for(rule):
    return registry.rule_subjects[rule.subject]


def offset_of(rule):
    return datetime.timedelta(**{rule.unit: rule.offset})


def moment_of(rule, base):
    """When the rule fires for a record whose base time is `base`."""
    if base is None:
        return None
    if not isinstance(base, datetime.datetime):
        base = timezone.make_aware(datetime.datetime.combine(base, datetime.time()))
    if rule.working_time and rule.offset > 0 and rule.unit != Unit.MINUTES:
        hours = rule.offset if rule.unit == Unit.HOURS else rule.offset * 9
        return add_working_hours(base, hours)
    return base + offset_of(rule)


# -- validation -------------------------------------------------------------------------------------


def validate(rule):
    """Every problem of a rule as a sentence; empty when it may be saved and enabled."""
    problems = []
    subject = registry.rule_subjects.get(rule.subject)
    if subject is None:
        return [_("未知的对象“%(s)s”。") % {"s": rule.subject}]
    fields = {Trigger.TIME: subject.time_fields(), Trigger.ANNUAL: subject.annual_fields()}.get(rule.trigger)
    if fields is not None and rule.date_field not in fields:
        problems.append(_("请选择时间字段。"))
    if rule.trigger == Trigger.EVENT and rule.event not in subject.events():
        problems.append(_("请选择事件（可选：%(e)s）。") % {"e": "、".join(f"{k} {v}" for k, v in subject.events().items())})
    if rule.trigger == Trigger.INACTIVITY and (subject.activity_field() is None or rule.offset <= 0):
        problems.append(_("“一段时间没有跟进”需要一个大于 0 的时长，且只适用于有跟进记录的对象。"))
    if rule.trigger == Trigger.INACTIVITY and rule.since == Since.ASSIGNMENT and subject.assignment_field() is None:
        problems.append(_("%(s)s没有分配时间，只能从最近一次跟进算起。") % {"s": subject.label})
    if rule.condition.strip():
        try:
            compile_expression(rule.condition, condition_schema(subject))
        except ValidationError as exc:
            problems.extend(exc.messages)
    if not rule.actions:
        problems.append(_("至少需要一个动作。"))
    for action in rule.actions:
        problems.extend(_action_problems(action, subject))
    return problems


def _action_problems(action, subject):
    kind = action.get("type")
    if kind not in ActionType.values:
        return [_("未知的动作“%(a)s”。") % {"a": kind}]
    problems = []
    for key in ("title", "body"):
        try:
            Template(action.get(key) or "")
        except TemplateSyntaxError as exc:
            problems.append(_("模板写法有误：%(e)s") % {"e": exc})
    if kind in (ActionType.TODO, ActionType.ASSIGN) or (kind == ActionType.NOTIFY and action.get("channel") in (
            "in_app", "email")):
        try:
            _parse_recipient(action.get("to", ""))
        except ValidationError as exc:
            problems.extend(exc.messages)
    if kind == ActionType.NOTIFY and action.get("channel") in ("wecom", "dingtalk") and not action.get("address"):
        problems.append(_("群机器人通知需要填写 Webhook 地址。"))
    if kind == ActionType.SET_FIELD and action.get("field") not in subject.settable_fields():
        problems.append(_("字段“%(f)s”不能由规则修改。") % {"f": action.get("field")})
    if kind == ActionType.FOLLOW_UP and subject.customer.__func__ is RuleSubject.customer:
        problems.append(_("%(s)s没有对应的客户，不能安排跟进。") % {"s": subject.label})
    if kind == ActionType.WEBHOOK and not str(action.get("address", "")).startswith(("http://", "https://")):
        problems.append(_("Webhook 地址需以 http:// 或 https:// 开头。"))
    return problems


def _parse_recipient(text):
    text = (text or "").strip()
    head, _sep, rest = text.partition(":")
    if text in ("owner", "owner_lead") or (head in ("role", "user") and rest):
        return head, rest
    raise ValidationError(_("接收人“%(t)s”无效，请写 owner、owner_lead、role:角色代码 或 user:登录名。") % {"t": text})


@transaction.atomic
def save_rule(actor, rule):
    """Save a rule (validated when enabled); enabling starts watching from now, never the past."""
    problems = validate(rule)
    if problems and rule.is_enabled:
        raise ValidationError(problems)
    previous = Rule.objects.filter(pk=rule.pk).values_list("is_enabled", flat=True).first() if rule.pk else None
    if rule.is_enabled and not previous:
        rule.watched_from = timezone.now()
        rule.checked_until = None
    creating = rule.pk is None
    rule.created_by = rule.created_by or (actor if getattr(actor, "pk", None) else None)
    rule.save()
    from django.core.cache import cache

    cache.delete(EVENT_KEYS_CACHE)  # now, and again once the rule is committed
    transaction.on_commit(lambda: cache.delete(EVENT_KEYS_CACHE))
    record(AuditAction.CREATE if creating else AuditAction.UPDATE, rule, actor=actor, object_type="rule",
           extra={"enabled": rule.is_enabled, "trigger": rule.trigger, "subject": rule.subject})
    return rule


# -- the tick ---------------------------------------------------------------------------------------


def tick(now=None):
    """Evaluate every enabled rule for the moments since its last check; returns firings made."""
    now = now or timezone.now()
    fired = 0
    for rule in Rule.objects.filter(is_enabled=True).exclude(trigger=Trigger.EVENT):
        start = rule.watched_from or now
        if rule.checked_until is not None:
            start = max(start, rule.checked_until - GRACE)
        # One transaction per rule and tick: a crash undoes the rule's whole tick, which the next tick
        # then redoes, since `checked_until` moved with it. The to-dos and messages the firings make
        # are written with one insert each at the end, in that transaction.
        with transaction.atomic(), _batched():
            for record_, base in due(rule, start, now):
                fired += fire(rule, record_, base, now)
            Rule.objects.filter(pk=rule.pk).update(checked_until=now)
    return fired


def due(rule, start, end, *, limit=None, unfired=True):
    """(record, base) pairs whose moment lies in (start, end] and whose condition holds; with
    `unfired`, only those the rule has not fired for yet."""
    subject = subject_for(rule)
    pairs = list(_window(rule, subject, start, end))
    if not pairs:
        return []
    done = set(Firing.objects.filter(rule=rule, subject_id__in=[pk for pk, _b in pairs])
               .values_list("subject_id", "base_at")) if unfired else set()
    fresh = [(pk, _as_datetime(base)) for pk, base in pairs]
    fresh = [(pk, base) for pk, base in fresh if (pk, base) not in done and start < moment_of(rule, base) <= end]
    if not fresh:
        return []
    records = subject.queryset().in_bulk([pk for pk, _b in fresh])
    expression = _expression(rule, subject)
    found = []
    for pk, base in fresh:
        item = records.get(pk)
        if item is None:
            continue
        if _matches(expression, subject, item):
            found.append((item, base))
            if limit and len(found) >= limit:
                break
    return found


def condition_schema(subject):
    """The subject's fields plus `changed` (the fields an event changed) for rule conditions."""
    return {**subject.schema(), "changed": "list"}


def _matches(expression, subject, item, extra=None):
    if expression is None:
        return True
    schema = condition_schema(subject)
    data = {**subject.values(item), **(extra or {})}
    return expression.matches(values_for(schema, data, used=expression.names))


def _as_datetime(value):
    if isinstance(value, datetime.datetime):
        return value
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time()))


def _base_window(rule, start, end):
    """The range of base times whose moment can fall in (start, end]."""
    offset = offset_of(rule)
    if rule.working_time and rule.offset > 0 and rule.unit != Unit.MINUTES:
        # Working time runs no faster than the clock, and no holiday is longer than 10 days.
        return start - offset * 3 - datetime.timedelta(days=10), end - offset
    return start - offset, end - offset


def _window(rule, subject, start, end):
    """(pk, base) of the records in the base window: one indexed range per query."""
    qs = subject.queryset()
    low, high = _base_window(rule, start, end)
    if rule.trigger == Trigger.TIME:
        field = rule.date_field
        return qs.filter(**{f"{field}__gt": _bound(subject, field, low), f"{field}__lte": _bound(subject, field, high)}
                         ).values_list("pk", field)
    if rule.trigger == Trigger.INACTIVITY and rule.since == Since.ASSIGNMENT:
        # Assigned in the window and not followed up since: the occurrence is the assignment.
        assigned = subject.assignment_field()
        activity = subject.activity_field()[0]
        return qs.filter(**{f"{assigned}__gt": low, f"{assigned}__lte": high}).exclude(
            **{f"{activity}__gte": F(assigned)}).values_list("pk", assigned)
    if rule.trigger == Trigger.INACTIVITY:
        field, fallback = subject.activity_field()
        recent = qs.filter(**{f"{field}__gt": low, f"{field}__lte": high}).values_list("pk", field)
        never = qs.filter(**{f"{field}__isnull": True, f"{fallback}__gt": low, f"{fallback}__lte": high}).values_list(
            "pk", fallback)
        return [*recent, *never]
    return _annual(rule, subject, qs, low, high)


def _bound(subject, field, moment):
    model_field = subject.model._meta.get_field(field)
    return timezone.localtime(moment).date() if model_field.get_internal_type() == "DateField" else moment


def _annual(rule, subject, qs, low, high):
    """Records whose yearly date (a birthday) begins inside the base window: a day's records are
    looked up once, by the tick that crosses its midnight."""
    found = []
    first = timezone.localtime(low)
    day = first.date() + datetime.timedelta(days=1) if first.timetz().replace(tzinfo=None) != datetime.time() \
        else first.date()
    if _as_datetime(day) <= low:
        day += datetime.timedelta(days=1)
    last = timezone.localtime(high).date()
    while day <= last:
        # The day's date in every year, as an IN list: a month/day extraction runs a Python function per
        # row on SQLite (1,000,000 rows: seconds); plain dates are compared by the database itself.
        dates = [_same_day(year, day) for year in range(1900, day.year + 1)]
        solar = qs.filter(**{f"{rule.date_field}__in": [d for d in dates if d]})
        lunar = subject.lunar_fields(rule.date_field)
        if lunar:
            # Who keeps the lunar birthday has it today when today's lunar month and day are theirs.
            flag, month_day = lunar
            solar = solar.exclude(**{flag: True})
            found.extend((pk, day) for pk in qs.filter(**{flag: True, month_day: lunar_month_day(day)})
                         .values_list("pk", flat=True))
        found.extend((pk, day) for pk in solar.values_list("pk", flat=True))
        day += datetime.timedelta(days=1)
    return found


def _same_day(year, day):
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return None


class _Held(threading.local):
    todos = None
    firings = None  # [(firing id, detail, ok)] whose outcome is written at the end


_held = _Held()


@contextlib.contextmanager
def _batched():
    """Hold the to-dos and messages of a tick's firings and insert them together at the end."""
    from zhudai.notify import services as notify

    _held.todos, _held.firings = [], []
    try:
        with notify.batched():
            yield
            Todo.objects.bulk_create(_held.todos, batch_size=500)
            outcomes = [Firing(pk=pk, detail=detail, ok=ok) for pk, detail, ok in _held.firings if detail or not ok]
            Firing.objects.bulk_update(outcomes, ["detail", "ok"], batch_size=500)
    finally:
        _held.todos = _held.firings = None


def _save_todo(todo):
    if _held.todos is None:
        todo.save()
    else:
        _held.todos.append(todo)


def _claim(rule, subject_id, base, now):
    """Insert the firing unless it exists; its id, or None when this occurrence was fired before
    (a second scheduler's insert waits for the first one's commit, then finds the row)."""
    from django.db import connection

    ops = connection.ops
    returning = connection.features.can_return_rows_from_bulk_insert  # else SQLite before 3.35
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ops.quote_name(Firing._meta.db_table)} (rule_id, subject_id, base_at, fired_at, ok, detail) "
            f"VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (rule_id, subject_id, base_at) DO NOTHING"
            + (" RETURNING id" if returning else ""),
            [rule.pk, subject_id, ops.adapt_datetimefield_value(base), ops.adapt_datetimefield_value(now), True,
             Firing._meta.get_field("detail").get_db_prep_value([], connection)])
        if returning:
            row = cursor.fetchone()
            return row[0] if row else None
        return cursor.lastrowid if cursor.rowcount else None


def fire(rule, item, base, now):
    """Fire once for (rule, record, base), inside the caller's transaction; 0 when this occurrence
    was fired before. The occurrence is claimed first, then acted on; a tick writes what the
    actions did with its other firings' outcomes at its end."""
    pk = _claim(rule, item.pk, base, now)
    if pk is None:
        return 0
    detail, ok = run_actions(rule, item, now)
    if _held.firings is not None:
        _held.firings.append((pk, detail, ok))
    elif detail or not ok:
        Firing.objects.filter(pk=pk).update(detail=detail, ok=ok)
    return 1


def _expression(rule, subject):
    if not rule.condition.strip():
        return None
    return cached_expression(rule.condition, condition_schema(subject))


# -- events -----------------------------------------------------------------------------------------


def emit(subject_key, event, item, *, changed=()):
    """A domain service tells the engine something happened to `item`; event rules act after the
    commit (never for a change that rolled back), each once for this event."""
    at = timezone.now()
    transaction.on_commit(lambda: _queue_events(subject_key, event, [item.pk], list(changed), at))


def emit_many(subject_key, event, pks):
    """emit() for many records at once (an import's chunk): one queued job for all of them, and
    nothing at all when no enabled rule listens."""
    at, pks = timezone.now(), list(pks)
    if pks:
        transaction.on_commit(lambda: _queue_events(subject_key, event, pks, [], at))


EVENT_KEYS_CACHE = "rules:event-keys"


def _event_keys():
    """{(subject, event)} some enabled rule listens to: most commits emit events nobody listens to."""
    from django.core.cache import cache

    keys = cache.get(EVENT_KEYS_CACHE)
    if keys is None:
        keys = set(Rule.objects.filter(is_enabled=True, trigger=Trigger.EVENT).values_list("subject", "event"))
        cache.set(EVENT_KEYS_CACHE, keys, 60)
    return keys


def _queue_events(subject_key, event, pks, changed, at):
    if (subject_key, event) not in _event_keys():
        return
    from .tasks import handle_events

    handle_events(subject_key, event, pks, changed, at.isoformat())


def handle_event(subject_key, event, pk, changed, at):
    """Run the enabled event rules of (subject, event) for one record; returns firings made."""
    subject = registry.rule_subjects[subject_key]
    item = subject.queryset().filter(pk=pk).first()
    if item is None:
        return 0
    fired = 0
    for rule in Rule.objects.filter(is_enabled=True, trigger=Trigger.EVENT, subject=subject_key, event=event):
        if _matches(_expression(rule, subject), subject, item, {"changed": changed}):
            with transaction.atomic():  # the firing and its actions, together or not at all
                fired += fire(rule, item, at, timezone.now())
    return fired


# -- actions ----------------------------------------------------------------------------------------


def run_actions(rule, item, now):
    """Run the rule's actions for one record; returns (what each did, all went well)."""
    subject = subject_for(rule)
    context = {**subject.context(item), "rule": rule.name}
    detail, ok = [], True
    for action in rule.actions:
        # No savepoint per action: what is caught here is raised before an action writes anything.
        try:
            detail.append(_run(action, rule, subject, item, context, now))
        except (ValidationError, ValueError, KeyError, NotImplementedError) as exc:
            ok = False
            detail.append({"type": action.get("type"), "error": "；".join(getattr(exc, "messages", [str(exc)]))})
    return detail, ok


def render(text, context):
    return _template(text or "").render(Context(context, autoescape=False)).strip()


@functools.lru_cache(maxsize=512)
def _template(text):
    """A rule's title and body are compiled once, not once per record (a midnight tick renders thousands)."""
    return Template(text)


def recipients(text, subject, item):
    """The active users an action names."""
    from zhudai.accounts.models import User
    from zhudai.engines.flow.handlers import team_lead

    kind, rest = _parse_recipient(text)
    if kind == "owner":
        users = [subject.owner(item)]
    elif kind == "owner_lead":
        users = [team_lead(subject.owner(item))]
    elif kind == "role":
        users = list(User.objects.filter(role__code=rest, is_active=True))
    else:
        users = list(User.objects.filter(username=rest, is_active=True))
    return [u for u in users if u is not None and u.is_active]


def _run(action, rule, subject, item, context, now):
    from zhudai.notify import services as notify

    kind = action["type"]
    title = render(action.get("title") or rule.name, context)
    body = render(action.get("body") or "", context)
    url = subject.url(item)
    related = f"{subject.key}:{item.pk}"
    if kind == ActionType.TODO:
        due = now + datetime.timedelta(hours=float(action.get("due_hours") or 24))
        users = recipients(action.get("to", "owner"), subject, item)
        for user in users:
            _save_todo(Todo(user=user, title=title, body=body, url=url, due_at=due, rule=rule, related=related,
                            priority=action.get("priority") or Priority.NORMAL))
            notify.notify_user(user, title, body, url=url, related=related)
        _todos_changed()
        return {"type": kind, "to": [u.username for u in users]}
    if kind == ActionType.NOTIFY:
        channel = action.get("channel", "in_app")
        if channel in ("wecom", "dingtalk"):
            notify.queue(channel, body or title, subject=title, address=action["address"],
                         address_label=action.get("label", channel), related=related)
            return {"type": kind, "channel": channel}
        if channel == "sms":
            phone, customer = subject.sms_recipient(item)
            if not phone:
                raise ValidationError(_("客户没有手机号"))
            from zhudai.security.masking import mask

            notify.queue("sms", body or title, address=phone, address_label=mask("phone", phone), customer=customer,
                         template=action.get("template", ""), params=context.get("sms_params", {}), related=related)
            return {"type": kind, "channel": channel}
        users = recipients(action.get("to", "owner"), subject, item)
        for user in users:
            if channel == "email":
                notify.queue("email", body or title, user=user, subject=title, address=user.email, related=related)
            else:
                notify.notify_user(user, title, body, url=url, related=related)
        return {"type": kind, "channel": channel, "to": [u.username for u in users]}
    if kind == ActionType.SET_FIELD:
        subject.set_field(None, item, action["field"], action.get("value"))
        return {"type": kind, "field": action["field"]}
    if kind == ActionType.ASSIGN:
        users = recipients(action.get("to", ""), subject, item)
        if not users:
            raise ValidationError(_("找不到可分配的人"))
        subject.assign(None, item, users[0])
        return {"type": kind, "to": users[0].username}
    if kind == ActionType.FOLLOW_UP:
        customer = subject.customer(item)
        if customer is None:
            raise ValidationError(_("该对象没有可安排跟进的客户"))
        from zhudai.customers.services import schedule_follow_up

        when = now + datetime.timedelta(hours=float(action.get("due_hours") or 24))
        scheduled = schedule_follow_up(None, customer, when, reason=rule.name)
        return {"type": kind, "customer": customer.pk, "at": timezone.localtime(scheduled).isoformat(" ", "minutes")}
    if kind == ActionType.WEBHOOK:
        notify.queue("webhook", body or title, subject=title, address=action["address"], address_label="webhook",
                     params={"rule": rule.name, "subject": subject.key, "id": item.pk, "url": url}, related=related)
        return {"type": kind}
    raise ValueError(kind)


# -- to-dos -----------------------------------------------------------------------------------------


def _todos_changed():
    from zhudai.engines.flow.services import _tasks_changed

    _tasks_changed()  # the navigation's to-do count covers reminders too


def open_todos(user):
    return Todo.objects.filter(user=user, done_at__isnull=True).order_by("due_at", "id")


@transaction.atomic
def complete_todo(user, todo_id):
    done = Todo.objects.filter(pk=todo_id, user=user, done_at__isnull=True).update(done_at=timezone.now())
    if done:
        _todos_changed()
    return bool(done)


def matching_now(rule, limit=50):
    """For the "test" button: records whose moment has passed within the last 30 days and whose
    condition holds now, fired or not."""
    now = timezone.now()
    return due(rule, now - datetime.timedelta(days=30), now, limit=limit, unfired=False)
