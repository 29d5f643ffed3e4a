"""The widget's build: esbuild minifies its sources in corrections/static into the files served.

    make widget        (or: python -m corrections.widget.build --npm-prefix DIR)

esbuild (a pinned version, fetched with npm into DIR) minifies the style sheets, then each
script, renaming local names. The dialog and the box are built once per language of
widget-strings.json, each with its own words and its minified styles: a reader fetches one
language, not all. The built files (*.min.js) are committed with a manifest of their sources' digests, so
the app needs no Node.js at run time; the test suite checks that they match their sources and
that this build, run again, gives the same bytes.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ESBUILD_VERSION = "0.28.2"
STATIC = Path(__file__).resolve().parent.parent / "static"
MANIFEST = "widget.min.json"
STRINGS = "widget-strings.json"
# Syntax as written is kept for these browsers' engines (2022 and later); nothing is lowered.
TARGET = "es2022"


@dataclass(frozen=True)
class Part:
    """One script: its source, its esbuild format and the style sheets it embeds (by name)."""
    source: str
    format: str
    styles: dict[str, str]


LOADER = Part("widget.js", "iife", {"STYLE": "widget.css"})
LOADER_BUILT = "widget.min.js"
#: The chunks the loader fetches on demand, by the name in their URL (/widget/<name>.<lang>.js).
CHUNKS = {
    "dialog": Part("widget-dialog.js", "esm", {"STYLE": "widget-dialog.css"}),
    "box": Part("widget-box.js", "esm", {"STYLE": "widget-box.css"}),
}
PARTS = (LOADER, *CHUNKS.values())


def built_name(chunk: str, language: str) -> str:
    """The file a chunk is built into for one language."""
    return f"widget-{chunk}.{language}.min.js"


def strings(folder: Path = STATIC) -> dict[str, dict[str, dict[str, str]]]:
    """The widget's words: {chunk: {language: {key: text}}}."""
    return json.loads((folder / STRINGS).read_text(encoding="utf-8"))


class BuildError(RuntimeError):
    """esbuild is missing, or refused or warned about a source."""


def version_of(built: bytes) -> str:
    """A short digest of a built file: in its URL and its ETag, so each release is cached anew."""
    return hashlib.sha256(built).hexdigest()[:12]


def sources() -> list[str]:
    """Every file that goes into the built widget."""
    names = {STRINGS}
    for part in PARTS:
        names.add(part.source)
        names.update(part.styles.values())
    return sorted(names)


def source_digests(folder: Path = STATIC) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in sources()}


def install_esbuild(prefix: Path) -> Path:
    """esbuild at ESBUILD_VERSION under `prefix` (installed with npm unless already there)."""
    binary = prefix / "node_modules" / ".bin" / "esbuild"
    if _esbuild_version(binary) != ESBUILD_VERSION:
        command = ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--no-package-lock",
                   "--prefix", str(prefix), f"esbuild@{ESBUILD_VERSION}"]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BuildError(f"npm could not install esbuild: {error}") from None
        if result.returncode != 0 or _esbuild_version(binary) != ESBUILD_VERSION:
            reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise BuildError(f"npm could not install esbuild {ESBUILD_VERSION}: {reason}")
    return binary


def _esbuild_version(binary: Path) -> str | None:
    try:
        return subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                              timeout=60).stdout.strip()
    except OSError:
        return None


def _esbuild(binary: Path, arguments: list[str], stdin: str | None = None) -> bytes:
    result = subprocess.run([str(binary), *arguments, "--log-level=warning"], input=stdin,
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or result.stderr.strip():
        raise BuildError(f"esbuild {' '.join(arguments[:1])}: {result.stderr.strip()}")
    return result.stdout.encode("utf-8")


def _script(binary: Path, part: Part, folder: Path, defines: dict[str, object]) -> bytes:
    arguments = [str(folder / part.source), "--bundle", f"--format={part.format}", "--minify",
                 f"--target={TARGET}", "--charset=utf8", "--legal-comments=none"]
    for name, value in defines.items():
        arguments.append(f"--define:{name}={json.dumps(value, ensure_ascii=False, sort_keys=True)}")
    return _esbuild(binary, arguments)


def build(binary: Path, folder: Path = STATIC, out: Path | None = None) -> dict[str, bytes]:
    """Build every part from the sources in `folder` into `out` (default: `folder`).

    Returns the built files' bytes by name, the manifest included.
    """
    out = out or folder
    built: dict[str, bytes] = {}
    styles = {}
    for part in PARTS:
        for css in part.styles.values():
            if css not in styles:
                styles[css] = _esbuild(binary, ["--loader=css", "--minify"],
                                       (folder / css).read_text(encoding="utf-8")).decode().strip()
    words = strings(folder)
    versions: dict[str, dict[str, str]] = {}
    for name, part in CHUNKS.items():
        for language, table in sorted(words[name].items()):
            defines = {key: styles[css] for key, css in part.styles.items()}
            defines["STRINGS"] = {language: table}
            file = built_name(name, language)
            built[file] = _script(binary, part, folder, defines)
            versions.setdefault(name, {})[language] = version_of(built[file])
    # The loader names the chunks' versions, so it changes (and is fetched anew) when they do.
    built[LOADER_BUILT] = _script(binary, LOADER, folder, {
        "VERSIONS": versions, "STRINGS": words["loader"], "STYLE": styles[LOADER.styles["STYLE"]]})
    manifest = {"esbuild": ESBUILD_VERSION, "sources": source_digests(folder),
                "built": {name: version_of(data) for name, data in sorted(built.items())}}
    built[MANIFEST] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    out.mkdir(parents=True, exist_ok=True)
    for name, data in built.items():
        (out / name).write_bytes(data)
    return built


def stale(folder: Path = STATIC) -> list[str]:
    """Sources changed since the committed build, and built files changed since it was made."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [MANIFEST]
    changed = [name for name, digest in source_digests(folder).items()
               if manifest["sources"].get(name) != digest]
    for name, version in manifest["built"].items():
        path = folder / name
        if not path.exists() or version_of(path.read_bytes()) != version:
            changed.append(name)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corrections.widget.build",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--npm-prefix", type=Path, default=Path(".venv") / "esbuild",
                        help="where npm installs esbuild (default: .venv/esbuild)")
    arguments = parser.parse_args(argv)
    try:
        built = build(install_esbuild(arguments.npm_prefix.resolve()))
    except BuildError as error:
        print(f"widget build failed: {error}", file=sys.stderr)
        return 1
    for name, data in sorted(built.items()):
        print(f"{name}: {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
