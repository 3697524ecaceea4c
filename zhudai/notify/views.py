"""The bell (my notifications) and, for administrators, the outbox with its delivery log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhudai.core import preferences
from zhudai.core.paging import CappedPaginator

from . import services
from .choices import Status
from .models import Message, Notification

QUIET_PARAMETERS = ("sms_quiet_start", "sms_quiet_end")


@login_required
def inbox(request):
    rows = Notification.objects.filter(user=request.user)
    if request.GET.get("unread"):
        rows = rows.filter(read_at__isnull=True)
    page = CappedPaginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "notify/inbox.html", {"page": page, "unread_only": bool(request.GET.get("unread")),
                                                 "query": "unread=1" if request.GET.get("unread") else ""})


@login_required
def open_notification(request, pk):
    """Mark one notification read and go where it points."""
    item = get_object_or_404(Notification, pk=pk, user=request.user)
    services.mark_read(request.user, [item.pk])
    target = item.url if item.url and url_has_allowed_host_and_scheme(item.url, allowed_hosts={request.get_host()}) else None
    return redirect(target or "notify:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_read(request.user)
    messages.success(request, _("已将 %(n)d 条消息标为已读。") % {"n": count})
    return redirect("notify:inbox")


@login_required
@permission_required("notify.manage", raise_exception=True)
def outbox(request):
    quiet_form = preferences.PreferenceForm(QUIET_PARAMETERS, request.POST if request.method == "POST" else None)
    if quiet_form.is_bound and quiet_form.is_valid():
        preferences.save(request.user, quiet_form.cleaned_data)
        messages.success(request, _("短信免打扰时段已保存。"))
        return redirect("notify:outbox")
    status = request.GET.get("status", Status.FAILED)
    rows = Message.objects.all() if status == "all" else Message.objects.filter(status=status)
    page = CappedPaginator(rows.select_related("user"), 50).get_page(request.GET.get("page"))
    counts = services.count_by_status()
    tabs = [(value, label, counts.get(value, 0)) for value, label in Status.choices] + [("all", _("全部"), None)]
    return render(request, "notify/outbox.html", {"page": page, "status": status, "tabs": tabs,
                                                  "query": f"status={status}", "quiet_form": quiet_form})


@login_required
@permission_required("notify.manage", raise_exception=True)
def message_detail(request, pk):
    message = get_object_or_404(Message.objects.select_related("user"), pk=pk)
    return render(request, "notify/message.html", {"message": message, "attempts": list(message.deliveries.all())})


@login_required
@require_POST
@permission_required("notify.manage", raise_exception=True)
def message_retry(request, pk):
    message = get_object_or_404(Message, pk=pk)
    if services.retry(request.user, message):
        messages.success(request, _("已重新排队发送。"))
    else:
        messages.warning(request, _("只有发送失败或已取消的消息可以重发。"))
    return redirect("notify:message", pk)
