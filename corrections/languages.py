"""Which language and time zone a page, an API answer or an email is in: one place decides.

- Reader pages of a site (the form, the thank-you page, the pages behind a reader's email
  links, the public log and its feed): the reader's `lang` (from the widget or the form link),
  else the site's language, else the browser's Accept-Language.
- The dashboard and the pages behind editors' email links: the editor's own language.
- The JSON API: the `lang` field the widget sends, else Accept-Language.
- Sign-in and password pages: the language chosen with the page's switch (`?lang=`, kept in the
  session), else Accept-Language; the pages behind invitation and reset links: that editor's.
- The command line: the shell's locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else English.

Views that learn the site or the editor call `use_site()` / `use_editor()` before rendering.
"""
import functools

import click
from flask import current_app, g, has_request_context, request, session
from flask_babel import refresh
from flask_login import current_user

#: Scripts written right to left; `dir` on every page comes from this.
RTL_LANGUAGES = frozenset({"ar", "arc", "dv", "fa", "ha", "he", "khw", "ks", "ku", "ps", "ur", "yi"})
TIME_ZONE_REGIONS = frozenset({"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic",
                               "Australia", "Europe", "Indian", "Pacific"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
#: Blueprints whose pages belong to a signed-in editor.
EDITOR_BLUEPRINTS = frozenset({"dashboard"})


def supported(code: str | None) -> str | None:
    """`code` (or its primary subtag, "uk-UA" → "uk") if the app speaks it, else None."""
    if not code or not isinstance(code, str):
        return None
    languages = current_app.config["LANGUAGES"]
    code = code.strip().replace("_", "-")
    for candidate in (code, code.split("-")[0].lower()):
        if candidate in languages:
            return candidate
    return None


def from_browser() -> str | None:
    """The best of the app's languages by the request's Accept-Language."""
    if not has_request_context():
        return None
    return request.accept_languages.best_match(current_app.config["LANGUAGES"])


def from_environment() -> str | None:
    """The command line's language: the shell's locale as Babel reads it (LANGUAGE, LC_ALL,
    LC_MESSAGES, LANG; "C" and "POSIX" read as English)."""
    from babel.core import default_locale
    # Named first, so LC_CTYPE (which Python sets to C.UTF-8 when LANG names a locale the
    # system lacks) never speaks for the messages.
    return default_locale(("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"))


def choose(*, editor: str | None = None, explicit: str | None = None,
           site: str | None = None, browser: str | None = None) -> str:
    """The rule, as data in priority order: an editor's own language, the language asked for,
    the site's, the browser's, the default."""
    for code in (editor, explicit, site, browser):
        if supported(code):
            return supported(code)
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_language() -> str:
    """Flask-Babel's locale selector: `choose()` fed from the request."""
    if not has_request_context():
        return choose(explicit=from_environment())
    blueprint = request.blueprint or ""
    editor = g.get("editor_language")
    if editor is None and EDITOR_BLUEPRINTS.intersection(request.blueprints) \
            and current_user.is_authenticated:
        editor = current_user.language
    explicit = g.get("requested_language") or request.args.get("lang")
    if explicit is None and request.mimetype in FORM_TYPES:
        explicit = request.form.get("lang")
    if blueprint == "auth":
        if supported(explicit):
            session["lang"] = supported(explicit)  # the switch on the sign-in pages sticks
        explicit = explicit or session.get("lang")
    return choose(editor=editor, explicit=explicit, site=g.get("site_language"),
                  browser=from_browser())


def requested() -> str:
    """The language this request names itself (the widget's `lang` field, the form's `lang`),
    if the app speaks it, else "": what a reader's submission keeps for their link pages."""
    if not has_request_context():
        return ""
    explicit = g.get("requested_language") or request.args.get("lang")
    if explicit is None and request.mimetype in FORM_TYPES:
        explicit = request.form.get("lang")
    return supported(explicit) or ""


def select_timezone() -> str:
    """Times on editors' pages are in the editor's time zone; elsewhere UTC."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return getattr(current_user, "time_zone", None) or "UTC"
    return "UTC"


def use_site(site) -> None:
    """This page belongs to `site`: its language applies unless the reader asked for another."""
    g.site_language = site.language
    refresh()


def use_site_language(language: str | None) -> None:
    """As use_site(), from the site's language code (None: no site is known)."""
    g.site_language = language
    refresh()


def use_reader(site, language: str | None) -> None:
    """This page is for a reader of `site` who wrote to it in `language` (stored with what
    they sent): theirs, else the site's, else the browser's."""
    g.requested_language = language if isinstance(language, str) else None
    use_site(site)


def use_editor(language: str | None) -> None:
    """This page or answer is for an editor whose language is `language`."""
    g.editor_language = language
    refresh()


def use_requested(language) -> None:
    """The client named a language (the widget's `lang` field)."""
    g.requested_language = language if isinstance(language, str) else None
    refresh()


def time_zones() -> frozenset[str]:
    """The IANA time zones an editor may choose: the regions' zones (no legacy aliases) and UTC."""
    import zoneinfo
    return frozenset(zone for zone in zoneinfo.available_timezones()
                     if zone.split("/")[0] in TIME_ZONE_REGIONS and "/" in zone) | {"UTC"}


@functools.cache
def time_zone_names(language: str) -> tuple[tuple[str, str], ...]:
    """(zone, "its city in `language` — zone") for every zone, by zone; made once per language."""
    from babel.dates import get_timezone, get_timezone_location
    names = []
    for zone in sorted(time_zones()):
        try:
            city = get_timezone_location(get_timezone(zone), locale=language, return_city=True)
        except (LookupError, ValueError):
            city = ""
        names.append((zone, f"{city} — {zone}" if city and zone != "UTC" else zone))
    return tuple(names)


def direction(language: str) -> str:
    return "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"


def init_app(app) -> None:
    """Every template knows the page's language and direction (`<html lang dir>`)."""
    from flask_babel import get_locale

    @app.before_request
    def forget_previous_language():
        # g outlives a request when a caller (a test, a CLI command) holds the app context open.
        for name in ("site_language", "editor_language", "requested_language"):
            g.pop(name, None)
        refresh()

    @app.context_processor
    def page_language():
        language = str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])
        return {"page_lang": language.replace("_", "-"), "page_dir": direction(language),
                "language_names": language_names()}


def language_names() -> dict[str, str]:
    """Each offered language by its own name ("English", "Українська"), for switches and choices."""
    from babel import Locale
    names = {}
    for code in current_app.config["LANGUAGES"]:
        try:
            name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
        except (ValueError, LookupError):
            name = code
        names[code] = name[:1].upper() + name[1:]
    return names


class Option(click.Option):
    """click.Option whose help stays lazy, so --help shows it in the shell's language (click
    would make it text at import, before any language is known)."""

    def __init__(self, *args, help=None, **kwargs):
        super().__init__(*args, help=help, **kwargs)
        self.help = help

    @property
    def help(self) -> str | None:
        return None if self._help is None else str(self._help)

    @help.setter
    def help(self, value) -> None:
        self._help = value
