"""An editor's notification email, as delivered over SMTP, in real Chromium; and its one-click link."""
import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from corrections.extensions import db
from corrections.mail import delivery
from corrections.models import CorrectionRequest, Editor, Site, State
from tests.helpers import ORIGIN, suggestion_body
from tests.mail.conftest import part
from tests.mail_fixtures import SMTPServer

EDITOR = "editor@news.example.org"


@pytest.fixture
def smtp_server():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def app(app_factory, smtp_server):
    return app_factory(MAIL_PORT=smtp_server.port, MAIL_SUPPRESS_SEND=False)


@pytest.fixture
def delivered_html(app, live_server, smtp_server):
    """The HTML part of the email an editor receives about a realistic report."""
    with app.app_context():
        db.session.add(Site(key="news", name="The Example News", origins=[ORIGIN],
                            notify_emails=[EDITOR]))
        db.session.add(Editor(email=EDITOR, password_hash=generate_password_hash("x" * 12)))
        db.session.commit()
    body = suggestion_body(
        title="City library reopens after two-year renovation with a new children’s wing",
        comment="“then” should be “than”. Also, the library’s own press release says 212 "
                "people, so “more than two hundred” is right.\nThanks for the good article!")
    response = app.test_client().post("/api/v1/suggestions", json=body, headers={"Origin": ORIGIN})
    assert response.status_code == 201
    with app.app_context():
        delivery.send_due()
    return part(smtp_server.received[0].email, "html")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_notification_email_reads_well_on_a_laptop_and_a_phone(browser, delivered_html,
                                                                  screenshot, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_content(delivered_html)
    screenshot(page, f"email-editor-notification-{width}", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    assert not page.locator(".preheader").is_visible()
    buttons = page.locator("a.button")
    assert buttons.count() == 3 and all(buttons.nth(i).is_visible() for i in range(3))
    boxes = [buttons.nth(i).bounding_box() for i in range(3)]
    assert all(box["height"] >= 40 for box in boxes)  # big enough to tap
    if width < 480:  # stacked, full width, on a phone
        assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    else:
        assert boxes[0]["y"] == boxes[1]["y"] == boxes[2]["y"]
    context.close()


def test_the_accept_button_asks_then_accepts_in_the_browser(app, browser, delivered_html,
                                                            screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.set_content(delivered_html)
    with page.expect_navigation():
        page.get_by_role("link", name="Accept").click()
    assert page.get_by_role("heading", name="Accept this correction?").is_visible()
    screenshot(page, "email-action-confirm-390", full_page=True)
    with app.app_context():
        assert db.session.scalars(sa.select(CorrectionRequest.state)).one() is State.NEW
    page.get_by_role("button", name="Accept").click()
    assert page.get_by_role("heading", name="Done: the request is now accepted.").is_visible()
    screenshot(page, "email-action-done-390", full_page=True)
    with app.app_context():
        assert db.session.scalars(sa.select(CorrectionRequest.state)).one() is State.ACCEPTED
    context.close()
