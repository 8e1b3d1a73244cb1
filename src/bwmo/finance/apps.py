from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "bwmo.finance"
    verbose_name = _("Financiën: budget en kosten")
