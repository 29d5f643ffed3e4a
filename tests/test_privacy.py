"""`flask --app corrections privacy purge|export|erase`: retention and readers' data requests."""
import json
from datetime import timedelta

import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import (
    CorrectionRequest,
    EditorSession,
    OutboxMessage,
    OutboxStatus,
    State,
    Submission,
    utcnow,
)
from corrections.notifications.models import MailUnsubscribe, ReaderAddress
from tests.helpers import confirm_addresses, passage

READER = "reader@example.net"


def age(app, model, days: int, **where) -> None:
    """Make rows of `model` look `days` old."""
    when = utcnow() - timedelta(days=days)
    values = {"created_at": when} | ({"sent_at": when} if model is OutboxMessage else {})
    with app.app_context():
        db.session.execute(sa.update(model).filter_by(**where).values(**values))
        db.session.commit()


def close(app, request_id: int, state=State.REJECTED) -> None:
    with app.app_context():
        db.session.execute(sa.update(CorrectionRequest).where(CorrectionRequest.id == request_id)
                           .values(state=state))
        db.session.commit()


def submissions(app) -> list[tuple]:
    with app.app_context():
        return [(s.name, s.email, s.notify, s.user_agent, s.client_hash != "", s.comment)
                for s in db.session.scalars(sa.select(Submission).order_by(Submission.id))]


def test_purge_removes_readers_details_from_old_closed_requests_only(app, runner, report):
    old_closed = report(comment="old and closed")
    old_open = report(comment="old but open", **passage(2))
    new_closed = report(comment="new and closed", **passage(3))
    close(app, old_closed), close(app, new_closed, State.PUBLISHED)
    age(app, Submission, 400)
    with app.app_context():
        db.session.execute(sa.update(Submission).where(Submission.comment == "new and closed")
                           .values(created_at=utcnow()))
        db.session.commit()
    result = runner.invoke(args=["privacy", "purge"])  # RETENTION_DAYS: 365
    assert result.exit_code == 0, result.output
    assert "older than 365 days: 1 submission lost its reader's details" in result.output
    rows = submissions(app)
    assert rows[0] == ("", "", False, "", False, "old and closed")  # the text stays
    assert rows[1][:2] == ("A. Reader", READER) and rows[2][:2] == ("A. Reader", READER)


def test_purge_blanks_old_delivered_emails_but_not_waiting_ones(app, runner, report):
    report()
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.kind == "reader_confirm")
                           .values(status=OutboxStatus.SENT))
        db.session.commit()
    age(app, OutboxMessage, 40)
    result = runner.invoke(args=["privacy", "purge", "--older-than", "30"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = {row.kind: row for row in db.session.scalars(sa.select(OutboxMessage))}
        assert (rows["reader_confirm"].body_text, rows["reader_confirm"].body_html) == ("", None)
        assert rows["reader_confirm"].recipient == ""
        assert rows["editor_new_request"].body_text  # still waiting: kept whole


def test_purge_deletes_reader_addresses_no_submission_uses(app, runner, report):
    number = report()
    confirm_addresses(app)
    close(app, number)
    age(app, Submission, 400)
    age(app, ReaderAddress, 400)
    assert runner.invoke(args=["privacy", "purge"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReaderAddress)) == 0


def test_purge_keeps_addresses_still_in_use(app, runner, report):
    report()
    confirm_addresses(app)
    age(app, ReaderAddress, 400)
    assert runner.invoke(args=["privacy", "purge"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReaderAddress)) == 1


def test_purge_forgets_expired_sessions(app, runner, editor_client):
    age(app, EditorSession, 2)
    result = runner.invoke(args=["privacy", "purge"])
    assert "1 expired session was deleted" in result.output
    assert editor_client.get("/dashboard/").status_code == 302


def test_purge_refuses_a_period_of_no_days(app, runner):
    result = runner.invoke(args=["privacy", "purge", "--older-than", "0"])
    assert result.exit_code != 0 and "--older-than" in result.output


def test_export_prints_everything_held_about_an_address(app, runner, report):
    report(comment="My comment")
    confirm_addresses(app)
    result = runner.invoke(args=["privacy", "export", "  Reader@EXAMPLE.net "])
    assert result.exit_code == 0, result.output
    held = json.loads(result.output)
    assert held["email"] == READER
    [submission] = held["submissions"]
    assert (submission["comment"], submission["name"], submission["site"]) == (
        "My comment", "A. Reader", "news")
    assert submission["request"]["passage"] == "more then two hundred"
    assert held["confirmed_addresses"][0]["site"] == "news"
    assert held["confirmed_addresses"][0]["confirmed_at"].endswith("Z")
    assert [email["kind"] for email in held["emails"]] == ["reader_confirm"]
    assert held["editor_account"] is None


def test_export_of_an_unknown_address_is_empty(app, runner, site):
    result = runner.invoke(args=["privacy", "export", "nobody@example.net"])
    assert result.exit_code == 0
    assert json.loads(result.output)["submissions"] == []


def test_erase_removes_the_person_and_keeps_the_text(app, runner, report):
    report(comment="Keep this text")
    report(email="other@example.net", name="Other", **passage(2))
    confirm_addresses(app)
    with app.app_context():
        db.session.add(MailUnsubscribe(site_id=db.session.scalar(sa.text("SELECT id FROM site")),
                                       email=READER))
        db.session.commit()
    result = runner.invoke(args=["privacy", "erase", READER])
    assert result.exit_code == 0, result.output
    assert "Erased reader@example.net: 1 submission lost" in result.output
    assert submissions(app)[0] == ("", "", False, "", False, "Keep this text")
    assert submissions(app)[1][:2] == ("Other", "other@example.net")
    with app.app_context():
        assert db.session.scalars(sa.select(ReaderAddress.email)).all() == ["other@example.net"]
        assert db.session.scalars(sa.select(MailUnsubscribe)).all() == []
        assert READER not in db.session.scalars(sa.select(OutboxMessage.recipient)).all()


def test_erase_says_an_editor_account_is_kept(app, runner, make_editor):
    make_editor(email=READER)
    result = runner.invoke(args=["privacy", "erase", READER])
    assert result.exit_code == 0 and "editor account uses this address" in result.output


def test_a_bad_address_is_one_clear_line_and_a_failure(app, runner):
    for command in ("export", "erase"):
        result = runner.invoke(args=["privacy", command, "not an address"])
        assert result.exit_code != 0
        assert result.output.strip().splitlines() == [
            "Error: EMAIL: This is not a valid email address."]
