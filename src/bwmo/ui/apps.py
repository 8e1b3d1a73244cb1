from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UiConfig(AppConfig):
    name = "bwmo.ui"
    label = "ui"
    verbose_name = _("Gebruikersinterface")

    def ready(self):
        from django.contrib.admin.templatetags import admin_list

        from .admin_forms import boolean_icon

        # Django's yes/no icon in the beheer screens says Python's English True/False (its
        # alt text); every caller takes it from here when it renders.
        admin_list._boolean_icon = boolean_icon
