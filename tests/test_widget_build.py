"""The widget's build: the committed files are esbuild's build of today's sources, in every language."""
import json
import re
import shutil

import pytest

from corrections.widget import build as widget_build
from corrections.widget.build import (
    CHUNKS,
    LOADER,
    MANIFEST,
    STATIC,
    built_name,
    strings,
)
from tests.helpers import unavailable

WORDS = strings()


def test_the_committed_build_matches_its_sources():
    assert widget_build.stale() == [], (
        "the widget's sources changed since its build: run `make widget` and commit the built files")


def test_a_changed_source_makes_the_build_stale(tmp_path):
    for name in [*widget_build.sources(), *json.loads((STATIC / MANIFEST).read_text())["built"], MANIFEST]:
        shutil.copy(STATIC / name, tmp_path / name)
    assert widget_build.stale(tmp_path) == []
    with open(tmp_path / "widget-dialog.css", "a", encoding="utf-8") as css:
        css.write("p { color: red; }\n")
    (tmp_path / built_name("box", "uk")).write_bytes(b"edited by hand")
    assert widget_build.stale(tmp_path) == ["widget-dialog.css", built_name("box", "uk")]


@pytest.mark.parametrize("chunk", ["loader", *CHUNKS])
def test_every_language_has_every_word(chunk):
    tables = WORDS[chunk]
    english = set(tables["en"])
    assert set(tables) >= {"en", "uk"}
    for language, table in tables.items():
        assert set(table) == english, (
            f"{chunk}.{language}: missing {english - set(table)}, extra {set(table) - english}")
        assert all(text.strip() for text in table.values()), f"{chunk}.{language} has an empty text"
        for key, text in table.items():
            placeholders = re.findall(r"\{\w+\}", tables["en"][key])
            assert re.findall(r"\{\w+\}", text) == placeholders, f"{chunk}.{language}.{key}"


def words_used(source: str) -> set[str]:
    """The keys of its words table that a script's source names."""
    text = (STATIC / source).read_text(encoding="utf-8")
    used = set(re.findall(r"\bt\.(\w+)", text)) | set(re.findall(r"words\(STRINGS\)\.(\w+)", text))
    return used - {"code", "dir"}


def test_every_word_a_script_uses_is_in_its_table():
    assert words_used(LOADER.source) <= set(WORDS["loader"]["en"]) and words_used(LOADER.source)
    dialog = words_used(CHUNKS["dialog"].source) | {"typo", "factual", "clarification", "broken_link", "other"}
    assert dialog <= set(WORDS["dialog"]["en"]), dialog - set(WORDS["dialog"]["en"])
    box = words_used(CHUNKS["box"].source) | {f"type_{t}" for t in ("correction", "clarification", "editors_note")}
    assert box <= set(WORDS["box"]["en"]), box - set(WORDS["box"]["en"])


def test_no_two_chunks_use_one_key_for_different_words():
    # A page's own words (id="corrections-strings") are one table per language for the whole widget.
    keys = [set(table["en"]) for table in WORDS.values()]
    assert not any(a & b for i, a in enumerate(keys) for b in keys[i + 1:])


@pytest.fixture(scope="session")
def esbuild(tmp_path_factory):
    """esbuild at the pinned version, installed with npm for this run only."""
    try:
        return widget_build.install_esbuild(tmp_path_factory.mktemp("esbuild"))
    except widget_build.BuildError as error:
        unavailable("npm", str(error))


def test_building_again_gives_the_committed_bytes(esbuild, tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    for name in widget_build.sources():
        shutil.copy(STATIC / name, sources / name)
    built = widget_build.build(esbuild, sources, tmp_path / "out")
    for name, data in built.items():
        assert data == (STATIC / name).read_bytes(), f"{name} differs from a fresh build"
    assert sorted(built) == sorted([widget_build.LOADER_BUILT, MANIFEST, *(
        built_name(chunk, language) for chunk in CHUNKS for language in WORDS[chunk])])


def test_a_syntax_error_fails_the_build_loudly(esbuild, tmp_path):
    for name in widget_build.sources():
        shutil.copy(STATIC / name, tmp_path / name)
    with open(tmp_path / "widget-box.js", "a", encoding="utf-8") as script:
        script.write("\nconst broken = ;\n")
    with pytest.raises(widget_build.BuildError, match="widget-box.js"):
        widget_build.build(esbuild, tmp_path, tmp_path / "out")
