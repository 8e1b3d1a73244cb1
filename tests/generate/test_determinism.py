import pytest
from django.db import transaction

from bwmo.generate.demo import generate_demo
from tests.generate.test_demo import REFERENCE, _fingerprint


@pytest.mark.django_db
def test_same_seed_gives_the_same_population_and_another_seed_does_not():
    fingerprints = []
    for seed in (7, 7, 8):
        with transaction.atomic():
            generate_demo(seed=seed, reference_date=REFERENCE, clients=150)
            fingerprints.append(_fingerprint())
            transaction.set_rollback(True)
    assert fingerprints[0] == fingerprints[1]
    assert fingerprints[0] != fingerprints[2]
