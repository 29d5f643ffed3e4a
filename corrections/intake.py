"""The intake: one set of rules and one service for both the JSON API and the HTML form."""
from __future__ import annotations

import hashlib
import re
import secrets
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Request, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from . import addresses, clients, notifications, spam
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
from .text import clean_header, clean_title, strip_xml_invalid, unstorable
from .urls import MAX_URL_LENGTH, URLError, normalise_url, origin_of

#: Field limits in characters, after normalisation. Forms render them as maxlength.
LIMITS = {
    "site": 64, "url": MAX_URL_LENGTH, "title": 300, "exact": 1000, "prefix": 64, "suffix": 64,
    "suggestion": 2000, "comment": 2000, "name": 200, "email": 254,
}
KIND_LABELS = {
    Kind.TYPO: _l("Typo or spelling"),
    Kind.FACTUAL: _l("Factual error"),
    Kind.CLARIFICATION: _l("Needs clarification"),
    Kind.BROKEN_LINK: _l("Broken link"),
    Kind.OTHER: _l("Something else"),
}

# Zero-width and bidirectional-control characters: invisible, so text made only of them is empty.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# C0 and C1 controls except tab and newline.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
#: The most `elapsed_ms` may say (a day); more is not a number a dialog produces.
MAX_ELAPSED_MS = 24 * 3600 * 1000


class IntakeError(Exception):
    """A suggestion that cannot be accepted, with the HTTP status and a reader-facing message."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None,
                 retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}
        self.retry_after = retry_after


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


def parse_suggestion(data: Any, *, origin: str | None = None) -> Suggestion:
    """Check a suggestion against the intake's rules; raise IntakeError on the first kind of failure."""
    if not isinstance(data, Mapping):
        raise IntakeError(400, "malformed", _("The request body must be a JSON object."))
    rules = _Rules(data)
    # The honeypot: people never see this field. Filled in, the suggestion is refused
    # silently after the checks (receive), so a bot learns nothing from the answer.
    trap_filled = data.get("website") not in (None, "")

    site = None
    site_key = rules.text("site", required=True)
    if site_key:
        site = db.session.scalar(sa.select(Site).where(Site.key == site_key))
        if site is None:
            rules.errors["site"] = _("There is no site with this key.")
    if site is not None and origin is not None and not site.allows_origin(origin):
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
            normalised_url = normalise_url(url, current_app.config["TRACKING_PARAMETERS"])
            if site is not None and not site.allows_origin(origin_of(url)):
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
    if comment and spam.count_links(comment) > link_limit:
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
            email = addresses.normalise(email)
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


# --- the service -------------------------------------------------------------------------

@dataclass(frozen=True)
class Client:
    """Who sent a suggestion, as far as we keep it."""
    ip: str
    user_agent: str = ""


#: Characters of the User-Agent header kept with a submission.
USER_AGENT_LIMIT = 500
FORM_STARTED_SALT = "corrections.form-started"
THANKS_SALT = "corrections.thanks"


def client_of(request: Request) -> Client:
    return Client(ip=request.remote_addr or "", user_agent=request.user_agent.string)


def _signer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def form_started() -> str:
    """The HTML form's hidden, signed time of showing."""
    return _signer(FORM_STARTED_SALT).dumps(int(time.time() * 1000))


def form_elapsed_ms(token: str | None) -> int | None:
    """Milliseconds since the form carrying `token` was shown; None when the token is missing
    or not ours (a bot's form, treated as sent at once)."""
    try:
        shown = _signer(FORM_STARTED_SALT).loads(token or "")
    except BadData:
        return None
    if not isinstance(shown, int) or isinstance(shown, bool):
        return None
    return min(max(0, int(time.time() * 1000) - shown), MAX_ELAPSED_MS)


@dataclass(frozen=True)
class Thanked:
    site: Site
    reference: str
    notify: bool


def thanks_token(receipt: Receipt) -> str:
    """What the thank-you page shows, signed into its address: a refused suggestion's page
    is the same as any other's, and nothing about a reader is looked up by reference."""
    return _signer(THANKS_SALT).dumps([receipt.site.id, receipt.reference, receipt.notify])


def read_thanks_token(token: str) -> Thanked | None:
    try:
        site_id, reference, notify = _signer(THANKS_SALT).loads(token)
    except (BadData, TypeError, ValueError):
        return None
    site = db.session.get(Site, site_id) if isinstance(site_id, int) else None
    if site is None or not isinstance(reference, str):
        return None
    return Thanked(site=site, reference=reference, notify=bool(notify))


@dataclass(frozen=True)
class Receipt:
    """What the reader is told. A suggestion refused by a spam guard gets a receipt of the
    same shape (a plausible id and reference) and `submission` None: nothing was stored."""
    id: int
    reference: str
    site: Site
    notify: bool
    submission: Submission | None = None


def receive(data: Any, *, client: Client, min_elapsed_ms: int, origin: str | None = None) -> Receipt:
    """The intake, whichever way a suggestion came: check it, apply the spam guards and the
    site's rate limit, store it.

    Refused by a spam guard (honeypot, sent faster than `min_elapsed_ms`, block list), it is
    counted per reason and answered like any other, so a bot learns nothing.
    """
    suggestion = parse_suggestion(data, origin=origin)
    hashed = clients.client_hash(client.ip)
    reason, entry = None, None
    if suggestion.trap_filled:
        reason = spam.HONEYPOT
    elif suggestion.elapsed_ms is not None and suggestion.elapsed_ms < min_elapsed_ms:
        reason = spam.TOO_FAST
    else:
        entry = spam.blocking_entry(suggestion, hashed)
        reason = spam.BLOCKED if entry is not None else None
    if reason is not None:
        spam.count_refusal(suggestion.site, reason, entry)
        return Receipt(id=_plausible_id(), reference=_new_reference(), site=suggestion.site,
                       notify=suggestion.notify)
    wait = clients.over_limit(current_app.config["INTAKE_SITE_RATE_LIMIT"], "intake-site",
                              suggestion.site.key)
    if wait is not None:
        raise IntakeError(429, "rate_limited", _("This site is receiving too many suggestions "
                                                 "right now. Please "
                                                 "try again later."), retry_after=wait)
    submission = submit(suggestion, client)
    return Receipt(id=submission.id, reference=submission.reference, site=suggestion.site,
                   notify=submission.notify, submission=submission)


def _plausible_id() -> int:
    """An id like the next submission's would be."""
    return (db.session.scalar(sa.select(sa.func.max(Submission.id))) or 0) + 1


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
        notify=suggestion.notify, client_hash=clients.client_hash(client.ip),
        user_agent=clean_header(client.user_agent, USER_AGENT_LIMIT), created_at=now)
    db.session.add(submission)
    if is_new:
        notifications.new_request(request, submission)
    if submission.notify and submission.email:
        notifications.reader_asked_for_outcome(submission, client_key=clients.client_key(client.ip))
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
    # The title is the reader's only for an article not seen before; after that it belongs to
    # the newsroom (editors change it on the request's page), so no reader can rewrite it.
    db.session.execute(
        insert(Article).values(site_id=suggestion.site.id, url=suggestion.url, url_hash=url_hash,
                               title=suggestion.title, created_at=now, last_submission_at=now)
        .on_conflict_do_nothing(index_elements=["site_id", "url_hash"]))
    db.session.execute(sa.update(Article).where(match).values(last_submission_at=now),
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
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _position in range(8))
    return f"{code[:4]}-{code[4:]}"
