"""The intake's rules: what a suggestion must be, one set for the JSON API and the HTML
form, checked and normalised before anything is stored."""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from .. import addresses
from ..models import (
    Kind,
    Site,
)
from ..problem import Problem
from ..sites import cache as sites
from ..text import clean_title, count_links, strip_xml_invalid, unstorable
from ..urls import MAX_URL_LENGTH, URLError, normalise_url_and_origin

#: Field limits in characters, after normalisation. Forms render them as maxlength.
LIMITS = {
    "site": 64, "url": MAX_URL_LENGTH, "title": 300, "exact": 1000, "prefix": 64, "suffix": 64,
    "suggestion": 2000, "comment": 2000, "name": 200, "email": 254,
}

# Zero-width and bidirectional-control characters: invisible, so text made only of them is empty.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# C0 and C1 controls except tab and newline.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

#: The most `elapsed_ms` may say (a day); more is not a number a dialog produces.
MAX_ELAPSED_MS = 24 * 3600 * 1000


class IntakeError(Problem):
    """A suggestion that cannot be accepted, with the HTTP status and a reader-facing message."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None,
                 retry_after: int | None = None):
        super().__init__(message, fields, status)
        self.code, self.retry_after = code, retry_after


@dataclass(frozen=True)
class Suggestion:
    """A validated, normalised suggestion, ready for the service."""
    site: Site
    url: str
    submitted_url: str
    title: str
    exact: str
    prefix: str
    suffix: str
    position: tuple[int, int] | None
    kind: Kind
    proposed: str
    comment: str
    name: str
    email: str
    notify: bool
    #: The honeypot field was filled in: people never see it.
    trap_filled: bool = False
    #: How long the dialog or form was open before sending, when known.
    elapsed_ms: int | None = None


class _Rules:
    """Collects every field's problem so the reader sees them all at once."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.errors: dict[str, str] = {}

    def text(self, name: str, *, required=False, multiline=False, keep_spacing=False) -> str:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.errors[name] = _("This field is required.")
            return ""
        if not isinstance(value, str):
            self.errors[name] = _("This must be text.")
            return ""
        problem = unstorable(value)
        if problem:
            self.errors[name] = problem
            return ""
        value = strip_xml_invalid(
            _CONTROL.sub("", unicodedata.normalize("NFC", value.replace("\r\n", "\n"))))
        if not multiline:
            value = " ".join(value.split())
        elif not keep_spacing:
            value = value.strip()
        if not _INVISIBLE.sub("", value).strip():
            if required:
                self.errors[name] = _("This field is empty once spaces and invisible "
                                      "characters are removed.")
            return ""
        if len(value) > LIMITS[name]:
            self.errors[name] = ngettext("This is longer than %(num)d character.",
                                         "This is longer than %(num)d characters.", LIMITS[name])
            return ""
        return value


def parse_suggestion(data: Any, *, origin: str | None = None, fresh_site: bool = False) -> Suggestion:
    """Check a suggestion against the intake's rules; raise IntakeError on the first kind of failure.

    The site is this process's copy (corrections.sites.cache) unless `fresh_site`; a refusal that
    depends on the site is only given after reading it fresh.
    """
    if not isinstance(data, Mapping):
        raise IntakeError(400, "malformed", _("The request body must be a JSON object."))
    rules = _Rules(data)
    # The honeypot: people never see this field. Filled in, the suggestion is refused
    # silently after the checks (receive), so a bot learns nothing from the answer.
    trap_filled = data.get("website") not in (None, "")

    site = None
    site_key = rules.text("site", required=True)
    if site_key:
        site = sites.lookup(site_key, fresh=fresh_site)
        if site is None:
            rules.errors["site"] = _("There is no site with this key.")
    if site is not None and origin is not None and not site.allows_origin(origin):
        if not fresh_site:
            return parse_suggestion(data, origin=origin, fresh_site=True)
        raise IntakeError(403, "origin_not_allowed",
                          _("Suggestions for this site are not accepted from this page's origin."))

    url = normalised_url = ""
    raw_url = data.get("url")
    if isinstance(raw_url, str) and any(c in raw_url for c in "\r\n\t"):
        rules.errors["url"] = _("The address must not contain spaces or control characters.")
    else:
        url = rules.text("url", required=True)
    if url:
        try:
            normalised_url, url_origin = normalise_url_and_origin(
                url, current_app.config["TRACKING_PARAMETERS"])
            if site is not None and not site.allows_origin(url_origin):
                if not fresh_site:
                    return parse_suggestion(data, origin=origin, fresh_site=True)
                rules.errors["url"] = _("The article must be on one of this site's own addresses.")
        except URLError as error:
            rules.errors["url"] = str(error)

    title = rules.text("title")
    if site is not None:
        title = clean_title(title, site.name)

    quote = data.get("quote")
    exact = prefix = suffix = ""
    if not isinstance(quote, Mapping):
        rules.errors["quote"] = (_("Select the passage you want to correct.") if quote is None
                                 else _("This must be an object with the quoted text."))
    else:
        quote_rules = _Rules(quote)
        exact = quote_rules.text("exact", required=True, multiline=True, keep_spacing=True)
        prefix = quote_rules.text("prefix", multiline=True, keep_spacing=True)
        suffix = quote_rules.text("suffix", multiline=True, keep_spacing=True)
        rules.errors.update({f"quote.{k}": v for k, v in quote_rules.errors.items()})

    position = _position(data.get("position"), rules.errors)

    kind = None
    raw_kind = data.get("kind")
    try:
        kind = Kind(raw_kind)
    except ValueError:
        choices = ", ".join(k.value for k in Kind)
        rules.errors["kind"] = (_("Choose what kind of problem this is.") if raw_kind in (None, "")
                                else _("This must be one of: %(choices)s.", choices=choices))

    proposed = rules.text("suggestion", multiline=True)
    comment = rules.text("comment", multiline=True)
    link_limit = current_app.config["COMMENT_MAX_LINKS"]
    if comment and count_links(comment) > link_limit:
        rules.errors["comment"] = (ngettext("A comment may contain at most %(num)d link. Remove "
                                            "some and send it again.",
                                            "A comment may contain at most %(num)d links. Remove "
                                            "some and send it again.",
                                            link_limit) if link_limit else
                                   _("A comment may not contain links. Remove them "
                                     "and send it again."))
    name = rules.text("name")

    email = ""
    raw_email = data.get("email")
    if isinstance(raw_email, str) and ("\r" in raw_email or "\n" in raw_email):
        rules.errors["email"] = _("The email address must be on one line.")
    else:
        email = rules.text("email")
    if email:
        try:
            email = _normalised_address(email)
        except addresses.AddressError as problem:
            rules.errors["email"] = str(problem)
            email = ""

    notify = data.get("notify", False)
    if notify is None:
        notify = False
    if not isinstance(notify, bool):
        rules.errors["notify"] = _("This must be true or false.")
    elif notify and not email and "email" not in rules.errors:
        rules.errors["email"] = _("Give an email address to hear the outcome.")

    elapsed_ms = data.get("elapsed_ms")
    if elapsed_ms is not None and (not isinstance(elapsed_ms, int) or isinstance(elapsed_ms, bool)
                                   or not 0 <= elapsed_ms <= MAX_ELAPSED_MS):
        rules.errors["elapsed_ms"] = _("This must be a whole number of milliseconds, zero or more.")

    if rules.errors:
        raise IntakeError(422, "invalid", _("Some fields need attention."), rules.errors)
    return Suggestion(site=site, url=normalised_url, submitted_url=url, title=title, exact=exact,
                      prefix=prefix, suffix=suffix, position=position, kind=kind,
                      proposed=proposed, comment=comment, name=name, email=email, notify=notify,
                      trap_filled=trap_filled, elapsed_ms=elapsed_ms)


@functools.lru_cache(maxsize=4096)
def _normalised_address(email: str) -> str:
    """addresses.normalise, remembered: readers send again from the same address, and checking
    one costs more than the rest of the suggestion's fields. A refusal is not remembered (an
    exception is never cached), so its message is always in the request's language."""
    return addresses.normalise(email)


def _position(value: Any, errors: dict[str, str]) -> tuple[int, int] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        errors["position"] = _("This must be an object with start and end.")
        return None
    start, end = value.get("start"), value.get("end")
    for name, number in (("start", start), ("end", end)):
        # bool is an int in Python, but not in JSON.
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= 10**9:
            errors[f"position.{name}"] = _("This must be a whole number, zero or more.")
            return None
    if start >= end:
        errors["position.end"] = _("The end must come after the start.")
        return None
    return start, end


