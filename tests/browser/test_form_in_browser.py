"""The no-JavaScript form, used in real Chromium."""
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import CorrectionRequest


def test_form_sends_a_suggestion_with_javascript_off(browser, app, site, live_server, screenshot):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    url = "https://news.example.org/a"
    page.goto(f"{live_server.url}/suggest?site=news&url={url}&quote=teh%20cat")
    page.get_by_label("How it should read (optional)").fill("the cat")
    screenshot(page, "form-phone", full_page=True)
    page.get_by_role("button", name="Send suggestion").click()
    assert page.get_by_role("heading", name="Thank you").is_visible()
    reference = page.locator(".reference").inner_text()
    context.close()
    with app.app_context():
        request = db.session.scalars(sa.select(CorrectionRequest)).one()
        assert (request.quote_exact, request.proposed) == ("teh cat", "the cat")
        assert request.submissions[0].reference == reference
