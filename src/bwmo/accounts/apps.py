from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_roles_after_last_app(sender, **kwargs):
    # Permissions of every app exist only once the last app has migrated.
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender is with_models[-1]:
        from .roles import ensure_roles

        ensure_roles()


class AccountsConfig(AppConfig):
    name = "bwmo.accounts"
    verbose_name = _("Gebruikers en rollen")

    def ready(self):
        from . import checks  # noqa: F401 — registers the deploy check

        post_migrate.connect(_ensure_roles_after_last_app, dispatch_uid="bwmo_ensure_roles")
