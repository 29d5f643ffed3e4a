"""The reader's request is a few plain statements and one commit, so it cannot quietly grow."""
import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import CorrectionRequest, Event, OutboxMessage
from tests.helpers import ORIGIN, suggestion_body


@pytest.fixture
def counted(app, client, site):
    """Post a suggestion; return (response, SQL statements sent, commits)."""
    with app.app_context():
        engine = db.engine

    def post(**overrides):
        statements, commits = [], []

        def on_statement(_connection, _cursor, statement, *_args):
            statements.append(statement)

        def on_commit(_connection):
            commits.append(1)

        sa.event.listen(engine, "before_cursor_execute", on_statement)
        sa.event.listen(engine, "commit", on_commit)
        try:
            response = client.post("/api/v1/suggestions", headers={"Origin": ORIGIN},
                                   json=suggestion_body(**overrides))
        finally:
            sa.event.remove(engine, "before_cursor_execute", on_statement)
            sa.event.remove(engine, "commit", on_commit)
        assert response.status_code == 201, response.json
        return response, statements, len(commits)

    post(notify=False, quote={"exact": "a passage to warm the site copy", "prefix": "", "suffix": ""},
         position=None)
    return post


def first_words(statements):
    return [" ".join(statement.split()[:3]).upper() for statement in statements]


def test_a_new_request_is_five_statements_and_one_commit(counted):
    _, statements, commits = counted(notify=False)
    assert first_words(statements) == [
        "INSERT INTO ARTICLE", "SELECT CORRECTION_REQUEST.ID, CORRECTION_REQUEST.STATE,",
        "INSERT INTO CORRECTION_REQUEST", "INSERT INTO SUBMISSION", "INSERT INTO EVENT"]
    assert commits == 1


def test_a_grouped_repeat_is_four_statements_and_one_commit(counted):
    counted(notify=False)
    _, statements, commits = counted(notify=False)
    assert first_words(statements) == [
        "INSERT INTO ARTICLE", "SELECT CORRECTION_REQUEST.ID, CORRECTION_REQUEST.STATE,",
        "UPDATE CORRECTION_REQUEST SET", "INSERT INTO SUBMISSION"]
    assert commits == 1


def test_a_repeat_whose_reader_asks_for_the_outcome_adds_only_its_event(app, counted):
    counted(notify=False)
    _, statements, commits = counted(notify=True, email="reader@example.net")
    assert first_words(statements)[-1] == "INSERT INTO EVENT" and len(statements) == 5
    assert commits == 1
    with app.app_context():
        repeat = db.session.scalars(sa.select(Event).order_by(Event.id.desc())).first()
        assert (repeat.action, repeat.mail_due) == ("reported_again", True)


def test_the_request_writes_no_email(app, counted):
    counted(notify=True, email="reader@example.net")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CorrectionRequest)) == 2
