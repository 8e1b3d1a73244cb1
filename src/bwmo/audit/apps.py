from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "bwmo.audit"
    verbose_name = _("Toegangslog")

    def ready(self):
        from . import checks  # noqa: F401 - registers the deploy checks
