"""Who is acting, from where, under which request id: set per request, CLI run or job.

Service functions read this to stamp audit events, so a change made by the importer, the
scheduler or a command is recorded with its real actor instead of being silently skipped.
"""

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ActorContext:
    user: object = None  # accounts.User or None for the system
    label: str = "system"  # shown when there is no user: "system", "cli", "scheduler"
    ip: str | None = None
    request_id: str = ""


_current = contextvars.ContextVar("zhudai_actor", default=ActorContext())


def current():
    return _current.get()


def new_request_id():
    return uuid.uuid4().hex[:16]


@contextmanager
def acting(user=None, *, label=None, ip=None, request_id=None):
    """Run a block as `user` (or the system with `label`), e.g. a CLI command or a job."""
    base = current()
    ctx = replace(
        base,
        user=user,
        label=label or (getattr(user, "username", None) or base.label),
        ip=ip if ip is not None else base.ip,
        request_id=request_id or base.request_id or new_request_id(),
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
