"""The council report's sentences on the change in clients in care: one whole sentence per
direction, so they read well (and translate) whatever the change."""

import pytest
from django.utils import translation

from bwmo.monitor.views import _explain


def _figures(start, end):
    """Published figures, as the council report's document holds them (a small count is
    already "<5" there)."""

    def shown(n):
        return "<5" if 0 < n < 5 else n

    return {
        "in_care_at_start": {"total": shown(start)},
        "in_care_at_end": {"total": shown(end)},
        "instroom": {"total": 7},
        "uitstroom": {"total": 6},
        "doorstroom": {"direction": {}},
    }


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
