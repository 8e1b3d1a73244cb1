"""An illustrative budget parameter set for the demo regions.

The national macro table is the published one (shipped with the budget rules). A region's
historic base amount is set near the synthetic population's BW cost in 2021, and each
municipality's objective share of the national objective budget follows its inhabitants,
so that budget and cost of the demo are of the same order. The figures are invented and
say so in the file.
"""

from datetime import date
from decimal import Decimal

from bwmo.care.models import Stay
from bwmo.finance.models import BudgetParameterSet
from bwmo.finance.services import parameter_set_upload
from bwmo.organisations.models import Region
from bwmo.rules.budget_params import EXAMPLE_PARAMETERS

DAY_RATE_2021 = Decimal(880) / 7  # a typical weekly BW tariff of 2021, per day
CENTRUM_MACRO_2021 = Decimal("1480899000.00")
OBJECTIVE_YEARS = range(2023, 2033)


def _macro_block() -> str:
    text = open(EXAMPLE_PARAMETERS, encoding="utf-8").read()  # noqa: SIM115 — read once
    return text[text.index("\n[[macro]]") + 1 : text.index("\n[[region]]")]


def _bw_days_2021(region: Region) -> int:
    members = set(region.memberships.values_list("municipality_id", flat=True))
    start, end = date(2021, 1, 1), date(2021, 12, 31)
    days = 0
    for first, last in (
        Stay.objects.filter(
            product__kind="BW", indication__responsible_municipality__in=members, start__lte=end
        )
        .exclude(end__lt=start)
        .values_list("start", "end")
    ):
        days += (min(last or end, end) - max(first, start)).days + 1
    return days


def demo_parameter_text(inhabitants: dict[str, int]) -> str:
    lines = [
        "# ILLUSTRATIVE demo parameters. The [[macro]] tables are the published national",
        "# figures; every regional and municipal amount below is invented for the demo.",
        'name = "Demo: septembercirculaire 2021 met illustratieve regiobedragen"',
        "",
        _macro_block().rstrip(),
        "",
    ]
    for region in Region.objects.order_by("name"):
        base = (Decimal(_bw_days_2021(region)) * DAY_RATE_2021 * Decimal("1.08")).quantize(
            Decimal(1)
        )
        scale = base / CENTRUM_MACRO_2021  # the region's share of the historic macro budget
        members = sorted(region.memberships.values_list("municipality_id", flat=True))
        total = sum(inhabitants.get(code, 0) for code in members) or 1
        lines += [
            "[[region]]",
            f'name = "{region.name}"',
            f'centrumgemeente = "{region.centrumgemeente_id}"',
            "historic_base_year = 2021",
            f"historic_base_amount = {base}",
            "",
        ]
        for code in members:
            share = (scale * Decimal(inhabitants.get(code, 0)) / Decimal(total)).quantize(
                Decimal("0.0000001")
            )
            lines += [
                "[[region.municipality]]",
                f'code = "{code}"',
                "[region.municipality.objective_share]",
            ]
            lines += [f"{year} = {share}" for year in OBJECTIVE_YEARS]
            lines.append("")
    return "\n".join(lines)


def create_demo_parameter_sets(inhabitants: dict[str, int]) -> list[BudgetParameterSet]:
    base = parameter_set_upload(
        name="Septembercirculaire 2021 (demo, illustratieve regiobedragen)",
        text=demo_parameter_text(inhabitants),
        user=None,
    )
    base.description = "Landelijke macrotabel zoals gepubliceerd; regiobedragen verzonnen."
    base.save(update_fields=["description"])
    later = BudgetParameterSet.objects.create(
        name="Scenario: ingroeipad twee jaar later",
        derived_from=base,
        delay_years=2,
        description="Zelfde circulaire, het ingroeipad start twee jaar later.",
    )
    return [base, later]
