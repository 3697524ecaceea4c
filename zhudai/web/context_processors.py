"""The sidebar: sections shown only to users who may open them."""

from functools import lru_cache

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

NAV = [
    # label, url name, permission (None: every logged-in user), icon
    (_("工作台"), "web:home", None, "⌂"),
    (_("客户"), "customers:list", "customer.view", "👥"),
]
SETTINGS_NAV = [
    (_("用户"), "accounts:users", "user.manage"),
    (_("组织架构"), "accounts:units", "user.manage"),
    (_("角色与权限"), "accounts:roles", "user.manage"),
    (_("离职交接"), "accounts:handover", "user.handover"),
    (_("自定义字段"), "fields:list", "settings.fields"),
    (_("操作日志"), "audit:list", "audit.view"),
]


@lru_cache(maxsize=None)
def _url(name):
    return reverse(name)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    items = []
    for label, name, perm, icon in NAV:
        if perm is None or user.has_perm(perm):
            url = _url(name)
            active = path == url if url == "/" else path.startswith(url)
            items.append({"label": label, "url": url, "icon": icon, "active": active})
    settings_items = []
    for label, name, perm in SETTINGS_NAV:
        if user.has_perm(perm):
            url = _url(name)
            settings_items.append({"label": label, "url": url, "active": path.startswith(url)})
    return {"nav_items": items, "settings_items": settings_items}
