"""System parameters: defaults come from settings (environment variables), an administrator may
change them on the settings page they belong to, and every change is audited.

    preferences.get("lead_pool_daily_limit")  # -> 20, or what the administrator saved

A read is one indexed lookup, never cached: a value saved in the web process holds in the worker
at once, and nothing outlives a rolled-back test.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

@dataclass(frozen=True)
class Parameter:
    label: str
    kind: str  # "int" or "time"
    setting: str  # the Django setting that holds the default
    help_text: str = ""
    min_value: int = 0
    max_value: int = 100000

    def default(self):
        return getattr(settings, self.setting)

    def field(self, initial):
        if self.kind == "time":
            return forms.TimeField(label=self.label, help_text=self.help_text, initial=initial,
                                   widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
        return forms.IntegerField(label=self.label, help_text=self.help_text, initial=initial,
                                  min_value=self.min_value, max_value=self.max_value)

    def load(self, stored):
        return datetime.time.fromisoformat(stored) if self.kind == "time" else int(stored)

    def dump(self, value):
        return value.strftime("%H:%M") if self.kind == "time" else int(value)


PARAMETERS = {
    "lead_pool_daily_limit": Parameter(_("每人每天最多领取"), "int", "LEAD_POOL_DAILY_LIMIT",
                                       _("业务员每天从公海领取客户的上限（位）"), 0, 1000),
    "lead_pool_take_back_days": Parameter(_("超期收回天数"), "int", "LEAD_POOL_TAKE_BACK_DAYS",
                                          _("新线索分配后这么多天没有跟进，每晚自动收回公海"), 1, 365),
    "sms_quiet_start": Parameter(_("短信免打扰开始"), "time", "SMS_QUIET_START",
                                 _("这段时间内给客户的短信推迟到结束时发送，不会丢弃")),
    "sms_quiet_end": Parameter(_("短信免打扰结束"), "time", "SMS_QUIET_END"),
}


def get(key):
    from .models import Preference

    parameter = PARAMETERS[key]
    stored = Preference.objects.filter(key=key).values_list("value", flat=True).first()
    return parameter.default() if stored is None else parameter.load(stored)


class PreferenceForm(forms.Form):
    """The parameters named by `keys`, filled with their current values."""

    def __init__(self, keys, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys = list(keys)
        for key in self.keys:
            self.fields[key] = PARAMETERS[key].field(get(key))


@transaction.atomic
def save(actor, values):
    """Store changed parameters; one audit event with before and after. Returns the changed keys."""
    from zhudai.audit.choices import Action
    from zhudai.audit.services import record

    from .models import Preference

    changes = {}
    for key, value in values.items():
        parameter = PARAMETERS[key]
        before = get(key)
        if before == value:
            continue
        Preference.objects.update_or_create(key=key, defaults={"value": parameter.dump(value), "updated_by": actor})
        changes[key] = [parameter.dump(before), parameter.dump(value)]
    if changes:
        record(Action.UPDATE, actor=actor, object_type="preference", object_id="system",
               object_repr=str(_("系统参数")), changes=changes)
    return list(changes)
