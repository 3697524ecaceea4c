"""System parameters an administrator changes in the UI (see `zhudai.core.preferences`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Preference(models.Model):
    """One parameter's value as an administrator set it; absent, the setting's default applies."""

    key = models.CharField(_("参数"), max_length=60, unique=True)
    value = models.JSONField(_("值"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("系统参数")

    def __str__(self):
        return self.key
