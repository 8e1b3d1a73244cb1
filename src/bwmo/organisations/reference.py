"""Reference data shipped with bwmo: the CBS municipalities of 2026 and the Drenthe regions."""

import csv
from datetime import date
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
MUNICIPALITIES_CSV = DATA_DIR / "cbs-gemeenten-2026.csv"
DRENTHE_REGIONS_CSV = DATA_DIR / "drenthe-regions.csv"
REGIONS_VALID_FROM = date(2015, 1, 1)  # Wmo 2015: the centrumgemeente arrangement


def read_municipalities() -> list[dict[str, str]]:
    with MUNICIPALITIES_CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_drenthe_regions() -> list[dict[str, str]]:
    with DRENTHE_REGIONS_CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_reference_data(municipality_model, region_model, membership_model) -> None:
    """Idempotent: create what is missing, leave what an installation changed."""
    existing = set(municipality_model.objects.values_list("code", flat=True))
    municipality_model.objects.bulk_create(
        municipality_model(code=row["code"], name=row["name"], province=row["province"])
        for row in read_municipalities()
        if row["code"] not in existing
    )
    for row in read_drenthe_regions():
        region, _ = region_model.objects.get_or_create(
            name=row["bw_region"],
            defaults={
                "centrumgemeente_id": row["centrumgemeente"],
                "valid_from": REGIONS_VALID_FROM,
            },
        )
        membership_model.objects.get_or_create(
            region=region, municipality_id=row["code"], valid_from=REGIONS_VALID_FROM
        )
