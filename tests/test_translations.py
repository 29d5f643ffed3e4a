"""The catalogues: every message extracted, every Ukrainian one translated, the .mo files current."""
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "corrections" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def catalogue(language: str):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        return read_po(file, locale=language)


def key(value):
    """A message id or string as a comparable value (plural ones come as lists or tuples)."""
    return tuple(value) if isinstance(value, list | tuple) else value


def messages_in_the_sources() -> set:
    with open(ROOT / "babel.cfg") as file:
        method_map, options_map = parse_mapping_cfg(file)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else tuple(message[:2]))
    return found


def test_messages_pot_holds_every_message_of_the_code_and_templates():
    with open(CATALOGUES / "messages.pot", "rb") as file:
        template = {m.id for m in read_po(file) if m.id}
    missing = messages_in_the_sources() - template
    assert not missing, f"run `make translations-update`: {sorted(map(str, missing))[:10]}"


@pytest.mark.parametrize("language", ["en", "uk"])
def test_every_message_of_the_template_is_translated_and_none_is_fuzzy(language):
    with open(CATALOGUES / "messages.pot", "rb") as file:
        wanted = {m.id for m in read_po(file) if m.id}
    translated = catalogue(language)
    by_id = {m.id: m for m in translated if m.id}
    assert sorted(map(str, wanted - by_id.keys())) == []
    untranslated = [m.id for m in by_id.values()
                    if (not all(m.string) if isinstance(m.string, tuple) else not m.string)]
    assert untranslated == []
    assert [m.id for m in by_id.values() if m.fuzzy] == []
    if language == "uk":
        plurals = [m for m in by_id.values() if isinstance(m.id, tuple)]
        assert plurals and all(len(m.string) == 3 for m in plurals)


@pytest.mark.parametrize("language", ["en", "uk"])
def test_the_compiled_catalogue_is_not_older_than_its_source(language):
    folder = CATALOGUES / language / "LC_MESSAGES"
    with open(folder / "messages.mo", "rb") as file:
        compiled = {key(m.id): key(m.string) for m in read_mo(file) if m.id}
    source = {key(m.id): key(m.string) for m in catalogue(language) if m.id and not m.fuzzy}
    # Compare contents, not times: a checkout gives every file the same moment.
    assert compiled == source, "run `make translations`"


@pytest.mark.parametrize(("count", "expected"), [
    (1, "Відхилено за останній 1 день"), (3, "Відхилено за останні 3 дні"),
    (5, "Відхилено за останні 5 днів"), (11, "Відхилено за останні 11 днів"),
    (22, "Відхилено за останні 22 дні"), (21, "Відхилено за останній 21 день"),
])
def test_ukrainian_counts_take_their_three_plural_forms(app, count, expected):
    with app.test_request_context(), force_locale("uk"):
        said = ngettext("Refused in the last %(num)d day", "Refused in the last %(num)d days",
                        count)
    assert said == expected
