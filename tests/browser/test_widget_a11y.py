"""Accessibility scans with axe-core (installed from npm into a temporary folder at test time)."""
from types import SimpleNamespace

import pytest

from tests.browser.axe import axe_violations
from tests.browser.widget_host import (
    article_page,
    corrections_box,
    drag_select,
    publish_correction,
    widget_dialog,
)

ARTICLE = """<h1>City library reopens</h1>
<p>After twelve months behind scaffolding, the central library reopened on Monday, and more then
two hundred readers were waiting at the door.</p>"""


@pytest.fixture
def news(app, make_site, host_site, live_server):
    make_site(key="news", origins=[host_site.url])
    return SimpleNamespace(app=app, url=live_server.url, host=host_site)


def open_dialog(page, news, path="/a"):
    page.goto(news.host.add(path, article_page(news.url, ARTICLE)))
    drag_select(page, "more then two hundred")
    page.keyboard.press("Control+Enter")
    return widget_dialog(page)


def test_the_open_dialog_has_no_axe_violations(news, page, page_errors, axe_script):
    open_dialog(page, news)
    assert axe_violations(page, axe_script) == []


def test_the_dialog_with_an_error_has_no_axe_violations(news, page, page_errors, axe_script):
    dialog = open_dialog(page, news)
    dialog.get_by_label("Email me the outcome").check()
    dialog.get_by_role("button", name="Send").click()
    dialog.get_by_text("Enter a valid email address.").wait_for()
    assert axe_violations(page, axe_script) == []


def test_the_dialog_after_sending_has_no_axe_violations(news, page, page_errors, axe_script):
    dialog = open_dialog(page, news)
    dialog.get_by_role("button", name="Send").click()
    dialog.get_by_text("Thank you!").wait_for()
    assert axe_violations(page, axe_script) == []


def test_the_dark_dialog_has_no_axe_violations(browser, news, axe_script):
    dark = browser.new_context(color_scheme="dark")
    page = dark.new_page()
    try:
        open_dialog(page, news)
        violations = axe_violations(page, axe_script)
    finally:
        dark.close()
    assert violations == []


def test_the_floating_button_has_no_axe_violations(browser, news, axe_script):
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    try:
        page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
        page.evaluate("""() => { const p = document.querySelector('article p');
          const r = document.createRange(); r.selectNodeContents(p); getSelection().addRange(r); }""")
        page.get_by_role("button", name="Suggest a correction").wait_for()
        violations = axe_violations(page, axe_script)
    finally:
        phone.close()
    assert violations == []


@pytest.fixture
def app_page(browser):
    """A page that lets the test inject axe into the app's own pages despite their strict CSP."""
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


def test_the_suggest_form_page_has_no_axe_violations(site, live_server, app_page, axe_script):
    app_page.goto(f"{live_server.url}/suggest?site=news&url=https://news.example.org/a&quote=teh%20cat")
    assert axe_violations(app_page, axe_script) == []


def test_the_suggest_form_page_with_errors_has_no_axe_violations(site, live_server, app_page, axe_script):
    app_page.goto(f"{live_server.url}/suggest?site=news")
    app_page.get_by_role("button", name="Send suggestion").click()
    app_page.get_by_role("alert").first.wait_for()
    assert axe_violations(app_page, axe_script) == []


def test_the_dialog_outside_data_article_with_its_message_has_no_axe_violations(news, page, page_errors, axe_script):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE, after="<p class=more>More news below.</p>",
                                               script_attrs='data-article="article"')))
    drag_select(page, "More news below.", within=".more")
    page.keyboard.press("Control+Enter")
    widget_dialog(page).get_by_role("status").wait_for()
    assert axe_violations(page, axe_script) == []


BOX_URL = "https://news.example.org/2026/11/city-library-reopens"
BOX_ARTICLE = ARTICLE + "\n<p>The project cost 4.2 million euros, most of it payed by the region.</p>"


@pytest.fixture
def corrected(app, make_site, host_site, live_server):
    """An article with two published corrections, one passage still there (edited) and one gone."""
    make_site(key="news", origins=["https://news.example.org", host_site.url])
    publish_correction(app, BOX_URL, BOX_ARTICLE, "more then two hundred", "It was more than two hundred.")
    publish_correction(app, BOX_URL, BOX_ARTICLE, "most of it payed by the region", "The sentence was removed.",
                       publication_type="editors_note")
    now = ARTICLE.replace("more then", "more than")
    host_site.add("/dark.css", "body { background: #111; color: #ddd; }", content_type="text/css")
    head = f'<link rel="canonical" href="{BOX_URL}">'
    return {"light": host_site.add("/library", article_page(live_server.url, now, head=head)),
            "dark": host_site.add("/dark/library", article_page(
                live_server.url, now, head=head + '<link rel="stylesheet" href="/dark.css">'))}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_corrections_box_and_its_marks_have_no_axe_violations(browser, corrected, axe_script, scheme):
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(corrected[scheme])
        corrections_box(page).get_by_role("listitem").nth(1).wait_for()
        assert page.locator("corrections-mark").count() >= 1
        violations = axe_violations(page, axe_script)
    finally:
        context.close()
    assert violations == []
