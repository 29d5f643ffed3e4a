"""GET /widget.js: minified, gzipped when accepted, cached with a validator, within its size budget."""
import gzip

from corrections.views.widget import SOURCE, built_script

# The budget for the script with its styles, minified and gzipped as served.
SIZE_BUDGET = 5120


def get_script(client, **headers):
    return client.get("/widget.js", headers=headers)


def test_the_widget_is_served_gzipped_when_the_browser_accepts_it(client):
    response = get_script(client, **{"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.mimetype == "text/javascript"
    assert response.mimetype_params["charset"] == "utf-8"
    assert gzip.decompress(response.data) == built_script().minified


def test_the_widget_is_served_plain_without_gzip(client):
    response = get_script(client, **{"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
    assert response.data == built_script().minified


def test_the_served_widget_within_the_size_budget(client):
    served = get_script(client, **{"Accept-Encoding": "gzip"}).data
    assert len(served) <= SIZE_BUDGET, f"/widget.js is {len(served)} bytes gzipped; the budget is {SIZE_BUDGET}"


def test_the_widget_is_cached_long_and_varies_by_encoding(client):
    response = get_script(client, **{"Accept-Encoding": "gzip"})
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_each_encoding_has_its_own_etag(client):
    zipped = get_script(client, **{"Accept-Encoding": "gzip"}).headers["ETag"]
    plain = get_script(client, **{"Accept-Encoding": "identity"}).headers["ETag"]
    assert zipped and plain and zipped != plain


def test_a_cached_copy_is_revalidated_with_its_etag(client):
    etag = get_script(client, **{"Accept-Encoding": "gzip"}).headers["ETag"]
    response = get_script(client, **{"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""


def test_a_stale_etag_gets_the_new_script(client):
    response = get_script(client, **{"Accept-Encoding": "gzip", "If-None-Match": '"an-older-version"'})
    assert response.status_code == 200
    assert gzip.decompress(response.data) == built_script().minified


def test_the_served_widget_is_the_source_without_comments(client):
    source = SOURCE.read_text(encoding="utf-8")
    served = get_script(client).data.decode("utf-8")
    assert "readable source" in source and "readable source" not in served
    assert len(served) < len(source) * 0.75
    assert "Запропонувати виправлення" in served  # strings are kept as they are


def test_the_widget_is_rebuilt_when_its_source_changes(tmp_path):
    source = tmp_path / "widget.js"
    source.write_text("const a = 1;  // one\n", encoding="utf-8")
    first = built_script(source)
    source.write_text("const a = 2;  // two\n", encoding="utf-8")
    second = built_script(source)
    assert (first.minified, second.minified) == (b"const a=1;", b"const a=2;")
    assert first.version != second.version
