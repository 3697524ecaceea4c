"""Importing customers from a sheet: clean > check > dedupe > write, a chunk at a time.

The importer in `zhudai.io` owns the run (file, chunks, transactions, progress, resume, rollback);
this module owns what a customer row means. A chunk is processed as a whole so that duplicate
lookups are a few batched queries and new customers go in with one bulk insert.
"""

import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from zhudai.core import chinese
from zhudai.core.bulk import RowWriter, allocate_ids
from zhudai.engines.rules import services as rules
from zhudai.security import masking
from zhudai.security.crypto import cipher

from . import services
from .assignment import BatchAssigner, save_turns
from .models import Customer, Stage, Tag
from .spreadsheet import SENSITIVE, columns_for

LOOKUP_BATCH = 2000
# Values a row may fill in on an existing customer (update policy); identity follows the ID number.
UPDATABLE = [f.attname for f in Customer._meta.concrete_fields
             if f.attname not in {"id", "name_initials", "id_number_bidx", "mobile_bidx", "backup_phone_bidx",
                                  "bank_card_bidx", "org_unit_id", "created_at", "updated_at", "created_by_id",
                                  "last_follow_up_at", "custom_fields"}]


class _Lead:
    """A cleaned row as the assignment rules read a customer."""

    def __init__(self, data):
        self.channel_id = data.get("channel")
        self.id_number = data.get("id_number") or ""
        self.city, self.native_region = data.get("city") or "", data.get("native_region") or ""
        self.current_address = data.get("current_address") or ""


@dataclass
class Prepared:
    out: "Outcome"
    creates: list  # (Excel row, prepared table row without id, tag names)
    updates: list  # (Excel row, cleaned data, customer id)
    turns: dict = field(default_factory=dict)  # round-robin rule id -> last user given a lead


@dataclass
class Outcome:
    """What a chunk did (or, in a dry run, would do)."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    issues: list = field(default_factory=list)  # (row, column, message, kind)
    records: list = field(default_factory=list)  # (first id, last id, first row, created, before)
    preview: list = field(default_factory=list)  # [(row, {label: shown value})]

    def fail(self, row, column, message):
        self.failed += 1
        self.issues.append((row, column, message, "failed"))

    def skip(self, row, message):
        self.skipped += 1
        self.issues.append((row, "", message, "skipped"))


class CustomerImport:
    target = "customer"

    def __init__(self, run, user, *, preview_rows=20):
        self.run, self.user = run, user
        self.columns = {c.key: c for c in columns_for(user)}
        header = run.header
        self.mapped = [(int(index), self.columns[key], header[int(index)] if int(index) < len(header) else key)
                       for index, key in sorted(run.mapping.items(), key=lambda kv: int(kv[0]))
                       if key in self.columns]
        self.header_of = {column.key: text for _i, column, text in self.mapped}
        self.cleaners = [(index, column.key, column.clean, text) for index, column, text in self.mapped]
        self.cipher = cipher()
        self.seen = {}  # blind index -> first Excel row with it (duplicates within the file)
        self.preview_rows = preview_rows
        self._previewed = []
        self.default_stage = Stage.objects.order_by("order", "id").values_list("pk", flat=True).first()
        from zhudai.accounts.models import User
        from zhudai.engines.forms.models import FieldDefinition

        self.user_units = dict(User.objects.values_list("pk", "org_unit_id"))
        self.assignable = self._assignable_owner_ids()
        self.default_owner = run.owner_id or (user.pk if user is not None and user.pk else None)
        self.assigner = BatchAssigner() if run.assign_by_rules else None
        self.required_custom = [f"cf:{d.key}" for d in FieldDefinition.objects.for_model("customer").filter(required=True)
                                if f"cf:{d.key}" in self.columns]
        self.can_reveal = {kind: masking.can_reveal(user, kind) if user is not None else True
                           for kind in ("id_number", "phone", "bank_card")}
        self.tags = {}
        self.fields = [f for f in Customer._meta.concrete_fields]
        self.writer = RowWriter(Customer, [f.attname for f in self.fields])
        self.position = {f.attname: n for n, f in enumerate(self.fields)}
        # Defaults, already in the form the cursor takes; _insert_rows prepares only what it sets.
        self.template = self.writer.prepared([None if f.primary_key else f.get_default() for f in self.fields])
        self.prep = self.writer.preparers

    def _assignable_owner_ids(self):
        """Owners this importer may give customers to (None: anyone, for the system)."""
        from zhudai.accounts.models import User

        if self.user is None or not self.user.pk:
            return None
        return set(User.objects.assignable_by(self.user).values_list("pk", flat=True))

    # -- cleaning --------------------------------------------------------------------------------
    def clean(self, values):
        data, errors = {}, []
        for index, key, clean, header in self.cleaners:
            raw = values[index]
            if raw.__class__ is str:
                if not raw or raw.isspace():
                    continue
            elif raw is None:
                continue
            try:
                data[key] = clean(raw)
            except ValidationError as exc:
                errors.append((header, "；".join(exc.messages)))
        info = data.get("id_number")
        if info is not None:
            data["id_number"] = info.number
            data["birth_date"], data["gender"], data["native_region"] = info.birth_date, info.gender, info.region
        if data.get("rate_min") is not None and data.get("rate_max") is not None and data["rate_min"] > data["rate_max"]:
            errors.append((self.header_of.get("rate_max", ""), _("利率上限不能低于下限。")))
        owner = data.get("owner")
        if owner is not None and self.assignable is not None and owner not in self.assignable:
            errors.append((self.header_of.get("owner", ""), _("你无权把客户分配给该业务员。")))
        return data, errors

    def keys(self, data):
        """Blind indexes this row is known by: ID number and phones. Kept on the row (the insert
        stores them) so each is computed once."""
        found = []
        hashes = data.setdefault("__hashes", {})
        for name in ("id_number", "mobile", "backup_phone", "bank_card"):
            value = data.get(name)
            if value:
                h = hashes[name] = self.cipher.blind_index(SENSITIVE[name], value)
                if name != "bank_card":
                    found.append((name, h))
        return found

    # -- one chunk ----------------------------------------------------------------------------------
    def process(self, rows, *, write, policy):
        """rows: [(excel row number, values)]. Returns an Outcome; writes only when `write`."""
        prepared = self.prepare(rows, policy=policy, for_write=write)
        return self.write(prepared) if write else prepared.out

    def prepare(self, rows, *, policy, for_write=True):
        """Everything but the database writes, so that a writer thread can insert one chunk while
        the next is prepared: clean, dedupe, classify, and build the encrypted insert rows."""
        out = Outcome()
        cleaned, seen = [], self.seen
        for number, values in rows:
            data, errors = self.clean(values)
            if errors:
                for column, message in errors:
                    out.issues.append((number, column, message, "failed"))
                out.failed += 1
                continue
            keys = self.keys(data)
            earlier = None
            for _k, h in keys:
                if h in seen:
                    earlier = seen[h]
                    break
            if earlier is not None:
                message = _("与文件第 %(row)d 行是同一客户（身份证号或手机号相同）。") % {"row": earlier}
                out.fail(number, "", message) if policy == "report" else out.skip(number, message)
                continue
            for _k, h in keys:
                seen[h] = number
            cleaned.append((number, data, keys))
        existing = self._existing([key for _n, _d, keys in cleaned for key in keys])
        visible = set()
        if existing and policy == "update":
            ids = set(existing.values())
            visible = ids if self.user is None else set(
                Customer.objects.visible_to(self.user, "customer.change").filter(pk__in=ids).values_list("pk", flat=True))
        creates, updates = [], []
        for number, data, keys in cleaned:
            matches = {existing[h] for _k, h in keys if h in existing} if existing else None
            if not matches:
                missing = self._missing_required(data)
                if missing:
                    out.fail(number, missing, _("必填项“%(f)s”为空。") % {"f": missing})
                    continue
                creates.append((number, data))
            elif len(matches) > 1:
                out.fail(number, "", _("身份证号和手机号分别属于不同的已有客户，请人工核对。"))
            elif policy == "report":
                out.fail(number, "", _("与已有客户重复（身份证号或手机号相同）。"))
            elif policy == "update" and next(iter(matches)) in visible:
                updates.append((number, data, next(iter(matches))))
            elif policy == "update":
                out.skip(number, _("已存在于其他业务员的客户中，无权更新，已跳过。"))
            else:
                out.skip(number, _("已有该客户（身份证号或手机号相同），已跳过。"))
        for number, data in creates[: max(0, self.preview_rows - len(self._previewed))]:
            self._previewed.append(number)
            out.preview.append((number, _("新建"), self.shown(data)))
        if not for_write:
            out.created += len(creates)
            out.updated += len(updates)
            for number, data, _pk in updates[: max(0, self.preview_rows - len(self._previewed))]:
                self._previewed.append(number)
                out.preview.append((number, _("更新"), self.shown(data)))
            return Prepared(out, [], [])
        rows = self._insert_rows(creates)
        return Prepared(out, rows, updates, self.assigner.turns() if self.assigner else {})

    def write(self, prepared):
        """The chunk's writes, inside the caller's transaction (possibly in a writer thread)."""
        out = prepared.out
        save_turns(prepared.turns)
        self._create(prepared.creates, out)
        self._update(prepared.updates, out)
        return out

    def _missing_required(self, data):
        for key in ("name", "mobile", *self.required_custom):
            if not data.get(key):
                return self.header_of.get(key) or self.columns[key].label
        return None

    def _existing(self, keys):
        """{blind index: customer id} for the chunk's (field, hash) keys, in a few batched queries:
        ID numbers against the ID column, phones against both phone columns."""
        found = {}
        ids = list({h for name, h in keys if name == "id_number"})
        phones = list({h for name, h in keys if name != "id_number"})
        with connection.cursor() as cur:
            for hashes, columns in ((ids, ("id_number_bidx",)), (phones, ("mobile_bidx", "backup_phone_bidx"))):
                for start in range(0, len(hashes), LOOKUP_BATCH):
                    batch = hashes[start:start + LOOKUP_BATCH]
                    marks = ", ".join(["%s"] * len(batch))
                    for column in columns:
                        cur.execute(f"SELECT {column}, id FROM customers_customer WHERE {column} IN ({marks})", batch)
                        for h, pk in cur.fetchall():
                            found.setdefault(h, pk)
        return found

    def shown(self, data):
        """A row as it will be stored, for the preview: labels as keys, masked where the user may not see."""
        shown = {}
        for key, value in data.items():
            column = self.columns.get(key)
            if column is None or value in (None, "", []):
                continue
            if key in SENSITIVE and not self.can_reveal[SENSITIVE[key]]:
                value = masking.mask(SENSITIVE[key], value)
            elif isinstance(value, dict) and "c" in value:
                value = "******"
            elif isinstance(value, list):
                value = "、".join(value)
            elif column.choices and key in {"gender", "marital_status", "credit_rating", "loan_type"}:
                value = dict(Customer._meta.get_field(key).choices).get(value, value)
            elif key in ("owner", "stage", "channel"):
                value = self._lookup_name(key, value)
            shown[column.label] = str(value)
        return shown

    def _lookup_name(self, key, pk):
        from zhudai.customers.rendering import lookup_names

        names = lookup_names()
        if key == "owner":
            return names["users"].get(pk, pk)
        if key == "stage":
            return names["stages"].get(pk, (pk,))[0]
        return names["channels"].get(pk, pk)

    # -- writing --------------------------------------------------------------------------------
    def _slots(self):
        """Where each cleaned key goes in an insert row, worked out once per import: plain columns
        (position, preparer), encrypted ones (position, blind index position, kind), custom fields."""
        if not hasattr(self, "_slot_plan"):
            pos, prep = self.position, self.prep
            plain, sensitive, custom = [], [], []
            keys = [column.key for _i, column, _h in self.mapped] + ["birth_date", "gender", "native_region"]
            for key in dict.fromkeys(keys):
                if key.startswith("cf:"):
                    custom.append((key, key[3:]))
                elif key in SENSITIVE:
                    sensitive.append((key, pos[key], pos[f"{key}_bidx"], SENSITIVE[key]))
                elif key in ("owner", "stage", "channel"):
                    plain.append((key, pos[f"{key}_id"], None))
                elif key != "tags":
                    plain.append((key, pos[key], prep.get(key)))
            self._slot_plan = plain, sensitive, custom
        return self._slot_plan

    def _insert_rows(self, creates):
        """(Excel row, row for the customer table without its id, tag names) per new customer."""
        now = timezone.now()
        c = self.cipher
        pos, prep = self.position, self.prep
        plain, sensitive, custom_keys = self._slots()
        actor_id = self.user.pk if self.user is not None and self.user.pk else None
        now_db = prep["created_at"](now) if "created_at" in prep else now
        owner_at, assigned_at_at, unit_at = pos["owner_id"], pos["assigned_at"], pos["org_unit_id"]
        stage_at, initials_at, custom_at = pos["stage_id"], pos["name_initials"], pos["custom_fields"]
        created_at, updated_at, created_by_at = pos["created_at"], pos["updated_at"], pos["created_by_id"]
        built = []
        for number, data in creates:
            row = self.template.copy()
            get = data.get
            for key, at, p in plain:
                value = get(key)
                if value is not None:
                    row[at] = value if p is None else p(value)
            hashes = data.get("__hashes") or {}
            for key, at, bidx_at, kind in sensitive:
                value = get(key)
                if value:
                    row[at] = c.encrypt(value)
                    row[bidx_at] = hashes.get(key) or c.blind_index(kind, value)
            if custom_keys:
                custom = {name: get(key) for key, name in custom_keys if get(key) is not None}
                if custom:
                    row[custom_at] = prep["custom_fields"](custom)
            owner = get("owner") or (self.assigner.pick(_Lead(data)) if self.assigner else self.default_owner)
            row[owner_at] = owner
            row[assigned_at_at] = now_db if owner else None
            row[unit_at] = self.user_units.get(owner)
            row[stage_at] = get("stage") or self.default_stage
            row[initials_at] = chinese.pinyin_initials(data["name"])
            if "created_at" not in data:
                row[created_at] = now_db
            row[updated_at] = now_db
            row[created_by_at] = actor_id
            built.append((number, row, get("tags") or ()))
        return built

    def _create(self, creates, out):
        if not creates:
            return
        ids = allocate_ids(Customer, len(creates))
        id_column = self.position["id"]
        tag_rows = set()
        for pk, (number, row, tags) in zip(ids, creates):
            row[id_column] = pk
            tag_rows.update((pk, self._tag_id(name)) for name in tags)
        start = 0
        for n in range(1, len(ids) + 1):  # runs of consecutive ids: one undo record each
            if n == len(ids) or ids[n] != ids[n - 1] + 1:
                out.records.append((ids[start], ids[n - 1], creates[start][0], True, ""))
                start = n
        self.writer.insert([row for _n, row, _t in creates], prepared=True)
        if tag_rows:
            RowWriter(Customer.tags.through, ["customer_id", "tag_id"]).insert([list(r) for r in tag_rows])
        out.created += len(creates)
        rules.emit_many("customer", "created", ids)

    def _tag_id(self, name):
        if name not in self.tags:
            self.tags[name] = Tag.objects.get_or_create(name=name)[0].pk
        return self.tags[name]

    def _update(self, updates, out):
        """Fill in and overwrite with the sheet's non-empty values, through the same service as the form."""
        if not updates:
            return
        customers = Customer.objects.in_bulk([pk for _n, _d, pk in updates])
        for number, data, pk in updates:
            customer = customers[pk]
            before = services.snapshot(customer)
            old = {}
            for key, value in data.items():
                attname = f"{key}_id" if key in ("owner", "stage", "channel") else key
                if key.startswith("cf:"):
                    stored = dict(customer.custom_fields or {})
                    if stored.get(key[3:]) != value:
                        old.setdefault("custom_fields", customer.custom_fields)
                        stored[key[3:]] = value
                        customer.custom_fields = stored
                elif attname in UPDATABLE and getattr(customer, attname) != value:
                    old[attname] = getattr(customer, attname)
                    setattr(customer, attname, value)
            tags = None
            if data.get("tags"):
                current = set(customer.tags.values_list("name", flat=True))
                if not set(data["tags"]) <= current:
                    tags = list(Tag.objects.filter(pk__in=[self._tag_id(n) for n in set(data["tags"]) | current]))
            if not old and tags is None:
                out.skip(number, _("已有该客户，表格中的值与系统一致，无需更新。"))
                continue
            try:
                services.update_customer(self.user, customer, before, tags=tags)
            except ValidationError as exc:
                out.fail(number, "", "；".join(exc.messages))
                continue
            out.updated += 1
            out.records.append((pk, None, number, False,
                                self.cipher.encrypt(json.dumps(old, default=str, ensure_ascii=False))))

    # -- rollback -------------------------------------------------------------------------------
    def rollback(self, records):
        """Undo a run's records: delete the customers it created (unless someone has worked on them
        since: those are kept and counted), restore the values it overwrote."""
        removed = kept = restored = 0
        created = [pk for r in records if r.created for pk in r.ids]
        worked_on = set(Customer.objects.filter(pk__in=created, follow_ups__isnull=False).values_list("pk", flat=True))
        worked_on |= set(Customer.objects.filter(pk__in=created, attachments__isnull=False).values_list("pk", flat=True))
        for customer in Customer.objects.filter(pk__in=[pk for pk in created if pk not in worked_on]):
            services.delete_customer(self.user, customer)
            removed += 1
        kept = len(worked_on)
        for record in records:
            if record.created or not record.before:
                continue
            customer = Customer.objects.filter(pk=record.object_id).first()
            if customer is None:
                continue
            before = services.snapshot(customer)
            for attname, value in json.loads(self.cipher.decrypt(record.before)).items():
                model_field = Customer._meta.get_field(attname)
                setattr(customer, attname, value if value is None else model_field.to_python(value))
            services.update_customer(self.user, customer, before)
            restored += 1
        return {"removed": removed, "kept": kept, "restored": restored}
