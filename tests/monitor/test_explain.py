"""The council report's sentences on the change in clients in care: one whole sentence per
direction, so they read well (and translate) whatever the change."""

from types import SimpleNamespace as NS

import pytest
from django.utils import translation

from bwmo.monitor.views import _explain


def _figures(start, end):
    return NS(
        in_care_at_start=NS(total=start),
        in_care_at_end=NS(total=end),
        instroom=NS(total=7),
        uitstroom=NS(total=6),
        doorstroom=NS(direction={}),
    )


@pytest.mark.parametrize(
    ("start", "end", "sentence"),
    [
        (20, 25, "Het aantal cliënten in zorg steeg van 20 naar 25 (+25%)."),
        (20, 15, "Het aantal cliënten in zorg daalde van 20 naar 15 (-25%)."),
        (20, 20, "Het aantal cliënten in zorg bleef gelijk: 20."),
        (3, 20, "Het aantal cliënten in zorg is te klein om te publiceren."),
    ],
)
def test_the_change_in_care_is_one_clear_sentence(start, end, sentence):
    with translation.override("nl"):
        assert _explain(_figures(0, 0), _figures(start, end))[0] == sentence
