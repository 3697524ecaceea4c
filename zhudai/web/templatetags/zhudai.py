from django import template

from zhudai.core.chinese import GENDER_MALE
from zhudai.core.paging import pagination_html

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


@register.simple_tag
def pagination(page, query=""):
    """{% pagination page query %}: the pager under a list (core.paging.pagination_html)."""
    return pagination_html(page, query or "")
