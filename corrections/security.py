"""Response headers that keep browsers strict about what our pages may do; the secret key."""
from flask import Flask, Response, request

from .text import xml_safe

# No inline scripts or styles anywhere; pages may not be framed.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")


#: Pages that show readers' or editors' details, or act on signed links: never cached.
PRIVATE_PATHS = ("/dashboard/", "/mail/")

#: The shortest SECRET_KEY accepted outside debug and testing, in bytes.
MIN_SECRET_KEY_BYTES = 32
#: Values that were ever shipped in this repository (examples, tests, benchmarks): public,
#: so anyone could sign sessions and action links with them.
PUBLISHED_SECRET_KEYS = frozenset({
    "change-me", "test-secret-key", "bench", "k", "from-env", "from-test", "secret",
})
MAKE_A_SECRET_KEY = ("Make one with: python3 -c 'import secrets; print(secrets.token_hex(32))' "
                     "and put it in instance/config.py (SECRET_KEY = \"…\") or the "
                     "CORRECTIONS_SECRET_KEY environment variable.")


def secret_key_problem(key: str | bytes) -> str | None:
    """What is wrong with a SECRET_KEY for production use, or None."""
    raw = key if isinstance(key, bytes) else str(key).encode()
    if raw.decode(errors="replace") in PUBLISHED_SECRET_KEYS:
        return ("SECRET_KEY is a value published with this software, so anyone could forge "
                "sessions and one-click links with it. " + MAKE_A_SECRET_KEY)
    if len(raw) < MIN_SECRET_KEY_BYTES:
        return (f"SECRET_KEY is too short ({len(raw)} bytes; at least {MIN_SECRET_KEY_BYTES} "
                "are needed). " + MAKE_A_SECRET_KEY)
    return None


def _headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.path == "/dashboard" or request.path.startswith(PRIVATE_PATHS):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)
    # Whatever was stored, no page, feed or email prints a character XML 1.0 forbids.
    app.jinja_env.finalize = xml_safe
