"""The shipped reminder rules of DOMAIN.md; a data migration creates them enabled, administrators edit them."""

DEFAULT_RULES = [
    {"code": "new_lead_2h", "name": "新线索2小时未跟进", "subject": "customer", "trigger": "inactivity",
     "since": "assignment", "date_field": "", "offset": 2, "unit": "hours",
     "condition": 'stage == "new" and has_owner',
     "actions": [{"type": "todo", "to": "owner", "priority": "high", "due_hours": 2,
                  "title": "新线索2小时未跟进：{{ name }}", "body": "请尽快联系客户 {{ name }}（{{ mobile }}）。"},
                 {"type": "todo", "to": "owner_lead", "priority": "normal", "due_hours": 4,
                  "title": "{{ owner }} 的新线索 {{ name }} 2小时未跟进", "body": ""}]},
    {"code": "no_follow_up_3d", "name": "客户3天未跟进", "subject": "customer", "trigger": "inactivity",
     "date_field": "", "offset": 3, "unit": "days", "condition": "not stage_closed and has_owner",
     "actions": [{"type": "todo", "to": "owner", "priority": "normal", "due_hours": 24,
                  "title": "客户 {{ name }} 已3天未跟进", "body": "当前阶段：{{ stage }}"},
                 {"type": "notify", "channel": "in_app", "to": "owner_lead",
                  "title": "{{ owner }} 的客户 {{ name }} 已3天未跟进", "body": ""}]},
    {"code": "approval_24h", "name": "审批环节超过24小时", "subject": "task", "trigger": "time",
     "date_field": "created_at", "offset": 24, "unit": "hours", "condition": 'status == "open"',
     "actions": [{"type": "todo", "to": "owner", "priority": "high", "due_hours": 4,
                  "title": "审批超时：{{ step }}", "body": "{{ record }} 已在“{{ step }}”等待超过24小时。"},
                 {"type": "notify", "channel": "in_app", "to": "role:approver",
                  "title": "审批超时：{{ step }}（{{ assignee }}）", "body": "{{ record }}"}]},
    {"code": "birthday_tomorrow", "name": "客户明天生日", "subject": "customer", "trigger": "annual",
     "date_field": "birth_date", "offset": -1, "unit": "days", "condition": "has_owner and not stage_closed",
     "actions": [{"type": "todo", "to": "owner", "priority": "low", "due_hours": 36,
                  "title": "明天是 {{ name }} 的生日", "body": "可以发条祝福，顺便跟进近况。"}]},
    {"code": "postloan_revisit", "name": "放款一个月贷后回访", "subject": "loan_application", "trigger": "time",
     "date_field": "disbursed_at", "offset": 30, "unit": "days", "condition": 'status == "disbursed"',
     "actions": [{"type": "todo", "to": "owner", "priority": "normal", "due_hours": 72,
                  "title": "贷后回访：{{ number }} {{ name }}", "body": "放款已满一个月，请回访客户。"}]},
]


def create_default_rules(Rule):
    from django.utils import timezone

    # Rule may be a migration's historical model, without the fields later migrations add.
    known = {f.name for f in Rule._meta.get_fields()}
    for spec in DEFAULT_RULES:
        values = {k: v for k, v in spec.items() if k in known}
        Rule.objects.get_or_create(code=spec["code"], defaults={**values, "is_enabled": True,
                                                                "watched_from": timezone.now()})
