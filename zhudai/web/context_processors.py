"""The layout's moving parts: the sidebar (sections shown only to users who may open them), the
top bar and the page head.

The layout is on every page, so its pieces are built here: the sidebar once per language, visible
sections and active section (an in-process cache of a few dozen strings), the head's asset tags once
per process, the top bar per request with one CSRF token for the page, rather than by template tags
per request (each {% translate %} cost ~25 µs, and they were 40% of the layout's rendering).
"""

from functools import lru_cache
from html import escape

from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhudai.engines.flow.queries import pending_count
from zhudai.notify.services import unread_count

NAV = [
    # label, url name, permission (None: every logged-in user)
    (gettext_lazy("工作台"), "web:home", None),
    (gettext_lazy("客户"), "customers:list", "customer.view"),
    (gettext_lazy("公海"), "customers:pool", "customer.add"),
    (gettext_lazy("贷款申请"), "loans:list", "loan.view"),
    (gettext_lazy("待办"), "flow:todo", None),
]
TODO_URL = "flow:todo"
SETTINGS_NAV = [
    (gettext_lazy("用户"), "accounts:users", "user.manage"),
    (gettext_lazy("组织架构"), "accounts:units", "user.manage"),
    (gettext_lazy("角色与权限"), "accounts:roles", "user.manage"),
    (gettext_lazy("离职交接"), "accounts:handover", "user.handover"),
    (gettext_lazy("线索分配"), "assignment", "user.manage"),
    (gettext_lazy("自定义字段"), "fields:list", "settings.fields"),
    (gettext_lazy("审批流程"), "flow:definitions", "flow.manage"),
    (gettext_lazy("提醒规则"), "rules:list", "rules.manage"),
    (gettext_lazy("贷款产品"), "loans:products", "settings.products"),
    (gettext_lazy("合同模板"), "loans:templates", "settings.products"),
    (gettext_lazy("发送记录"), "notify:outbox", "notify.manage"),
    (gettext_lazy("操作日志"), "audit:list", "audit.view"),
]
ASSETS = {"css": "css/zhudai.css", "htmx": "vendor/htmx/htmx.min.js", "alpine": "vendor/alpinejs/alpine.min.js",
          "js": "js/zhudai.js", "icon": "favicon.svg"}


@lru_cache(maxsize=None)
def _url(name):
    return reverse(name)


@lru_cache(maxsize=1)
def _head():
    """The <head>'s icon, style sheet and scripts. Static names are fixed for the life of the
    process (a new collectstatic needs a restart anyway)."""
    a = {key: escape(static(path)) for key, path in ASSETS.items()}
    return mark_safe(  # noqa: S308  escaped above
        f'<link rel="icon" href="{a["icon"]}" type="image/svg+xml">\n  <link rel="stylesheet" href="{a["css"]}">\n'
        f'  <script src="{a["htmx"]}" defer></script>\n  <script src="{a["alpine"]}" defer></script>\n'
        f'  <script src="{a["js"]}" defer></script>')


@lru_cache(maxsize=16)
def _labels(language):
    """The layout's words, escaped once and marked safe: for the template and the top bar alike."""
    labels = {"site": _("助贷管理系统"), "nav": _("主导航"), "inbox": _("消息"), "password": _("修改密码"),
              "logout": _("退出")}
    return {key: mark_safe(escape(text)) for key, text in labels.items()}  # noqa: S308  escaped


def _topbar(labels, user, unread, token):
    """Messages (with the unread count), who is logged in, change password, log out."""
    badge = f' <span class="nav-count" style="float:none">{int(unread)}</span>' if unread else ""
    role = f" · {escape(str(user.role))}" if user.role_id else ""
    return mark_safe(  # noqa: S308  every text is escaped
        f'<a href="{escape(_url("notify:inbox"))}" class="bell" title="{labels["inbox"]}">{labels["inbox"]}{badge}</a>\n'
        f'      <span class="who">{escape(user.display_name)}{role}</span>\n'
        f'      <a href="{escape(_url("accounts:password"))}" class="small">{labels["password"]}</a>\n'
        f'      <form method="post" action="{escape(_url("logout"))}"><input type="hidden" name="csrfmiddlewaretoken" '
        f'value="{escape(token)}"><button class="btn btn-sm" type="submit">{labels["logout"]}</button></form>')


def _active(url, path):
    return path == url if url == "/" else path.startswith(url)


@lru_cache(maxsize=512)
def _sidebar(language, main, settings, todo_count=0):
    """main / settings: tuples of (index into NAV / SETTINGS_NAV, active); todo_count: the 待办 badge."""
    link = '<a href="{url}"{active}>{label}{badge}</a>'
    parts = [f'<a class="brand" href="{escape(_url("web:home"))}">{escape(_("助贷管理"))}</a>']
    for index, active in main:
        label, name, _perm = NAV[index]
        badge = f'<span class="nav-count">{todo_count}</span>' if name == TODO_URL and todo_count else ""
        parts.append(link.format(url=escape(_url(name)), active=' class="active"' if active else "",
                                 label=escape(str(label)), badge=badge))
    if settings:
        parts.append(f'<div class="group">{escape(_("设置"))}</div>')
        for index, active in settings:
            label, name, _perm = SETTINGS_NAV[index]
            parts.append(link.format(url=escape(_url(name)), active=' class="active"' if active else "",
                                     label=escape(str(label)), badge=""))
    return mark_safe("".join(parts))  # noqa: S308  every piece is escaped above


def navigation(request):
    labels = _labels(get_language())
    page = {"head": _head(), "labels": labels}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return page
    path = request.path
    shown = [(n, _url(name)) for n, (_l, name, perm) in enumerate(NAV) if perm is None or user.has_perm(perm)]
    # The longest matching address is the active one (/customers/pool/ is 公海, not 客户 as well).
    best = max((url for _n, url in shown if _active(url, path)), key=len, default=None)
    main = tuple((n, url == best) for n, url in shown)
    settings = tuple((n, path.startswith(_url(name))) for n, (_l, name, perm) in enumerate(SETTINGS_NAV)
                     if user.has_perm(perm))
    token = get_token(request)
    return {
        **page, "csrf_token": token,  # one token for the page (each {{ csrf_token }} masked it anew)
        "sidebar": _sidebar(get_language(), main, settings, min(pending_count(user), 99)),
        "topbar": _topbar(labels, user, unread_count(user), token),
    }
