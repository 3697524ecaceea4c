"""The customer list's rows and filter panel, built for speed.

The list is the page people open most. Measured on a 2-core machine, each Django template
variable cost ~28 µs and each model instance ~0.5 ms per row with its related objects, so the
20 rows are read with `.values()` from the customer table alone and rendered here (every text
value escaped), and the filter panel, which changes only with the lookup tables, is cached per
user and query string.
"""

import hashlib
from functools import lru_cache
from html import escape

from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from zhudai.core.chinese import mask_phone
from zhudai.core.paging import pagination_html

# No joins: with a join SQLite may drive the query from the small stage table and sort a whole team.
# Stage, channel and owner names come from `lookup_names()` instead.
ROW_VALUES = ["id", "name", "mobile", "stage_id", "channel_id", "owner_id", "expected_amount",
              "next_follow_up_at", "created_at"]
LOOKUPS_VERSION_KEY = "customers:lookups-version"
PANEL_TTL = 300


def lookup_names():
    """{"stages": {id: (name, closed)}, "channels": {id: name}, "users": {id: name}}, cached with the
    lookup version that any change to these tables bumps."""
    key = f"customers:names:{lookups_version()}"
    names = cache.get(key)
    if names is None:
        from zhudai.accounts.models import User

        from .models import Channel, Stage

        names = {
            "stages": {pk: (name, closed) for pk, name, closed in Stage.objects.values_list("pk", "name", "is_closed")},
            "channels": dict(Channel.objects.values_list("pk", "name")),
            "users": {pk: name or username for pk, name, username in User.objects.values_list("pk", "name", "username")},
        }
        cache.set(key, names, PANEL_TTL)
    return names


def tags_by_customer(customer_ids):
    """{customer id: [tag names]} in one plain statement (the ORM's compile step cost more than the query)."""
    from .models import Customer, Tag

    through = Customer.tags.through._meta.db_table
    tag = Tag._meta.db_table
    marks = ", ".join(["%s"] * len(customer_ids))
    found = {}
    with connection.cursor() as cur:
        cur.execute(f"SELECT ct.customer_id, t.name FROM {through} ct JOIN {tag} t ON t.id = ct.tag_id "
                    f"WHERE ct.customer_id IN ({marks}) ORDER BY t.name", [int(i) for i in customer_ids])
        for customer_id, name in cur.fetchall():
            found.setdefault(customer_id, []).append(name)
    return found


ROW = (
    '<tr><td><input type="checkbox" class="row-check" value="{id}" aria-label="{name}"></td>'
    '<td><a href="{url}{id}/">{name}</a>{tags}</td><td>{mobile}</td>'
    '<td><span class="badge{closed}">{stage}</span></td><td class="hide-sm">{channel}</td>'
    '<td>{owner}</td><td class="num hide-sm">{amount}</td><td>{next}</td>'
    '<td class="hide-sm muted">{created}</td></tr>'
)


def table_html(page, sort, query, list_url):
    """The list's table and pager: what the page shows and what an HTMX sort or page swaps in."""
    return mark_safe(  # noqa: S308  each part is escaped where it is built
        f'<div class="table-wrap"><table class="data">{table_head(sort, query)}'
        f'<tbody>{rows_html(list(page), list_url)}</tbody></table></div>{pagination_html(page, query)}')


def rows_html(rows, list_url):
    """<tr> elements for the customer table. Every text value goes through html.escape; the ids,
    amounts and dates are formatted here from numbers and datetimes."""
    if not rows:
        return format_html('<tr><td colspan="9" class="muted">{}</td></tr>', _("没有符合条件的客户。"))
    tags = tags_by_customer([r["id"] for r in rows])
    names = lookup_names()
    now = timezone.now()
    tz = timezone.get_current_timezone()  # once: timezone.localtime() looks it up per call (~25 µs)
    pool = _("公海")
    url = escape(list_url)
    out = []
    for r in rows:
        next_at = r["next_follow_up_at"]
        next_html = ""
        if next_at:
            overdue = ' class="overdue"' if next_at < now else ""
            local = next_at.astimezone(tz)
            next_html = f'<span{overdue}>{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}</span>'
        amount = r["expected_amount"]
        stage, closed = names["stages"].get(r["stage_id"], ("", False))
        out.append(ROW.format(
            id=int(r["id"]), name=escape(r["name"]), url=url, mobile=escape(mask_phone(r["mobile"])),
            tags="".join(f' <span class="badge">{escape(t)}</span>' for t in tags.get(r["id"], ())),
            closed=" gray" if closed else "", stage=escape(stage),
            channel=escape(names["channels"].get(r["channel_id"], "")),
            owner=escape(names["users"].get(r["owner_id"], "") if r["owner_id"] else pool),
            amount=f"{amount:,.0f}" if amount is not None else "", next=next_html,
            created=r["created_at"].astimezone(tz).date().isoformat(),
        ))
    return mark_safe("".join(out))  # noqa: S308  every value above is escaped or formatted from a number


@lru_cache(maxsize=256)
def _table_head(language, sort, query):
    return mark_safe(render_to_string("customers/_list_head.html", {"sort": sort, "query": query}))  # noqa: S308


def table_head(sort, query):
    """The table's header row (sortable column links); it depends only on the sort, the query string
    and the language, so each combination is rendered once per process."""
    return _table_head(get_language(), sort, query)


def lookups_version():
    return cache.get_or_set(LOOKUPS_VERSION_KEY, 1, None)


def bump_lookups_version(**kwargs):
    """Connected to saves of the tables the panel lists (stages, channels, tags, users, fields, …)."""
    try:
        cache.incr(LOOKUPS_VERSION_KEY)
    except ValueError:
        cache.set(LOOKUPS_VERSION_KEY, 2, None)


def filter_panel(request, build_context):
    """The rendered filter panel and bulk-action toolbar, cached per user, query string and lookups."""
    digest = hashlib.sha1(request.GET.urlencode().encode()).hexdigest()[:16]
    key = f"customers:panel:{request.user.pk}:{lookups_version()}:{get_language()}:{digest}"
    html = cache.get(key)
    if html is None:
        html = render_to_string("customers/_filter_panel.html", build_context(), request=request)
        cache.set(key, html, PANEL_TTL)
    return html
