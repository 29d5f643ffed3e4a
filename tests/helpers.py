"""Small helpers shared by tests."""
import re

import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import (
    Article,
    CorrectionRequest,
    Event,
    OutboxMessage,
    Submission,
)


def row_counts(app) -> dict[str, int]:
    """How many rows the intake's tables hold: proof that a refused request changed nothing."""
    with app.app_context():
        return {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (Article, CorrectionRequest, Submission, Event, OutboxMessage)}


NOTHING = {"article": 0, "correction_request": 0, "submission": 0, "event": 0, "outbox_message": 0}


def csrf_token_in(html: bytes | str) -> str:
    """The CSRF token of the form in a page."""
    text = html.decode() if isinstance(html, bytes) else html
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text)
    assert match, "the page has no CSRF token"
    return match.group(1)


def publish(app, request_id: int, note: str, publication_type="correction") -> None:
    """Take a request through accept and publish with the real transition function."""
    from corrections.models import PublicationType
    from corrections.queue import Action, Details, transition
    with app.app_context():
        request = db.session.get(CorrectionRequest, request_id)
        transition(request, Action.ACCEPT, editor=None, version=request.version)
        transition(request, Action.PUBLISH, editor=None, version=request.version,
                   details=Details(public_note=note,
                                   publication_type=PublicationType(publication_type)))


def request_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(CorrectionRequest.id).order_by(CorrectionRequest.id)))
