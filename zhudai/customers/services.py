"""Every write to customers, follow-ups, related persons and attachments.

HTML views, the API, the importer and commands all call these functions; each runs in one
transaction and writes its audit event in it.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhudai.audit.choices import Action
from zhudai.audit.services import diff, record, record_change, record_many
from zhudai.core import chinese
from zhudai.core.uploads import check_upload, read_encrypted, store_encrypted
from zhudai.engines.rules import services as rules
from zhudai.security import masking
from zhudai.security.fields import blind_index

from .models import Attachment, Customer, FollowUp, RelatedPerson, Stage, Tag

AUDITED_FIELDS = [
    "name", "id_number", "gender", "birth_date", "native_region", "marital_status", "registered_address",
    "current_address", "city", "mobile", "backup_phone", "wechat", "occupation", "employer",
    "employer_address", "monthly_income", "credit_rating", "debts", "total_debt", "house", "vehicles",
    "bank_name", "bank_card", "loan_type", "expected_amount", "term_months", "purpose", "rate_min",
    "rate_max", "channel", "owner", "stage", "next_follow_up_at", "note", "sms_opt_out", "lunar_birthday",
    "custom_fields",
]
SENSITIVE = {"id_number": "id_number", "mobile": "phone", "backup_phone": "phone", "bank_card": "bank_card"}


def snapshot(customer):
    """Audit view of a customer: sensitive values masked, so the log never holds them in clear."""
    data = {}
    for name in AUDITED_FIELDS:
        value = getattr(customer, name)
        if name in SENSITIVE:
            value = masking.mask(SENSITIVE[name], value)
        elif hasattr(value, "pk"):
            value = str(value)
        elif name == "custom_fields":
            value = {k: ("***" if isinstance(v, dict) and "c" in v else v) for k, v in (value or {}).items()}
        data[name] = value
    return data


def apply_identity(customer):
    """Birth date, gender and native region follow from a valid ID number."""
    if customer.id_number:
        info = chinese.parse_id_number(customer.id_number)
        customer.id_number = info.number
        customer.birth_date = info.birth_date
        customer.gender = info.gender
        customer.native_region = info.region


@dataclass
class Duplicate:
    field: str  # "id_number" or "mobile"
    customer: Customer | None  # None when the match lies outside the user's data scope

    @property
    def message(self):
        what = _("身份证号") if self.field == "id_number" else _("手机号")
        if self.customer is None:
            return _("该%(what)s已存在于其他业务员的客户中，请联系主管处理。") % {"what": what}
        return _("该%(what)s已存在：%(name)s（%(owner)s）") % {
            "what": what, "name": self.customer.name,
            "owner": self.customer.owner.display_name if self.customer.owner else _("公海"),
        }


def find_duplicates(user, *, id_number="", phones=(), exclude_pk=None):
    """Existing customers with the same ID number or any of the phones, by blind index.

    Matches outside the user's scope are reported without saying whose customer they are.
    """
    conditions = Q()
    id_hash = blind_index("id_number", id_number) if id_number else None
    phone_hashes = {blind_index("phone", p) for p in phones if p}
    if id_hash:
        conditions |= Q(id_number_bidx=id_hash)
    if phone_hashes:
        conditions |= Q(mobile_bidx__in=phone_hashes) | Q(backup_phone_bidx__in=phone_hashes)
    if not conditions:
        return []
    matches = Customer.objects.filter(conditions)
    if exclude_pk:
        matches = matches.exclude(pk=exclude_pk)
    matches = list(matches.select_related("owner")[:10])
    visible = set(Customer.objects.visible_to(user).filter(pk__in=[m.pk for m in matches]).values_list("pk", flat=True))
    found = []
    for m in matches:
        field = "id_number" if id_hash and m.id_number_bidx == id_hash else "mobile"
        found.append(Duplicate(field, m if m.pk in visible else None))
    return found


def _check_assignee(user):
    if user is not None and not user.is_active:
        raise ValidationError(_("已停用的用户不能分配客户。"))


def _sync_owner(customer, previous_owner_id=None):
    """The org unit follows the owner (data scopes filter on it); a new owner starts the clock of
    "not followed up within N hours of assignment"."""
    customer.org_unit_id = customer.owner.org_unit_id if customer.owner_id else customer.org_unit_id
    if customer.owner_id != previous_owner_id:
        customer.assigned_at = timezone.now() if customer.owner_id else None


@transaction.atomic
def create_customer(actor, customer, *, tags=(), unowned=False):
    """Save a new customer built by a form, importer or API; owner defaults to the actor unless the
    lead is meant for the pool (`unowned`)."""
    apply_identity(customer)
    if customer.owner_id is None and actor is not None and actor.pk and not unowned:
        customer.owner = actor
    _check_assignee(customer.owner)
    _sync_owner(customer)
    if customer.stage_id is None:
        customer.stage = Stage.objects.order_by("order").first()
    customer.created_by = actor if getattr(actor, "pk", None) else None
    if customer.id_number and Customer.objects.filter(id_number_bidx=blind_index("id_number", customer.id_number)).exists():
        raise ValidationError({"id_number": _("该身份证号已存在客户档案。")})
    customer.save()
    if tags:
        customer.tags.set(tags)
    record(Action.CREATE, customer, actor=actor, changes={k: [None, v] for k, v in snapshot(customer).items() if v not in (None, "", {})})
    rules.emit("customer", "created", customer)
    return customer


@transaction.atomic
def update_customer(actor, customer, before, *, tags=None):
    """Save an edited customer; `before` is snapshot() taken before the edit was applied."""
    apply_identity(customer)
    _check_assignee(customer.owner)
    _sync_owner(customer, Customer.objects.filter(pk=customer.pk).values_list("owner_id", flat=True).first())
    if customer.id_number and Customer.objects.filter(
        id_number_bidx=blind_index("id_number", customer.id_number)
    ).exclude(pk=customer.pk).exists():
        raise ValidationError({"id_number": _("该身份证号已存在客户档案。")})
    customer.save()
    if tags is not None:
        old = sorted(customer.tags.values_list("name", flat=True))
        customer.tags.set(tags)
        before = {**before, "tags": old}
    after = snapshot(customer)
    if tags is not None:
        after["tags"] = sorted(t.name for t in tags)
    changes = record_change(customer, before, after, actor=actor)
    if changes:
        rules.emit("customer", "updated", customer, changed=changes)
        if "stage" in changes:
            rules.emit("customer", "stage_changed", customer, changed=changes)
    return customer


@transaction.atomic
def delete_customer(actor, customer):
    record(Action.DELETE, customer, actor=actor, changes={k: [v, None] for k, v in snapshot(customer).items() if v})
    for attachment in customer.attachments.all():
        attachment.file.delete(save=False)
    customer.delete()


@transaction.atomic
def assign_customers(actor, customers, owner, *, reason=""):
    """Give customers to `owner` (a salesperson); each change is audited on its customer."""
    _check_assignee(owner)
    if not owner.has_perm("customer.view"):
        raise ValidationError(_("%(user)s 没有查看客户的权限，不能接收客户。") % {"user": owner.display_name})
    moved = 0
    for customer in customers:
        if customer.owner_id == owner.pk:
            continue
        old = customer.owner.display_name if customer.owner_id else None
        now = timezone.now()
        Customer.objects.filter(pk=customer.pk).update(owner=owner, org_unit=owner.org_unit_id, assigned_at=now,
                                                       updated_at=now)
        record(Action.ASSIGN, customer, actor=actor, changes={"owner": [old, owner.display_name]},
               extra={"reason": reason} if reason else None)
        rules.emit("customer", "assigned", customer, changed=["owner"])
        moved += 1
    return moved


@transaction.atomic
def schedule_follow_up(actor, customer, when, *, reason=""):
    """Put a follow-up on the customer's calendar (下次跟进时间) unless an earlier one is already
    there; it then shows among the owner's follow-ups due. Returns the follow-up time that holds."""
    current = Customer.objects.filter(pk=customer.pk).values_list("next_follow_up_at", flat=True).first()
    if current is not None and current <= when:
        return current
    Customer.objects.filter(pk=customer.pk).update(next_follow_up_at=when, updated_at=timezone.now())
    customer.next_follow_up_at = when
    record(Action.UPDATE, customer, actor=actor, changes={"next_follow_up_at": [current, when]},
           extra={"reason": reason} if reason else None)
    return when


@transaction.atomic
def add_tag(actor, customers, tag):
    added = 0
    for customer in customers:
        if not customer.tags.filter(pk=tag.pk).exists():
            customer.tags.add(tag)
            record(Action.UPDATE, customer, actor=actor, changes={"tags": [None, f"+{tag.name}"]})
            added += 1
    return added


def get_or_create_tag(name):
    name = name.strip()[:30]
    if not name:
        raise ValidationError(_("标签名不能为空。"))
    return Tag.objects.get_or_create(name=name)[0]


@transaction.atomic
def add_follow_up(actor, customer, follow_up):
    """Record a contact; the customer's last and next follow-up times move with it."""
    follow_up.customer = customer
    follow_up.created_by = actor
    follow_up.save()
    Customer.objects.filter(pk=customer.pk).update(
        last_follow_up_at=follow_up.created_at, next_follow_up_at=follow_up.next_follow_up_at,
        updated_at=timezone.now(),
    )
    customer.last_follow_up_at = follow_up.created_at
    customer.next_follow_up_at = follow_up.next_follow_up_at
    record(Action.CREATE, follow_up, actor=actor, object_type="followup",
           object_repr=f"{customer.name}: {follow_up.get_kind_display()}",
           subject=customer, extra={"content": follow_up.content[:200]})
    return follow_up


def _related_snapshot(person):
    return {
        "relation": person.get_relation_display(), "name": person.name,
        "id_number": masking.mask("id_number", person.id_number), "mobile": masking.mask("phone", person.mobile),
        "employer": person.employer, "address": person.address, "note": person.note,
    }


@transaction.atomic
def save_related_person(actor, customer, person, before=None):
    if person.id_number:
        person.id_number = chinese.parse_id_number(person.id_number).number
    creating = person.pk is None
    person.customer = customer
    person.save()
    after = _related_snapshot(person)
    if creating:
        record(Action.CREATE, person, actor=actor, object_type="related_person",
               changes={k: [None, v] for k, v in after.items() if v}, subject=customer)
    else:
        record_change(person, before or {}, after, actor=actor, subject=customer, object_type="related_person")
    return person


@transaction.atomic
def delete_related_person(actor, person):
    record(Action.DELETE, person, actor=actor, object_type="related_person",
           changes={k: [v, None] for k, v in _related_snapshot(person).items() if v}, subject=person.customer)
    person.delete()


@transaction.atomic
def add_attachment(actor, customer, upload, kind, note=""):
    """Store an uploaded document encrypted under MEDIA_ROOT."""
    from django.conf import settings

    content_type = check_upload(upload, settings.ATTACHMENT_MAX_BYTES)
    data = b"".join(upload.chunks())
    attachment = Attachment(
        customer=customer, kind=kind, original_name=upload.name[:200], content_type=content_type,
        size=len(data), note=note, uploaded_by=actor,
    )
    store_encrypted(attachment.file, data)
    attachment.save()
    record(Action.CREATE, attachment, actor=actor, object_type="attachment",
           object_repr=f"{customer.name}: {attachment.original_name}",
           subject=customer, extra={"kind": kind, "size": len(data)})
    return attachment


def read_attachment(actor, attachment):
    """The decrypted file contents; every download is audited."""
    data = read_encrypted(attachment.file)
    record(Action.DOWNLOAD, attachment, actor=actor, object_type="attachment",
           object_repr=f"{attachment.customer.name}: {attachment.original_name}", subject=attachment.customer)
    return data


@transaction.atomic
def delete_attachment(actor, attachment):
    record(Action.DELETE, attachment, actor=actor, object_type="attachment",
           object_repr=f"{attachment.customer.name}: {attachment.original_name}", subject=attachment.customer)
    transaction.on_commit(lambda name=attachment.file.name, storage=attachment.file.storage: storage.delete(name))
    attachment.delete()


def reveal(actor, obj, field_name):
    """The full value of a sensitive field, if the actor's role may reveal that kind; audited."""
    field = obj._meta.get_field(field_name)
    if not masking.can_reveal(actor, field.kind):
        raise PermissionDenied
    value = getattr(obj, field_name)
    record(Action.REVEAL, obj, actor=actor, object_type=getattr(obj, "_registry_key", obj._meta.model_name),
           subject=getattr(obj, "customer", obj), extra={"field": field_name})
    return value


@transaction.atomic
def merge_customers(actor, keep, duplicate):
    """Fold `duplicate` into `keep`: empty fields filled, history moved, the duplicate deleted."""
    if keep.pk == duplicate.pk:
        raise ValidationError(_("不能把客户与自身合并。"))
    before = snapshot(keep)
    filled = []
    for name in AUDITED_FIELDS:
        if name in {"owner", "stage", "custom_fields"}:
            continue
        if getattr(keep, name) in (None, "") and getattr(duplicate, name) not in (None, ""):
            setattr(keep, name, getattr(duplicate, name))
            filled.append(name)
    keep.custom_fields = {**(duplicate.custom_fields or {}), **(keep.custom_fields or {})}
    moved = {
        "follow_ups": FollowUp.objects.filter(customer=duplicate).update(customer=keep),
        "related_persons": RelatedPerson.objects.filter(customer=duplicate).update(customer=keep),
        "attachments": Attachment.objects.filter(customer=duplicate).update(customer=keep),
    }
    keep.tags.add(*duplicate.tags.all())
    dup_id_number, dup_name, dup_pk = duplicate.id_number, duplicate.name, duplicate.pk
    duplicate.delete()
    if "id_number" in filled:
        keep.id_number = dup_id_number
    keep.save()
    record(Action.MERGE, keep, actor=actor, changes=diff(before, snapshot(keep)),
           extra={"merged_id": dup_pk, "merged_name": dup_name, "moved": moved, "filled": filled})
    return keep


def handover_customers(actor, from_user, to_user):
    """Registered handover hook: all of `from_user`'s customers (and their open follow-ups) go to `to_user`."""
    rows = list(Customer.objects.filter(owner=from_user).values_list("pk", "name", "next_follow_up_at"))
    now = timezone.now()
    Customer.objects.filter(pk__in=[pk for pk, _n, _t in rows]).update(
        owner=to_user, org_unit=to_user.org_unit_id, assigned_at=now, updated_at=now
    )
    record_many(
        Action.HANDOVER, "customer", [(pk, name) for pk, name, _t in rows], actor=actor,
        changes={"owner": [from_user.display_name, to_user.display_name]},
    )
    return {"customers": len(rows), "open_follow_ups": sum(1 for *_r, t in rows if t is not None)}


@transaction.atomic
def set_stage(actor, customer, code, *, reason=""):
    """Move a customer to the stage with `code` (e.g. when an application is submitted); audited."""
    stage = Stage.objects.filter(code=code).first()
    if stage is None or customer.stage_id == stage.pk:
        return False
    old = str(customer.stage)
    Customer.objects.filter(pk=customer.pk).update(stage=stage, updated_at=timezone.now())
    customer.stage = stage
    record(Action.UPDATE, customer, actor=actor, changes={"stage": [old, stage.name]},
           extra={"reason": reason} if reason else None)
    rules.emit("customer", "stage_changed", customer, changed=["stage"])
    return True
