"""``check --deploy``: the access log's key must be set and kept apart from the database."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def audit_key_check(app_configs, **kwargs):
    warnings = []
    if getattr(settings, "BWMO_AUDIT_KEY_GENERATE", False):
        warnings.append(
            Warning(
                "The access log has no key of its own: BWMO_AUDIT_KEY and BWMO_AUDIT_KEY_FILE "
                "are not set, so the demo key generated in the data folder is used.",
                hint="Set BWMO_AUDIT_KEY_FILE to a key file kept outside the database and its "
                "backups (see docs/operations.md).",
                id="bwmo.audit.W001",
            )
        )
    key_file = getattr(settings, "BWMO_AUDIT_KEY_FILE", "")
    if key_file:
        data_dir = Path(settings.DATA_DIR).resolve()
        path = Path(key_file).resolve()
        if path == data_dir or data_dir in path.parents:
            warnings.append(
                Warning(
                    f"The access-log key file {path} lies in the data folder, next to the "
                    "database; whoever copies one has both.",
                    hint="Keep the key file elsewhere (e.g. /etc/bwmo/audit_key, mode 0400).",
                    id="bwmo.audit.W002",
                )
            )
    return warnings
