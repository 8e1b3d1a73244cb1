"""Reads of care's reference data that decide whether an entry may be saved."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from bwmo.rules import costs

from .models import Product, Tariff


@dataclass(frozen=True)
class TariffEntry:
    """A tariff as it is being entered (a form's cleaned data), before it is saved."""

    key: Hashable
    """Whatever the caller uses to put the error back (a form, a field name)."""
    product: Product
    valid_from: date
    valid_to: date | None


def _period(start: date, end: date | None) -> str:
    if end is None:
        return _("vanaf %(start)s") % {"start": start.strftime("%d-%m-%Y")}
    return _("van %(start)s tot en met %(end)s") % {
        "start": start.strftime("%d-%m-%Y"),
        "end": end.strftime("%d-%m-%Y"),
    }


def tariff_overlap_refusals(
    *,
    contract_reference: str,
    provider_id: int | None,
    region_id: int | None,
    entries: Sequence[TariffEntry],
    exclude_contract_id: int | None = None,
    exclude_tariff_id: int | None = None,
) -> dict[Hashable, list[str]]:
    """Per entry, why it may not be saved: it prices a product at the provider, in the region,
    on a day that another tariff (of this or another contract) already prices.

    The stored tariffs of the contract being edited are left out (``exclude_contract_id``,
    for an entry of all its tariffs at once) or the one tariff being edited
    (``exclude_tariff_id``).
    """
    if provider_id is None or region_id is None or not entries:
        return {}
    stored = (
        Tariff.objects.filter(
            contract__provider_id=provider_id,
            contract__region_id=region_id,
            product__in={e.product.pk for e in entries},
        )
        .exclude(contract_id=exclude_contract_id)
        .exclude(pk=exclude_tariff_id)
        .values_list("contract__reference", "product__code", "valid_from", "valid_to")
    )
    # Each tariff gets its own reference in the rule, so that equal entries stay apart.
    origin: dict[str, tuple[str, Hashable | None]] = {}
    tariffs = []
    for n, entry in enumerate(entries):
        origin[f"e{n}"] = (contract_reference, entry.key)
        tariffs.append((f"e{n}", entry.product.code, entry.valid_from, entry.valid_to))
    for n, (reference, code, start, end) in enumerate(stored):
        origin[f"s{n}"] = (reference, None)
        tariffs.append((f"s{n}", code, start, end))
    rule_tariffs = [
        costs.Tariff(ref, code, str(provider_id), costs.ZERO, "week", start, end)
        for ref, code, start, end in tariffs
        if end is None or end >= start  # a reversed period is refused on its own field
    ]
    names = {e.product.code: e.product.name for e in entries}
    refusals: dict[Hashable, list[str]] = {}
    for overlap in costs.tariff_overlaps(rule_tariffs):
        sides = [origin[overlap.first.contract_ref], origin[overlap.second.contract_ref]]
        for (_reference, key), (other_reference, other_key) in (sides, sides[::-1]):
            if key is None:
                continue
            values = {
                "product": overlap.first.product,
                "name": names.get(overlap.first.product, overlap.first.product),
                "this": contract_reference,
                "other": other_reference,
                "period": _period(overlap.start, overlap.end),
            }
            if other_key is not None or other_reference == contract_reference:
                message = _(
                    "Twee tarieven van contract %(this)s prijzen %(product)s (%(name)s) "
                    "allebei %(period)s. Laat het ene tarief eindigen voordat het andere begint."
                )
            else:
                message = _(
                    "Contract %(this)s en contract %(other)s prijzen %(product)s (%(name)s) bij "
                    "deze aanbieder allebei %(period)s. Laat het ene tarief eindigen voordat het "
                    "andere begint."
                )
            refusals.setdefault(key, []).append(message % values)
    return refusals
