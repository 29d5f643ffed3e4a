"""GET /widget.js: the embeddable widget, minified, gzipped when the browser accepts it, cached."""
import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, request

from ..minify import minify_js

bp = Blueprint("widget", __name__)

SOURCE = Path(__file__).resolve().parent.parent / "static" / "widget.js"
# The tag has a fixed address, so browsers revalidate (cheaply, with the ETag) after a day and
# may keep using their copy for a week meanwhile: a new release reaches readers within a day.
CACHE_CONTROL = "public, max-age=86400, stale-while-revalidate=604800"


@dataclass(frozen=True)
class BuiltScript:
    """The served widget: minified text, its gzipped bytes and a validator."""
    minified: bytes
    gzipped: bytes
    version: str


@lru_cache(maxsize=4)
def _build(path: Path, modified_ns: int) -> BuiltScript:
    minified = minify_js(path.read_text(encoding="utf-8")).encode("utf-8")
    return BuiltScript(minified=minified, gzipped=gzip.compress(minified, compresslevel=9, mtime=0),
                       version=hashlib.sha256(minified).hexdigest()[:20])


def built_script(path: Path = SOURCE) -> BuiltScript:
    """The widget as served; rebuilt when the source file changes."""
    return _build(path, path.stat().st_mtime_ns)


@bp.get("/widget.js")
def script():
    built = built_script()
    if request.accept_encodings["gzip"]:
        response = Response(built.gzipped)
        response.content_encoding = "gzip"
        response.set_etag(f"{built.version}-gzip")  # each encoding is its own representation
    else:
        response = Response(built.minified)
        response.set_etag(built.version)
    response.mimetype = "text/javascript"
    response.charset = "utf-8"
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = CACHE_CONTROL
    # Any page may load the script, including pages that demand CORS or CORP for scripts.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)
