"""Who is told what, and when: every message goes through the outbox.

Editors: each address in the site's `notify_emails` gets its own message. Addresses that
belong to active editor accounts get signed one-click action links (a link must name the
editor who acts); other addresses get the same message without them, with a link to the
request's page. Past NOTIFY_RATE_LIMIT new requests per site, the rest wait for one digest
(notifications.digests). Readers hear the outcome only if they asked to, at an address they confirmed
for that site (notifications.readers), once per outcome, in the site's language, and never after
unsubscribing from that site.
"""
import sqlalchemy as sa
from flask import current_app

from .. import rate_limits
from ..extensions import db
from ..models import (
    CorrectionRequest,
    NotifyMode,
    OutboxMessage,
    Site,
    State,
    Submission,
    utcnow,
)
from ..urls import public_url_for
from . import links, outbox, readers
from .models import ReaderAddress

#: The outcome a reader hears about, and the outbox kind that records they were told.
READER_OUTCOMES = {State.PUBLISHED: "reader_published", State.REJECTED: "reader_rejected"}


def unique_addresses(addresses: list[str]) -> list[str]:
    """Addresses in order, each once, whatever its case."""
    first: dict[str, str] = {}
    for address in addresses:
        first.setdefault(address.lower(), address)
    return list(first.values())


def editor_context(request: CorrectionRequest, editor) -> dict:
    """What an editor's email says about one request: its page and, for editors, the actions."""
    return {"request": request,
            "request_url": public_url_for("dashboard.request_detail", request_id=request.id),
            "actions": links.action_links(request, editor)}


def link_days() -> int:
    return max(1, current_app.config["ACTION_TOKEN_MAX_AGE"] // 86400)


def new_request(request: CorrectionRequest, submission: Submission, *,
                editors: dict | None = None, notified: list[int] | None = None) -> None:
    """Tell the site's editors about a new queue item (digest sites hear later, in bulk).

    Called by the mail worker for the request's "created" event, so the request may have
    changed since: a request a digest listed already gets no second message, and one an
    editor has acted on is shown as it stands, without action links (docs/email.md).
    `editors`: the site's editor accounts by address, when the caller has them already.
    `notified`: the caller marks the requests told in this list as notified itself, for a
    batch at once (one statement, not an ORM update per request).
    """
    site = request.site
    if (site.notify_mode is not NotifyMode.IMMEDIATE or not site.notify_emails
            or request.notified_at is not None):
        return
    if rate_limits.over_limit(current_app.config["NOTIFY_RATE_LIMIT"], "notify", str(site.id)):
        # Left for a digest (notified_at stays empty), due a limit's period from the first.
        db.session.execute(sa.update(Site).where(Site.id == site.id,
                                                 Site.notify_held_since.is_(None))
                           .values(notify_held_since=utcnow()),
                           execution_options={"synchronize_session": False})
        return
    addresses = unique_addresses(site.notify_emails)
    if editors is None:
        editors = links.editors_by_address(addresses)
    untouched = request.state is State.NEW
    for address in addresses:
        context = editor_context(request, editors.get(address.lower()) if untouched else None)
        outbox.enqueue(
            kind="editor_new_request", recipient=address, request=request,
            template="new_request",
            language=editor_language(editors.get(address.lower()), site),
            context={**context, "site": site, "submission": submission,
                     "link_days": link_days(), "changed": not untouched})
    if notified is None:
        request.notified_at = utcnow()
    else:
        notified.append(request.id)


def editor_language(editor, site) -> str:
    """An editor's email is in their own language; an address with no account, the site's."""
    return editor.language if editor is not None else site.language


def reader_asked_for_outcome(submission: Submission, *, client_key: str) -> None:
    """A reader asked to hear the outcome: ask them to confirm the address first, unless
    they did for this site before."""
    readers.ask_to_confirm(submission, client_key=client_key)


def address_confirmed(address) -> None:
    """Tell a reader who just confirmed `address` the outcomes already decided for what they
    reported, as they would have heard had they confirmed sooner."""
    submissions = db.session.scalars(
        sa.select(Submission).join(CorrectionRequest)
        .where(CorrectionRequest.site_id == address.site_id, Submission.email == address.email,
               Submission.notify.is_(True))
        .order_by(Submission.id)).all()
    decided: dict[int, tuple[CorrectionRequest, list[Submission]]] = {}
    for submission in submissions:
        request = _deciding_request(submission.request)
        if request is not None:
            decided.setdefault(request.id, (request, []))[1].append(submission)
    for request, theirs in decided.values():
        _tell_readers(request, None, theirs)


def confirm_address(signed: str) -> ReaderAddress:
    """Confirm the link's address (again is harmless) and tell it the outcomes already
    decided for its reports; commit."""
    address = readers.address_for_link(signed)
    # Compare-and-set: of two clicks at once, one confirms and tells.
    first = db.session.execute(
        sa.update(ReaderAddress).where(ReaderAddress.id == address.id,
                                       ReaderAddress.confirmed_at.is_(None))
        .values(confirmed_at=utcnow()), execution_options={"synchronize_session": False}).rowcount
    db.session.refresh(address)
    if first:
        address_confirmed(address)
    db.session.commit()
    return address


def _deciding_request(request: CorrectionRequest) -> CorrectionRequest | None:
    """The request whose outcome a report's reader hears: its own, or that of the request
    it was marked a duplicate of; None while undecided."""
    seen = set()
    while request.state is State.DUPLICATE and request.duplicate_of is not None \
            and request.id not in seen:
        seen.add(request.id)
        request = request.duplicate_of
    return request if request.state in READER_OUTCOMES else None


def request_changed(request: CorrectionRequest, event) -> None:
    """Tell consenting readers the outcome when a request is published or rejected: its own
    readers and those of the requests marked duplicates of it. A request marked a duplicate of
    one already decided has its readers told that outcome at once."""
    if event.from_state == event.to_state:
        return
    if event.to_state in READER_OUTCOMES:
        _tell_readers(request, event, _submissions_behind(request))
    elif event.to_state is State.DUPLICATE and request.duplicate_of.state in READER_OUTCOMES:
        _tell_readers(request.duplicate_of, event, _submissions_behind(request))


def _submissions_behind(request: CorrectionRequest) -> list[Submission]:
    """The request's submissions, and those of requests marked duplicates of it, at any depth."""
    seen, pending, found = {request.id}, [request], []
    while pending:
        current = pending.pop()
        found.extend(current.submissions)
        for duplicate in db.session.scalars(
                sa.select(CorrectionRequest)
                .where(CorrectionRequest.duplicate_of_id == current.id,
                       CorrectionRequest.state == State.DUPLICATE)):
            if duplicate.id not in seen:
                seen.add(duplicate.id)
                pending.append(duplicate)
    return found


def _tell_readers(request: CorrectionRequest, event, submissions: list[Submission]) -> None:
    """One email per consenting, confirmed address about the decided `request`, never twice."""
    kind = READER_OUTCOMES[request.state]
    site = request.site
    told = {address.lower() for address in db.session.scalars(
        sa.select(OutboxMessage.recipient)
        .where(OutboxMessage.request_id == request.id, OutboxMessage.kind == kind))}
    for submission in submissions:
        address = submission.email.lower()
        if not (submission.notify and submission.email) or address in told:
            continue
        confirmed = readers.confirmed_address(site, address)
        if confirmed is None:
            continue  # told once confirmed (address_confirmed), if ever
        told.add(address)
        if readers.is_unsubscribed(site, address):
            continue
        token = confirmed.token
        one_click = public_url_for("mail.unsubscribe_one_click", token=token)
        outbox.enqueue(
            kind=kind, recipient=submission.email, request=request,
            template="reader_outcome", language=site.language,
            context={"site": site, "request": request, "submission": submission, "event": event,
                     "unsubscribe_url": public_url_for("mail.unsubscribe", token=token)},
            headers={"List-Unsubscribe": f"<{one_click}>",
                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
