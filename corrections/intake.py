"""The intake: one set of rules and one service for both the JSON API and the HTML form."""
from __future__ import annotations

import enum
import functools
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

from . import addresses, clients, sites, spam
from .database import DirectConnection, DirectStatement, direct_connections
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
from .urls import MAX_URL_LENGTH, URLError, normalise_url_and_origin

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


def parse_suggestion(data: Any, *, origin: str | None = None, fresh_site: bool = False) -> Suggestion:
    """Check a suggestion against the intake's rules; raise IntakeError on the first kind of failure.

    The site is this process's copy (corrections.sites) unless `fresh_site`; a refusal that
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
    same shape (a plausible id and reference): nothing was stored."""
    id: int
    reference: str
    site: Site
    notify: bool


def receive(data: Any, *, client: Client, min_elapsed_ms: int, origin: str | None = None) -> Receipt:
    """The intake, whichever way a suggestion came: check it, apply the spam guards and the
    site's rate limit, store it.

    Refused by a spam guard (honeypot, sent faster than `min_elapsed_ms`, block list), it is
    counted per reason and answered like any other, so a bot learns nothing.
    """
    suggestion = parse_suggestion(data, origin=origin)
    hashed = clients.client_hash(client.ip)
    reason = None
    if suggestion.trap_filled:
        reason = spam.HONEYPOT
    elif suggestion.elapsed_ms is not None and suggestion.elapsed_ms < min_elapsed_ms:
        reason = spam.TOO_FAST
    if reason is not None:
        return _refused(suggestion, reason)
    wait = clients.over_limit(current_app.config["INTAKE_SITE_RATE_LIMIT"], "intake-site",
                              suggestion.site.key)
    if wait is not None:
        raise IntakeError(429, "rate_limited", _("This site is receiving too many suggestions "
                                                 "right now. Please try again later."), retry_after=wait)
    block_checked = False
    while True:
        outcome = submit(suggestion, client, client_hash=hashed, block_checked=block_checked)
        if isinstance(outcome, Receipt):
            return outcome
        if outcome is _Retry.SITE_CHANGED:
            # An admin changed the site since this process read it: take it again, fresh.
            sites.forget(suggestion.site.key)
            suggestion = parse_suggestion(data, origin=origin, fresh_site=True)
        else:  # _Retry.MAY_BE_BLOCKED: the full check, then store or refuse
            entry = spam.blocking_entry(suggestion, hashed)
            if entry is not None:
                return _refused(suggestion, spam.BLOCKED, entry)
            block_checked = True


def _refused(suggestion: Suggestion, reason: str, entry=None) -> Receipt:
    spam.count_refusal(suggestion.site, reason, entry)
    return Receipt(id=_plausible_id(), reference=_new_reference(), site=suggestion.site,
                   notify=suggestion.notify)


def _plausible_id() -> int:
    """An id like the next submission's would be."""
    return (db.session.scalar(sa.select(sa.func.max(Submission.id))) or 0) + 1


class _Retry(enum.Enum):
    """Why `submit` rolled back instead of storing."""
    SITE_CHANGED = "site changed"
    MAY_BE_BLOCKED = "may be blocked"


#: The values each write statement is given (the rest is fixed in the statement).
_REQUEST_KEYS = ("site_id", "article_id", "quote_exact", "quote_prefix", "quote_suffix",
                 "position_start", "position_end", "kind", "proposed", "state", "version",
                 "submission_count", "created_at", "updated_at", "last_submission_at")
_SUBMISSION_KEYS = ("request_id", "reference", "article_url", "comment", "name", "email", "notify",
                    "client_hash", "user_agent", "created_at")
_EVENT_KEYS = ("request_id", "submission_id", "created_at", "mail_due", "editor_id", "action",
               "from_state", "to_state", "note")


@functools.lru_cache(maxsize=64)  # per engine's dialect and shape
def _statements(dialect: sa.Dialect, domains: int | None,
                block_checked: bool) -> dict[str, DirectStatement]:
    """The write path's statements, built and compiled once per shape: building SQLAlchemy
    expressions, compiling them and SQLAlchemy's execution context cost more than running
    them. Values are bound at execution."""
    insert = pg_insert if dialect.name == "postgresql" else sqlite_insert
    bind = sa.bindparam
    upsert = insert(Article).values(site_id=bind("site_id"), url=bind("url"),
                                    url_hash=bind("url_hash"), title=bind("title"),
                                    created_at=bind("now"), last_submission_at=bind("now"))
    block = sa.null() if block_checked else spam.possible_block(dialect.name, domains)
    group = sa.select(CorrectionRequest.id, CorrectionRequest.state, CorrectionRequest.quote_exact,
                      CorrectionRequest.quote_prefix, CorrectionRequest.quote_suffix)
    statements = {
        # The upsert also reads the site's version and the block list: no statement of their own.
        "article": upsert.on_conflict_do_update(
            index_elements=["site_id", "url_hash"],
            set_={"last_submission_at": upsert.excluded.last_submission_at})
        .returning(Article.id, sites.version_of(bind("site_id")).label("site_version"),
                   block.label("block_id")),
        "group": group.where(
            CorrectionRequest.article_id == bind("article_id"),
            # Fixed values bound once, not an "expanding" IN rebuilt at every execution.
            CorrectionRequest.state.in_([sa.literal(state, CorrectionRequest.state.type)
                                         for state in sorted(OPEN_STATES)]),
            CorrectionRequest.proposed == bind("proposed"),
            (CorrectionRequest.quote_exact == bind("exact"))
            | ((CorrectionRequest.position_start < bind("position_end"))
               & (CorrectionRequest.position_end > bind("position_start"))))
        .order_by(CorrectionRequest.id),
        "request": (sa.insert(CorrectionRequest).returning(CorrectionRequest.id), _REQUEST_KEYS),
        "repeat": sa.update(CorrectionRequest).where(CorrectionRequest.id == bind("request_id_"))
        .values(submission_count=CorrectionRequest.submission_count + 1,
                last_submission_at=bind("now")),
        "submission": (sa.insert(Submission).returning(Submission.id), _SUBMISSION_KEYS),
        "event": (sa.insert(Event), _EVENT_KEYS),
    }
    compiled = {}
    for name, statement in statements.items():
        statement, keys = statement if isinstance(statement, tuple) else (statement, ())
        if not keys:  # the statement's own parameters that have no value yet
            keys = tuple(name for name, bind in statement.compile(dialect=dialect).binds.items()
                         if bind.required)
        compiled[name] = DirectStatement(statement, dialect, keys)
    return compiled


def submit(suggestion: Suggestion, client: Client, *, client_hash: str,
           block_checked: bool = False) -> Receipt | _Retry:
    """Store a submission, grouped with an open request for the same passage, and the event
    that the mail worker turns into emails, in one transaction.

    Plain statements, each answering what the next needs: the article upsert (which also
    reads the site's version and the block list), the group look-up, then inserts. No email
    is written here; the event carries what happened (mail.events). They run compiled once,
    on a driver connection this process keeps for the intake (database.DirectConnection),
    not through the ORM session or SQLAlchemy's execution: their bookkeeping cost more than
    the statements. Leaving early (an error) rolls everything back. A connection found broken
    before the commit (the database restarted since its last use) is replaced and the
    transaction, which the database rolled back, is made again once.
    """
    connections = direct_connections(current_app)
    for attempt in (1, 2):
        connection = connections.take()
        try:
            return _submit(connection, suggestion, client, client_hash=client_hash,
                           block_checked=block_checked)
        except sa.exc.DBAPIError as error:
            if not (error.connection_invalidated and connection.in_transaction and attempt == 1):
                raise
        finally:
            connections.give_back(connection)
    raise AssertionError("unreachable")


def _submit(connection: DirectConnection, suggestion: Suggestion, client: Client, *,
            client_hash: str, block_checked: bool) -> Receipt | _Retry:
    statements = _statements(connection.engine.dialect, spam.block_shape(suggestion),
                             block_checked)
    now = utcnow()
    site = suggestion.site
    # Everything the statements need is computed before the transaction begins, so that on
    # SQLite the write lock is held for the statements alone.
    parameters = {"site_id": site.id, "url": suggestion.url, "title": suggestion.title, "now": now,
                  "url_hash": hashlib.sha256(suggestion.url.encode()).hexdigest()}
    if not block_checked:
        parameters |= spam.block_parameters(suggestion, client_hash)
    position = suggestion.position or (None, None)
    reference = _new_reference()
    submission = {
        "reference": reference, "article_url": suggestion.submitted_url,
        "comment": suggestion.comment, "name": suggestion.name, "email": suggestion.email,
        "notify": suggestion.notify, "client_hash": client_hash,
        "user_agent": clean_header(client.user_agent, USER_AGENT_LIMIT), "created_at": now}
    # The upsert takes the article's row lock on PostgreSQL; on SQLite the transaction holds
    # the write lock from its start (begin), so two identical reports arriving together are
    # grouped one after the other, never both anew. The title is the reader's only for an
    # article not seen before: after that it belongs to the newsroom.
    connection.begin()
    article_id, site_version, block_id = connection.execute(statements["article"],
                                                            parameters).fetchone()
    if site_version != site.version or block_id is not None:
        connection.rollback()
        return _Retry.SITE_CHANGED if site_version != site.version else _Retry.MAY_BE_BLOCKED
    group = _find_group(connection.execute(statements["group"], {
        "article_id": article_id, "proposed": suggestion.proposed, "exact": suggestion.exact,
        "position_start": position[0], "position_end": position[1]}).fetchall(), suggestion)
    if group is None:
        request_id = connection.execute(statements["request"], {
            "site_id": site.id, "article_id": article_id, "quote_exact": suggestion.exact,
            "quote_prefix": suggestion.prefix, "quote_suffix": suggestion.suffix,
            "position_start": position[0], "position_end": position[1],
            "kind": suggestion.kind, "proposed": suggestion.proposed, "state": State.NEW,
            "version": 1, "submission_count": 1, "created_at": now, "updated_at": now,
            "last_submission_at": now}).fetchone()[0]
    else:
        request_id = group[0]
        # An SQL increment, so it never loses a count.
        connection.execute(statements["repeat"], {"request_id_": request_id, "now": now})
    submission_id = connection.execute(statements["submission"],
                                       submission | {"request_id": request_id}).fetchone()[0]
    # What happened, for the audit trail and the mail worker. A repeat whose reader did not
    # ask to hear the outcome calls for no email, so it needs no event: its row says it all.
    event = {"request_id": request_id, "submission_id": submission_id, "created_at": now,
             "mail_due": True, "editor_id": None}
    if group is None:
        connection.execute(statements["event"], event | {
            "action": "created", "from_state": None, "to_state": State.NEW,
            "note": "Reported by a reader."})
    elif suggestion.notify and suggestion.email:
        state = State(group[1])
        connection.execute(statements["event"], event | {
            "action": "reported_again", "from_state": state, "to_state": state,
            "note": "Reported again by a reader who asked to hear the outcome."})
    connection.commit()
    return Receipt(id=submission_id, reference=reference, site=site, notify=suggestion.notify)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _find_group(candidates, s: Suggestion):
    """Of the open requests for the same passage (same quote, or an overlapping position)
    with the same proposed wording, the first whose context matches: a row (id, state,
    quote_exact, quote_prefix, quote_suffix), or None."""
    prefix, suffix = _squash(s.prefix), _squash(s.suffix)
    for candidate in candidates:
        if candidate[2] != s.exact or _context_matches(candidate, prefix, suffix):
            return candidate
    return None


def _context_matches(candidate, prefix: str, suffix: str) -> bool:
    # Contexts of different lengths match when the shorter is the near end of the longer.
    theirs_prefix, theirs_suffix = _squash(candidate[3]), _squash(candidate[4])
    return ((theirs_prefix.endswith(prefix) or prefix.endswith(theirs_prefix))
            and (theirs_suffix.startswith(suffix) or suffix.startswith(theirs_suffix)))


def _new_reference() -> str:
    # 32 letters: the low five bits of a random byte pick one without bias, in one call.
    code = "".join(_REFERENCE_ALPHABET[byte & 31] for byte in secrets.token_bytes(8))
    return f"{code[:4]}-{code[4:]}"
