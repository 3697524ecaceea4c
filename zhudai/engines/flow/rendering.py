"""The to-do list's rows, rendered in Python.

Everyone opens the to-do center many times a day. With 30 rows, the template's per-row branches,
translations and time filters cost ~40 ms per page on a 2-core machine (the queries ~3 ms), so the
rows are built here from format strings with every text escaped, as the customer list does.
"""

from html import escape

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def remaining(due, now):
    """"剩余 5小时" / "已超时 2天" for a deadline, in whole units (the list needs no minutes past an hour)."""
    seconds = int((due - now).total_seconds())
    late = seconds < 0
    seconds = abs(seconds)
    days, hours, minutes = seconds // 86400, seconds // 3600 % 24, seconds // 60 % 60
    if days:
        text = _("%(d)d天%(h)d小时") % {"d": days, "h": hours} if hours else _("%(d)d天") % {"d": days}
    elif hours:
        text = _("%(h)d小时%(m)d分钟") % {"h": hours, "m": minutes} if minutes else _("%(h)d小时") % {"h": hours}
    else:
        text = _("%(m)d分钟") % {"m": max(minutes, 1)}
    if late:
        return f'<span class="overdue">{escape(_("已超时"))} {escape(text)}</span>'
    return f"{escape(_('剩余'))} {escape(text)}"


def _local(moment, fmt):
    return timezone.localtime(moment).strftime(fmt) if moment else ""


def rows_html(tab, items, *, csrf_token, back, act_url, claim_url, assign_url, colleagues=None):
    """HTML of the list for `tab`; `items` are (row, {"text", "url"}) pairs from queries.with_subjects;
    the *_url arguments are URL patterns with a 0 where the task id goes."""
    now = timezone.now()
    words = {key: escape(value) for key, value in {
        "arrived": _("到达"), "approve": _("通过"), "detail": _("详情"), "comment": _("意见（可选）"),
        "materials": _("补充材料"), "go_materials": _("去补充材料"), "claim": _("认领"), "assign": _("分配"),
        "assign_to": _("分配给"), "select": _("选择"), "new": _("新"), "now_at": _("当前环节"),
        "submitted": _("提交于"), "comment_label": _("意见"),
    }.items()}
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
    options = "".join(f'<option value="{u.pk}">{escape(u.display_name)}{"（" + escape(str(u.role)) + "）" if u.role_id else ""}</option>'
                      for u in colleagues or ())
    out = []
    for row, subject in items:
        subject = subject or {"text": _("（已删除）"), "url": "#"}
        link = f'<a href="{escape(subject["url"])}#process">{escape(subject["text"])}</a>'
        if tab == "submitted":
            status = {"running": "", "approved": " green"}.get(row.status, " gray")
            out.append(f'<div class="panel todo-item"><div class="todo-head">{link} <span class="badge{status}">'
                       f'{escape(row.get_status_display())}</span></div><div class="small muted">{words["now_at"]}：'
                       f'{escape(row.current_name or "-")} · {words["submitted"]} {_local(row.started_at, "%Y-%m-%d %H:%M")}'
                       f"</div></div>")
            continue
        if tab == "copied":
            new = f' <span class="badge">{words["new"]}</span>' if not row.read_at else ""
            out.append(f'<div class="panel todo-item"><div class="todo-head">{link}{new}</div><div class="small muted">'
                       f'{escape(row.node_name)} · {_local(row.created_at, "%Y-%m-%d %H:%M")}</div></div>')
            continue
        if tab == "handled":
            tone = {"approve": " green", "reject": " red"}.get(row.outcome, " amber")
            comment = f" · {escape(row.comment[:60])}" if row.comment else ""
            out.append(f'<div class="panel todo-item"><div class="todo-head">{link} <span class="badge gray">'
                       f'{escape(row.node_name)}</span> <span class="badge{tone}">{escape(row.get_outcome_display())}'
                       f'</span></div><div class="small muted">{_local(row.completed_at, "%Y-%m-%d %H:%M")}{comment}'
                       f"</div></div>")
            continue
        materials = row.kind == "materials"
        check = (f'<input type="checkbox" class="row-check" value="{row.pk}" form="bulk-approve" '
                 f'aria-label="{words["select"]}">') if tab == "pending" and not materials else ""
        badge = f'{escape(row.node_name)}{" · " + words["materials"] if materials else ""}'
        role = f' <span class="badge gray">{escape(str(row.candidate_role))}</span>' if row.candidate_role_id else ""
        due = f" · {remaining(row.due_at, now)}" if row.due_at else ""
        note = f" · {escape(row.note)}" if row.note else ""
        parts = [f'<div class="panel todo-item" id="task-{row.pk}"><div class="todo-head">{check}{link} '
                 f'<span class="badge{" amber" if materials else ""}">{badge}</span>{role}</div>'
                 f'<div class="small muted">{words["arrived"]} {_local(row.created_at, "%m-%d %H:%M")}{due}{note}</div>']
        if tab == "pending" and materials:
            parts.append(f'<a class="btn btn-sm" href="{escape(subject["url"])}#process">{words["go_materials"]}</a>')
        elif tab == "pending":
            parts.append(f'<form method="post" action="{act_url.replace("/0/", f"/{row.pk}/")}" class="quick-approve">'
                         f'{csrf}<input type="hidden" name="action" value="approve">'
                         f'<input type="hidden" name="next" value="{escape(back)}">'
                         f'<input type="text" name="comment" placeholder="{words["comment"]}" '
                         f'aria-label="{words["comment_label"]}"><button class="btn btn-primary" type="submit">'
                         f'{words["approve"]}</button><a class="btn" href="{escape(subject["url"])}#process">'
                         f'{words["detail"]}</a></form>')
        else:
            parts.append(f'<form method="post" action="{claim_url.replace("/0/", f"/{row.pk}/")}" '
                         f'style="display:inline">{csrf}<button class="btn btn-sm btn-primary" type="submit">'
                         f'{words["claim"]}</button></form>')
            if colleagues is not None:
                parts.append(f'<form method="post" action="{assign_url.replace("/0/", f"/{row.pk}/")}" '
                             f'style="display:inline-flex;gap:4px">{csrf}<select name="to_user" '
                             f'aria-label="{words["assign_to"]}" style="width:auto">{options}</select>'
                             f'<button class="btn btn-sm" type="submit">{words["assign"]}</button></form>')
        parts.append("</div>")
        out.append("".join(parts))
    return mark_safe("".join(out))  # noqa: S308  every value above is escaped
