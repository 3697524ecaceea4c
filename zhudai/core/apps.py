from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhudai.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from . import lookups, tasks  # noqa: F401  the `prefix` lookup; periodic housekeeping
