"""The dashboard in real Chromium: the walk-through, phones, shortcuts, two editors, safety."""
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import CorrectionRequest, Event
from tests.browser.axe import axe_violations
from tests.helpers import ORIGIN, PASSWORD, passage

PHONE = {"width": 390, "height": 844}


def sign_in(page, base_url, email="editor@news.example.org", password=PASSWORD):
    page.goto(f"{base_url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/**")


def csp_violations(page) -> list[str]:
    messages = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    return messages


def no_sideways_scrolling(page) -> bool:
    return page.evaluate(f"document.documentElement.scrollWidth <= {PHONE['width']}")


def row(page, number):
    return page.locator(f"#row-{number}")


def test_walk_through_sign_in_filter_open_accept_publish_audit(app, live_server, page, screenshot,
                                                               editor, report):
    violations = csp_violations(page)
    typo = report(kind="typo")  # the library story's "more then two hundred"
    factual = report(**passage(2, kind="factual", suggestion="", comment="The figure is 2.4 million.",
                               url=f"{ORIGIN}/2026/11/council-budget",
                               title="Council approves the new library budget",
                               quote={"exact": "a budget of 1.2 million", "prefix": "approved ",
                                      "suffix": " for the year"}))
    report(**passage(3, kind="clarification", url=f"{ORIGIN}/2026/11/tram-line",
                     title="Tram line opens to the harbour",
                     quote={"exact": "the new line", "prefix": "Passengers on ",
                            "suffix": " waited"}, suggestion="the new number 4 line"),
           ip="192.0.2.40")

    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_url("**/login?next=*")
    screenshot(page, "dashboard-1-sign-in")
    page.get_by_label("Email address").fill("editor@news.example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.get_by_role("heading", name="Queue").is_visible()
    screenshot(page, "dashboard-2-queue")

    page.get_by_label("Kind").select_option("factual")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**kind=factual*")
    assert row(page, factual).is_visible() and row(page, typo).count() == 0
    screenshot(page, "dashboard-3-filtered")

    page.get_by_label("Kind").select_option("typo")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**kind=typo*")
    row(page, typo).locator("a.open").click()
    page.wait_for_url(f"**/dashboard/requests/{typo}")
    link = page.get_by_role("link", name="Open the article at this passage")
    assert "#:~:text=" in link.get_attribute("href")
    assert page.locator("p.diff ins").first.is_visible()
    screenshot(page, "dashboard-4-request", full_page=True)

    page.locator("form[data-action=accept]").get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    assert page.get_by_text("Accept: done.").is_visible()
    screenshot(page, "dashboard-5-accepted", full_page=True)

    publish = page.locator("form[data-action=publish]")
    publish.get_by_role("radio", name="Correction").check()
    publish.get_by_label("Public note (shown on the corrections log)").fill(
        "An earlier version of this article misquoted the passage.")
    publish.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    assert page.get_by_text("Publish: done.").is_visible()
    screenshot(page, "dashboard-6-published", full_page=True)

    trail = page.locator("ol.trail")
    trail.scroll_into_view_if_needed()
    assert [t.strip() for t in trail.locator(".what").all_inner_texts()] == [
        "Reported: New", "Accept: New → Accepted", "Publish: Accepted → Published"]
    screenshot(page, "dashboard-7-audit-trail")
    with app.app_context():
        saved = db.session.get(CorrectionRequest, typo)
        assert (saved.state.value, saved.publication_type.value) == ("published", "correction")
    assert violations == []


def test_queue_and_request_fit_a_phone(browser, live_server, screenshot, editor, report):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    numbers = [report(**passage(n, comment="A long comment " * 20,
                                url=f"{ORIGIN}/2026/11/story-with-a-rather-long-address-{n}",
                                title=f"A headline long enough to wrap on a phone, number {n}"))
               for n in range(4)]
    sign_in(page, live_server.url)
    assert no_sideways_scrolling(page)
    screenshot(page, "dashboard-phone-queue", full_page=True)
    row(page, numbers[0]).locator("a.open").click()
    page.wait_for_url(f"**/dashboard/requests/{numbers[0]}")
    assert no_sideways_scrolling(page)
    screenshot(page, "dashboard-phone-request", full_page=True)
    context.close()


def test_admin_pages_fit_a_phone(browser, live_server, screenshot, admin, make_editor, site):
    make_editor(email="a.rather.long.address.for.an.editor@newsroom.example.org")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server.url, "admin@news.example.org")
    for name, path in (("editors", "/dashboard/editors"), ("sites", "/dashboard/sites"),
                       ("site-form", f"/dashboard/sites/{site.id}")):
        page.goto(live_server.url + path)
        assert no_sideways_scrolling(page), path
        screenshot(page, f"dashboard-phone-{name}", full_page=True)
    context.close()


def test_admin_pages_on_a_laptop(live_server, page, screenshot, admin, make_editor, site):
    make_editor(email="colleague@news.example.org")
    sign_in(page, live_server.url, "admin@news.example.org")
    page.goto(f"{live_server.url}/dashboard/editors")
    screenshot(page, "dashboard-editors", full_page=True)
    page.goto(f"{live_server.url}/dashboard/sites/new")
    screenshot(page, "dashboard-site-form", full_page=True)


def test_keyboard_moves_opens_and_accepts(app, live_server, page, editor, report):
    numbers = [report(**passage(n)) for n in range(3)]  # listed newest first
    sign_in(page, live_server.url)
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert "is-current" in row(page, numbers[1]).get_attribute("class")
    page.keyboard.press("o")
    page.wait_for_url(f"**/dashboard/requests/{numbers[1]}")
    page.keyboard.press("a")
    page.wait_for_load_state()
    page.get_by_text("Accept: done.").wait_for()
    with app.app_context():
        assert db.session.get(CorrectionRequest, numbers[1]).state.value == "accepted"
        assert db.session.get(CorrectionRequest, numbers[0]).state.value == "new"


def test_shortcuts_never_fire_while_typing(app, live_server, page, editor, report):
    number = report()
    sign_in(page, live_server.url)
    search = page.get_by_label("Search passages, proposals and comments")
    search.click()
    page.keyboard.type("jokes as spam")  # j, o, k, a, s: all shortcut keys
    assert search.input_value() == "jokes as spam"
    assert page.locator("tr.is-current").count() == 0
    assert page.url.endswith("/dashboard/")
    with app.app_context():
        assert db.session.get(CorrectionRequest, number).state.value == "new"


def test_question_mark_shows_the_shortcuts(live_server, page, editor):
    sign_in(page, live_server.url)
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    assert dialog.is_visible()
    page.keyboard.press("Escape")
    assert not dialog.is_visible()


def test_selected_rows_are_marked_spam_from_the_keyboard(app, live_server, page, editor, report):
    numbers = [report(**passage(n)) for n in range(3)]
    sign_in(page, live_server.url)
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("s")
    page.get_by_text("Mark as spam: done for 2 requests.").wait_for()
    with app.app_context():
        states = [db.session.get(CorrectionRequest, n).state.value for n in numbers]
    assert states == ["spam", "new", "spam"]


def test_reject_from_the_queue_asks_for_a_reason(app, live_server, page, editor, report):
    number = report()
    sign_in(page, live_server.url)
    page.keyboard.press("j")
    page.keyboard.press("r")
    reason = page.get_by_label("Reason (for rejecting)")
    assert reason.is_visible() and reason.evaluate("el => el === document.activeElement")
    reason.fill("Already correct.")
    reason.press("Enter")
    page.get_by_text("Reject: done for 1 request.").wait_for()
    with app.app_context():
        assert db.session.get(CorrectionRequest, number).state.value == "rejected"


def test_second_of_two_editors_sees_what_changed(app, browser, live_server, screenshot, editor,
                                                 make_editor, report):
    make_editor(email="colleague@news.example.org")
    number = report()
    first, second = browser.new_context(), browser.new_context()
    mine, theirs = first.new_page(), second.new_page()
    sign_in(mine, live_server.url)
    sign_in(theirs, live_server.url, "colleague@news.example.org")
    for page in (mine, theirs):
        page.goto(f"{live_server.url}/dashboard/requests/{number}")
    theirs.locator("form[data-action=accept] button").click()
    theirs.get_by_text("Accept: done.").wait_for()
    rejecting = mine.locator("form[data-action=reject]")
    rejecting.get_by_label("Reason for rejecting (required, kept in the audit trail)").fill("No.")
    rejecting.get_by_role("button", name="Reject").click()
    mine.get_by_role("heading", name="What changed since you opened this page").wait_for()
    assert "colleague@news.example.org: accept" in mine.locator(".changed").inner_text()
    screenshot(mine, "dashboard-stale-version", full_page=True)
    first.close()
    second.close()
    with app.app_context():
        assert db.session.get(CorrectionRequest, number).state.value == "accepted"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)
                                 .where(Event.action == "reject")) == 0


def test_hostile_reader_text_stays_inert_in_the_browser(live_server, page, editor, report):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    number = report(title='<img src=x onerror=alert("title")>',
                    quote={"exact": '<script>alert("quote")</script>', "prefix": "", "suffix": ""},
                    suggestion='"onmouseover="alert(1)" <svg onload=alert(2)>',
                    comment='<a href="javascript:alert(3)">see</a>')
    sign_in(page, live_server.url)
    page.locator(f"#row-{number} a.open").hover()
    page.locator(f"#row-{number} a.open").click()
    page.wait_for_url(f"**/dashboard/requests/{number}")
    page.locator(".comment").hover()
    assert page.locator(".comment").inner_text() == '<a href="javascript:alert(3)">see</a>'
    assert page.locator("a[href^='javascript:']").count() == 0
    assert dialogs == []


def test_pages_have_no_accessibility_violations(browser, live_server, axe_script, admin, report,
                                                site):
    number = report()
    context = browser.new_context(bypass_csp=True)  # only so the test can inject axe
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    found = {}
    for path in ("/login", "/dashboard/", f"/dashboard/requests/{number}", "/dashboard/editors",
                 "/dashboard/sites", f"/dashboard/sites/{site.id}", "/password/forgot"):
        if path == "/dashboard/":
            sign_in(page, live_server.url, "admin@news.example.org")
        page.goto(live_server.url + path)
        violations = axe_violations(page, axe_script)
        if violations:
            found[path] = violations
    context.close()
    assert found == {}
