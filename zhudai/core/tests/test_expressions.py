"""The condition language: typed fields, helpers, and Chinese errors that point at the mistake."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from zhudai.core.expressions import compile_expression, values_for

SCHEMA = {"amount": "number", "returning": "boolean", "submitted_at": "datetime",
          "customer": {"credit_rating": "string", "age": "number"}}


def _matches(text, **data):
    return compile_expression(text, SCHEMA).matches(values_for(SCHEMA, data))


def test_conditions_read_fields_and_nested_customer_fields():
    assert _matches('amount < 50000 and customer.credit_rating == "good"', amount=30000,
                    customer={"credit_rating": "good"})
    assert not _matches('amount < 50000 and customer.credit_rating == "good"', amount=60000,
                        customer={"credit_rating": "good"})


def test_missing_values_read_as_empty_so_admins_need_no_null_checks():
    assert _matches('customer.age == 0 and customer.credit_rating == "" and not returning')


@time_machine.travel(datetime.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_days_and_hours_since_helpers():
    two_days_ago = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert _matches("days_since(submitted_at) == 2 and hours_since(submitted_at) == 49", submitted_at=two_days_ago)
    assert _matches("days_since(submitted_at) == 0")  # no date: 0


def test_a_ternary_expression_gives_a_value():
    expression = compile_expression('amount > 100000 ? "gm" : "lead1"', SCHEMA)
    assert expression.evaluate(values_for(SCHEMA, {"amount": 200000})) == "gm"


@pytest.mark.parametrize("text, expected", [
    ("amout > 1", "没有字段“amout”，是否想写“amount”？"),
    ("customer.creditrating == 1", "是否想写“credit_rating”"),
    ("amount <", "不完整"),
    ("amount > > 1", "语法错误"),
    ('amount > "x"', "类型不匹配"),
    ("$range(3)", "没有字段“range”"),
    ("$random()", "没有字段“random”"),
    ("", "不能为空"),
])
def test_mistakes_are_refused_when_saved_with_a_message_that_points_at_them(text, expected):
    with pytest.raises(ValidationError) as exc:
        compile_expression(text, SCHEMA)
    assert expected in exc.value.messages[0]


def test_a_value_given_as_a_callable_is_computed_only_when_an_expression_names_it():
    calls = []

    def returning():
        calls.append(1)
        return True

    data = {"amount": 1, "customer": {"credit_rating": "good"}, "returning": returning}
    cheap = compile_expression("amount > 0", SCHEMA)
    assert cheap.matches(values_for(SCHEMA, data, used=cheap.names)) and calls == []
    dear = compile_expression("returning and amount > 0", SCHEMA)
    assert dear.matches(values_for(SCHEMA, data, used=dear.names)) and calls == [1]


def test_wan_writes_amounts_as_brokers_say_them():
    from zhudai.core.chinese import wan

    assert (wan(40000), wan(125000), wan(8000), wan(None)) == ("4万", "12.5万", "0.8万", "")
