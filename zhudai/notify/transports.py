"""One transport class per channel; each sends one message or raises TransportError.

A TransportError says whether trying again can help: a refused connection or a throttled gateway is
transient (the worker retries with back-off), a malformed number or a rejected signature is
permanent (the message goes to the failed list at once). Provider settings come from the
environment (see docs/notifications.md); the SMS default is the console backend.
"""

import base64
import datetime
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

log = logging.getLogger("zhudai.notify")
TIMEOUT = 10


class TransportError(Exception):
    def __init__(self, message, *, permanent=False):
        super().__init__(message)
        self.permanent = permanent


def _post_json(url, payload, headers=None, timeout=TIMEOUT, parse=True):
    """POST JSON and return the decoded JSON answer; network trouble and 5xx are transient."""
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    return _open(request, timeout, parse)


def _open(request, timeout=TIMEOUT, parse=True):
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  configured https URLs
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise TransportError(f"HTTP {exc.code}", permanent=400 <= exc.code < 500 and exc.code != 429) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise TransportError(_("连接失败：%(e)s") % {"e": getattr(exc, "reason", exc)}) from None
    if not parse:
        return {}
    try:
        return json.loads(body or b"{}")
    except ValueError:
        raise TransportError(_("网关返回了无法识别的内容")) from None


class InApp:
    """The bell: a Notification row for the user."""

    def send(self, message):
        from .models import Notification

        if message.user_id is None:
            raise TransportError(_("站内消息没有接收人"), permanent=True)
        Notification.objects.create(user_id=message.user_id, title=message.subject or message.body[:60],
                                    body=message.body, url=message.url)
        return "ok"


class Email:
    def send(self, message):
        if not message.address:
            raise TransportError(_("没有邮箱地址"), permanent=True)
        try:
            send_mail(message.subject or _("助贷管理系统通知"), message.body, settings.DEFAULT_FROM_EMAIL,
                      [message.address])
        except (OSError, ConnectionError) as exc:
            raise TransportError(_("邮件服务器连接失败：%(e)s") % {"e": exc}) from None
        return "ok"


class ConsoleSms:
    """The default SMS backend: writes the message to the log (a firm without an SMS contract yet)."""

    def send(self, message):
        log.info("SMS to %s: %s", message.address_label, message.body)
        return "console"


class AliyunSms:
    """Alibaba Cloud SMS (dysmsapi SendSms, RPC signature: HMAC-SHA1 over the sorted query)."""

    def __init__(self, config):
        self.key_id, self.secret = config["ALIYUN_ACCESS_KEY_ID"], config["ALIYUN_ACCESS_KEY_SECRET"]
        self.sign_name, self.endpoint = config["SIGN_NAME"], config.get("ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")

    @staticmethod
    def _encode(value):
        return urllib.parse.quote(str(value), safe="~")

    def signed_query(self, params):
        query = "&".join(f"{self._encode(k)}={self._encode(v)}" for k, v in sorted(params.items()))
        string_to_sign = f"GET&{self._encode('/')}&{self._encode(query)}"
        digest = hmac.new(f"{self.secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
        return f"Signature={self._encode(base64.b64encode(digest).decode())}&{query}"

    def send(self, message):
        params = {
            "AccessKeyId": self.key_id, "Action": "SendSms", "Format": "JSON", "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "Timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25", "PhoneNumbers": message.address, "SignName": self.sign_name,
            "TemplateCode": message.template, "TemplateParam": json.dumps(message.params, ensure_ascii=False),
        }
        answer = _open(urllib.request.Request(f"{self.endpoint}?{self.signed_query(params)}"))
        code = answer.get("Code")
        if code == "OK":
            return answer.get("BizId", "ok")
        # Throttling and the provider's own trouble pass; a bad number, template or signature does not.
        transient = code in {"isv.BUSINESS_LIMIT_CONTROL", "isp.RAM_PERMISSION_DENY", "isp.SYSTEM_ERROR",
                             "Throttling", "ServiceUnavailable"}
        raise TransportError(f"{code}: {answer.get('Message', '')}", permanent=not transient)


class TencentSms:
    """Tencent Cloud SMS (SendSms 2021-01-11, TC3-HMAC-SHA256 signature)."""

    host = "sms.tencentcloudapi.com"

    def __init__(self, config):
        self.secret_id, self.secret_key = config["TENCENT_SECRET_ID"], config["TENCENT_SECRET_KEY"]
        self.app_id, self.sign_name = config["TENCENT_SDK_APP_ID"], config["SIGN_NAME"]
        self.endpoint = config.get("TENCENT_ENDPOINT", f"https://{self.host}/")
        self.region = config.get("TENCENT_REGION", "ap-guangzhou")

    def authorization(self, payload, timestamp):
        day = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%d")
        canonical = "\n".join(["POST", "/", "", f"content-type:application/json; charset=utf-8\nhost:{self.host}\n",
                               "content-type;host", hashlib.sha256(payload).hexdigest()])
        scope = f"{day}/sms/tc3_request"
        to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])

        def sign(key, text):
            return hmac.new(key, text.encode(), hashlib.sha256).digest()

        key = sign(sign(sign(f"TC3{self.secret_key}".encode(), day), "sms"), "tc3_request")
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return (f"TC3-HMAC-SHA256 Credential={self.secret_id}/{scope}, SignedHeaders=content-type;host, "
                f"Signature={signature}")

    def send(self, message):
        body = {"PhoneNumberSet": [f"+86{message.address}"], "SmsSdkAppId": self.app_id, "SignName": self.sign_name,
                "TemplateId": message.template, "TemplateParamSet": [str(v) for v in message.params.values()]}
        payload = json.dumps(body, ensure_ascii=False).encode()
        timestamp = int(time.time())
        request = urllib.request.Request(self.endpoint, data=payload, method="POST", headers={
            "Authorization": self.authorization(payload, timestamp), "Content-Type": "application/json; charset=utf-8",
            "Host": self.host, "X-TC-Action": "SendSms", "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": "2021-01-11", "X-TC-Region": self.region})
        answer = _open(request).get("Response", {})
        if "Error" in answer:
            code = answer["Error"].get("Code", "")
            transient = code.startswith(("InternalError", "RequestLimitExceeded", "LimitExceeded"))
            raise TransportError(f"{code}: {answer['Error'].get('Message', '')}", permanent=not transient)
        status = (answer.get("SendStatusSet") or [{}])[0]
        if status.get("Code") == "Ok":
            return status.get("SerialNo", "ok")
        code = status.get("Code", "")
        raise TransportError(f"{code}: {status.get('Message', '')}", permanent=not code.startswith("LimitExceeded"))


class WeComRobot:
    """A WeCom (企业微信) group robot webhook: the address is the robot's full webhook URL."""

    def send(self, message):
        text = f"{message.subject}\n{message.body}" if message.subject else message.body
        answer = _post_json(message.address, {"msgtype": "text", "text": {"content": text}})
        return _robot_answer(answer)


class DingTalkRobot:
    """A DingTalk group robot; with DINGTALK_SECRET set, each call is signed (timestamp + HMAC-SHA256)."""

    def __init__(self, secret=""):
        self.secret = secret

    def signed_url(self, url, timestamp_ms):
        if not self.secret:
            return url
        digest = hmac.new(self.secret.encode(), f"{timestamp_ms}\n{self.secret}".encode(), hashlib.sha256).digest()
        sign = urllib.parse.quote_plus(base64.b64encode(digest))
        return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={sign}"

    def send(self, message):
        text = f"{message.subject}\n{message.body}" if message.subject else message.body
        url = self.signed_url(message.address, int(time.time() * 1000))
        return _robot_answer(_post_json(url, {"msgtype": "text", "text": {"content": text}}))


class Webhook:
    """An outgoing webhook: the message as JSON to the configured URL; any 2xx answer is success."""

    def send(self, message):
        _post_json(message.address, {"title": message.subject, "text": message.body, **message.params,
                                     "related": message.related, "sent_at": int(time.time())}, parse=False)
        return "ok"


def _robot_answer(answer):
    code = answer.get("errcode", 0)
    if code == 0:
        return "ok"
    # 45009 / 130101: sent too often (try later); anything else (bad key, bad signature, …) will not improve.
    raise TransportError(f"{code}: {answer.get('errmsg', '')}", permanent=code not in (45009, 130101, -1))


def transport_for(channel):
    from .choices import Channel

    config = settings.SMS
    if channel == Channel.IN_APP:
        return InApp()
    if channel == Channel.EMAIL:
        return Email()
    if channel == Channel.WECOM:
        return WeComRobot()
    if channel == Channel.DINGTALK:
        return DingTalkRobot(settings.DINGTALK_SECRET)
    if channel == Channel.WEBHOOK:
        return Webhook()
    backend = config.get("BACKEND", "console")
    if backend == "aliyun":
        return AliyunSms(config)
    if backend == "tencent":
        return TencentSms(config)
    return ConsoleSms()
