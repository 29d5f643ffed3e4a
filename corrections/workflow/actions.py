"""Editors' actions as the dashboard sends them: what was typed, checked and turned into
`Details`, then applied through the state machine (one request, or many at once)."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from ..extensions import db
from ..intake import spam
from ..models import (
    OPEN_STATES,
    Article,
    CorrectionRequest,
    Editor,
    Event,
    PublicationType,
    Submission,
    utcnow,
)
from ..text import is_number, strip_xml_invalid, unstorable
from . import transitions
from .transitions import Action, Details, MissingDetail, StaleVersion

#: Actions that can be applied to many selected rows at once.
BULK_ACTIONS = (Action.CLAIM, Action.ACCEPT, Action.REJECT, Action.SPAM)



def open_requests_from_same_clients(item: CorrectionRequest) -> list[CorrectionRequest]:
    """Other open requests reported from the same client (keyed IP hash) as this one."""
    hashes = sa.select(Submission.client_hash).where(Submission.request_id == item.id)
    ids = sa.select(Submission.request_id).where(Submission.client_hash.in_(hashes))
    return list(db.session.scalars(
        sa.select(CorrectionRequest)
        .where(CorrectionRequest.id.in_(ids), CorrectionRequest.id != item.id,
               CorrectionRequest.state.in_(OPEN_STATES))
        .order_by(CorrectionRequest.id)))


@dataclass(frozen=True)
class ActionInput:
    """What an editor typed or chose along with an action, as sent by the form."""
    note: str = ""
    assignee: str = ""  # an editor's id, or "" for nobody
    duplicate_of: str = ""
    publication_type: str = ""
    public_note: str = ""
    same_client: bool = False
    #: With spam: put the sender's network, or email address, on the block list.
    block_client: bool = False
    block_email: bool = False


NOTE_LIMIT, PUBLIC_NOTE_LIMIT, TITLE_LIMIT = 2000, 5000, 300


def _details(action: Action, given: ActionInput) -> Details:
    if len(given.note) > NOTE_LIMIT:
        raise MissingDetail(ngettext("Keep the note to %(num)d character or fewer.",
                                     "Keep the note to %(num)d characters or fewer.", NOTE_LIMIT))
    if len(given.public_note) > PUBLIC_NOTE_LIMIT:
        raise MissingDetail(ngettext("Keep the public note to %(num)d character or fewer.",
                                     "Keep the public note to %(num)d "
                                     "characters or fewer.", PUBLIC_NOTE_LIMIT))
    details = Details(note=given.note, public_note=given.public_note)
    if action is Action.ASSIGN and given.assignee:
        editor = (db.session.get(Editor, int(given.assignee))
                  if is_number(given.assignee) else None)
        if editor is None or not editor.active:
            raise MissingDetail(_("Choose an active editor to assign this request to."))
        details = replace(details, assignee=editor)
    if action is Action.DUPLICATE:
        number = given.duplicate_of.strip().lstrip("#")
        if not is_number(number):
            raise MissingDetail(_("Give the number of the request this one duplicates, like 123."))
        details = replace(details, duplicate_of_id=int(number))
    if action in (Action.PUBLISH, Action.AMEND) and given.publication_type:
        try:
            details = replace(details, publication_type=PublicationType(given.publication_type))
        except ValueError:
            raise MissingDetail(_("Choose correction, clarification or editor’s note.")) from None
    return details


def act(item: CorrectionRequest, action: Action, *, editor: Editor, version: int,
        given: ActionInput) -> list[Event]:
    """Apply an editor's action to one request (and, for spam, optionally to its sender's
    others, and the block list), in one transaction."""
    details = _details(action, given)
    if action is Action.SPAM and given.same_client:
        others = open_requests_from_same_clients(item)
        events = transitions.transition_all([(item, version)] + [(o, o.version) for o in others],
                                      action, editor=editor, details=details, commit=False)
    else:
        events = [transitions.transition(item, action, editor=editor, version=version,
                                   details=details, commit=False)]
    if action is Action.SPAM and (given.block_client or given.block_email):
        spam.block_senders(item.id, block_clients=given.block_client,
                           block_emails=given.block_email, by=editor)
    db.session.commit()
    return events


def retitle(item: CorrectionRequest, title: str, *, shown: str, editor: Editor) -> Event | None:
    """Give the request's article the title `title`, if it still has the title the editor
    saw (`shown`); audited on this request. None when the title is unchanged."""
    problem = unstorable(title)
    if problem:
        raise MissingDetail(problem)
    new = " ".join(strip_xml_invalid(unicodedata.normalize("NFC", title)).split())
    if not new:
        raise MissingDetail(_("Give the article a title."))
    if len(new) > TITLE_LIMIT:
        raise MissingDetail(ngettext("Keep the title to %(num)d character or fewer.",
                                     "Keep the title to %(num)d characters or fewer.", TITLE_LIMIT))
    old = item.article.title
    if new == old:
        return None
    # Compare-and-set, as for actions: of two editors renaming at once, the second is told.
    changed = db.session.execute(
        sa.update(Article).where(Article.id == item.article_id, Article.title == shown)
        .values(title=new), execution_options={"synchronize_session": False}).rowcount
    if changed != 1:
        db.session.rollback()
        raise StaleVersion(_("Someone else changed this title while you were looking at it. Here "
                             "is what it is now."))
    transitions.bump_public_version(item.site_id)  # the public record shows the title
    event = Event(request=item, editor=editor, action="retitle", from_state=item.state,
                  to_state=item.state, note=f"Title changed from “{old}” to “{new}”.",
                  created_at=utcnow())
    db.session.add(event)
    db.session.commit()
    return event


def parse_selection(values: list[str]) -> list[tuple[int, int]]:
    """Selected rows as (id, version) pairs from "id:version" checkbox values."""
    selection = []
    for value in values:
        number, _colon, version = value.partition(":")
        if not (is_number(number) and is_number(version)):
            raise MissingDetail(_("The selection could not be understood. Reload the "
                                  "page and try again."))
        selection.append((int(number), int(version)))
    return selection


def act_on_many(selection: list[tuple[int, int]], action: Action, *, editor: Editor,
                given: ActionInput) -> list[Event]:
    """Apply one action to every selected request, or to none of them."""
    if action not in BULK_ACTIONS:
        raise MissingDetail(_("Choose claim, accept, reject or spam for the selected requests."))
    if not selection:
        raise MissingDetail(_("Select at least one request first."))
    details = _details(action, given)
    found = {r.id: r for r in db.session.scalars(
        sa.select(CorrectionRequest).where(CorrectionRequest.id.in_([i for i, _version in selection])))}
    missing = [f"#{i}" for i, _version in selection if i not in found]
    if missing:
        raise MissingDetail(_("There is no request %(value)s.", value=', '.join(missing)))
    return transitions.transition_all([(found[i], version) for i, version in selection], action,
                                editor=editor, details=details)
