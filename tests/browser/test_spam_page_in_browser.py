"""The spam guards' page in real Chromium: an admin blocks a phrase and sees what it refused."""
from tests.browser.test_dashboard_in_browser import (
    PHONE,
    csp_violations,
    no_sideways_scrolling,
)
from tests.helpers import ORIGIN, PASSWORD, suggestion_body


def test_an_admin_blocks_a_phrase_and_sees_it_refuse(app, site, admin, live_server, browser,
                                                    screenshot):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    violations = csp_violations(page)
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email address").fill("admin@news.example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/**")
    page.get_by_role("link", name="Spam guards").click()
    page.wait_for_url("**/dashboard/spam")
    page.get_by_label("What to block").select_option("phrase")
    page.get_by_label("Value").fill("cheap watches")
    page.get_by_label("Note (optional)").fill("The watch spammer")
    page.get_by_role("button", name="Block", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("Blocked: word or phrase “cheap watches”.").is_visible()

    response = app.test_client().post("/api/v1/suggestions", headers={"Origin": ORIGIN},
                                      json=suggestion_body(comment="Cheap watches here"))
    assert response.status_code == 201
    page.reload()
    row = page.locator("table.block-list tbody tr").first
    assert "cheap watches" in row.inner_text() and row.locator(".hits").inner_text() == "1"
    assert page.locator("table.refusals").get_by_text("On the block list").is_visible()
    assert no_sideways_scrolling(page)
    screenshot(page, "dashboard-phone-spam", full_page=True)
    assert violations == []
    context.close()
