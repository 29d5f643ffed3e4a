"""The widget as served: the loader at /widget.js and its chunks, gzipped, cached, within budget."""
import gzip
import re

import pytest

from corrections.widget.build import (
    CHUNKS,
    LOADER_BUILT,
    STATIC,
    built_name,
    strings,
    version_of,
)
from corrections.widget.views import built_script

# The budgets, gzipped as served: the loader is on every article page view; the dialog
# only when a reader wants it; the box only on articles with published corrections.
BUDGETS = {"loader": 2560, "dialog": 4096, "box": 2048}
LANGUAGES = sorted(strings()["dialog"])
CHUNK_FILES = [(chunk, language) for chunk in CHUNKS for language in LANGUAGES]


def get(client, path="/widget.js", **headers):
    return client.get(path, headers=headers)


def test_the_loader_is_served_gzipped_when_the_browser_accepts_it(client):
    response = get(client, **{"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.mimetype == "text/javascript"
    assert response.mimetype_params["charset"] == "utf-8"
    assert gzip.decompress(response.data) == (STATIC / LOADER_BUILT).read_bytes()


def test_the_loader_is_served_plain_without_gzip(client):
    response = get(client, **{"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
    assert response.data == (STATIC / LOADER_BUILT).read_bytes()


def test_the_loader_is_within_its_budget(client):
    served = get(client, **{"Accept-Encoding": "gzip"}).data
    assert len(served) <= BUDGETS["loader"], (
        f"/widget.js is {len(served)} bytes gzipped; the budget is {BUDGETS['loader']}")


@pytest.mark.parametrize("chunk, language", CHUNK_FILES)
def test_each_chunk_in_each_language_is_within_its_budget(client, chunk, language):
    response = get(client, f"/widget/{chunk}.{language}.js", **{"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert len(response.data) <= BUDGETS[chunk], (
        f"the {chunk} ({language}) is {len(response.data)} bytes gzipped; the budget is {BUDGETS[chunk]}")


@pytest.mark.parametrize("chunk, language", CHUNK_FILES)
def test_a_chunk_is_the_committed_build(client, chunk, language):
    response = get(client, f"/widget/{chunk}.{language}.js", **{"Accept-Encoding": "identity"})
    assert response.data == (STATIC / built_name(chunk, language)).read_bytes()
    assert response.mimetype == "text/javascript"
    # The chunks are ES modules, which browsers fetch with CORS from the article's origin.
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_loader_names_each_chunks_current_version(client):
    loader = get(client, **{"Accept-Encoding": "identity"}).data.decode()
    for chunk, language in CHUNK_FILES:
        version = version_of((STATIC / built_name(chunk, language)).read_bytes())
        assert re.search(rf'{language}:"{version}"', loader), f"{chunk}.{language} {version} not in the loader"


def test_a_chunk_asked_for_by_its_version_is_cached_for_good(client):
    version = built_script(built_name("dialog", "en")).version
    response = get(client, f"/widget/dialog.en.js?v={version}")
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_chunk_asked_for_by_an_older_version_gets_todays_cached_for_a_day(client):
    response = get(client, "/widget/dialog.en.js?v=0123456789ab")
    assert response.status_code == 200
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert "immutable" not in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/widget/nothing.en.js", "/widget/dialog.xx.js", "/widget/dialog.js",
                                  "/widget/dialog.e1.js", "/widget/dialog..js"])
def test_an_unknown_chunk_is_404(client, path):
    assert get(client, path).status_code == 404


def test_the_loader_is_cached_long_and_varies_by_encoding(client):
    response = get(client, **{"Accept-Encoding": "gzip"})
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_each_encoding_has_its_own_etag(client):
    zipped = get(client, **{"Accept-Encoding": "gzip"}).headers["ETag"]
    plain = get(client, **{"Accept-Encoding": "identity"}).headers["ETag"]
    assert zipped and plain and zipped != plain


def test_a_cached_copy_is_revalidated_with_its_etag(client):
    etag = get(client, **{"Accept-Encoding": "gzip"}).headers["ETag"]
    response = get(client, **{"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""


def test_a_stale_etag_gets_the_new_script(client):
    response = get(client, **{"Accept-Encoding": "gzip", "If-None-Match": '"an-older-version"'})
    assert response.status_code == 200
    assert gzip.decompress(response.data) == (STATIC / LOADER_BUILT).read_bytes()


def test_the_served_loader_is_minified_from_its_readable_source(client):
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    served = get(client).data.decode("utf-8")
    assert "readable source" in source and "readable source" not in served
    assert "function showFab" in source and "showFab" not in served  # local names shortened
    assert len(served) < len(source) * 0.5


def test_a_built_file_is_read_again_when_it_changes(tmp_path):
    (tmp_path / "widget.min.js").write_bytes(b"let a=1;")
    first = built_script("widget.min.js", tmp_path)
    (tmp_path / "widget.min.js").write_bytes(b"let a=22;")
    second = built_script("widget.min.js", tmp_path)
    assert (first.minified, second.minified) == (b"let a=1;", b"let a=22;")
    assert first.version != second.version
