"""Housekeeping run by the Huey scheduler."""

from django.core.management import call_command
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="3", minute="17"))
def clear_expired_sessions():
    """Expired sessions would otherwise pile up in the database forever."""
    call_command("clearsessions")

