"""The parameter file's problems on the finance screen: in Dutch, each with its place and what
was expected, while the command line keeps the English text.

Found by municipal users: the upload showed the parser's English messages ("macro[2] (year
2023).macro_bw: -1426377000.00 is negative; expected an amount in euros, at least 0") on the
Dutch screen.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from bwmo.finance.models import BudgetParameterSet
from bwmo.finance.param_errors import MESSAGES, problem_text
from bwmo.rules.budget_params import ENGLISH, BudgetParameterError, parse_budget_parameters
from tests.rules.test_budget import BASE, KNOWN, SECOND_REGION, edit

# Bad files, each with the codes of the problems it must report.
BAD_FILES: list[tuple[str, set[str]]] = [
    ('name = "x', {"toml_syntax"}),
    (edit("macro_bw = 1426377000.00", "macro_bw = -1426377000.00"), {"number_negative"}),
    (edit("macro_bw = 1426377000.00", 'macro_bw = "1.426.377.000"'), {"number_wrong"}),
    (edit("macro_bw = 1426377000.00", "macro_bw = 3426377000.00"), {"macro_bw_above_incl"}),
    (edit("year = 2023\n", ""), {"year_missing"}),
    (edit("year = 2023", 'year = "2023"'), {"year_wrong"}),
    (edit("year = 2023", "year = 223"), {"year_out_of_range"}),
    (edit("year = 2029", "year = 2023"), {"year_twice"}),
    (edit("centrum_share_pct = 30.72", "centrum_share_pct = 130.72"), {"number_above_max"}),
    (
        edit("centrum_macro = 1284929241.55", "centrum_macro = 1184929241.55"),
        {"centrum_macro_mismatch"},
    ),
    (
        edit("centrum_macro = 1480899000.00", "centrum_macro = 1580899000.00"),
        {"centrum_macro_above_bw"},
    ),
    (edit('code = "GM1681"', 'code = "GM9999"'), {"code_unknown"}),
    (edit('code = "GM1681"', 'code = "1681"'), {"code_unknown_guess"}),
    (edit('code = "GM0109"', 'code = "GM0119"'), {"name_mismatch_other"}),
    (edit('name = "Coevorden"', 'name = "Coevordn"'), {"name_mismatch"}),
    (edit('centrumgemeente = "GM0114"\n', ""), {"centrum_missing"}),
    (edit('centrumgemeente = "GM0114"', 'centrumgemeente = "GM0106"'), {"centrum_not_member"}),
    (edit("historic_base_year = 2021", "historic_base_year = 2020"), {"base_year_not_in_macro"}),
    (
        edit("historic_base_amount = 13691613", "historic_base_amount = 2000000000"),
        {"base_amount_above"},
    ),
    (edit("objective = { 2023 = 298810 }\n", ""), {"objective_missing"}),
    (edit("{ 2023 = 298810 }", "{ 2024 = 298810 }"), {"per_year_not_in_macro"}),
    (edit("{ 2023 = 298810 }", "{ 23 = 298810 }"), {"per_year_not_a_year"}),
    (edit("objective = { 2023 = 298810 }", "objective = 298810"), {"per_year_wrong"}),
    (edit("{ 2023 = 298810 }", "{ 2023 = 298810000 }"), {"objective_above_macro"}),
    (edit("{ 2023 = 0.0015 }", "{ 2023 = 1.5 }"), {"number_above_max"}),
    (edit("{ 2023 = 0.0015 }", "{ 2023 = 0.9999 }"), {"shares_above_one"}),
    (
        edit("objective = { 2023 = 298810 }", "objective = { 2023 = 1 }\nobjective_share = {}"),
        {"objective_both"},
    ),
    (BASE + SECOND_REGION.replace('code = "GM0106"', 'code = "GM0109"'), {"municipality_twice"}),
    (BASE + SECOND_REGION.replace("Centrumregio Assen", "Zuidoost-Drenthe"), {"region_twice"}),
    ('title = "x"\n', {"unknown_key", "name_missing", "tables_missing"}),
    ('name = "x"\nmacro = [1, 2]\nregion = 3\n', {"tables_wrong"}),
    ('name = ""\nmacro = []\n', {"not_text", "tables_empty"}),
]

# Words of the English texts that must not be left on the Dutch screen.
ENGLISH_WORDS = re.compile(
    r"\b(expected|missing|got|is not|unknown|the string|above|negative|region '|line \d|"
    r"year \d|also appears|out of range|add up|not one of|has no|already listed)\b"
)


def problems_of(text: str):
    with pytest.raises(BudgetParameterError) as caught:
        parse_budget_parameters(text, KNOWN)
    return caught.value.problems


def test_every_code_of_the_parser_has_a_dutch_text() -> None:
    assert set(MESSAGES) == set(ENGLISH)


def test_the_bad_files_reach_most_codes() -> None:
    reached = {p.code for text, _codes in BAD_FILES for p in problems_of(text)}
    # Left out: what the upload screen never passes on (not UTF-8, too deep, huge numbers)
    # and values TOML cannot write (a non-finite number is "nan"/"inf", refused as such).
    assert set(ENGLISH) - reached <= {
        "not_utf8",
        "too_deep",
        "number_unreadable",
        "number_not_finite",
        "number_missing",
        "code_missing",
        "code_wrong",
        "region_name_missing",
        "base_year_no_centrum_macro",
        "municipality_twice_here",
        "name_not_text",
    }, set(ENGLISH) - reached


@pytest.mark.parametrize(("text", "codes"), BAD_FILES)
def test_each_problem_reads_in_dutch_with_place_and_expectation(text, codes) -> None:
    problems = problems_of(text)
    assert codes <= {p.code for p in problems}
    with translation.override("nl"):
        for problem in problems:
            dutch = problem_text(problem)
            where, _sep, what = dutch.partition(": ")
            assert where and what, dutch
            assert "verwacht" in what, dutch
            assert not ENGLISH_WORDS.search(dutch), dutch


@pytest.mark.parametrize(("text", "codes"), BAD_FILES)
def test_the_english_screen_says_what_the_command_line_says(text, codes) -> None:
    with translation.override("en"):
        for problem in problems_of(text):
            assert problem_text(problem) == str(problem)


def test_places_and_amounts_in_dutch() -> None:
    (negative,) = problems_of(edit("macro_bw = 1426377000.00", "macro_bw = -1426377000.00"))
    (mismatch,) = problems_of(
        edit("centrum_macro = 1284929241.55", "centrum_macro = 1184929241.55")
    )
    (name,) = problems_of(edit('name = "Coevorden"', 'name = "Coevordn"'))
    with translation.override("nl"):
        assert problem_text(negative) == (
            "[[macro]]-tabel 2 (jaar 2023), sleutel macro_bw: -1426377000.00 is negatief; "
            "verwacht: een bedrag in euro's, ten minste 0"
        )
        assert "dat € 1.284.970.250,90 geeft" in problem_text(mismatch)
        assert problem_text(name).startswith(
            "regio ‘Zuidoost-Drenthe’, gemeente 2 (GM0109), sleutel name: 'Coevordn' is niet "
            "de CBS-naam van GM0109, die 'Coevorden' is"
        )
    # The command line keeps its English text.
    assert str(negative) == (
        "macro[2] (year 2023).macro_bw: -1426377000.00 is negative; expected an amount in "
        "euros, at least 0"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            edit("macro_bw = 1426377000.00", "macro_bw = -1426377000.00"),
            ["[[macro]]-tabel 2 (jaar 2023), sleutel macro_bw: -1426377000.00 is negatief"],
        ),
        (
            edit("year = 2029", "year = 2023"),
            ["[[macro]]-tabel 3, sleutel year: 2023 staat ook in [[macro]]-tabel 2"],
        ),
        (
            edit('code = "GM1681"', 'code = "1681"').replace(
                "historic_base_year = 2021", "historic_base_year = 2020"
            ),
            [
                "sleutel historic_base_year: 2020 staat niet in de macrotabel (2021–2029)",
                "gemeente 3, sleutel code: '1681' is geen bekende CBS-gemeentecode (bedoelt u "
                "'GM1681', Borger-Odoorn?)",
            ],
        ),
        ('title = "x"\n', ["het bestand (buiten de tabellen): onbekende sleutel 'title'"]),
        ('name = "x', ["het einde van het bestand: geen geldige TOML"]),
        ('name = "x"\nyear = = 1\n', ["regel 2, kolom 8: geen geldige TOML"]),
    ],
)
def test_the_upload_screen_shows_the_problems_in_dutch(client, region_setup, text, expected):
    client.force_login(region_setup.users["controller"])
    before = BudgetParameterSet.objects.count()
    response = client.post(
        reverse("finance:parameters"),
        {"u-name": "Nieuwe circulaire", "u-file": SimpleUploadedFile("p.toml", text.encode())},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 200
    errors = response.context["upload"].errors["file"]
    assert errors[0] == "Het parameterbestand is niet ingelezen; er is niets opgeslagen."
    for part in expected:
        assert any(part in error for error in errors), (part, errors)
    body = response.content.decode()
    assert "expected" not in body and "is negative" not in body
    assert BudgetParameterSet.objects.count() == before


TOML_SYNTAX_ERRORS = [
    ('name = "x', "een tekst tussen aanhalingstekens wordt niet afgesloten"),
    ("name", "na een sleutel hoort een '='"),
    ("[macro\nyear = 2023", "een tabelkop sluit niet af met ']'"),
    ("a = 1\na = 2", "een waarde wordt overschreven"),
    ("a = [1, 2", "een lijst [ … ] wordt niet gesloten"),
    ("a = 1 b = 2", "na een regel sleutel = waarde volgt nog tekst"),
    ("a = ?", "ongeldige waarde"),
]


@pytest.mark.parametrize(("text", "dutch_words"), TOML_SYNTAX_ERRORS)
def test_the_toml_readers_own_words_are_dutch_on_the_dutch_screen(text, dutch_words) -> None:
    (problem,) = [p for p in problems_of(text) if p.code == "toml_syntax"]
    with translation.override("nl"):
        dutch = problem_text(problem)
    assert dutch_words in dutch, dutch
    where, _sep, _what = dutch.partition(": geen geldige TOML")
    assert where.startswith(("regel ", "het einde van het bestand")), dutch
    with translation.override("en"):
        assert problem_text(problem) == str(problem)
