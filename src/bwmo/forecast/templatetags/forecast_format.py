from typing import Any

from django import template

register = template.Library()


@register.filter
def clients(value: Any) -> str:
    """An average number of clients with one decimal (Dutch comma), or a hidden mark."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return f"{float(value):,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")


@register.filter
def euros(value: Any) -> str:
    """€ 1.234.567, or a hidden mark."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    amount = round(float(value))
    text = f"{abs(amount):,}".replace(",", ".")
    return f"−€ {text}" if amount < 0 else f"€ {text}"


@register.filter
def share(value: Any) -> str:
    """A fraction as a percentage without decimals."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.0f}%"
