"""Two outside documents of different periods show the same quarters and years, and with the
same end the same figures of that day. Suppressed each on its own, a cell one of them hid as a
secondary could stand in the other: so the later one hides what the earlier hid of them, and
takes no cell the earlier showed as a secondary. Checked on the demo, in both orders."""

from datetime import date

import pytest

from bwmo.monitor import services
from bwmo.monitor.models import MonitorPublication
from bwmo.organisations.models import Region
from bwmo.rules.suppression import MARK, _joint_system, _known_from, audit_parts
from tests.monitor.test_suppression_drill import (
    _at,
    _documents,
    _leaves,
    _period_relations,
    _published_parts,
)

pytestmark = pytest.mark.django_db

END = date(2026, 9, 30)
LONG, SHORT = date(2025, 1, 1), date(2026, 1, 1)


def _quantities(region, start: date) -> dict[tuple, object]:
    """Every count of the region's outside documents of ``[start, END]``, keyed by what it
    counts: a quarter or year by its name and cut, the period's own figures of its last day."""
    members, docs = _documents(region, start, END)
    found: dict[tuple, object] = {}
    for (name, section), part in _published_parts(region, members, docs).items():
        if section == "main":
            same = ("main", "", END.isoformat())
            paths = services.AT_THE_END
        elif section[:1] in ("q", "y") and section[1:].isdigit():
            same = services._same_quantity(section, part["label"], start, END)
            paths = ((),)
        else:
            continue
        for path, value in _leaves(part):
            if path[:1] == ("label",) or not any(path[: len(p)] == p for p in paths):
                continue
            if value == MARK or (isinstance(value, int) and not isinstance(value, bool)):
                found[(name, *same, *path)] = value
    return found


@pytest.mark.parametrize("first", [LONG, SHORT])
def test_a_quarter_hidden_in_one_period_is_hidden_in_every_other(demo, first):
    region = Region.objects.get(centrumgemeente_id="GM0106")
    then = _quantities(region, first)
    now = _quantities(region, SHORT if first == LONG else LONG)
    shared = then.keys() & now.keys()
    # The two documents share the quarters and years of 2026 (and 2024–2025 as years), and
    # the figures of 30 September 2026.
    assert len(shared) > 500
    assert {key[1] for key in shared} == {"q", "y", "main"}
    for key in shared:
        if then[key] != MARK and now[key] != MARK:
            assert then[key] == now[key], key  # the same count in both
    differ = sorted(repr(key) for key in shared if (then[key] == MARK) != (now[key] == MARK))
    assert not differ, (len(differ), differ[:5])
    # And the later document hides what the earlier hid: not by hiding everything.
    assert 0 < sum(now[key] == MARK for key in shared) < len(shared)


def _seen(monkeypatch, region, start: date) -> tuple[dict, dict, dict, dict]:
    """The raw parts and suppression inputs of the region's outside documents of
    ``[start, END]``, the parts as those documents publish them, and the documents."""
    seen: dict = {}
    real = services._suppressed_parts

    def spy(raw, **kwargs):
        if "links" in kwargs and any(key[1] == "matrix" for key in raw):
            seen["raw"], seen["inputs"] = raw, kwargs
        return real(raw, **kwargs)

    monkeypatch.setattr(services, "_suppressed_parts", spy)
    members, docs = _documents(region, start, END)
    monkeypatch.undo()
    return seen["raw"], seen["inputs"], _published_parts(region, members, docs), docs


APRIL = date(2026, 4, 1)


def _withheld(docs: dict, start: date) -> bool:
    """Whether the outside documents of ``[start, END]`` are withheld, and if so, that they
    say nothing: every count hidden, a 0 too, and no publication recorded."""
    outside = [doc for (_code, audience), doc in docs.items() if audience == "external"]
    if not any(doc.get("withheld") for doc in outside):
        return False
    assert all(doc.get("withheld") for doc in outside)  # the region's documents go together
    for doc in outside:
        leaves = [
            v
            for top in ("in_care_at_start", "in_care_at_end", "instroom", "uitstroom")
            for _p, v in _leaves(doc[top])
        ]
        leaves += [v for q in doc["quarters"] for p, v in _leaves(q) if p[:1] != ("label",)]
        counts = [v for v in leaves if v == MARK or (isinstance(v, int) and v is not True)]
        assert counts and all(v == MARK for v in counts), "a withheld document shows a count"
    assert not MonitorPublication.objects.filter(period_start=start, period_end=END).exists()
    return True


@pytest.mark.parametrize(
    ("periods", "may_withhold"),
    [((SHORT, LONG), False), ((APRIL, LONG), True), ((LONG, APRIL), True)],
    ids=["2026", "april", "april-after"],
)
def test_the_two_periods_together_give_no_hidden_cell_back(
    demo, monkeypatch, periods, may_withhold
):
    """The audit of both documents as one reader has them: every relation of each, the
    relations between its period, quarters and years (from the labels), and each quarter,
    year, matrix and figure of 30 September the same count in both. Solved exactly for
    every hidden cell, for the public and for the staff of each municipality.

    The later document may be withheld instead: when its cells cannot be protected without
    hiding cells the earlier one showed. Then it says nothing, and there is nothing to
    audit together. (Hiding those cells after all gave 86 cells back to a reader of both
    documents of the April pairs.)"""
    region = Region.objects.get(centrumgemeente_id="GM0106")
    both: dict = {}
    published: dict = {}
    links: list[dict] = []
    same: dict[tuple, list[tuple]] = {}
    unpublished: list = []
    unshared: list = []
    for tag, start in zip("AB", periods, strict=True):
        raw, inputs, shown, docs = _seen(monkeypatch, region, start)
        if _withheld(docs, start):
            assert tag == "B" and may_withhold, "the first document is always published"
            return

        def renamed(key, tag=tag):
            return (key[0], f"{tag}:{key[1]}")

        for key, part in raw.items():
            both[renamed(key)] = part
            published[renamed(key)] = shown.get(key, {})
            if key[1] == "main":
                what = ("main",)
            elif key[1] == "matrix":
                what = ("matrix",)
            elif key[1][:1] in "qy" and key[1][1:].isdigit():
                what = services._same_quantity(key[1], part["label"], start, END)
            elif key[1].startswith("lead-in-q"):
                what = ("q", part["label"], "whole")  # the quarter before the period
            else:
                what = None
            if what is not None:
                same.setdefault((key[0], *what), []).append(renamed(key))
        relations = [
            *inputs["links"],
            *_period_relations(raw, start, END, inputs.get("nesting") or {}),
        ]
        links += [{(renamed(key[0]), *key[1:]): c for key, c in link.items()} for link in relations]
        unpublished += [renamed(key) for key in inputs.get("unpublished", [])]
        unshared += [renamed(key) for key in inputs["unshared"]]
        nesting, revealed = inputs.get("nesting"), inputs["revealed"]
    # The same count in both documents: equal, in every figure the two parts both have.
    identities = 0
    twins: dict[tuple, tuple] = {}
    for (_name, what, *_rest), keys in same.items():
        if len(keys) != 2:
            continue
        a, b = keys
        for path, value in _leaves(both[a]):
            if not isinstance(value, int) or isinstance(value, bool) or path[:1] == ("label",):
                continue
            if what == "main" and not any(path[: len(p)] == p for p in services.AT_THE_END):
                continue
            if _at(both[b], path) is None:
                continue
            assert _at(both[b], path) == value, (a, b, path)
            links.append({(a, *path): 1, (b, *path): -1})
            twins[(a, *path)], twins[(b, *path)] = (b, *path), (a, *path)
            identities += 1
    assert identities > 1000
    groups = [{name for name, _section in group} for group in revealed]
    result = audit_parts(
        both,
        published,
        nesting=nesting,
        links=links,
        revealed=[[key for key in both if key[0] in group] for group in groups],
        unshared=unshared,
        unpublished=unpublished,
    )
    assert result["hidden"] > 0

    # A count of the part no document shows (the lead-in) that the other document's shown
    # figures give, by relations among shown figures alone, is no disclosure of this one.
    values, equations = _joint_system(both, links, (), nesting)
    never = set(unpublished)
    visible = {
        key
        for key in values
        if key[0] not in never and _at(published[key[0]], key[1:]) not in (None, MARK)
    }
    given = _known_from(equations, visible)

    def shown(cell) -> bool:
        if cell[0] in never and cell in given and not 0 < values[cell] < 5:
            return True
        twin = twins.get(cell)  # the same count, shown by the other document
        return twin is not None and twin in visible

    leaks = {
        reader: {cell for cell in cells if not shown(cell)}
        for reader, cells in result["exposed"].items()
    }
    leaks = {reader: cells for reader, cells in leaks.items() if cells}
    assert not leaks, {reader: sorted(map(repr, cells))[:5] for reader, cells in leaks.items()}


def test_a_withheld_period_says_so_on_the_page_in_excel_and_on_the_command_line(demo, client):
    """The April – September document after the standard one is withheld on the demo (see
    above): every output says why, and shows no count."""
    import io

    from django.contrib.auth import get_user_model
    from django.contrib.messages import get_messages
    from django.core.management import call_command
    from django.urls import reverse
    from openpyxl import load_workbook

    region = Region.objects.get(centrumgemeente_id="GM0106")
    _documents(region, LONG, END)
    client.force_login(get_user_model().objects.get(username="beleid.assen"))
    asked = {"regio": region.pk, "van": APRIL.isoformat(), "tot": END.isoformat()}
    response = client.get(reverse("monitor:dashboard"), asked)
    assert response.status_code == 200
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(t == services.withheld_message() for t in texts), texts
    assert response.context["headline"]["in_care"] == MARK
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("monitor:dashboard"), {**asked, "formaat": "xlsx"}).content)
    )
    # After the sheet that says what the file is, before any figure.
    assert workbook.sheetnames[1] == "Niet gepubliceerd"
    assert workbook["Niet gepubliceerd"]["A2"].value == services.withheld_message()
    err = io.StringIO()
    call_command(
        "monitor",
        "--region=GM0106",
        "--audience=external",
        f"--from={APRIL}",
        f"--to={END}",
        stdout=io.StringIO(),
        stderr=err,
    )
    assert f"warning: {services.withheld_message()}" in err.getvalue()
    # The standard period itself is published as before.
    response = client.get(reverse("monitor:dashboard"), {**asked, "van": LONG.isoformat()})
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert services.withheld_message() not in texts
    assert any(isinstance(row["stock"], int) for row in response.context["quarter_rows"])
