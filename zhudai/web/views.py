"""Home page (工作台) and the error pages: a clear Chinese message, never a traceback."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from zhudai.customers.queries import home_lists


@login_required
def home(request):
    from zhudai.engines.flow import queries as flow_queries

    context = home_lists(request.user, timezone.now())
    context["tasks"] = flow_queries.with_subjects(list(flow_queries.pending(request.user)[:8]))
    context["task_count"] = flow_queries.pending_count(request.user)
    return render(request, "web/home.html", context)


def health(request):
    """Liveness check for load balancers and monitors: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


def forbidden(request, exception=None):
    return render(request, "web/error.html", {"code": 403, "message": "您没有执行此操作的权限。"}, status=403)


def not_found(request, exception=None):
    return render(request, "web/error.html", {"code": 404, "message": "页面不存在，或您无权查看。"}, status=404)


def server_error(request):
    return render(request, "web/error.html", {"code": 500, "message": "系统出错了，请稍后再试；问题已记录。"}, status=500)
