"""Double opt-in in real Chromium, over real SMTP: a reader confirms from the email, an editor
publishes on the dashboard, and only then the outcome arrives, and only at the confirmed address."""
import pytest

from corrections.mail import delivery
from tests.browser.test_dashboard_in_browser import sign_in
from tests.helpers import ORIGIN, suggestion_body
from tests.mail.conftest import part
from tests.mail_fixtures import SMTPServer

CONFIRMING, SILENT = "confirming.reader@example.net", "silent.reader@example.net"


@pytest.fixture
def smtp_server():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def app(app_factory, smtp_server):
    return app_factory(MAIL_PORT=smtp_server.port, MAIL_SUPPRESS_SEND=False)


def delivered(app, smtp_server) -> dict[str, list]:
    """Deliver what is due; every email received so far, by recipient."""
    with app.app_context():
        delivery.send_due()
    received: dict[str, list] = {}
    for message in smtp_server.received:
        received.setdefault(message.recipients[0], []).append(message.email)
    return received


def subjects(emails) -> list[str]:
    return [str(email["Subject"]) for email in emails]


def test_the_outcome_reaches_only_the_address_its_reader_confirmed(
        app, site, editor, live_server, smtp_server, browser, screenshot):
    client = app.test_client()
    for address in (CONFIRMING, SILENT):
        response = client.post("/api/v1/suggestions", headers={"Origin": ORIGIN},
                               json=suggestion_body(email=address, notify=True))
        assert response.status_code == 201
    mail = delivered(app, smtp_server)
    assert subjects(mail[CONFIRMING]) == subjects(mail[SILENT]) == [
        "The Example News: confirm your email address to hear the outcome"]

    context = browser.new_context(viewport={"width": 390, "height": 844})
    reader = context.new_page()
    reader.set_content(part(mail[CONFIRMING][0], "html"))  # the email, as a mail client shows it
    screenshot(reader, "reader-confirmation-email", full_page=True)
    with reader.expect_navigation():
        reader.get_by_role("link", name="Confirm my address").click()
    assert reader.get_by_role("heading", name="Confirm your email address?").is_visible()
    screenshot(reader, "reader-confirm-page", full_page=True)
    reader.get_by_role("button", name="Confirm my address").click()
    assert reader.get_by_role("heading", name="Your address is confirmed").is_visible()
    context.close()
    assert subjects(delivered(app, smtp_server)[CONFIRMING]) == subjects(mail[CONFIRMING])

    editor_page = browser.new_page()
    sign_in(editor_page, live_server.url)
    editor_page.goto(f"{live_server.url}/dashboard/")
    editor_page.locator("a.open").first.click()
    editor_page.locator("form[data-action=accept]").get_by_role("button", name="Accept").click()
    editor_page.wait_for_load_state()
    assert subjects(delivered(app, smtp_server)[CONFIRMING]) == subjects(mail[CONFIRMING])
    publish = editor_page.locator("form[data-action=publish]")
    publish.get_by_role("radio", name="Correction").check()
    publish.get_by_label("Public note (shown on the corrections log)").fill("We fixed the figure.")
    publish.get_by_role("button", name="Publish").click()
    editor_page.wait_for_load_state()
    assert editor_page.get_by_text("Publish: done.").is_visible()
    editor_page.close()

    mail = delivered(app, smtp_server)
    assert subjects(mail[CONFIRMING]) == [
        "The Example News: confirm your email address to hear the outcome",
        "The Example News corrected the article you wrote about"]
    assert "We fixed the figure." in part(mail[CONFIRMING][1], "plain")
    assert subjects(mail[SILENT]) == [
        "The Example News: confirm your email address to hear the outcome"]
