"""Reads of the organisations' reference data that more than one app needs."""

from django.db.models import Q

from .models import Region


def region_by_name_or_code(*, value: str) -> Region | None:
    """The region a user names on the command line: by its name ("Centrumregio Assen") or by
    its centrumgemeente's code ("GM0106", case-insensitive)."""
    value = value.strip()
    return Region.objects.filter(Q(name=value) | Q(centrumgemeente_id=value.upper())).first()


def regions_known() -> str:
    """The regions there are, as a command-line error lists them: "GM0106 (Centrumregio
    Assen), …", or "none"."""
    return (
        ", ".join(
            f"{code} ({name})"
            for code, name in Region.objects.order_by("centrumgemeente_id").values_list(
                "centrumgemeente_id", "name"
            )
        )
        or "none"
    )
