"""The safe expression language of process gateways, handler rules and (later) if-then rules.

Administrators type conditions such as `amount < 50000 and customer.credit_rating == "good"`.
rule-engine parses them into an AST against declared field types (nothing is ever `eval`'d), so a
misspelt field or a type mismatch is refused when the definition is saved, with a Chinese message
that names the mistake. `$range` and `$random` are taken out of the built-ins; helpers such as
`days_since(created_at)` are plain functions of the language.

Field types are declared as a schema: {"amount": "number", "customer": {"credit_rating": "string"}}
with the kinds of `EMPTY` (its keys); a nested dict is an object whose attributes are read with a dot.
Values are given as the same shape of plain dicts; `None` becomes the empty value of its kind
(0, "", false), so admins never have to write null checks, except for datetimes, which stay
nullable and which the helpers accept.
"""

import datetime
import decimal
import re
from functools import lru_cache
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

EMPTY = {"string": "", "number": decimal.Decimal(0), "boolean": False, "datetime": None, "list": ()}


def _now():
    return timezone.now()


def _as_datetime(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time()))


def days_since(value):
    value = _as_datetime(value)
    return decimal.Decimal(0) if value is None else decimal.Decimal((_now() - value).days)


def hours_since(value):
    value = _as_datetime(value)
    if value is None:
        return decimal.Decimal(0)
    return decimal.Decimal(int((_now() - value).total_seconds() // 3600))


def days_until(value):
    value = _as_datetime(value)
    if value is None:
        return decimal.Decimal(0)
    return decimal.Decimal((timezone.localdate(value) - timezone.localdate()).days)


def today():
    return _as_datetime(timezone.localdate())


# name: (callable, return type, argument types), types by name (see _engine)
FUNCTIONS = {
    "days_since": (days_since, "FLOAT", ("NULL_DT",)),
    "hours_since": (hours_since, "FLOAT", ("NULL_DT",)),
    "days_until": (days_until, "FLOAT", ("NULL_DT",)),
    "today": (today, "DATETIME", ()),
}


class _Engine(NamedTuple):
    Rule: type
    Context: type
    errors: object


@lru_cache(maxsize=1)
def _engine():
    """rule-engine, imported on first use: it builds its parser tables when imported (0.5-0.9 s),
    and every process loads this module at start-up (web and worker processes, an import's helper)
    while few of them ever parse an expression."""
    import rule_engine
    from rule_engine import DataType as T
    from rule_engine import builtins as rule_builtins
    from rule_engine import errors

    types = {"FLOAT": T.FLOAT, "DATETIME": T.DATETIME, "NULL_DT": T.NULLABLE(T.DATETIME)}
    kinds = {"string": T.STRING, "number": T.FLOAT, "boolean": T.BOOLEAN, "datetime": T.NULLABLE(T.DATETIME),
             "list": T.ARRAY(T.STRING)}

    def resolve(thing, name):
        if name in FUNCTIONS:
            return FUNCTIONS[name][0]
        try:
            return thing[name]
        except KeyError:
            raise errors.SymbolResolutionError(name) from None

    def schema_types(schema, prefix=""):
        found = {}
        for name, kind in schema.items():
            if isinstance(kind, dict):
                found[name] = T.OBJECT(f"{prefix}{name}", attributes=schema_types(kind, f"{prefix}{name}."),
                                       accessor=lambda value, key: value[key])
            else:
                found[name] = kinds[kind]
        return found

    class Context(rule_engine.Context):
        """A rule-engine context without `$range` / `$random` and with our helper functions."""

        def __init__(self, schema):
            self._schema = schema
            declared = schema_types(schema)
            declared.update({
                name: T.FUNCTION(name, return_type=types[ret], argument_types=tuple(types[a] for a in args),
                                 minimum_arguments=len(args))
                for name, (_f, ret, args) in FUNCTIONS.items()})
            super().__init__(type_resolver=rule_engine.type_resolver_from_dict(declared), resolver=resolve,
                             default_timezone=timezone.get_default_timezone(), mapping_attribute_lookup=False)
            defaults = rule_builtins.Builtins.from_defaults(timezone=self.default_timezone)
            kept = {k: defaults[k] for k in ("now", "today", "abs", "any", "all", "sum", "max", "min")}
            kept["now"] = rule_builtins.BuiltinValueGenerator(lambda _b: _now())
            kept["today"] = rule_builtins.BuiltinValueGenerator(lambda _b: today())
            self.builtins = rule_builtins.Builtins(
                kept, timezone=self.default_timezone,
                value_types={k: defaults.resolve_type(k) for k in kept},
            )

        def resolve_type(self, name, scope=None):
            # Built-ins outside the kept set ($range, $random, …) are refused when the text is parsed.
            if scope == rule_builtins.Builtins.scope_name and name not in self.builtins:
                raise errors.SymbolResolutionError(name, symbol_scope=scope)
            return super().resolve_type(name, scope)

    return _Engine(rule_engine.Rule, Context, errors)


class Expression:
    """A compiled expression: `.evaluate(values)` and `.matches(values)`."""

    def __init__(self, text, schema):
        self.text = text
        self.schema = schema
        engine = _engine()
        self.rule = engine.Rule(text, context=engine.Context(schema))
        # Every identifier in the text (field and attribute names among them): what values_for needs.
        self.names = frozenset(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))

    def evaluate(self, values):
        try:
            return self.rule.evaluate(values)
        except _engine().errors.EngineError as exc:
            raise ValidationError(_("表达式“%(text)s”计算出错：%(error)s") % {"text": self.text, "error": explain(exc)}) from None

    def matches(self, values):
        return bool(self.evaluate(values))


def compile_expression(text, schema):
    """Parse `text` against `schema`; a ValidationError in Chinese says what is wrong and where."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("表达式不能为空。"))
    errors = _engine().errors
    try:
        return Expression(text, schema)
    except errors.EngineError as exc:
        raise ValidationError(_("表达式“%(text)s”有误：%(error)s") % {"text": text, "error": explain(exc, text)}) from None
    except (RecursionError, ValueError) as exc:
        raise ValidationError(_("表达式“%(text)s”无法解析：%(error)s") % {"text": text, "error": exc}) from None


@lru_cache(maxsize=512)
def _cached(text, schema_key):
    return compile_expression(text, _thaw(schema_key))


def cached_expression(text, schema):
    """compile_expression with a per-process cache: gateways evaluate the same few texts all day."""
    return _cached(text, _freeze(schema))


def _freeze(schema):
    return tuple(sorted((k, _freeze(v) if isinstance(v, dict) else v) for k, v in schema.items()))


def _thaw(frozen):
    return {k: _thaw(v) if isinstance(v, tuple) else v for k, v in frozen}


def explain(exc, text=""):
    """A Chinese sentence for a rule-engine error."""
    errors = _engine().errors
    if isinstance(exc, (errors.AttributeResolutionError, errors.SymbolResolutionError)):
        name = getattr(exc, "attribute_name", None) or exc.symbol_name
        message = _("没有字段“%(name)s”") % {"name": name}
        if exc.suggestion:
            message += _("，是否想写“%(s)s”？") % {"s": exc.suggestion}
        return message
    if isinstance(exc, errors.RuleSyntaxError):
        token = exc.token
        if token is None:
            return _("表达式不完整（结尾缺少内容）")
        return _("第 %(pos)d 个字符附近有语法错误：“%(near)s”") % {"pos": token.lexpos + 1,
                                                         "near": text[token.lexpos:token.lexpos + 12] or token.value}
    if isinstance(exc, errors.FunctionCallError):
        return _("函数调用出错：%(e)s") % {"e": exc.message}
    if isinstance(exc, (errors.SymbolTypeError, errors.AttributeTypeError)):
        return _("字段类型不符：%(e)s") % {"e": exc.message}
    if isinstance(exc, errors.ArithmeticError):
        return _("算术错误（例如除以零）")
    if isinstance(exc, errors.EvaluationError):
        return _("类型不匹配：%(e)s") % {"e": exc.message}
    return exc.message or exc.__class__.__name__


def values_for(schema, data, used=None):
    """`data` (plain dicts) shaped to `schema`: missing and None values become the empty value of their
    kind. A value given as a callable is computed only when `used` (the names the expressions at hand
    mention, see Expression.names) contains its name, or always when `used` is None: a gateway that
    never looks at customer.returning does not pay for its query."""
    out = {}
    for name, kind in schema.items():
        value = data.get(name) if data else None
        if callable(value):
            value = value() if used is None or name in used else None
        out[name] = values_for(kind, value or {}, used) if isinstance(kind, dict) else _shape(kind, value)
    return out


def _shape(kind, value):
    if value is None:
        return EMPTY[kind]
    if kind == "number":
        return value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))
    if kind == "datetime":
        return _as_datetime(value)
    if kind == "list":
        return tuple(str(v) for v in value)
    return value if kind == "boolean" else str(value)


def describe(schema, labels=None, prefix=""):
    """[(dotted name, kind, label)] for the help text beside an expression box."""
    rows = []
    labels = labels or {}
    for name, kind in schema.items():
        if isinstance(kind, dict):
            rows.extend(describe(kind, labels, f"{prefix}{name}."))
        else:
            rows.append((f"{prefix}{name}", kind, labels.get(f"{prefix}{name}", "")))
    return rows
