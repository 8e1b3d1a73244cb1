from decimal import Decimal

from django import template

from bwmo.rules.suppression import mark_small

register = template.Library()


@register.filter
def euro(value) -> str:
    """€ 1.234.567 (Dutch grouping, whole euros, minus sign for negatives)."""
    if value is None:
        return "—"
    amount = Decimal(value).quantize(Decimal(1))
    text = f"{abs(amount):,.0f}".replace(",", ".")
    return f"−€ {text}" if amount < 0 else f"€ {text}"


@register.filter
def small_count(value, may_see_clients=False) -> str:
    """Counts of 1–4 are shown as '×' to users who may not see the clients themselves."""
    return str(value if may_see_clients else mark_small(int(value)))


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)
