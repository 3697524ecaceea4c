"""Login, logout and failed-login events (Django's auth signals fire outside any service)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from zhudai.core.context import acting

from . import services
from .choices import Action


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    services.record(Action.LOGIN, user, actor=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        services.record(Action.LOGOUT, user, actor=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    with acting(None, label=f"{username or '?'}"):
        services.record(
            Action.LOGIN_FAILED, object_type="user", object_repr=username, extra={"username": username}
        )
