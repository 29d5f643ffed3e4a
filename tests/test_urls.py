"""Article URLs: what is accepted and how it is normalised."""
import pytest

from corrections.urls import URLError, normalise_origin, normalise_url, origin_of

TRACKING = ("utm_*", "fbclid")


@pytest.mark.parametrize("url, expected", [
    ("HTTPS://News.Example.ORG/Path?b=2&a=1#frag", "https://news.example.org/Path?b=2&a=1"),
    ("https://news.example.org:443/a", "https://news.example.org/a"),
    ("http://news.example.org:80", "http://news.example.org/"),
    ("https://news.example.org:8443/a", "https://news.example.org:8443/a"),
    ("https://n.example/a?utm_source=x&UTM_Medium=y&id=3&fbclid=z", "https://n.example/a?id=3"),
    ("https://[2001:db8::1]:8080/a", "https://[2001:db8::1]:8080/a"),
])
def test_normalise_url(url, expected):
    assert normalise_url(url, TRACKING) == expected


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "data:text/html,x", "ftp://news.example.org/", "//news.example.org/a",
    "https://user@news.example.org/", "https://news.example.org@evil.example/", "https:///path",
    "https://news.example.org:99999/", "https://" + "a" * 2000 + ".example/",
])
def test_refused_urls(url):
    with pytest.raises(URLError):
        normalise_url(url)


def test_origin_of_drops_path_and_default_port():
    assert origin_of("HTTPS://News.example.org:443/a/b?c") == "https://news.example.org"


@pytest.mark.parametrize("value", ["https://news.example.org/a", "https://news.example.org?x=1"])
def test_origin_must_be_bare(value):
    with pytest.raises(URLError):
        normalise_origin(value)
