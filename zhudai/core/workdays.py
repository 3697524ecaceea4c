"""Working days and working hours with the Chinese holiday calendar.

chinese-calendar knows the State Council's holidays and the weekend days made into working days
(调休) for the years it was released with; for a year it does not know yet, Monday to Friday.
Working hours default to 09:00-18:00 (settings.WORK_DAY_START / WORK_DAY_END).
"""

import datetime

import chinese_calendar
from django.conf import settings
from django.utils import timezone


def is_workday(day):
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def _bounds(day, tz):
    start = datetime.datetime.combine(day, settings.WORK_DAY_START, tzinfo=tz)
    end = datetime.datetime.combine(day, settings.WORK_DAY_END, tzinfo=tz)
    return start, end


def add_working_hours(moment, hours):
    """The moment `hours` working hours after `moment` (aware), skipping nights, weekends and holidays."""
    tz = timezone.get_current_timezone()
    current = timezone.localtime(moment, tz)
    remaining = datetime.timedelta(hours=float(hours))
    for _guard in range(3660):  # ten years of days: a limit, never reached by a real time limit
        day = current.date()
        start, end = _bounds(day, tz)
        if is_workday(day) and current < end:
            current = max(current, start)
            available = end - current
            if remaining <= available:
                return current + remaining
            remaining -= available
        current = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
    raise ValueError("time limit too long")


def deadline(moment, hours, working_hours=False):
    """The due time of a limit of `hours` from `moment`: plain hours or working hours."""
    if not hours:
        return None
    if working_hours:
        return add_working_hours(moment, hours)
    return moment + datetime.timedelta(hours=float(hours))
