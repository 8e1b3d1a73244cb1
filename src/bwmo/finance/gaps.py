"""Data gaps: what is missing in the reference data for a figure to be computed completely.

A gap never becomes a server error. The figures that can be computed are computed; each gap is
reported with how many rows it concerns, what is missing and who fixes it where.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bwmo.rules.costs import ConflictingTariffs, MissingTariff
from bwmo.rules.suppression import THRESHOLD, is_small

FEW = "<5"
"""A gap's count of 1 to 4 as a reader who may not see every client it concerns reads it. Unlike
a hidden cell of the figures (``×``), a gap's count is in no published relation, so it can say
what it is: fewer than 5."""


@dataclass(frozen=True)
class DataGap:
    kind: str
    """``missing_tariff``, ``conflicting_tariffs``, ``no_members``, ``no_budget_parameters``,
    ``bad_stay``."""
    count: int | str
    """How many rows; ``"<5"`` in a gap as a reader who may not see them all sees it."""
    subject: str
    message: str
    """One sentence: how many, what is missing (Dutch)."""
    fix: str
    """Who fixes it, and where (Dutch)."""
    admin_url: str | None = None
    """Django URL name of the beheer screen where it is fixed."""
    admin_permission: str | None = None
    """Permission a user needs to be shown the link."""

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "count": self.count,
            "subject": self.subject,
            "message": self.message,
            "fix": self.fix,
        }


def tariff_gaps(
    gaps: Iterable[MissingTariff],
    *,
    provider_names: Mapping[str, str],
    product_names: Mapping[str, str],
) -> list[DataGap]:
    """One gap per product and provider without a tariff, counting the stays it concerns;
    and one per pair of contracts that start pricing the same product on the same day."""
    gaps = list(gaps)
    conflicts = [g for g in gaps if isinstance(g, ConflictingTariffs)]
    missing = [g for g in gaps if not isinstance(g, ConflictingTariffs)]
    # A stay can miss its tariff in several years and in both realised and committed days.
    stays = Counter((p, v) for p, v, _c in {(g.product, g.provider, g.client) for g in missing})
    result = []
    for (product, provider), n in sorted(stays.items()):
        provider_name = provider_names.get(str(provider), str(provider))
        product_name = product_names.get(product, product)
        subject = _("product %(product)s (%(name)s) bij %(provider)s") % {
            "product": product,
            "name": product_name,
            "provider": provider_name,
        }
        result.append(
            DataGap(
                kind="missing_tariff",
                count=n,
                subject=subject,
                message=_tariff_message(n, subject),
                fix=_(
                    "De kosten van deze verblijven ontbreken in de cijfers. De functioneel "
                    "beheerder legt het tarief vast in Beheer > Contracten."
                ),
                admin_url="admin:care_contract_changelist",
                admin_permission="care.change_contract",
            )
        )
    return result + _conflict_gaps(
        conflicts, provider_names=provider_names, product_names=product_names
    )


def _conflict_gaps(
    gaps: list[ConflictingTariffs],
    *,
    provider_names: Mapping[str, str],
    product_names: Mapping[str, str],
) -> list[DataGap]:
    """Two contracts that price one product at one provider from the same day: the days they
    share have no price. One gap per pair and period, counting the stays it concerns."""
    clients: dict[tuple[str, str, str, str, date, date | None], set[str | None]] = {}
    for g in gaps:
        one, other = sorted(g.contracts)
        key = (g.product, g.provider, one, other, g.first, g.last)
        clients.setdefault(key, set()).add(g.client)
    result = []
    for key in sorted(clients, key=lambda k: (k[0], str(k[1]), k[2], k[3], k[4])):
        product, provider, first_contract, second_contract, first, last = key
        n = len(clients[key])
        period = (
            _("van %(start)s tot en met %(end)s")
            % {"start": first.strftime("%d-%m-%Y"), "end": last.strftime("%d-%m-%Y")}
            if last is not None
            else _("vanaf %(start)s") % {"start": first.strftime("%d-%m-%Y")}
        )
        subject = _(
            "contract %(first)s en contract %(second)s prijzen product %(product)s (%(name)s) "
            "bij %(provider)s allebei %(period)s"
        ) % {
            "first": first_contract,
            "second": second_contract,
            "product": product,
            "name": product_names.get(product, product),
            "provider": provider_names.get(str(provider), str(provider)),
            "period": period,
        }
        result.append(
            DataGap(
                kind="conflicting_tariffs",
                count=n,
                subject=subject,
                message=_conflict_message(n, subject),
                fix=_(
                    "De kosten van deze dagen ontbreken in de cijfers, want het is niet te "
                    "zeggen welk tarief geldt. De functioneel beheerder laat in Beheer > "
                    "Contracten het ene tarief eindigen voordat het andere begint."
                ),
                admin_url="admin:care_contract_changelist",
                admin_permission="care.change_contract",
            )
        )
    return result


def no_members_gap(region) -> DataGap:
    return DataGap(
        kind="no_members",
        count=0,
        subject=str(region),
        message=_("Regio %(region)s heeft geen gemeenten: er zijn geen cijfers te berekenen.")
        % {"region": region},
        fix=_("De functioneel beheerder legt de deelnemende gemeenten vast in Beheer > Regio's."),
        admin_url="admin:organisations_region_changelist",
        admin_permission="organisations.change_region",
    )


def no_budget_gap(region, parameter_set) -> DataGap:
    return DataGap(
        kind="no_budget_parameters",
        count=0,
        subject=str(region),
        message=_(
            "De parameterset %(set)s bevat geen budget voor regio %(region)s: het budget "
            "en het resultaat staan op 0."
        )
        % {"set": parameter_set, "region": region},
        fix=_(
            "Een controller leest een parameterset in die deze regio bevat, of kiest een "
            "andere parameterset."
        ),
        admin_url="finance:parameters",
        admin_permission="finance.add_budgetparameterset",
    )


def bad_stay_gap(n: int, problem: str) -> DataGap:
    return DataGap(
        kind="bad_stay",
        count=n,
        subject=problem,
        message=_bad_stay_message(n, problem),
        fix=_(
            "De functioneel beheerder vult het product aan in Beheer > Producten (domein BW of MO)."
        ),
        admin_url="admin:care_product_changelist",
        admin_permission="care.change_product",
    )


def _tariff_message(n: int | str, subject: str) -> str:
    # "<5" reads as a plural: "<5 verblijven".
    number = THRESHOLD if n == FEW else int(n)
    return ngettext(
        "%(n)s verblijf zonder tarief: %(subject)s.",
        "%(n)s verblijven zonder tarief: %(subject)s.",
        number,
    ) % {"n": n, "subject": subject}


def _bad_stay_message(n: int | str, problem: str) -> str:
    number = THRESHOLD if n == FEW else int(n)
    return ngettext(
        "%(n)s verblijf telt niet mee: %(problem)s.",
        "%(n)s verblijven tellen niet mee: %(problem)s.",
        number,
    ) % {"n": n, "problem": problem}


def _conflict_message(n: int | str, subject: str) -> str:
    number = THRESHOLD if n == FEW else int(n)
    return ngettext(
        "%(n)s verblijf met twee tarieven: %(subject)s.",
        "%(n)s verblijven met twee tarieven: %(subject)s.",
        number,
    ) % {"n": n, "subject": subject}


_MESSAGES = {
    "missing_tariff": _tariff_message,
    "conflicting_tariffs": _conflict_message,
    "bad_stay": _bad_stay_message,
}


def suppressed(gap: DataGap) -> DataGap:
    """The gap as a reader who may not see every client it concerns sees it: a count from 1 to
    4 (a few stays of a few clients) is ``"<5"``, in the count and in the sentence."""
    message = _MESSAGES.get(gap.kind)
    if message is None or not is_small(gap.count):
        return gap
    return replace(gap, count=FEW, message=message(FEW, gap.subject))
