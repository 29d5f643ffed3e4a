"""Article URLs and origins: parsing, checking and normalising."""
import hashlib
import re
from fnmatch import fnmatchcase
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from flask_babel import gettext as _
from flask_babel import ngettext

MAX_URL_LENGTH = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}
# str.isspace() and re's \s agree on Unicode whitespace; with the C0 controls, in one pass.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f]")


class URLError(ValueError):
    """A URL that cannot be an article page."""


def _split(url: str):
    if len(url) > MAX_URL_LENGTH:
        raise URLError(ngettext("The address is longer than %(num)d character.",
                                "The address is longer than %(num)d characters.", MAX_URL_LENGTH))
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise URLError(_("This is not a valid web address.")) from None
    if parts.scheme.lower() not in DEFAULT_PORTS:
        raise URLError(_("The address must start with http:// or https://."))
    if not parts.hostname:
        raise URLError(_("The address has no host name."))
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise URLError(_("The address must not contain a user name or password."))
    if _SPACE_OR_CONTROL.search(url.strip()):
        raise URLError(_("The address must not contain spaces or control characters."))
    return parts, port


def _origin(scheme: str, host: str, port: int | None) -> str:
    scheme = scheme.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def origin_of(url: str) -> str:
    """The scheme://host[:port] of an http(s) URL, lower-cased, default port dropped."""
    parts, port = _split(url)
    return _origin(parts.scheme, parts.hostname, port)


def normalise_origin(value: str) -> str:
    """Check that `value` is a bare origin (no path, query or fragment) and normalise it."""
    parts, port = _split(value)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise URLError(_("An origin is only scheme, host and port, like https://news.example.org."))
    return _origin(parts.scheme, parts.hostname, port)


def normalise_url(url: str, tracking_parameters=()) -> str:
    """Lower-case scheme and host, drop the default port, the fragment and tracking parameters."""
    return normalise_url_and_origin(url, tracking_parameters)[0]


def normalise_url_and_origin(url: str, tracking_parameters=()) -> tuple[str, str]:
    """normalise_url and origin_of from one parse (the intake needs both)."""
    parts, port = _split(url)
    origin = _origin(parts.scheme, parts.hostname, port)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not any(fnmatchcase(k.lower(), pattern) for pattern in tracking_parameters)]
    return urlunsplit((parts.scheme.lower(), origin.split("://", 1)[1],
                       parts.path or "/", urlencode(query, doseq=True), "")), origin


def url_hash(normalised_url: str) -> str:
    """How an article is looked up: SHA-256 of its normalised URL (long URLs index badly)."""
    return hashlib.sha256(normalised_url.encode()).hexdigest()


def public_url_for(endpoint: str, **values) -> str:
    """An absolute URL on PUBLIC_URL; works outside requests (emails sent by the worker)."""
    from flask import current_app
    public_url = current_app.config["PUBLIC_URL"]
    # Bound once per PUBLIC_URL: the worker builds several links for every email.
    held = current_app.extensions.get("corrections.public_url_adapter")
    if held is None or held[0] != public_url:
        base = urlsplit(public_url)
        held = public_url, current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                                    url_scheme=base.scheme)
        current_app.extensions["corrections.public_url_adapter"] = held
    return held[1].build(endpoint, values, force_external=True)


def _fragment_part(text: str) -> str:
    # Text fragments reserve "-", "," and "&"; everything else is percent-encoded as usual.
    return quote(text, safe="").replace("-", "%2D")


def text_fragment_url(url: str, exact: str, prefix: str = "", suffix: str = "") -> str:
    """The article URL with #:~:text= pointing at the passage (ignored by browsers without support)."""
    exact = " ".join(exact.split())
    if not exact or not url.lower().startswith(("http://", "https://")):
        return url
    words = exact.split(" ")
    if len(exact) > 300 and len(words) > 8:
        directive = f"{_fragment_part(' '.join(words[:4]))},{_fragment_part(' '.join(words[-4:]))}"
    else:
        directive = _fragment_part(exact)
    # Context is matched on whole words: drop a word the 64-character context may have cut.
    before = prefix.split()[1:] if len(prefix) >= 64 else prefix.split()
    after = suffix.split()[:-1] if len(suffix) >= 64 else suffix.split()
    if before:
        directive = f"{_fragment_part(' '.join(before[-3:]))}-,{directive}"
    if after:
        directive = f"{directive},-{_fragment_part(' '.join(after[:3]))}"
    return f"{url.split('#', 1)[0]}#:~:text={directive}"


def safe_link(url: str) -> str | None:
    """The URL if it is http(s), else None: a stored address is never a javascript: link."""
    return url if url.lower().startswith(("http://", "https://")) else None
