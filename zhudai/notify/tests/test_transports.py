"""Each channel against a local fake of its gateway: the request it makes, its signing, and how
its answers are told apart (sent / transient / permanent)."""

import base64
import hashlib
import hmac
import json
import urllib.parse

import pytest

from zhudai.notify.models import Message
from zhudai.notify.transports import (AliyunSms, DingTalkRobot, TencentSms, TransportError, WeComRobot)

from .fakes import FakeGateway, free_port

ALIYUN = {"ALIYUN_ACCESS_KEY_ID": "testid", "ALIYUN_ACCESS_KEY_SECRET": "testsecret", "SIGN_NAME": "融信助贷"}
TENCENT = {"TENCENT_SECRET_ID": "AKIDtest", "TENCENT_SECRET_KEY": "tencentsecret", "TENCENT_SDK_APP_ID": "1400000000",
           "SIGN_NAME": "融信助贷"}


def _sms(**fields):
    return Message(channel="sms", address="13951100001", template="SMS_001", params={"name": "张三", "day": "3"},
                   body="", **fields)


def _aliyun_check(request):
    """What the real gateway does: recompute the signature over the other parameters."""
    query = urllib.parse.urlsplit(request["path"]).query
    params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    signature = params.pop("Signature")
    canonical = "&".join(f"{urllib.parse.quote(k, safe='~')}={urllib.parse.quote(v, safe='~')}"
                         for k, v in sorted(params.items()))
    to_sign = "GET&%2F&" + urllib.parse.quote(canonical, safe="~")
    expected = base64.b64encode(hmac.new(b"testsecret&", to_sign.encode(), hashlib.sha1).digest()).decode()
    return signature == expected, params


def test_aliyun_sms_is_signed_as_the_gateway_checks_it():
    def answer(request):
        ok, params = _aliyun_check(request)
        assert params["PhoneNumbers"] == "13951100001" and params["SignName"] == "融信助贷"
        assert json.loads(params["TemplateParam"]) == {"name": "张三", "day": "3"}
        return (200, {"Code": "OK", "BizId": "biz-1"}) if ok else (200, {"Code": "SignatureDoesNotMatch"})

    with FakeGateway(answer) as gateway:
        sms = AliyunSms({**ALIYUN, "ALIYUN_ENDPOINT": gateway.url + "/"})
        assert sms.send(_sms()) == "biz-1"
        assert gateway.requests[0]["method"] == "GET"


def test_aliyun_tells_a_bad_number_from_throttling():
    answers = iter([(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}),
                    (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"})])
    with FakeGateway(lambda request: next(answers)) as gateway:
        sms = AliyunSms({**ALIYUN, "ALIYUN_ENDPOINT": gateway.url + "/"})
        with pytest.raises(TransportError) as bad:
            sms.send(_sms())
        with pytest.raises(TransportError) as busy:
            sms.send(_sms())
    assert bad.value.permanent and not busy.value.permanent


def _tencent_check(request, secret="tencentsecret"):
    headers = {k.lower(): v for k, v in request["headers"].items()}
    auth = headers["authorization"]
    timestamp = int(headers["x-tc-timestamp"])
    import datetime

    day = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%d")
    canonical = "\n".join(["POST", "/", "", "content-type:application/json; charset=utf-8\nhost:sms.tencentcloudapi.com\n",
                           "content-type;host", hashlib.sha256(request["body"]).hexdigest()])
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), f"{day}/sms/tc3_request",
                         hashlib.sha256(canonical.encode()).hexdigest()])

    def h(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = h(h(h(f"TC3{secret}".encode(), day), "sms"), "tc3_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return auth.endswith(f"Signature={expected}") and f"Credential=AKIDtest/{day}/sms/tc3_request" in auth


def test_tencent_sms_is_signed_with_tc3():
    def answer(request):
        body = json.loads(request["body"])
        assert body["PhoneNumberSet"] == ["+8613951100001"] and body["TemplateParamSet"] == ["张三", "3"]
        assert {k.lower(): v for k, v in request["headers"].items()}["x-tc-action"] == "SendSms"
        if not _tencent_check(request):
            return 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad"}}}
        return 200, {"Response": {"SendStatusSet": [{"Code": "Ok", "SerialNo": "s-1"}], "RequestId": "r"}}

    with FakeGateway(answer) as gateway:
        assert TencentSms({**TENCENT, "TENCENT_ENDPOINT": gateway.url + "/"}).send(_sms()) == "s-1"


def test_tencent_signature_failure_and_limits():
    answers = iter([(200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "x"}}}),
                    (200, {"Response": {"SendStatusSet": [{"Code": "LimitExceeded.PhoneNumberDailyLimit"}]}})])
    with FakeGateway(lambda request: next(answers)) as gateway:
        sms = TencentSms({**TENCENT, "TENCENT_ENDPOINT": gateway.url + "/"})
        with pytest.raises(TransportError) as auth:
            sms.send(_sms())
        with pytest.raises(TransportError) as limit:
            sms.send(_sms())
    assert auth.value.permanent and not limit.value.permanent


def test_dingtalk_robot_signs_each_call():
    def answer(request):
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request["path"]).query))
        digest = hmac.new(b"SECdemo", f"{query['timestamp']}\nSECdemo".encode(), hashlib.sha256).digest()
        assert query["sign"] == base64.b64encode(digest).decode()
        assert json.loads(request["body"])["text"]["content"] == "新待办\n风控评估"
        return 200, {"errcode": 0, "errmsg": "ok"}

    with FakeGateway(answer) as gateway:
        message = Message(channel="dingtalk", address=f"{gateway.url}/robot/send?access_token=abc", subject="新待办",
                          body="风控评估")
        assert DingTalkRobot("SECdemo").send(message) == "ok"


def test_wecom_robot_posts_text_and_reports_a_bad_key_as_permanent():
    answers = iter([(200, {"errcode": 0, "errmsg": "ok"}), (200, {"errcode": 93000, "errmsg": "invalid webhook url"})])
    with FakeGateway(lambda request: next(answers)) as gateway:
        message = Message(channel="wecom", address=f"{gateway.url}/cgi-bin/webhook/send?key=k", body="提醒")
        assert WeComRobot().send(message) == "ok"
        with pytest.raises(TransportError) as bad:
            WeComRobot().send(message)
    assert bad.value.permanent
    assert json.loads(gateway.requests[0]["body"]) == {"msgtype": "text", "text": {"content": "提醒"}}


def test_a_gateway_that_refuses_connections_is_a_transient_failure():
    message = Message(channel="wecom", address=f"http://127.0.0.1:{free_port()}/hook", body="x")
    with pytest.raises(TransportError) as down:
        WeComRobot().send(message)
    assert not down.value.permanent
