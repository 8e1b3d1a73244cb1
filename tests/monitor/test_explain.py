"""The council report's sentences on the change in clients in care: one whole sentence per
direction, so they read well (and translate) whatever the change."""

import pytest
from django.utils import translation

from bwmo.monitor.views import _explain
from bwmo.rules.suppression import MARK


def _figures(start, end):
    """Published figures, as the council report's document holds them (a small count is
    already hidden there)."""

    def shown(n):
        return MARK if 0 < n < 5 else n

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
        (
            3,
            20,
            "Het aantal cliënten in zorg is afgeschermd: het is klein, of er is een klein aantal "
            "uit terug te rekenen.",
        ),
    ],
)
def test_the_change_in_care_is_one_clear_sentence(start, end, sentence):
    with translation.override("nl"):
        assert _explain(_figures(0, 0), _figures(start, end))[0] == sentence


def test_a_hidden_flow_is_called_hidden_never_small():
    """A hidden cell may be a secondary one of 5 or more: the sentence says "afgeschermd",
    not "minder dan 5"."""
    current = _figures(20, 25)
    current["instroom"]["total"] = MARK
    with translation.override("nl"):
        line = _explain(_figures(20, 20), current)[1]
    assert line.startswith("Instroom in deze periode: afgeschermd (vorige periode: 7)")
    assert "minder dan" not in line
