"""The intake's service, for both the JSON API and the HTML form: refuse what the spam
guards and limits refuse, group a repeat with its request, store, answer with a receipt."""
from __future__ import annotations

import enum
import functools
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Request, current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clients, languages, rate_limits
from ..database import DirectConnection, DirectStatement, direct_connections
from ..extensions import db
from ..models import (
    OPEN_STATES,
    Article,
    CorrectionRequest,
    Event,
    Site,
    State,
    Submission,
    utcnow,
)
from ..sites import cache as sites
from ..text import clean_header
from . import spam
from .rules import MAX_ELAPSED_MS, IntakeError, Suggestion, parse_suggestion

_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


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
    wait = rate_limits.over_limit(current_app.config["INTAKE_SITE_RATE_LIMIT"], "intake-site",
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
                    "client_hash", "user_agent", "language", "created_at")
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
    is written here; the event carries what happened (notifications.events). They run compiled once,
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
        "user_agent": clean_header(client.user_agent, USER_AGENT_LIMIT),
        "language": languages.requested(),  # the reader's `lang`: their links' pages use it
        "created_at": now}
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
