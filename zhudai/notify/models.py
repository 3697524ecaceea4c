"""The outbox (every message, written in the transaction that caused it), its delivery attempts,
and the in-app notifications (the bell)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhudai.security.fields import EncryptedField

from .choices import Channel, Status


class Message(models.Model):
    """One message to one recipient through one channel; the worker delivers it with retries."""

    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    # A phone number, e-mail address or robot webhook: personal data (or a secret), so encrypted.
    address = EncryptedField(_("地址"), kind="text")
    address_label = models.CharField(_("接收方"), max_length=100, blank=True)  # masked, for lists
    customer_facing = models.BooleanField(_("发给客户"), default=False, help_text=_("遵守免打扰时段和退订"))
    customer_id = models.BigIntegerField(null=True, blank=True)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    url = models.CharField(_("链接"), max_length=300, blank=True)
    template = models.CharField(_("模板"), max_length=60, blank=True)
    params = models.JSONField(_("模板参数"), default=dict, blank=True)  # for SMS providers' template codes
    related = models.CharField(_("相关记录"), max_length=60, blank=True)  # "loan_application:42"
    # Whatever causes a message names it; a second cause with the same key sends nothing again.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    permanent_error = models.BooleanField(_("不可重试的错误"), default=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["next_attempt_at", "id"], name="notify_message_due",
                         condition=Q(status="pending")),
            models.Index(fields=["status", "-id"], name="notify_message_status"),
        ]
        verbose_name = verbose_name_plural = _("消息")

    def __str__(self):
        return f"{self.get_channel_display()} {self.address_label or self.user_id}: {self.subject or self.body[:30]}"


class DeliveryAttempt(models.Model):
    """One try to hand a message to its channel: the delivery log."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    number = models.PositiveSmallIntegerField(_("第几次"))
    started_at = models.DateTimeField(_("时间"), default=timezone.now)
    ok = models.BooleanField(_("成功"))
    permanent = models.BooleanField(_("不可重试"), default=False)
    detail = models.CharField(_("结果"), max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = _("发送记录")


class Notification(models.Model):
    """An in-app message in someone's bell."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="notify_inbox"),
                   models.Index(fields=["user"], name="notify_unread", condition=Q(read_at__isnull=True))]
        verbose_name = verbose_name_plural = _("站内消息")

    def __str__(self):
        return self.title
