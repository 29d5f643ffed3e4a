"""Digests: hourly or daily mail listing what arrived since the last one."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.mail import delivery
from corrections.models import NotifyMode, Site, utcnow
from corrections.notifications import digests
from corrections.sites import service as sites
from tests.mail.conftest import outbox, part, worker_writes_due_emails

EDITOR = "editor@news.example.org"


def write_digests(app, now):
    with app.app_context():
        return digests.send_due_digests(now=now)


def deliver(app):
    with app.app_context():
        delivery.send_due()


@pytest.fixture
def hourly(make_site, make_editor):
    make_editor(EDITOR)
    return make_site(notify=(EDITOR, "desk@news.example.org"), notify_mode=NotifyMode.HOURLY)


def another_passage(suggest, text):
    suggest(quote={"exact": text, "prefix": "", "suffix": ""}, position=None, suggestion="")


def test_an_hourly_digest_lists_what_arrived(app, hourly, suggest, smtp_server):
    suggest()
    another_passage(suggest, "the mayor said on Tuesday")
    assert write_digests(app, utcnow() + timedelta(minutes=61)) == 1
    deliver(app)
    emails = {message.recipients[0]: message.email for message in smtp_server.received}
    assert set(emails) == {EDITOR, "desk@news.example.org"}
    email = emails[EDITOR]
    assert email["Subject"] == "[The Example News] 2 new correction requests"
    text = part(email, "plain")
    assert "more then two hundred" in text and "the mayor said on Tuesday" in text
    assert text.count("/mail/act/") == 6  # accept, reject and spam for each request
    assert "/mail/act/" not in part(emails["desk@news.example.org"], "plain")


def test_no_digest_is_written_before_the_period_is_over(app, hourly, suggest):
    suggest()
    assert write_digests(app, utcnow() + timedelta(minutes=59)) == 0
    assert outbox(app) == []


def test_the_next_digest_lists_only_what_arrived_after_the_last(app, hourly, suggest, smtp_server):
    suggest()
    first = utcnow() + timedelta(minutes=61)
    write_digests(app, first)
    another_passage(suggest, "the mayor said on Tuesday")
    assert write_digests(app, first + timedelta(minutes=30)) == 0  # not an hour since the last
    assert write_digests(app, first + timedelta(minutes=61)) == 1
    deliver(app)
    to_editor = [m.email for m in smtp_server.received if m.recipients == (EDITOR,)]
    first_text, second_text = (part(email, "plain") for email in to_editor)
    assert "more then two hundred" in first_text and "the mayor said" not in first_text
    assert "the mayor said on Tuesday" in second_text and "more then two hundred" not in second_text


def test_a_quiet_period_sends_no_digest(app, hourly):
    assert write_digests(app, utcnow() + timedelta(hours=2)) == 0
    assert outbox(app) == []


def test_a_daily_digest_waits_a_day(app, make_site, suggest):
    make_site(notify_mode=NotifyMode.DAILY)
    suggest()
    assert write_digests(app, utcnow() + timedelta(hours=23)) == 0
    assert write_digests(app, utcnow() + timedelta(hours=25)) == 1
    assert [row.kind for row in outbox(app)] == ["editor_digest"]


def test_a_digest_is_written_once_for_the_same_moment(app, hourly, suggest):
    suggest()
    now = utcnow() + timedelta(minutes=61)
    assert write_digests(app, now) == 1
    assert write_digests(app, now) == 0
    assert len(outbox(app)) == 2  # one per address, once


def test_a_ukrainian_digest(app, make_site, suggest, smtp_server):
    make_site(notify_mode=NotifyMode.HOURLY, language="uk")
    suggest()
    write_digests(app, utcnow() + timedelta(minutes=61))
    deliver(app)
    assert smtp_server.received[0].email["Subject"] == \
        "[The Example News] Нові запити на виправлення: 1"


def test_mail_send_writes_and_delivers_due_digests(app, runner, make_site, suggest, smtp_server):
    make_site(notify_mode=NotifyMode.HOURLY, created_at=utcnow() - timedelta(hours=2))
    suggest()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 digest" in result.output
    assert smtp_server.received[0].email["Subject"] == "[The Example News] 1 new correction request"


def switch_mode(app, mode: NotifyMode) -> None:
    """Change the site's mail mode the way the dashboard's site form does."""
    with app.app_context():
        site = db.session.scalar(sa.select(Site))
        sites.save_site(site, sites.SiteInput(
            key=site.key, name=site.name, origins="\n".join(site.origins),
            notify_emails="\n".join(site.notify_emails), language=site.language,
            notify_mode=mode.value))


def test_switching_to_immediate_mail_sends_the_last_digest_at_once(app, hourly, suggest,
                                                                    smtp_server):
    suggest()  # would have waited for the next hourly digest
    switch_mode(app, NotifyMode.IMMEDIATE)
    assert [row.kind for row in outbox(app)] == ["editor_digest"] * 2
    another_passage(suggest, "the mayor said on Tuesday")  # told at once, and only so
    assert write_digests(app, utcnow() + timedelta(days=2)) == 0
    deliver(app)
    to_editor = [m.email for m in smtp_server.received if m.recipients == (EDITOR,)]
    assert [email["Subject"] for email in to_editor] == [
        "[The Example News] 1 new correction request",
        "[The Example News] Typo or spelling: City library reopens"]
    digest_text = part(to_editor[0], "plain")
    assert "more then two hundred" in digest_text and "the mayor said" not in digest_text
    assert "hourly digest" in digest_text


def test_switching_between_digest_periods_writes_nothing_yet(app, hourly, suggest):
    suggest()
    switch_mode(app, NotifyMode.DAILY)
    assert outbox(app) == []
    assert write_digests(app, utcnow() + timedelta(hours=25)) == 1


# --- immediate mail past NOTIFY_RATE_LIMIT ----------------------------------------------------

@pytest.fixture
def capped(app_factory, smtp_server, make_site, make_editor):
    """An immediate-mail site whose editors may get two emails about new requests an hour."""
    from tests.mail.conftest import MAIL_CONFIG
    app = app_factory(MAIL_PORT=smtp_server.port, NOTIFY_RATE_LIMIT="2 per hour", **MAIL_CONFIG)
    make_editor(EDITOR)
    make_site(notify=(EDITOR,))
    return app


def capped_suggest(app, n):
    from tests.helpers import ORIGIN, suggestion_body
    response = app.test_client().post("/api/v1/suggestions", headers={"Origin": ORIGIN},
                                      json=suggestion_body(notify=False, position=None, quote={
                                          "exact": f"passage number {n}", "prefix": "", "suffix": ""}))
    assert response.status_code == 201
    worker_writes_due_emails(app)  # the cap applies as the worker writes each event's emails


def test_past_the_cap_new_requests_wait_for_one_digest(capped, smtp_server):
    for n in range(5):
        capped_suggest(capped, n)
    assert [row.kind for row in outbox(capped)] == ["editor_new_request"] * 2
    assert write_digests(capped, utcnow() + timedelta(minutes=59)) == 0
    assert write_digests(capped, utcnow() + timedelta(minutes=61)) == 1
    deliver(capped)
    subjects = [m.email["Subject"] for m in smtp_server.received]
    assert subjects[-1] == "[The Example News] 3 new correction requests"
    digest = part(smtp_server.received[-1].email, "plain")
    assert all(f"passage number {n}" in digest for n in (2, 3, 4))
    assert "passage number 0" not in digest and "passage number 1" not in digest
    assert "More requests arrived than are emailed one by one" in digest


def test_the_held_digest_is_written_once_and_the_site_mails_at_once_again(capped):
    for n in range(3):
        capped_suggest(capped, n)
    later = utcnow() + timedelta(minutes=61)
    assert write_digests(capped, later) == 1
    assert write_digests(capped, later + timedelta(hours=5)) == 0  # nothing held any more
    with capped.app_context():
        assert db.session.scalar(sa.select(Site.notify_held_since)) is None


def test_mail_send_delivers_the_held_digest(capped, smtp_server):
    for n in range(3):
        capped_suggest(capped, n)
    with capped.app_context():
        db.session.execute(sa.update(Site).values(notify_held_since=utcnow() - timedelta(hours=2)))
        db.session.commit()
    result = capped.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 digest" in result.output
    assert smtp_server.received[-1].email["Subject"] == "[The Example News] 1 new correction request"
