"""The JSON intake: what a valid suggestion stores, and how it is grouped."""
import threading
import time

import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import (
    CorrectionRequest,
    Event,
    Kind,
    OutboxMessage,
    State,
    Submission,
)
from corrections.notifications import events
from tests.helpers import ORIGIN, suggestion_body


def requests_in(app):
    with app.app_context():
        return db.session.scalars(sa.select(CorrectionRequest).order_by(CorrectionRequest.id)).all()


def test_valid_suggestion_answers_201_with_reference(post_suggestion):
    response = post_suggestion()
    assert response.status_code == 201
    assert response.json["status"] == "received"
    assert isinstance(response.json["id"], int)
    assert len(response.json["reference"]) == 9


def test_valid_suggestion_is_stored_as_a_new_request(app, post_suggestion):
    post_suggestion(url=f"{ORIGIN.upper()}/2026/a?utm_source=x&id=7#comments")
    with app.app_context():
        request = db.session.scalars(sa.select(CorrectionRequest)).one()
        assert request.article.url == "https://news.example.org/2026/a?id=7"
        assert request.article.title == "City library reopens"
        assert (request.quote_exact, request.quote_prefix, request.quote_suffix) == (
            "more then two hundred", "Monday morning, and ", " readers were waiting")
        assert (request.position_start, request.position_end) == (120, 141)
        assert request.kind is Kind.TYPO
        assert request.proposed == "more than two hundred"
        assert request.state is State.NEW and request.submission_count == 1


def test_submission_keeps_reader_details_but_not_the_ip(app, client, site):
    client.post("/api/v1/suggestions", json=suggestion_body(), headers={"Origin": ORIGIN},
                environ_base={"REMOTE_ADDR": "203.0.113.9"})
    with app.app_context():
        submission = db.session.scalars(sa.select(Submission)).one()
        assert (submission.name, submission.email, submission.notify) == (
            "A. Reader", "reader@example.net", True)
        assert submission.comment == "“then” should be “than”."
        assert len(submission.client_hash) == 64 and "203.0.113.9" not in submission.client_hash


def test_new_request_writes_one_audit_event_that_owes_mail_and_no_email(app, post_suggestion):
    post_suggestion()
    with app.app_context():
        event = db.session.scalars(sa.select(Event)).one()
        assert (event.from_state, event.to_state, event.editor_id) == (None, State.NEW, None)
        assert event.mail_due is True and event.submission_id is not None
        assert db.session.scalars(sa.select(OutboxMessage)).all() == []


def test_the_mail_worker_turns_the_event_into_the_editor_notification(app, post_suggestion):
    post_suggestion()
    with app.app_context():
        assert events.write_due_emails() == 1
        message = db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.kind == "editor_new_request")).one()
        assert message.recipient == "desk@news.example.org"
        assert "more then two hundred" in message.body_text
        assert db.session.scalars(sa.select(Event.mail_due)).all() == [False]


def test_repeat_of_the_same_suggestion_is_grouped(app, post_suggestion):
    first, second = post_suggestion(), post_suggestion()
    assert second.status_code == 201 and second.json.keys() == first.json.keys()
    assert second.json["reference"] != first.json["reference"]
    [request] = requests_in(app)
    assert request.submission_count == 2


def test_repeat_report_sends_no_second_notification(app, post_suggestion):
    post_suggestion()
    post_suggestion()
    with app.app_context():
        events.write_due_emails()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "editor_new_request")) == 1


def test_grouping_ignores_url_tracking_and_fragment(app, post_suggestion):
    post_suggestion(url=f"{ORIGIN}/2026/a")
    post_suggestion(url=f"{ORIGIN}/2026/a?utm_campaign=x&fbclid=y#top")
    assert [r.submission_count for r in requests_in(app)] == [2]


def test_different_wording_opens_a_second_request(app, post_suggestion):
    post_suggestion()
    post_suggestion(suggestion="over two hundred")
    assert [r.submission_count for r in requests_in(app)] == [1, 1]


def test_same_quote_in_another_context_is_a_different_passage(app, post_suggestion):
    post_suggestion(position=None)
    post_suggestion(position=None, quote={"exact": "more then two hundred",
                                          "prefix": "last year ", "suffix": " visitors"})
    assert len(requests_in(app)) == 2


def test_shorter_context_of_the_same_passage_is_grouped(app, post_suggestion):
    post_suggestion(position=None)
    post_suggestion(position=None, quote={"exact": "more then two hundred",
                                          "prefix": "and ", "suffix": " readers"})
    assert [r.submission_count for r in requests_in(app)] == [2]


def test_overlapping_position_with_same_wording_is_grouped(app, post_suggestion):
    post_suggestion()
    post_suggestion(quote={"exact": "then two", "prefix": "more ", "suffix": " hundred"},
                    position={"start": 125, "end": 133})
    assert [r.submission_count for r in requests_in(app)] == [2]


def test_same_passage_on_another_article_is_separate(app, post_suggestion):
    post_suggestion()
    post_suggestion(url=f"{ORIGIN}/2026/11/another-story")
    assert len(requests_in(app)) == 2


def test_closed_request_is_not_reopened_by_a_new_report(app, post_suggestion):
    post_suggestion()
    with app.app_context():
        db.session.execute(sa.update(CorrectionRequest).values(state=State.REJECTED))
        db.session.commit()
    post_suggestion()
    assert [r.state for r in requests_in(app)] == [State.REJECTED, State.NEW]


def test_concurrent_identical_submissions_make_one_request(app, site, post_suggestion):
    # The article already exists, so creating its row does not serialise the reports.
    post_suggestion(quote={"exact": "reopened"}, position=None, suggestion="")
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    statuses = []
    with app.app_context():
        engine = db.engine

    # Widen the race: every look-up of open requests takes a while, as under load.
    @sa.event.listens_for(engine, "after_cursor_execute")
    def slow_grouping_lookup(conn, cursor, statement, *args):
        if "FROM correction_request" in statement and "correction_request.state IN" in statement:
            time.sleep(0.1)

    def send():
        client = app.test_client()
        barrier.wait(timeout=10)
        statuses.append(client.post("/api/v1/suggestions", json=suggestion_body(),
                                    headers={"Origin": ORIGIN}).status_code)

    threads = [threading.Thread(target=send) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [201] * threads_count
    assert [r.submission_count for r in requests_in(app)] == [1, threads_count]


def test_text_is_normalised_to_nfc_without_control_characters(app, post_suggestion):
    post_suggestion(comment="Cafe\u0301\x07 is\x1b right\ttab\r\nnext line",
                    name="  Ana \n Reader  ")
    with app.app_context():
        submission = db.session.scalars(sa.select(Submission)).one()
        assert submission.comment == "Café is right\ttab\nnext line"
        assert submission.name == "Ana Reader"


def test_optional_fields_may_be_left_out(app, post_suggestion):
    body = {"site": "news", "url": f"{ORIGIN}/a", "quote": {"exact": "teh"}, "kind": "other"}
    assert post_suggestion(body=body).status_code == 201
    [request] = requests_in(app)
    assert (request.proposed, request.quote_prefix, request.position_start) == ("", "", None)


def test_unknown_fields_are_ignored(post_suggestion):
    assert post_suggestion(body=suggestion_body(extra={"anything": 1})).status_code == 201
