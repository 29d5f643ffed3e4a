"""The intake: one set of rules and one service for both the JSON API and the HTML form."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from . import notifications
from .extensions import db
from .models import (
    OPEN_STATES,
    Article,
    CorrectionRequest,
    Event,
    Kind,
    Site,
    State,
    Submission,
    utcnow,
)
from .urls import MAX_URL_LENGTH, URLError, normalise_url, origin_of

#: Field limits in characters, after normalisation. Forms render them as maxlength.
LIMITS = {
    "site": 64, "url": MAX_URL_LENGTH, "title": 300, "exact": 1000, "prefix": 64, "suffix": 64,
    "suggestion": 2000, "comment": 2000, "name": 200, "email": 254,
}
KIND_LABELS = {
    Kind.TYPO: "Typo or spelling",
    Kind.FACTUAL: "Factual error",
    Kind.CLARIFICATION: "Needs clarification",
    Kind.BROKEN_LINK: "Broken link",
    Kind.OTHER: "Something else",
}

# Zero-width and bidirectional-control characters: invisible, so text made only of them is empty.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# C0 and C1 controls except tab and newline.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class IntakeError(Exception):
    """A suggestion that cannot be accepted, with the HTTP status and a reader-facing message."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


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


class _Rules:
    """Collects every field's problem so the reader sees them all at once."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.errors: dict[str, str] = {}

    def text(self, name: str, *, required=False, multiline=False, keep_spacing=False) -> str:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.errors[name] = "This field is required."
            return ""
        if not isinstance(value, str):
            self.errors[name] = "This must be text."
            return ""
        if "\x00" in value:
            self.errors[name] = "This contains a NUL character, which is not allowed."
            return ""
        value = _CONTROL.sub("", unicodedata.normalize("NFC", value.replace("\r\n", "\n")))
        if not multiline:
            value = " ".join(value.split())
        elif not keep_spacing:
            value = value.strip()
        if not _INVISIBLE.sub("", value).strip():
            if required:
                self.errors[name] = "This field is empty once spaces and invisible characters are removed."
            return ""
        if len(value) > LIMITS[name]:
            self.errors[name] = f"This is longer than {LIMITS[name]} characters."
            return ""
        return value


def parse_suggestion(data: Any, *, origin: str | None = None) -> Suggestion:
    """Check a suggestion against DESIGN.md's intake rules; raise IntakeError on the first kind of failure."""
    if not isinstance(data, Mapping):
        raise IntakeError(400, "malformed", "The request body must be a JSON object.")
    rules = _Rules(data)

    if data.get("website") not in (None, ""):  # the honeypot: people never see this field
        rules.errors["website"] = "This field must be left empty."

    site = None
    site_key = rules.text("site", required=True)
    if site_key:
        site = db.session.scalar(sa.select(Site).where(Site.key == site_key))
        if site is None:
            rules.errors["site"] = "There is no site with this key."
    if site is not None and origin is not None and not site.allows_origin(origin):
        raise IntakeError(403, "origin_not_allowed",
                          "Suggestions for this site are not accepted from this page's origin.")

    url = normalised_url = ""
    raw_url = data.get("url")
    if isinstance(raw_url, str) and any(c in raw_url for c in "\r\n\t"):
        rules.errors["url"] = "The address must not contain spaces or control characters."
    else:
        url = rules.text("url", required=True)
    if url:
        try:
            normalised_url = normalise_url(url, current_app.config["TRACKING_PARAMETERS"])
            if site is not None and not site.allows_origin(origin_of(url)):
                rules.errors["url"] = "The article must be on one of this site's own addresses."
        except URLError as error:
            rules.errors["url"] = str(error)

    title = rules.text("title")

    quote = data.get("quote")
    exact = prefix = suffix = ""
    if not isinstance(quote, Mapping):
        rules.errors["quote"] = ("Select the passage you want to correct." if quote is None
                                 else "This must be an object with the quoted text.")
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
        rules.errors["kind"] = ("Choose what kind of problem this is." if raw_kind in (None, "")
                                else f"This must be one of: {choices}.")

    proposed = rules.text("suggestion", multiline=True)
    comment = rules.text("comment", multiline=True)
    name = rules.text("name")

    email = ""
    raw_email = data.get("email")
    if isinstance(raw_email, str) and ("\r" in raw_email or "\n" in raw_email):
        rules.errors["email"] = "The email address must be on one line."
    else:
        email = rules.text("email")
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            rules.errors["email"] = "This is not a valid email address."
            email = ""

    notify = data.get("notify", False)
    if notify is None:
        notify = False
    if not isinstance(notify, bool):
        rules.errors["notify"] = "This must be true or false."
    elif notify and not email and "email" not in rules.errors:
        rules.errors["email"] = "Give an email address to hear the outcome."

    if rules.errors:
        raise IntakeError(422, "invalid", "Some fields need attention.", rules.errors)
    return Suggestion(site=site, url=normalised_url, submitted_url=url, title=title, exact=exact,
                      prefix=prefix, suffix=suffix, position=position, kind=kind,
                      proposed=proposed, comment=comment, name=name, email=email, notify=notify)


def _position(value: Any, errors: dict[str, str]) -> tuple[int, int] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        errors["position"] = "This must be an object with start and end."
        return None
    start, end = value.get("start"), value.get("end")
    for name, number in (("start", start), ("end", end)):
        # bool is an int in Python, but not in JSON.
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= 10**9:
            errors[f"position.{name}"] = "This must be a whole number, zero or more."
            return None
    if start >= end:
        errors["position.end"] = "The end must come after the start."
        return None
    return start, end


# --- the service -------------------------------------------------------------------------

@dataclass(frozen=True)
class Client:
    """Who sent a suggestion, as far as we keep it."""
    ip: str
    user_agent: str = ""


def client_hash(ip: str) -> str:
    """A keyed hash of the client IP: groups a client's reports without storing the address."""
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"client-ip", hashlib.sha256).digest()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()


def submit(suggestion: Suggestion, client: Client) -> Submission:
    """Store a submission, grouped with an open request for the same passage, in one transaction."""
    article = _lock_article(suggestion)
    request = _find_group(article, suggestion)
    now = utcnow()
    is_new = request is None
    if is_new:
        request = CorrectionRequest(
            site=suggestion.site, article=article, quote_exact=suggestion.exact,
            quote_prefix=suggestion.prefix, quote_suffix=suggestion.suffix,
            position_start=suggestion.position[0] if suggestion.position else None,
            position_end=suggestion.position[1] if suggestion.position else None,
            kind=suggestion.kind, proposed=suggestion.proposed, state=State.NEW,
            submission_count=1, created_at=now, updated_at=now, last_submission_at=now)
        db.session.add(request)
        db.session.add(Event(request=request, action="created", from_state=None,
                             to_state=State.NEW, note="Reported by a reader.", created_at=now))
    else:
        # An SQL increment, so it never loses a count even if the row was read earlier.
        db.session.execute(
            sa.update(CorrectionRequest).where(CorrectionRequest.id == request.id)
            .values(submission_count=CorrectionRequest.submission_count + 1, last_submission_at=now),
            execution_options={"synchronize_session": False})
    submission = Submission(
        request=request, reference=_new_reference(), article_url=suggestion.submitted_url,
        comment=suggestion.comment, name=suggestion.name, email=suggestion.email,
        notify=suggestion.notify, client_hash=client_hash(client.ip),
        user_agent=client.user_agent[:500], created_at=now)
    db.session.add(submission)
    if is_new:
        notifications.new_request(request, submission)
    db.session.commit()
    return submission


def _lock_article(suggestion: Suggestion) -> Article:
    """Get or create the article row and lock it for the rest of the transaction.

    The UPDATE takes the row lock on PostgreSQL and the write lock on SQLite, so two
    identical reports arriving together are grouped one after the other, never both anew.
    """
    now = utcnow()
    url_hash = hashlib.sha256(suggestion.url.encode()).hexdigest()
    match = (Article.site_id == suggestion.site.id) & (Article.url_hash == url_hash)
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(Article).values(site_id=suggestion.site.id, url=suggestion.url, url_hash=url_hash,
                               title=suggestion.title, created_at=now, last_submission_at=now)
        .on_conflict_do_nothing(index_elements=["site_id", "url_hash"]))
    changes = {"last_submission_at": now}
    if suggestion.title:
        changes["title"] = suggestion.title
    db.session.execute(sa.update(Article).where(match).values(**changes),
                       execution_options={"synchronize_session": False})
    return db.session.scalars(sa.select(Article).where(match)
                              .execution_options(populate_existing=True)).one()


def _squash(text: str) -> str:
    return " ".join(text.split())


def _find_group(article: Article, s: Suggestion) -> CorrectionRequest | None:
    """The open request for the same passage (same quote in matching context, or an
    overlapping position) with the same proposed wording, if there is one."""
    same_passage = CorrectionRequest.quote_exact == s.exact
    if s.position:
        same_passage |= ((CorrectionRequest.position_start < s.position[1])
                         & (CorrectionRequest.position_end > s.position[0]))
    candidates = db.session.scalars(
        sa.select(CorrectionRequest)
        .where(CorrectionRequest.article_id == article.id,
               CorrectionRequest.state.in_(OPEN_STATES),
               CorrectionRequest.proposed == s.proposed, same_passage)
        .order_by(CorrectionRequest.id)
        .execution_options(populate_existing=True))
    prefix, suffix = _squash(s.prefix), _squash(s.suffix)
    for candidate in candidates:
        if candidate.quote_exact != s.exact or _context_matches(candidate, prefix, suffix):
            return candidate
    return None


def _context_matches(candidate: CorrectionRequest, prefix: str, suffix: str) -> bool:
    # Contexts of different lengths match when the shorter is the near end of the longer.
    theirs_prefix, theirs_suffix = _squash(candidate.quote_prefix), _squash(candidate.quote_suffix)
    return ((theirs_prefix.endswith(prefix) or prefix.endswith(theirs_prefix))
            and (theirs_suffix.startswith(suffix) or suffix.startswith(theirs_suffix)))


def _new_reference() -> str:
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"
