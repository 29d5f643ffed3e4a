"""Telling the reader: one polite email on publication or rejection, only with consent, at
a confirmed address (how it is confirmed: test_reader_confirmation)."""
import re

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.mail import delivery
from corrections.models import CorrectionRequest, PublicationType
from corrections.notifications.models import MailUnsubscribe
from corrections.workflow import transitions
from tests.helpers import confirm_addresses, csrf_token_in
from tests.mail.conftest import outbox, part

READER = "reader@example.net"
NOTE = "An earlier version said “more then two hundred”; it is “more than two hundred”."


def act(app, *steps, first=False):
    """Apply queue actions to the (only or) newest request, or the first, as an editor would."""
    with app.app_context():
        request = db.session.scalars(sa.select(CorrectionRequest).order_by(
            CorrectionRequest.id if first else CorrectionRequest.id.desc())).first()
        for action in steps:
            details = transitions.Details(note="Checked against the recording.",
                                    publication_type=PublicationType.CORRECTION, public_note=NOTE)
            transitions.transition(request, action, editor=None, version=request.version, details=details)


PUBLISH = (transitions.Action.ACCEPT, transitions.Action.PUBLISH)


@pytest.fixture
def suggest(app, suggest):
    """A reader who asks to hear the outcome (unless notify=False) and confirms the address
    from the confirmation email at once."""
    def post(**overrides):
        overrides.setdefault("notify", True)
        response = suggest(**overrides)
        confirm_addresses(app)
        return response
    return post


def reader_mail(app, smtp_server):
    """Outcome emails to readers (not the editors' mail, nor the confirmation emails)."""
    with app.app_context():
        delivery.send_due()
    return [message.email for message in smtp_server.received
            if message.recipients[0] != "desk@news.example.org"
            and "reader-confirm" not in message.message_id]


def test_publication_tells_the_consenting_reader_with_the_public_note(app, site, suggest, smtp_server):
    suggest()
    act(app, *PUBLISH)
    [email] = reader_mail(app, smtp_server)
    assert email["To"] == READER
    assert email["Subject"] == "The Example News corrected the article you wrote about"
    for body in (part(email, "plain"), part(email, "html")):
        assert "Dear A. Reader" in body and "corrected the article" in body
        assert "City library reopens" in body
    assert NOTE in part(email, "plain")
    assert "An earlier version said “more then two hundred”" in part(email, "html")


def test_rejection_tells_the_reader_politely(app, site, suggest, smtp_server):
    suggest()
    act(app, transitions.Action.REJECT)
    [email] = reader_mail(app, smtp_server)
    assert "decided not to change the article" in part(email, "plain")
    assert "Checked against the recording" not in part(email, "plain")  # internal reasons stay inside


def test_outcome_emails_carry_an_unsubscribe_link_and_header(app, site, suggest, smtp_server):
    suggest()
    act(app, transitions.Action.REJECT)
    [email] = reader_mail(app, smtp_server)
    header = email["List-Unsubscribe"]
    assert re.fullmatch(r"<http://corrections\.test/mail/unsubscribe/[\w.-]+/one-click>", header)
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    page_url = header[1:-1].removesuffix("/one-click")
    assert page_url in part(email, "plain") and page_url in part(email, "html")


def test_readers_who_did_not_consent_hear_nothing(app, site, suggest, smtp_server):
    suggest(notify=False)
    act(app, *PUBLISH)
    assert reader_mail(app, smtp_server) == []


def test_accepting_alone_does_not_mail_the_reader(app, site, suggest, smtp_server):
    suggest()
    act(app, transitions.Action.ACCEPT)
    assert reader_mail(app, smtp_server) == []


def test_a_reader_who_reported_twice_gets_one_email(app, site, suggest, smtp_server):
    suggest()
    suggest()
    act(app, *PUBLISH)
    assert len(reader_mail(app, smtp_server)) == 1


def test_every_consenting_reader_of_a_grouped_request_is_told(app, site, suggest, smtp_server):
    suggest()
    suggest(email="second@example.net", name="")
    suggest(email="third@example.net", notify=False)
    act(app, *PUBLISH)
    assert sorted(email["To"] for email in reader_mail(app, smtp_server)) == [
        "reader@example.net", "second@example.net"]


def test_publishing_again_after_reopening_does_not_mail_the_reader_twice(app, site, suggest,
                                                                         smtp_server):
    suggest()
    act(app, *PUBLISH, transitions.Action.REOPEN, *PUBLISH)
    assert len(reader_mail(app, smtp_server)) == 1


def test_the_reader_is_told_in_the_sites_language(app, make_site, suggest, smtp_server):
    make_site(language="uk")
    suggest()
    act(app, *PUBLISH)
    [email] = reader_mail(app, smtp_server)
    assert email["Subject"] == "Редакція «The Example News» виправила статтю, про яку ви писали"
    assert "Вітаємо, A. Reader!" in part(email, "plain")
    assert "Відписатися" in part(email, "html")


def unsubscribe_path(app) -> str:
    [row] = [row for row in outbox(app) if row.kind in ("reader_published", "reader_rejected")]
    return re.search(r"http://corrections\.test(/mail/unsubscribe/\S+?)/one-click",
                     row.headers["List-Unsubscribe"]).group(1)


def unsubscribed(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(MailUnsubscribe.email)))


def test_the_unsubscribe_link_asks_first_then_unsubscribes(app, client, site, suggest):
    suggest()
    act(app, transitions.Action.REJECT)
    path = unsubscribe_path(app)
    page = client.get(path)
    assert page.status_code == 200 and READER in page.text
    assert unsubscribed(app) == []
    done = client.post(path, data={"csrf_token": csrf_token_in(page.text)})
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert unsubscribed(app) == [READER]


def test_one_click_unsubscribe_works_without_the_page(app, client, site, suggest):
    suggest()
    act(app, transitions.Action.REJECT)
    response = client.post(f"{unsubscribe_path(app)}/one-click",
                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert unsubscribed(app) == [READER]


def test_opening_the_one_click_address_in_a_browser_asks_first(app, client, site, suggest):
    suggest()
    act(app, transitions.Action.REJECT)
    path = unsubscribe_path(app)
    response = client.get(f"{path}/one-click")
    assert response.status_code == 303 and response.location.endswith(path)
    assert unsubscribed(app) == []


def test_a_tampered_unsubscribe_link_is_refused(app, client, site, suggest):
    suggest()
    act(app, transitions.Action.REJECT)
    tampered = unsubscribe_path(app)[:-3] + "xyz"
    assert client.get(tampered).status_code == 400
    assert client.post(f"{tampered}/one-click").status_code == 400
    assert unsubscribed(app) == []


def test_an_unsubscribed_reader_hears_nothing_more(app, client, site, suggest, smtp_server):
    suggest()
    act(app, transitions.Action.REJECT)
    client.post(f"{unsubscribe_path(app)}/one-click")
    suggest(quote={"exact": "another passage", "prefix": "", "suffix": ""}, position=None)
    act(app, *PUBLISH)
    assert len(reader_mail(app, smtp_server)) == 1  # the first outcome only


SECOND_READER = "second.reader@example.net"


def report_another_passage(suggest, email=SECOND_READER):
    suggest(quote={"exact": "the mayor said on Tuesday", "prefix": "", "suffix": ""},
            position=None, email=email)


def mark_newest_a_duplicate_of_the_first(app):
    with app.app_context():
        first, newest = (db.session.scalars(sa.select(CorrectionRequest).order_by(order)).first()
                         for order in (CorrectionRequest.id, CorrectionRequest.id.desc()))
        transitions.transition(newest, transitions.Action.DUPLICATE, editor=None, version=newest.version,
                         details=transitions.Details(duplicate_of_id=first.id))


def test_readers_of_a_duplicate_hear_the_outcome_of_the_original(app, site, suggest, smtp_server):
    suggest()
    report_another_passage(suggest)
    mark_newest_a_duplicate_of_the_first(app)
    assert reader_mail(app, smtp_server) == []  # nothing is decided yet
    act(app, *PUBLISH, first=True)
    emails = reader_mail(app, smtp_server)
    assert sorted(email["To"] for email in emails) == [READER, SECOND_READER]
    assert all(NOTE in part(email, "plain") for email in emails)


def test_a_duplicate_of_a_published_request_tells_its_readers_at_once(app, site, suggest,
                                                                       smtp_server):
    suggest()
    act(app, *PUBLISH, first=True)
    report_another_passage(suggest)
    mark_newest_a_duplicate_of_the_first(app)
    emails = reader_mail(app, smtp_server)
    assert sorted(email["To"] for email in emails) == [READER, SECOND_READER]


def test_a_reader_of_both_the_original_and_its_duplicate_is_told_once(app, site, suggest,
                                                                     smtp_server):
    suggest()
    report_another_passage(suggest, email=READER)
    mark_newest_a_duplicate_of_the_first(app)
    act(app, *PUBLISH, first=True)
    assert [email["To"] for email in reader_mail(app, smtp_server)] == [READER]


def test_the_unsubscribe_pages_speak_the_sites_language(app, client, make_site, suggest):
    make_site(language="uk")
    suggest()
    act(app, transitions.Action.REJECT)
    path = unsubscribe_path(app)
    page = client.get(path)
    assert '<html lang="uk" dir="ltr">' in page.text and "Більше не надсилати листів" in page.text
    done = client.post(path, data={"csrf_token": csrf_token_in(page.text)})
    assert done.status_code == 200 and "Ви відписалися" in done.text
    assert unsubscribed(app) == [READER]
