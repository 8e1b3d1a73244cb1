"""The kinds of care (BW, MO) a provider's request (WMO315/317) is about, from its products.

A request stores its products as the message named them (``AllocationRequest.products``):
a requested product (``soort`` ``aangevraagd`` or ``nieuw``) by its iWmo category and
product code, a changed or unchanged one (``wijzigen``, ``ongewijzigd``) by the number of
the allocation it is about. The kinds are taken wide, never narrow: a product whose kind
cannot be told (a code the catalogue does not know, an allocation number that is not the
request's) counts as unknown, and a request with an unknown product is of no single kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

UNKNOWN = "?"


def product_kinds(
    product: Mapping[str, object],
    *,
    catalogue: Mapping[tuple[str, str], frozenset[str]],
    allocations: Mapping[int, tuple[str, str]],
) -> frozenset[str]:
    """The kinds one of a request's products may be of. ``catalogue``: (category, code) to
    the kinds of the catalogue's products with that category and code, and (category, "")
    to the kinds of every product of the category (a product named by its category only);
    ``allocations``: the request's own allocations (of its client, provider and
    municipality) by number, to their (category, code)."""
    number = product.get("toewijzing")
    if isinstance(number, str) and number.isdigit():
        number = int(number)
    if product.get("soort") in ("wijzigen", "ongewijzigd"):
        if not isinstance(number, int) or number not in allocations:
            return frozenset({UNKNOWN})
        category, code = allocations[number]
    else:
        category = str(product.get("categorie") or "")
        code = str(product.get("code") or "")
    return catalogue.get((category, code)) or frozenset({UNKNOWN})


def request_kind(
    products: Sequence[Mapping[str, object]],
    *,
    catalogue: Mapping[tuple[str, str], frozenset[str]],
    allocations: Mapping[int, tuple[str, str]],
) -> str | None:
    """The one kind every product of a request is of, or ``None``: no products, products of
    both kinds, or a product whose kind is unknown."""
    kinds: set[str] = set()
    for product in products:
        if not isinstance(product, Mapping):
            return None
        kinds |= product_kinds(product, catalogue=catalogue, allocations=allocations)
    if len(kinds) != 1 or UNKNOWN in kinds:
        return None
    return next(iter(kinds))
