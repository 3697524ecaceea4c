"""What domain apps expose to the engines and to the permission system.

Engines never import domain apps: each app declares its models, permissions and fields here from
its AppConfig.ready(), and the engines (custom fields now; rules, reports and flow later) read it.
"""

from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass
class ModelEntry:
    key: str  # stable name used in stored definitions, e.g. "customer"
    model: type
    label: str | Promise
    custom_fields: bool = False
    # Names of encrypted fields with their masking kind: {"mobile": "phone", ...}
    sensitive_fields: dict = field(default_factory=dict)


@dataclass
class PermissionEntry:
    code: str  # "customer.view"
    label: str | Promise
    group: str | Promise


class Registry:
    def __init__(self):
        self.models: dict[str, ModelEntry] = {}
        self.permissions: dict[str, PermissionEntry] = {}
        # Callables (cipher, reindex) -> count, for encrypted data outside EncryptedField columns
        # (custom-field values, attachment files); run by `zhudai rotate-keys`.
        self.rotation_hooks: list = []
        # Callables (actor, from_user, to_user) -> {label: count}, run by the staff handover.
        self.handover_hooks: list = []
        # Workflow adapters by subject key: what the process engine knows of a domain model.
        self.workflows: dict = {}
        # Rule subjects by key: what the rules engine may watch (customers, loans, process tasks, …).
        self.rule_subjects: dict = {}

    def register_model(self, key, model, label, **options):
        self.models[key] = ModelEntry(key=key, model=model, label=label, **options)
        model._registry_key = key

    def register_permissions(self, group, entries):
        """entries: [(code, label), …] in display order."""
        for code, label in entries:
            self.permissions[code] = PermissionEntry(code=code, label=label, group=group)

    def register_workflow(self, adapter):
        """adapter: a `zhudai.engines.flow.adapters.WorkflowAdapter` for one model."""
        self.workflows[adapter.key] = adapter

    def workflow(self, key):
        return self.workflows[key]

    def register_rule_subject(self, adapter):
        """adapter: a `zhudai.engines.rules.adapters.RuleSubject` for one model."""
        self.rule_subjects[adapter.key] = adapter

    def model(self, key):
        return self.models[key]

    def custom_field_models(self):
        return [m for m in self.models.values() if m.custom_fields]

    def permission_groups(self):
        groups = {}
        for entry in self.permissions.values():
            groups.setdefault(str(entry.group), []).append(entry)
        return groups


registry = Registry()
