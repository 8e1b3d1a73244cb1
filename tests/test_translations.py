"""The English catalog is complete: every Dutch text of bwmo has an English entry, none is
fuzzy or empty, none is there twice, and the committed ``django.mo`` is its compiled form.

Found by municipal users: about 60 texts showed in Dutch on the English screens, because new
texts had no entry in the catalog.
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import bwmo

PACKAGE = Path(bwmo.__file__).parent
CATALOG = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOG.with_suffix(".mo")
# What the extraction leaves out (docs in src/bwmo/locale/README.md).
IGNORE = ["generate/*", "iwmo/*"]

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def entries(text: str) -> list[dict]:
    """The catalog's entries (obsolete ones left out) as dicts of keyword → text, with
    ``flags``; enough of the PO format for these checks."""
    found = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry: dict = {"flags": set()}
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry = {}
                break
            if line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and key:
                entry[key] += _unquote(line)
            else:
                key, _space, rest = line.partition(" ")
                entry[key] = _unquote(rest)
        if entry:
            found.append(entry)
    return found


def _unquote(text: str) -> str:
    return "".join(
        m.encode().decode("unicode_escape").encode("latin-1").decode()
        for m in _STRING.findall(text)
    )


def problems(text: str) -> list[str]:
    """Every entry that is fuzzy, untranslated or there twice (the header excepted)."""
    seen: set[tuple] = set()
    found = []
    for entry in entries(text):
        msgid = entry.get("msgid", "")
        if not msgid:
            continue  # the header
        key = (entry.get("msgctxt"), msgid)
        if key in seen:
            found.append(f"twice: {msgid!r}")
        seen.add(key)
        if "fuzzy" in entry["flags"]:
            found.append(f"fuzzy: {msgid!r}")
        strings = [v for k, v in entry.items() if k.startswith("msgstr")]
        if not strings or not all(strings):
            found.append(f"untranslated: {msgid!r}")
    return found


def test_the_checker_finds_fuzzy_empty_and_double_entries():
    text = (
        'msgid ""\nmsgstr "Language: en\\n"\n\n'
        'msgid "Goed"\nmsgstr "Good"\n\n'
        '#, fuzzy\nmsgid "Bijna"\nmsgstr "Almost"\n\n'
        'msgid "Leeg"\nmsgstr ""\n\n'
        'msgid "%(n)s regel"\nmsgid_plural "%(n)s regels"\nmsgstr[0] "%(n)s line"\n'
        'msgstr[1] ""\n\n'
        'msgid "Goed"\nmsgstr "Fine"\n\n'
        '#~ msgid "Oud"\n#~ msgstr ""\n'
    )
    assert problems(text) == [
        "fuzzy: 'Bijna'",
        "untranslated: 'Leeg'",
        "untranslated: '%(n)s regel'",
        "twice: 'Goed'",
    ]


def test_every_entry_of_the_english_catalog_is_translated():
    assert problems(CATALOG.read_text(encoding="utf-8")) == []


def test_the_committed_mo_is_the_compiled_catalog(tmp_path):
    if not shutil.which("msgfmt"):
        pytest.skip("msgfmt (GNU gettext) not installed")
    out = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "-c", "--statistics", "-o", str(out), str(CATALOG)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr  # also fails on an entry that is there twice
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr
    with COMPILED.open("rb") as committed, out.open("rb") as fresh:
        assert gettext.GNUTranslations(committed)._catalog == (  # type: ignore[attr-defined]
            gettext.GNUTranslations(fresh)._catalog  # type: ignore[attr-defined]
        ), "django.mo is out of date: run msgfmt -o django.mo django.po"


def test_every_text_in_the_source_has_an_english_entry(tmp_path):
    """``makemessages`` on a copy of the source finds no text without a translation."""
    if not shutil.which("xgettext"):
        if os.environ.get("CI"):
            pytest.fail("xgettext (GNU gettext) not installed")
        pytest.skip("xgettext (GNU gettext) not installed")
    copy = tmp_path / "bwmo"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    # -P: the copy (the working directory) holds a logging.py that must not hide the stdlib.
    main = "import sys; from bwmo.cli import main; sys.argv[0] = 'bwmo'; sys.exit(main())"
    command = [sys.executable, "-P", "-c", main, "makemessages", "-l", "en", "--no-location"]
    for pattern in IGNORE:
        command += ["--ignore", pattern]
    # The ordinary settings, as the README's command runs it (not the test settings).
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'i18n.sqlite3'}"
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    merged = (copy / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert problems(merged) == []
