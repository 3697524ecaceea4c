"""Login and the settings pages for users, org units, roles and staff handover."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import HandoverForm, LoginForm, RoleForm, UnitForm, UserForm
from .models import OrgUnit, Role, User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def _errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@permission_required("user.manage", raise_exception=True)
def user_list(request):
    users = User.objects.select_related("org_unit", "role").order_by("-is_active", "org_unit_id", "username")
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(Q(username__icontains=q) | Q(name__icontains=q))
    if request.GET.get("status") == "inactive":
        users = users.filter(is_active=False)
    elif request.GET.get("status") != "all":
        users = users.filter(is_active=True)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "q": q, "status": request.GET.get("status", "")})


@login_required
@permission_required("user.manage", raise_exception=True)
def user_edit(request, pk=None):
    user = get_object_or_404(User, pk=pk) if pk else User()
    before = services.user_snapshot(user) if pk else None
    form = UserForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_user(request.user, form.save(commit=False), before,
                               password=form.cleaned_data.get("password") or None)
        except ValidationError as exc:
            _errors(form, exc) if hasattr(exc, "error_dict") else form.add_error("password", exc.messages)
        else:
            messages.success(request, _("用户“%(u)s”已保存。") % {"u": user.display_name})
            return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form, "target": user})


@login_required
@permission_required("user.manage", raise_exception=True)
@require_POST
def user_toggle_active(request, pk):
    user = get_object_or_404(User, pk=pk)
    try:
        if user.is_active:
            services.deactivate_user(request.user, user)
            messages.success(request, _("已停用“%(u)s”：不能再登录，也不会再分配新工作。") % {"u": user.display_name})
        else:
            before = services.user_snapshot(user)
            user.is_active = True
            services.save_user(request.user, user, before)
            messages.success(request, _("已启用“%(u)s”。") % {"u": user.display_name})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("accounts:users")


@login_required
@permission_required("user.manage", raise_exception=True)
def unit_list(request):
    units = list(OrgUnit.objects.annotate(member_count=Count("members", filter=Q(members__is_active=True))))
    children = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    rows = []

    def walk(parent_id, depth):
        for unit in children.get(parent_id, []):
            rows.append((unit, depth))
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return render(request, "accounts/unit_list.html", {"rows": rows})


@login_required
@permission_required("user.manage", raise_exception=True)
def unit_edit(request, pk=None):
    unit = get_object_or_404(OrgUnit, pk=pk) if pk else OrgUnit()
    before = services.unit_snapshot(unit) if pk else None
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_unit(request.user, form.save(commit=False), before)
        except ValidationError as exc:
            form.add_error("parent", exc.messages)
        else:
            messages.success(request, _("组织“%(n)s”已保存。") % {"n": unit.name})
            return redirect("accounts:units")
    return render(request, "accounts/unit_form.html", {"form": form, "unit": unit})


@login_required
@permission_required("user.manage", raise_exception=True)
@require_POST
def unit_delete(request, pk):
    unit = get_object_or_404(OrgUnit, pk=pk)
    try:
        services.delete_unit(request.user, unit)
        messages.success(request, _("组织“%(n)s”已删除。") % {"n": unit.name})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("accounts:units")


@login_required
@permission_required("user.manage", raise_exception=True)
def role_list(request):
    roles = Role.objects.annotate(user_count=Count("user", filter=Q(user__is_active=True)))
    return render(request, "accounts/role_list.html", {"roles": roles})


@login_required
@permission_required("user.manage", raise_exception=True)
def role_edit(request, pk=None):
    role = get_object_or_404(Role, pk=pk) if pk else Role()
    before = services.role_snapshot(role) if pk else None
    form = RoleForm(request.POST or None, instance=role)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_role(request.user, form.save(commit=False), before)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("角色“%(n)s”已保存。") % {"n": role.name})
            return redirect("accounts:roles")
    return render(request, "accounts/role_form.html", {"form": form, "role": role})


@login_required
@permission_required("user.handover", raise_exception=True)
def handover(request):
    form = HandoverForm(request.POST or None, initial={"from_user": request.GET.get("from")})
    if request.method == "POST" and form.is_valid():
        if request.POST.get("confirm") != "1":
            from_user = form.cleaned_data["from_user"]
            preview = {"customers": from_user.customers.count(),
                       "open_follow_ups": from_user.customers.filter(next_follow_up_at__isnull=False).count(),
                       "open_tasks": from_user.flow_tasks.filter(status="open").count(),
                       "applications": from_user.loan_applications.count()}
            return render(request, "accounts/handover.html", {"form": form, "preview": preview})
        try:
            counts = services.handover(request.user, form.cleaned_data["from_user"], form.cleaned_data["to_user"],
                                       deactivate=form.cleaned_data["deactivate"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("交接完成：%(c)d 位客户、%(f)d 条待跟进、%(a)d 笔贷款申请、%(t)d 项审批待办已转给 %(u)s。") % {
                "c": counts.get("customers", 0), "f": counts.get("open_follow_ups", 0),
                "a": counts.get("applications", 0), "t": counts.get("open_tasks", 0),
                "u": form.cleaned_data["to_user"].display_name})
            return redirect("accounts:users")
    return render(request, "accounts/handover.html", {"form": form})


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        from zhudai.audit.choices import Action
        from zhudai.audit.services import record

        record(Action.UPDATE, user, actor=user, object_type="user", extra={"password": "changed"})
        messages.success(request, _("密码已修改。"))
        return redirect("web:home")
    return render(request, "accounts/password_change.html", {"form": form})
