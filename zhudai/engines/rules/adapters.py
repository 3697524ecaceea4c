"""What a domain app (or another engine) tells the rules engine about a model it may watch.

Apps subclass `RuleSubject` and register it with `registry.register_rule_subject(...)` in their
AppConfig.ready(); the engine reads records only through these methods and the querysets they
return, so time rules stay set-based (one indexed range per rule and tick).
"""


class RuleSubject:
    key = ""  # "customer", "loan_application", "task"
    label = ""
    model = None

    def queryset(self):
        """Every record the engine may look at (the scheduler runs with system rights)."""
        return self.model.objects.all()

    def time_fields(self):
        """{name: label} of the datetime fields a time rule may be relative to (indexed)."""
        return {}

    def annual_fields(self):
        """{name: label} of date fields a yearly rule may use (a birthday)."""
        return {}

    def events(self):
        """{name: label} of the events the app emits for this model (rules.services.emit)."""
        return {}

    def lunar_fields(self, field):
        """(flag field, MMDD field) when records may keep the yearly date `field` in the lunar calendar."""
        return None

    def activity_field(self):
        """(field, fallback) whose later value says when the record last saw activity, or None."""
        return None

    def assignment_field(self):
        """The datetime field set when the record got its current owner, or None: inactivity rules
        may count from it ("not followed up within 2 hours of assignment")."""
        return None

    def customer(self, record):
        """The customer the record is about (a follow-up task is scheduled on it), or None."""
        return None

    def schema(self):
        return {}

    def labels(self):
        return {}

    def values(self, record):
        return {}

    def owner(self, record):
        return None

    def describe(self, record):
        return str(record)

    def url(self, record):
        return ""

    def context(self, record):
        """What message templates may print, sensitive values masked: {"name": …, "owner": …}."""
        return {"record": self.describe(record)}

    def settable_fields(self):
        """{name: label} an action may set."""
        return {}

    def set_field(self, actor, record, name, value):
        raise NotImplementedError

    def assign(self, actor, record, user):
        raise NotImplementedError
