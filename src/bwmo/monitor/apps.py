from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "bwmo.monitor"
    verbose_name = _("Regionale monitor")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .changes import ensure_triggers

        # Once per migrate run (the signal is sent for every app; this one is the monitor's).
        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="bwmo.monitor.triggers")
