"""One-click actions from editors' emails: a GET asks, only the POST from that page acts."""
import re
import time

import itsdangerous
import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import CorrectionRequest, Editor, Event, OutboxMessage, State
from corrections.notifications import links
from corrections.notifications.models import UsedActionToken
from corrections.workflow import transitions
from tests.helpers import csrf_token_in

EDITOR = "editor@news.example.org"
LINK = re.compile(r"http://corrections\.test(/mail/act/(\d+)/(\w+)/\S+)")


@pytest.fixture
def editor_id(make_site, make_editor):
    editor_id = make_editor(EDITOR)
    make_site(notify=(EDITOR,))
    return editor_id


def links_in_outbox(app, request_id: int | None = None) -> dict[str, str]:
    """Action → path of the one-click links in the newest editor email (for one request)."""
    with app.app_context():
        query = sa.select(OutboxMessage.body_text).where(OutboxMessage.kind == "editor_new_request")
        if request_id is not None:
            query = query.where(OutboxMessage.request_id == request_id)
        body = db.session.scalars(query.order_by(OutboxMessage.id.desc())).first()
    return {action: path for path, _, action in LINK.findall(body)}


def request_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(CorrectionRequest.id).order_by(CorrectionRequest.id)))


def snapshot(app, request_id: int | None = None):
    """Everything a link could change."""
    request_id = request_id or request_ids(app)[0]
    with app.app_context():
        request = db.session.get(CorrectionRequest, request_id)
        events = db.session.scalars(sa.select(Event.action).where(Event.request_id == request_id)
                                    .order_by(Event.id)).all()
        used = db.session.scalar(sa.select(sa.func.count()).select_from(UsedActionToken))
        return request.state, request.version, events, used


def confirm(client, path):
    """Open the link, then press the page's button: what an editor does."""
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"csrf_token": csrf_token_in(page.text)})


def post_with_a_valid_session_token(client, path):
    """POST to `path` with a genuine CSRF token for this session, so only the link is judged."""
    token = csrf_token_in(client.get("/suggest").text)
    return client.post(path, data={"csrf_token": token})


def test_opening_a_link_shows_a_confirmation_page_and_changes_nothing(app, client, editor_id, suggest):
    suggest()
    before = snapshot(app)
    page = client.get(links_in_outbox(app)["accept"])
    assert page.status_code == 200
    assert "Accept this correction?" in page.text and EDITOR in page.text
    assert "more then two hundred" in page.text
    assert snapshot(app) == before == (State.NEW, 1, ["created"], 0)


def test_confirming_accepts_through_the_queue_as_the_linked_editor(app, client, editor_id, suggest):
    suggest()
    response = confirm(client, links_in_outbox(app)["accept"])
    assert response.status_code == 200 and "now accepted" in response.text
    with app.app_context():
        event = db.session.scalars(sa.select(Event).order_by(Event.id.desc())).first()
        assert (event.action, event.editor_id, event.from_state, event.to_state) == (
            "accept", editor_id, State.NEW, State.ACCEPTED)
    assert snapshot(app)[:2] == (State.ACCEPTED, 2)


def test_the_reject_link_rejects_as_not_an_error(app, client, editor_id, suggest):
    suggest()
    confirm(client, links_in_outbox(app)["reject"])
    with app.app_context():
        event = db.session.scalars(sa.select(Event).order_by(Event.id.desc())).first()
        assert event.to_state is State.REJECTED and event.note.startswith("Not an error")


def test_the_spam_link_marks_the_request_as_spam(app, client, editor_id, suggest):
    suggest()
    confirm(client, links_in_outbox(app)["spam"])
    assert snapshot(app)[0] is State.SPAM


def test_posting_without_the_pages_csrf_token_changes_nothing(app, client, editor_id, suggest):
    suggest()
    before = snapshot(app)
    response = client.post(links_in_outbox(app)["accept"])
    assert response.status_code == 400
    assert snapshot(app) == before


def test_a_forged_token_is_refused_with_a_clear_page(app, client, editor_id, suggest):
    suggest()
    [request_id] = request_ids(app)
    forged = itsdangerous.URLSafeTimedSerializer("not-our-secret", salt=links.ACTION_SALT).dumps(
        {"r": request_id, "a": "accept", "e": editor_id, "v": 1, "n": "forged"})
    before = snapshot(app)
    for path in (f"/mail/act/{request_id}/accept/{forged}",
                 f"/mail/act/{request_id}/accept/just-some-text"):
        assert client.get(path).status_code == 400
        response = post_with_a_valid_session_token(client, path)
        assert response.status_code == 400 and "This link is not valid" in response.text
    assert snapshot(app) == before


def test_a_tampered_token_is_refused(app, client, editor_id, suggest):
    suggest()
    valid = links_in_outbox(app)["accept"]
    prefix, token = valid.rsplit("/", 1)
    payload, rest = token.split(".", 1)
    tampered = f"{prefix}/{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{rest}"
    before = snapshot(app)
    response = post_with_a_valid_session_token(client, tampered)
    assert response.status_code == 400 and "not valid" in response.text
    assert snapshot(app) == before


def test_an_expired_token_is_refused(app, client, editor_id, suggest, monkeypatch):
    suggest()
    eight_days_ago = time.time() - 8 * 24 * 3600
    with app.app_context(), monkeypatch.context() as patch:
        patch.setattr(itsdangerous.timed.time, "time", lambda: eight_days_ago)
        request = db.session.get(CorrectionRequest, request_ids(app)[0])
        token = links.make_action_token(request, transitions.Action.ACCEPT, db.session.get(Editor, editor_id))
    before = snapshot(app)
    response = post_with_a_valid_session_token(client, f"/mail/act/{request.id}/accept/{token}")
    assert response.status_code == 410 and "expired" in response.text
    assert snapshot(app) == before


def test_the_expiry_is_configurable(app, app_factory, editor_id, suggest):
    suggest()
    path = links_in_outbox(app)["accept"]
    short_lived = app_factory(ACTION_TOKEN_MAX_AGE=-1)  # every link is already too old
    assert short_lived.test_client().get(path).status_code == 410


def test_a_used_link_is_refused_the_second_time(app, client, editor_id, suggest):
    suggest()
    path = links_in_outbox(app)["accept"]
    assert confirm(client, path).status_code == 200
    after_first_use = snapshot(app)
    page = client.get(path)
    assert page.status_code == 410 and "already been used" in page.text
    response = post_with_a_valid_session_token(client, path)
    assert response.status_code == 410
    assert snapshot(app) == after_first_use and after_first_use[3] == 1


def test_a_link_for_another_action_is_refused(app, client, editor_id, suggest):
    suggest()
    accept = links_in_outbox(app)["accept"]
    as_spam = accept.replace("/accept/", "/spam/")
    before = snapshot(app)
    response = post_with_a_valid_session_token(client, as_spam)
    assert response.status_code == 400 and "different request or action" in response.text
    assert snapshot(app) == before


def test_a_link_for_another_request_is_refused(app, client, editor_id, suggest):
    suggest()
    suggest(quote={"exact": "a different passage", "prefix": "", "suffix": ""}, position=None)
    first, second = request_ids(app)
    on_second = links_in_outbox(app, first)["accept"].replace(f"/act/{first}/", f"/act/{second}/")
    before = snapshot(app, first), snapshot(app, second)
    response = post_with_a_valid_session_token(client, on_second)
    assert response.status_code == 400 and "different request or action" in response.text
    assert (snapshot(app, first), snapshot(app, second)) == before


def test_a_link_stops_working_once_the_request_has_changed(app, client, editor_id, suggest):
    suggest()
    path = links_in_outbox(app)["accept"]
    with app.app_context():
        request = db.session.get(CorrectionRequest, request_ids(app)[0])
        transitions.transition(request, transitions.Action.CLAIM, editor=None, version=request.version)
    before = snapshot(app)
    response = post_with_a_valid_session_token(client, path)
    assert response.status_code == 409 and "changed since the email was sent" in response.text
    assert snapshot(app) == before


def test_using_one_link_spends_the_others_in_the_same_email(app, client, editor_id, suggest):
    suggest()
    paths = links_in_outbox(app)
    confirm(client, paths["accept"])
    assert client.get(paths["spam"]).status_code == 409


def test_a_link_for_a_deactivated_editor_is_refused(app, client, editor_id, suggest):
    suggest()
    path = links_in_outbox(app)["accept"]
    with app.app_context():
        db.session.get(Editor, editor_id).active = False
        db.session.commit()
    assert client.get(path).status_code == 403
    assert snapshot(app)[:2] == (State.NEW, 1)


def test_an_unknown_action_is_not_found(app, client, editor_id, suggest):
    suggest()
    path = links_in_outbox(app)["accept"].replace("/accept/", "/publish/")
    assert client.get(path).status_code == 404
