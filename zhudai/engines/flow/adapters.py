"""What a domain app tells the process engine about one of its models.

The loans app subclasses `WorkflowAdapter` for loan applications and registers it with
`registry.register_workflow(...)` from its AppConfig.ready(); the engine reads subjects only
through these methods, so it never imports a domain app.
"""


class WorkflowAdapter:
    key = ""  # registry key, e.g. "loan_application"
    label = ""
    model = None

    # -- reading the subject --------------------------------------------------------------------
    def get(self, subject_id):
        return self.model.objects.get(pk=subject_id)

    def owner(self, subject):
        """The user responsible for the subject (handler rule "owner", materials requests)."""
        raise NotImplementedError

    def describe(self, subject):
        """A short text naming the subject in to-do lists: "ZD20261122-0001 张三 5万"."""
        return str(subject)

    def url(self, subject):
        raise NotImplementedError

    def summaries(self, subject_ids):
        """{id: {"text", "url"}} for to-do lists, in one query."""
        return {s.pk: {"text": self.describe(s), "url": self.url(s)}
                for s in self.model.objects.filter(pk__in=subject_ids)}

    def schema(self):
        """Field kinds for conditions: {"amount": "number", "customer": {"credit_rating": "string"}}."""
        return {}

    def labels(self):
        """{dotted field name: label} for the help beside condition boxes."""
        return {}

    def values(self, subject):
        """The subject's values in the shape of schema()."""
        return {}

    def user_fields(self):
        """{field name: label} of user fields a handler rule of kind "field" may name."""
        return {}

    def user_field(self, subject, name):
        return getattr(subject, name, None)

    def document_kinds(self):
        """{code: label} of documents a node may require."""
        return {}

    def missing_documents(self, subject, codes):
        """Labels of the required documents (codes) the subject does not have yet."""
        return []

    def editable_fields(self):
        """{field name: label} a node may let its handler edit."""
        return {}

    def missing_fields(self, subject, fields):
        """Labels of the `fields` a step needs filled in that are still empty on the subject."""
        return []

    def edit_form(self, subject, fields, data=None):
        """A form over `fields` of the subject for the task page, or None."""
        return None

    def statuses(self):
        """{code: label} of subject statuses a node may set when it is entered."""
        return {}

    def access(self, user, subject_id):
        """The subject if `user` may open it, else Http404 (files attached to its actions use this)."""
        from django.http import Http404

        if subject_id not in self.visible(user, [subject_id]):
            raise Http404
        return self.get(subject_id)

    def visible(self, user, subject_ids):
        """The subset of subject_ids inside the user's data scope."""
        return set(self.model.objects.visible_to(user).filter(pk__in=subject_ids).values_list("pk", flat=True))

    # -- being told what happened (inside the engine's transaction) -------------------------------
    def save_edits(self, actor, subject, form):
        """Apply a valid edit_form() (through the domain's services, audited there)."""

    def entered(self, actor, instance, subject, node):
        """The instance entered `node` (the node's "status", if any, is for the domain to apply)."""

    def ended(self, actor, instance, subject, result):
        """The instance ended with `result` (approved / rejected / withdrawn)."""

    def auto_actions(self):
        """{name: (label, callable)} available to automatic nodes; the callable takes (instance,
        subject) and returns (passed: bool, comment)."""
        return {}
