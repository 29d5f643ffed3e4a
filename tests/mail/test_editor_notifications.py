"""What editors receive when a reader reports something, delivered over real SMTP."""
import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.mail import delivery
from corrections.models import CorrectionRequest, NotifyMode
from corrections.workflow import transitions
from tests.mail.conftest import outbox, part

EDITOR = "editor@news.example.org"
DESK = "desk@news.example.org"


def deliver(app):
    with app.app_context():
        return delivery.send_due()


def by_recipient(smtp_server) -> dict:
    return {message.recipients[0]: message.email for message in smtp_server.received}


@pytest.fixture
def two_addresses(make_site, make_editor):
    """A site telling an editor account and a shared desk address that is no account."""
    make_editor(EDITOR)
    return make_site(notify=(EDITOR, DESK))


def test_each_notification_address_receives_its_own_message(app, suggest, two_addresses,
                                                            smtp_server):
    suggest()
    deliver(app)
    assert sorted(message.recipients for message in smtp_server.received) == [(DESK,), (EDITOR,)]


def test_editor_email_tells_everything_needed_to_decide(app, post_suggestion, smtp_server):
    post_suggestion()
    deliver(app)
    email = smtp_server.received[0].email
    request_id = outbox(app)[0].request_id
    for text in (part(email, "plain"), part(email, "html")):
        assert "The Example News" in text
        assert "City library reopens" in text
        assert "https://news.example.org/2026/11/city-library-reopens" in text
        assert "Monday morning, and " in text and " readers were waiting" in text
        assert "more then two hundred" in text and "more than two hundred" in text
        assert "Typo or spelling" in text
        assert "“then” should be “than”." in text
        assert "1 reader" in text
        assert f"http://corrections.test/dashboard/requests/{request_id}" in text
    assert email["Subject"] == "[The Example News] Typo or spelling: City library reopens"


def test_reader_text_is_escaped_in_the_html_part(app, post_suggestion, smtp_server):
    post_suggestion(comment="<script>alert('comment')</script>", suggestion="<b>bold</b> & co",
                    quote={"exact": "<img src=x onerror=alert(1)>", "prefix": "", "suffix": ""})
    deliver(app)
    html = part(smtp_server.received[0].email, "html")
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#39;comment&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html


def test_reader_text_is_quoted_in_the_text_part(app, post_suggestion, smtp_server):
    post_suggestion(comment="Accept:\nhttp://evil.example/act")
    deliver(app)
    text = part(smtp_server.received[0].email, "plain")
    assert "> Accept:\n> http://evil.example/act" in text


def test_a_title_with_line_breaks_cannot_add_headers(app, post_suggestion, smtp_server):
    post_suggestion(title="Library\r\nBcc: victim@example.com\r\n\r\nInjected", notify=False)
    deliver(app)
    [message] = smtp_server.received
    assert message.recipients == ("desk@news.example.org",)
    assert message.email["Bcc"] is None
    assert "\n" not in message.email["Subject"] and "\r" not in message.email["Subject"]
    assert message.email["Subject"].endswith("Library Bcc: victim@example.com Injected")


def test_repeat_reports_of_a_notified_request_send_no_new_mail(app, post_suggestion, smtp_server):
    for _ in range(3):
        assert post_suggestion(notify=False).status_code == 201
    deliver(app)
    assert len(smtp_server.received) == 1


def test_only_editor_accounts_receive_one_click_links(app, suggest, two_addresses,
                                                      smtp_server):
    suggest()
    deliver(app)
    emails = by_recipient(smtp_server)
    editor_text, desk_text = part(emails[EDITOR], "plain"), part(emails[DESK], "plain")
    for action in ("accept", "reject", "spam"):
        assert "/mail/act/" in editor_text and f"/{action}/" in editor_text
    assert "/mail/act/" not in desk_text
    assert "/dashboard/requests/" in desk_text
    assert "Sign in to the dashboard" in part(emails[DESK], "html")


def test_an_inactive_editor_account_gets_no_one_click_links(app, make_site, make_editor,
                                                            suggest, smtp_server):
    make_editor(EDITOR, active=False)
    make_site(notify=(EDITOR,))
    suggest()
    deliver(app)
    assert "/mail/act/" not in part(smtp_server.received[0].email, "plain")


def test_a_ukrainian_site_mails_its_editors_in_ukrainian(app, make_site, suggest,
                                                         smtp_server):
    make_site(language="uk")
    suggest()
    deliver(app)
    email = smtp_server.received[0].email
    assert email["Subject"] == "[The Example News] Одруківка: City library reopens"
    assert email["Content-Language"] == "uk"
    assert "Читач пропонує виправлення" in part(email, "plain")
    assert '<html lang="uk">' in part(email, "html")


def test_a_language_without_templates_falls_back_to_english(app, make_site, suggest,
                                                            smtp_server):
    make_site(language="fr")
    suggest()
    deliver(app)
    assert "A reader suggests a correction" in part(smtp_server.received[0].email, "plain")


def test_a_digest_site_gets_no_mail_per_request(app, make_site, suggest, smtp_server):
    make_site(notify_mode=NotifyMode.HOURLY)
    suggest()
    deliver(app)
    assert smtp_server.received == [] and outbox(app) == []


def test_a_long_comment_on_one_line_is_delivered_intact(app, post_suggestion, smtp_server):
    # SMTP refuses lines over 998 bytes; a reader's one-paragraph comment can be longer.
    comment = "Слово " * 330  # one line, about 3,600 bytes in UTF-8
    post_suggestion(comment=comment.strip(), notify=False)
    report = deliver(app)
    assert report.sent == 1, report
    assert comment.strip() in part(smtp_server.received[0].email, "plain")
    assert comment.strip() in part(smtp_server.received[0].email, "html")


def test_an_article_without_a_title_is_named_by_its_address_once(app, post_suggestion, smtp_server):
    post_suggestion(title="", name="")
    deliver(app)
    text = part(smtp_server.received[0].email, "plain")
    assert text.count("https://news.example.org/2026/11/city-library-reopens") == 1
    assert "From: <reader@example.net>" in text


# --- a request that changed before the worker wrote its email --------------------------------

def accept_before_the_worker_writes(app, client, two_addresses):
    """A reader reports; an editor accepts the request before the mail worker gets to it."""
    from tests.helpers import ORIGIN, suggestion_body
    response = client.post("/api/v1/suggestions", headers={"Origin": ORIGIN},
                           json=suggestion_body(notify=False))
    assert response.status_code == 201
    with app.app_context():
        request = db.session.scalars(sa.select(CorrectionRequest)).one()
        transitions.transition(request, transitions.Action.ACCEPT, editor=None, version=request.version)


def test_an_email_for_a_request_accepted_meanwhile_shows_it_as_it_stands_without_actions(
        app, client, two_addresses, smtp_server):
    accept_before_the_worker_writes(app, client, two_addresses)
    deliver(app)
    emails = by_recipient(smtp_server)
    assert set(emails) == {EDITOR, DESK}  # still told: the request arrived, and stands here
    for text in (part(emails[EDITOR], "plain"), part(emails[EDITOR], "html")):
        assert "this request has become accepted" in text
        assert "/mail/act/" not in text and "Reject: not an error" not in text
        assert "/dashboard/requests/" in text


def test_an_email_for_an_untouched_request_keeps_its_actions(app, suggest, two_addresses,
                                                             smtp_server):
    suggest()
    deliver(app)
    text = part(by_recipient(smtp_server)[EDITOR], "plain")
    assert "/mail/act/" in text and "has become" not in text
