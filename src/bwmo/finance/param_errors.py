"""The budget parameter file's problems in the screen's language.

``bwmo.rules.budget_params`` reports each problem as a code with parameters and a place
(``Problem``, ``Where``) and gives the English text the command line shows. The finance
screens render the same problems here, through gettext: in Dutch, or in English from the
catalog. Keys of the file (``macro_bw``, ``objective.2023``) stay as written, since the
controller has to find them in the file.
"""

import re
from collections.abc import Mapping
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bwmo.rules.budget_params import ENGLISH, Problem, Where

__all__ = ["MESSAGES", "problem_text", "where_text"]

MESSAGES: Mapping[str, Promise] = {
    "not_utf8": _("geen tekst in UTF-8 (%(byte_value)s); verwacht: een TOML-bestand in UTF-8"),
    "toml_syntax": _(
        "geen geldige TOML (de TOML-lezer meldt: %(detail)s); verwacht: geldige TOML, zoals "
        "in het voorbeeldbestand (https://toml.io/en/v1.0.0)"
    ),
    "too_deep": _(
        "lijsten of tabellen zijn te diep genest; verwacht: de platte opbouw van het "
        "voorbeeldbestand"
    ),
    "number_unreadable": _(
        "een getal is niet te lezen (%(detail)s); verwacht: bedragen en jaartallen van "
        "gewone grootte"
    ),
    "name_missing": _(
        "ontbreekt; verwacht: de naam van de circulaire of het scenario, bijvoorbeeld "
        'name = "septembercirculaire 2021"'
    ),
    "not_text": _("%(got)s gevonden; verwacht: een tekst die niet leeg is"),
    "unknown_key": _("onbekende sleutel %(key)s; verwacht: alleen %(allowed)s"),
    "tables_missing": _("ontbreekt; verwacht: ten minste één tabel [[%(header)s]]"),
    "tables_wrong": _("%(got)s gevonden; verwacht: tabellen [[%(header)s]]"),
    "tables_empty": _("is leeg; verwacht: ten minste één tabel [[%(header)s]]"),
    "year_missing": _("ontbreekt; verwacht: een jaartal zoals 2023"),
    "year_wrong": _("%(got)s gevonden; verwacht: een jaartal zoals 2023"),
    "year_out_of_range": _(
        "%(value)s valt buiten het bereik; verwacht: een jaartal van %(first)s tot en met %(last)s"
    ),
    "number_missing": _("ontbreekt; verwacht: %(what)s"),
    "number_wrong": _("%(got)s gevonden; verwacht: %(what)s (een gewoon getal)"),
    "number_not_finite": _("%(value)s gevonden; verwacht: %(what)s (een eindig getal)"),
    "number_negative": _("%(value)s is negatief; verwacht: %(what)s, ten minste 0"),
    "number_above_max": _("%(value)s is meer dan %(maximum)s%(above)s; verwacht: %(what)s"),
    "code_missing": _("ontbreekt; verwacht: een CBS-gemeentecode zoals 'GM0114'"),
    "code_wrong": _("%(got)s gevonden; verwacht: een CBS-gemeentecode zoals 'GM0114'"),
    "code_unknown": _(
        "%(value)s is geen bekende CBS-gemeentecode; verwacht: een code uit de "
        "referentielijst, in de vorm 'GM0114'"
    ),
    "code_unknown_guess": _(
        "%(value)s is geen bekende CBS-gemeentecode (bedoelt u %(guess)s, %(guess_name)s?); "
        "verwacht: een code uit de referentielijst, in de vorm 'GM0114'"
    ),
    "year_twice": _("%(year)s staat ook in %(first)s; verwacht: elk jaar één keer"),
    "macro_bw_above_incl": _(
        "%(macro_bw)s is meer dan macro_incl_wlz_lsi %(macro_incl)s; verwacht: macro_bw ten "
        "hoogste macro_incl_wlz_lsi (het macrobudget vóór de uitname voor Wlz/LSI)"
    ),
    "centrum_macro_above_bw": _(
        "%(published)s is meer dan macro_bw %(macro_bw)s; verwacht: het historische deel "
        "van macro_bw, ten hoogste macro_bw"
    ),
    "centrum_macro_mismatch": _(
        "%(published)s volgt niet uit centrum_share_pct %(share)s, dat %(computed_eur)s "
        "geeft (een percentage afgerond op %(share)s laat %(low_eur)s tot %(high_eur)s toe); "
        "verwacht: het gepubliceerde bedrag bij dit percentage, of laat centrum_macro weg "
        "om het uit het percentage te berekenen"
    ),
    "region_name_missing": _("de sleutel 'name' ontbreekt; verwacht: de naam van de regio"),
    "region_twice": _(
        "%(name)s is ook de naam van [[region]]-tabel %(other)s; verwacht: elke regio één keer"
    ),
    "centrum_missing": _(
        "heeft geen centrumgemeente; verwacht: centrumgemeente = de CBS-code van de gemeente "
        "die het historische budget ontvangt, bijvoorbeeld 'GM0114'"
    ),
    "centrum_not_member": _(
        "%(centrum)s is geen van de gemeenten van de regio (%(codes)s); verwacht: ook een "
        "tabel [[region.municipality]] voor de centrumgemeente"
    ),
    "base_year_not_in_macro": _(
        "%(year)s staat niet in de macrotabel (%(years)s); verwacht: een jaar met een "
        "tabel [[macro]]"
    ),
    "base_year_no_centrum_macro": _(
        "centrum_macro van %(year)s is 0, dus het aandeel van de regio daarin is niet "
        "bepaald; verwacht: een jaar waarin het historische budget nog wordt betaald, "
        "bijvoorbeeld 2021"
    ),
    "base_amount_above": _(
        "%(amount)s is meer dan centrum_macro van %(year)s (%(centrum_macro_eur)s); "
        "verwacht: het deel van de regio daarin"
    ),
    "municipality_twice": _("%(code)s staat al in %(where)s; verwacht: elke gemeente één keer"),
    "municipality_twice_here": _(
        "%(code)s staat al in deze regio; verwacht: elke gemeente één keer"
    ),
    "objective_both": _(
        "heeft zowel objective als objective_share; verwacht: één van beide (bedragen per "
        "jaar of aandelen in objective_macro per jaar)"
    ),
    "objective_missing": _(
        "heeft geen objectief budget; verwacht: objective = { 2023 = 298810, … } (euro per "
        "jaar) of objective_share = { 2023 = 0.00211, … } (fractie van objective_macro per "
        "jaar), of objective = {} als er nog geen bedragen zijn"
    ),
    "name_not_text": _(
        "%(got)s is niet de CBS-naam van %(code)s, die %(reference)s is; verwacht: code en "
        "naam die bij elkaar horen"
    ),
    "name_mismatch": _(
        "%(name)s is niet de CBS-naam van %(code)s, die %(reference)s is; verwacht: code en "
        "naam die bij elkaar horen"
    ),
    "name_mismatch_other": _(
        "%(name)s is niet de CBS-naam van %(code)s, die %(reference)s is (de code van "
        "%(other_name)s is %(other_code)s); verwacht: code en naam die bij elkaar horen"
    ),
    "per_year_wrong": _("%(got)s gevonden; verwacht: een tabel jaar = waarde, %(example)s"),
    "per_year_not_a_year": _("%(key)s is geen jaartal; verwacht bijvoorbeeld %(example)s"),
    "per_year_not_in_macro": _(
        "%(year)s staat niet in de macrotabel (%(years)s); verwacht: alleen jaren met een "
        "tabel [[macro]]"
    ),
    "shares_above_one": _(
        "de waarden van objective_share in dit bestand tellen op tot %(total)s (meer dan "
        "100%%); verwacht: aandelen in één landelijk objective_macro, samen ten hoogste 1"
    ),
    "objective_above_macro": _(
        "de objectieve budgetten in dit bestand tellen op tot %(total_eur)s, meer dan "
        "objective_macro(%(year)s) = %(macro_eur)s; verwacht: ten hoogste objective_macro "
        "(bedragen in euro's, niet in duizenden; geen objectief budget vóór het begin van "
        "het ingroeipad; gebruik objective_share om een gewijzigd ingroeipad te volgen)"
    ),
}

_GOT: Mapping[str, Promise] = {
    "string": _("de tekst %(got)s"),
    "boolean": _("de waarde %(got)s"),
    "table": _("een tabel"),
    "array": _("een lijst"),
}

_WHAT: Mapping[str, Promise] = {
    "amount": _("een bedrag in euro's"),
    "percentage": _("een percentage van 0 tot en met 100"),
    "fraction": _("een fractie van objective_macro van 0 tot en met 1"),
}

# Every code of the parser has its text here (tests/finance/test_param_errors.py checks it).
assert set(MESSAGES) == set(ENGLISH), set(MESSAGES) ^ set(ENGLISH)


def _euros(amount: Decimal) -> str:
    figure = number_format(amount.quantize(Decimal("0.01")), 2, use_l10n=True, force_grouping=True)
    return gettext("€ %(amount)s") % {"amount": figure}


def where_text(where: Where) -> str:
    """The place of a problem in words: the table, and the key in it as written."""
    if where.byte is not None:
        return gettext("byte %(n)s") % {"n": where.byte}
    if where.line is not None:
        return gettext("regel %(line)s, kolom %(column)s") % {
            "line": where.line,
            "column": where.column,
        }
    if where.section == "file":
        return gettext("het bestand")
    if where.section == "top level":
        return gettext("het bestand (buiten de tabellen)")
    if where.section == "end of file":
        return gettext("het einde van het bestand")
    if where.macro is not None:
        if where.year is not None:
            label = gettext("[[macro]]-tabel %(n)s (jaar %(year)s)") % {
                "n": where.macro,
                "year": where.year,
            }
        else:
            label = gettext("[[macro]]-tabel %(n)s") % {"n": where.macro}
    elif where.region is not None:
        if where.region_name:
            label = gettext("regio ‘%(name)s’") % {"name": where.region_name}
        else:
            label = gettext("[[region]]-tabel %(n)s") % {"n": where.region}
        if where.municipality is not None:
            if where.code:
                label += gettext(", gemeente %(n)s (%(code)s)") % {
                    "n": where.municipality,
                    "code": where.code,
                }
            else:
                label += gettext(", gemeente %(n)s") % {"n": where.municipality}
    elif where.year is not None:
        label = gettext("jaar %(year)s") % {"year": where.year}
    else:
        return gettext("sleutel %(key)s") % {"key": where.key}
    if where.key:
        label += gettext(", sleutel %(key)s") % {"key": where.key}
    return label


# The TOML reader's (tomllib's) own descriptions of a syntax error, in the screen's language:
# the English catalog gives each back word for word, so the English screen still says what the
# command line says. An unlisted description (a newer Python) is shown as the reader wrote it.
_TOML_WORDS: Mapping[str, Promise] = {
    "Cannot overwrite a value": _("een waarde wordt overschreven"),
    "Escaped character is not a Unicode scalar value": _(
        "een escape-teken is geen geldig Unicode-teken"
    ),
    "Expected '=' after a key in a key/value pair": _("na een sleutel hoort een '='"),
    "Expected ']' at the end of a table declaration": _("een tabelkop sluit niet af met ']'"),
    "Expected ']]' at the end of an array declaration": _(
        "een kop van een lijst van tabellen sluit niet af met ']]'"
    ),
    "Expected newline or end of document after a statement": _(
        "na een regel sleutel = waarde volgt nog tekst op dezelfde regel"
    ),
    "Invalid date or datetime": _("ongeldige datum of tijd"),
    "Invalid hex value": _("ongeldige hexadecimale waarde"),
    "Invalid initial character for a key part": _("een sleutel begint met een ongeldig teken"),
    "Invalid statement": _("ongeldige regel"),
    "Invalid value": _("ongeldige waarde"),
    "Unclosed array": _("een lijst [ … ] wordt niet gesloten"),
    "Unclosed inline table": _("een tabel { … } wordt niet gesloten"),
    "Unescaped '\\' in a string": _("een losse '\\' in een tekst"),
    "Unterminated string": _("een tekst tussen aanhalingstekens wordt niet afgesloten"),
}
_TOML_PATTERNS: tuple[tuple[re.Pattern[str], Promise], ...] = (
    (re.compile(r"^Cannot declare (?P<key>.+) twice$"), _("%(key)s staat er twee keer")),
    (
        re.compile(r"^Cannot mutate immutable namespace (?P<key>.+)$"),
        _("%(key)s is al volledig vastgelegd en kan niet worden aangevuld"),
    ),
    (
        re.compile(r"^Cannot redefine namespace (?P<key>.+)$"),
        _("%(key)s wordt opnieuw gedefinieerd"),
    ),
    (
        re.compile(r"^Duplicate inline table key (?P<key>.+)$"),
        _("de sleutel %(key)s staat twee keer in een tabel { … }"),
    ),
    (re.compile(r"^Found invalid character (?P<key>.+)$"), _("ongeldig teken %(key)s")),
    (re.compile(r"^Illegal character (?P<key>.+)$"), _("niet toegestaan teken %(key)s")),
)


def toml_words(detail: str) -> str:
    """The TOML reader's description of a syntax error in the screen's language."""
    known = _TOML_WORDS.get(detail)
    if known is not None:
        return str(known)
    for pattern, template in _TOML_PATTERNS:
        match = pattern.match(detail)
        if match:
            return str(template) % match.groupdict()
    return detail


def problem_text(problem: Problem) -> str:
    """``"<where>: <what is wrong>; verwacht: <what was expected>"`` in the screen's language."""
    values: dict[str, object] = {}
    for name, value in problem.params.items():
        if isinstance(value, Where):
            value = where_text(value)
        elif name.endswith("_eur") and isinstance(value, Decimal):
            value = _euros(value)
        elif name in {"key", "value", "guess", "name", "reference"} and isinstance(value, str):
            value = repr(value)
        values[name] = value
    if problem.code == "toml_syntax" and isinstance(values.get("detail"), str):
        values["detail"] = toml_words(str(values["detail"]))
    kind = problem.params.get("got_kind")
    if kind is not None:
        template = _GOT.get(str(kind))
        values["got"] = str(template) % values if template is not None else values["got"]
    if "what" in values:
        values["what"] = str(_WHAT[str(values["what"])])
    message = str(MESSAGES[problem.code]) % values
    return f"{where_text(problem.where)}: {message}"
