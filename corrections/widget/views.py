"""The widget as served: /widget.js (the loader) and /widget/<chunk>.<language>.js (on demand).

The files are the committed build of the sources (corrections/widget_build.py, `make widget`),
gzipped here once when the browser accepts gzip, with an ETag.
"""
import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, abort, request

from .build import CHUNKS, LOADER_BUILT, STATIC, built_name, version_of

bp = Blueprint("widget", __name__)

# The tag has a fixed address, so browsers revalidate (cheaply, with the ETag) after a day and
# may keep using their copy for a week meanwhile: a new release reaches readers within a day.
CACHE_CONTROL = "public, max-age=86400, stale-while-revalidate=604800"
# A chunk asked for by its version (the loader names it) never changes at that address.
CACHE_FOREVER = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class BuiltScript:
    """A served script: minified text, its gzipped bytes and its version (a digest)."""
    minified: bytes
    gzipped: bytes
    version: str


@lru_cache(maxsize=16)
def _load(path: Path, modified_ns: int) -> BuiltScript:
    minified = path.read_bytes()
    return BuiltScript(minified=minified, gzipped=gzip.compress(minified, compresslevel=9, mtime=0),
                       version=version_of(minified))


def built_script(name: str = LOADER_BUILT, folder: Path = STATIC) -> BuiltScript:
    """A built file as served; read again when it changes (after `make widget`)."""
    path = folder / name
    return _load(path, path.stat().st_mtime_ns)


def _serve(built: BuiltScript, cache_control: str) -> Response:
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
    response.headers["Cache-Control"] = cache_control
    # Any page may load the scripts; the chunks are ES modules, which browsers fetch with CORS.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


@bp.get("/widget.js")
def script():
    return _serve(built_script(), CACHE_CONTROL)


@bp.get("/widget/<chunk>.<language>.js")
def chunk(chunk: str, language: str):
    if chunk not in CHUNKS or not language.isalpha():
        abort(404)
    try:
        built = built_script(built_name(chunk, language))
    except FileNotFoundError:
        abort(404)
    # An older loader may ask for an older version: it gets today's, cached like the loader.
    fresh = request.args.get("v") == built.version
    return _serve(built, CACHE_FOREVER if fresh else CACHE_CONTROL)
