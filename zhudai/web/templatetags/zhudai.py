from django import template

from zhudai.core.chinese import GENDER_MALE

register = template.Library()


@register.filter
def masked(obj, field_name):
    """The masked display of an encrypted field: {{ customer|masked:"mobile" }}."""
    return obj.masked(field_name)


@register.filter
def gender_label(code):
    return {GENDER_MALE: "男", "F": "女"}.get(code, "")


@register.filter
def money(value):
    if value in (None, ""):
        return ""
    return f"¥{value:,.2f}"
