"""Lead intake, assignment by rule, and the lead pool (公海).

A new lead without an owner goes through the assignment rules (first match by channel and region;
a member of the rule's team in turn, or the one with the fewest open leads); no rule matching, it
waits in the pool. Salespeople claim from the pool up to a daily limit; leads nobody followed up
for N days go back to it. Every claim, release and take-back is audited on the customer. Paused
and deactivated people are never chosen.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhudai.accounts.models import User
from zhudai.audit.choices import Action
from zhudai.audit.services import record, record_many
from zhudai.core import preferences
from zhudai.notify.services import notify_user

from . import services
from .models import AssignmentRule, Customer, PoolClaim


def open_leads(users):
    """{user id: number of their customers in stages not closed}."""
    return dict(Customer.objects.filter(owner__in=users, stage__is_closed=False).values_list("owner")
                .annotate(n=Count("id")).values_list("owner", "n"))


def members(rule):
    """The people of the rule's team who receive leads now: active, not paused, who work customers
    (view and add) but do not hand them out (the team lead, holding customer.assign, does that)."""
    users = User.objects.assignable().filter(org_unit=rule.team).select_related("role").order_by("id")
    return [u for u in users if u.has_perm("customer.view") and u.has_perm("customer.add")
            and not u.has_perm("customer.assign")]


def matches(rule, customer):
    if rule.channel_id and rule.channel_id != customer.channel_id:
        return False
    if rule.region:
        region = rule.region.strip()
        if region.isdigit():
            return bool(customer.id_number) and customer.id_number.startswith(region)
        return region in (customer.city or "") or region in (customer.native_region or "") or region in (
            customer.current_address or "")
    return True


def _next_in_turn(people, last_id):
    after = [u for u in people if last_id is None or u.pk > last_id]
    return (after or people)[0]


def _least_loaded(people, load):
    return min(people, key=lambda u: (load.get(u.pk, 0), u.pk))


def choose(customer):
    """(rule, user) for a new lead, or (None, None) when it goes to the pool."""
    for rule in AssignmentRule.objects.filter(is_active=True).select_related("team"):
        if not matches(rule, customer):
            continue
        people = members(rule)
        if not people:
            continue
        if rule.strategy == AssignmentRule.Strategy.LEAST_LOADED:
            return rule, _least_loaded(people, open_leads(people))
        # Round robin: the member after the last one given a lead, under a row lock on the rule.
        locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
        chosen = _next_in_turn(people, locked.last_assigned_id)
        AssignmentRule.objects.filter(pk=rule.pk).update(last_assigned=chosen)
        return rule, chosen
    return None, None


class BatchAssigner:
    """The same rules for many leads at once (an import): rules, members and loads are read once,
    turns and loads then kept in memory; `turns()` says where each round robin stopped, for the
    caller to save with its chunk (`save_turns`)."""

    def __init__(self):
        rules = [(rule, members(rule)) for rule in AssignmentRule.objects.filter(is_active=True).select_related("team")]
        self.rules = [(rule, people) for rule, people in rules if people]
        self.load = open_leads([u for _r, people in self.rules for u in people])
        self.last = {rule.pk: rule.last_assigned_id for rule, _p in self.rules}
        self.moved = set()

    def pick(self, customer):
        """The owner for a lead-like object (channel_id, id_number, city, native_region,
        current_address), or None for the pool."""
        for rule, people in self.rules:
            if not matches(rule, customer):
                continue
            if rule.strategy == AssignmentRule.Strategy.LEAST_LOADED:
                chosen = _least_loaded(people, self.load)
            else:
                chosen = _next_in_turn(people, self.last[rule.pk])
                self.last[rule.pk] = chosen.pk
                self.moved.add(rule.pk)
            self.load[chosen.pk] = self.load.get(chosen.pk, 0) + 1
            return chosen.pk
        return None

    def turns(self):
        return {pk: self.last[pk] for pk in self.moved}


def save_turns(turns):
    for pk, user_id in turns.items():
        AssignmentRule.objects.filter(pk=pk).update(last_assigned_id=user_id)


@transaction.atomic
def take_lead(actor, customer, *, tags=()):
    """A lead from the public form, the front desk or the API: an existing customer (same phone or ID
    number) is not duplicated, its owner is told instead; a new one is assigned by rule or pooled.
    Returns (customer, created)."""
    found = Customer.objects.filter(_same_person(customer)).select_related("owner").first()
    if found is not None:
        if found.owner_id:
            notify_user(found.owner, _("老客户再次咨询：%(n)s") % {"n": found.name},
                        _("来源：%(c)s") % {"c": customer.channel or _("未知")}, url=f"/customers/{found.pk}/",
                        related=f"customer:{found.pk}")
        record(Action.UPDATE, found, actor=actor, extra={"returning_lead": True,
                                                         "channel": str(customer.channel or "")})
        return found, False
    rule, owner = choose(customer)
    customer.owner = owner
    created = services.create_customer(actor, customer, tags=tags, unowned=owner is None)
    if owner is not None:
        record(Action.ASSIGN, created, actor=actor, changes={"owner": [None, owner.display_name]},
               extra={"rule": rule.name})
        notify_user(owner, _("新线索：%(n)s") % {"n": created.name}, _("按规则“%(r)s”分配给您") % {"r": rule.name},
                    url=f"/customers/{created.pk}/", related=f"customer:{created.pk}")
    else:
        record(Action.ASSIGN, created, actor=actor, changes={"owner": [None, _("公海")]},
               extra={"reason": _("没有匹配的分配规则")})
    return created, True


def _same_person(customer):
    from zhudai.security.fields import blind_index

    condition = Q(pk__in=[])
    if customer.id_number:
        condition |= Q(id_number_bidx=blind_index("id_number", customer.id_number))
    for phone in (customer.mobile, customer.backup_phone):
        if phone:
            condition |= Q(mobile_bidx=blind_index("phone", phone)) | Q(backup_phone_bidx=blind_index("phone", phone))
    return condition


# -- the pool -----------------------------------------------------------------------------------------


def pool():
    """Customers without an owner, in stages still open: what salespeople may claim."""
    return Customer.objects.filter(owner__isnull=True, stage__is_closed=False).select_related("stage", "channel")


def claims_today(user):
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return PoolClaim.objects.filter(user=user, claimed_at__gte=start).count()


@transaction.atomic
def claim(user, customer_ids):
    """Take customers from the pool for oneself, up to the daily limit; returns how many were taken."""
    if not user.has_perm("customer.add"):
        raise ValidationError(_("您的角色不能从公海领取客户。"))
    limit = preferences.get("lead_pool_daily_limit")
    left = limit - claims_today(user)
    if left <= 0:
        raise ValidationError(_("今天已领取 %(n)d 位，达到每日上限。") % {"n": limit})
    taken = []
    for customer in pool().filter(pk__in=customer_ids).order_by("id")[:left]:
        # Compare-and-set: a colleague who claimed the same lead a moment earlier keeps it.
        now = timezone.now()
        if Customer.objects.filter(pk=customer.pk, owner__isnull=True).update(
                owner=user, org_unit=user.org_unit_id, assigned_at=now, updated_at=now):
            taken.append(customer)
    PoolClaim.objects.bulk_create([PoolClaim(user=user, customer=c) for c in taken])
    record_many(Action.ASSIGN, "customer", [(c.pk, c.name) for c in taken], actor=user,
                changes={"owner": [_("公海"), user.display_name]}, extra={"pool": "claim"})
    return len(taken)


@transaction.atomic
def release(actor, customers, *, reason=""):
    """Put customers back in the pool (the owner gives them up, or a lead reassigns)."""
    rows = [c for c in customers if c.owner_id]
    Customer.objects.filter(pk__in=[c.pk for c in rows]).update(owner=None, assigned_at=None, updated_at=timezone.now())
    for c in rows:
        record(Action.ASSIGN, c, actor=actor, changes={"owner": [c.owner.display_name, _("公海")]},
               extra={"pool": "release", "reason": reason})
    return len(rows)


@transaction.atomic
def take_back(now=None):
    """Leads whose owner has not followed up for the take-back days go back to the pool (set-based)."""
    now = now or timezone.now()
    days = preferences.get("lead_pool_take_back_days")
    cutoff = now - datetime.timedelta(days=days)
    # Counted from the later of the assignment and the last follow-up: a lead claimed yesterday is
    # not taken back because it was registered a month ago.
    stale = Customer.objects.filter(owner__isnull=False, stage__is_closed=False, stage__code="new").filter(
        Q(assigned_at__lt=cutoff) | Q(assigned_at__isnull=True, created_at__lt=cutoff)).filter(
        Q(last_follow_up_at__lt=cutoff) | Q(last_follow_up_at__isnull=True))
    rows = list(stale.values_list("pk", "name", "owner__name", "owner__username"))
    if not rows:
        return 0
    Customer.objects.filter(pk__in=[r[0] for r in rows]).update(owner=None, assigned_at=None, updated_at=now)
    by_owner = {}
    for pk, name, owner_name, username in rows:
        by_owner.setdefault(owner_name or username, []).append((pk, name))
    for owner, items in by_owner.items():
        record_many(Action.ASSIGN, "customer", items, changes={"owner": [owner, _("公海")]},
                    extra={"pool": "take_back", "days": days})
    return len(rows)
