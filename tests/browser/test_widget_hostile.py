"""The widget on host pages that make life hard: a strict CSP, and global CSS that resets everything."""
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import CorrectionRequest
from tests.browser.widget_host import (
    STRICT_CSP,
    article_page,
    drag_select,
    select_by_script,
    widget_dialog,
)

ARTICLE = """<h1>City library reopens</h1>
<p>After twelve months behind scaffolding, the central library reopened on Monday, and more then
two hundred readers were waiting at the door.</p>"""

# Collects CSP violations from the moment the page starts (injected by the browser, not the page).
RECORD_VIOLATIONS = """
window.violations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI), true);
"""


@pytest.fixture
def news(app, make_site, host_site, live_server):
    make_site(key="news", origins=[host_site.url])
    return SimpleNamespace(app=app, url=live_server.url, host=host_site)


def quote_exact(app) -> str:
    with app.app_context():
        return db.session.scalars(sa.select(CorrectionRequest)).one().quote_exact


def test_works_under_a_strict_host_csp_allowing_only_the_app_origin(news, page, page_errors, screenshot):
    css = "body { font-family: Georgia, serif; max-width: 40rem; margin: 2rem auto; }"
    news.host.add("/site.css", css, content_type="text/css")
    csp = STRICT_CSP.format(app=news.url)
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE, head='<link rel="stylesheet" href="/site.css">'),
                            **{"Content-Security-Policy": csp}))
    drag_select(page, "more then two hundred")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    # The widget's styles applied (no inline <style> or style="" was needed).
    assert dialog.evaluate("el => getComputedStyle(el).borderRadius") == "12px"
    screenshot(page, "widget-dialog-strict-csp")
    dialog.get_by_role("button", name="Send").click()
    dialog.get_by_text("Thank you!").wait_for()
    assert page.evaluate("window.violations") == []
    assert quote_exact(news.app) == "more then two hundred"


def test_the_host_csp_must_allow_the_app_in_connect_src(news, page, screenshot):
    # The README says what the host must allow; without connect-src the reader is told, not lost.
    csp = f"default-src 'none'; script-src {news.url}"
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE), **{"Content-Security-Policy": csp}))
    drag_select(page, "more then two hundred")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    dialog.get_by_role("button", name="Send").click()
    dialog.get_by_role("alert").wait_for()
    assert "could not be reached" in dialog.get_by_role("alert").inner_text()
    assert any(v.startswith("connect-src") for v in page.evaluate("window.violations"))


AGGRESSIVE_CSS = """
* { all: unset; }
html, body, article, p, h1 { display: block; }
div { display: none; }
body { font: 10px/1 Papyrus, fantasy; color: #f0f; background: #ff0; text-transform: uppercase;
       letter-spacing: 4px; direction: rtl; }
button, textarea, input, dialog, label, form { display: none !important; color: red !important; }
:root { --ink: #f00; --paper: #0f0; --accent: #ff0; }
"""


def test_aggressive_global_css_of_the_host_does_not_reach_the_dialog(news, page, page_errors, screenshot):
    news.host.add("/aggressive.css", AGGRESSIVE_CSS, content_type="text/css")
    nav = '<div class="nav"><p>Sections: politics, culture</p></div>'
    page.goto(news.host.add("/a", article_page(
        news.url, ARTICLE, before=nav, after='<div class="footer">© The Example News</div>',
        head='<link rel="stylesheet" href="/aggressive.css">')))
    select_by_script(page, "more then two hundred")  # a mouse drag is at the mercy of that CSS
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    style = dialog.evaluate("""el => {
      const s = getComputedStyle(el);
      return [s.fontSize, s.color, s.backgroundColor, s.textTransform, s.letterSpacing, s.direction];
    }""")
    assert style == ["16px", "rgb(34, 34, 34)", "rgb(255, 255, 255)", "none", "normal", "ltr"]
    fix = dialog.get_by_label("How it should read")
    assert fix.is_visible() and fix.bounding_box()["width"] > 200
    fix.fill("more than two hundred")
    screenshot(page, "widget-dialog-aggressive-css")
    dialog.get_by_role("button", name="Send").click()
    dialog.get_by_text("Thank you!").wait_for()
    assert quote_exact(news.app) == "more then two hundred"


def test_the_widget_changes_nothing_on_the_host_page(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    before = page.evaluate("() => [document.body.innerHTML.length, getComputedStyle(document.body).font,"
                           " document.styleSheets.length]")
    drag_select(page, "more then two hundred")
    page.keyboard.press("Control+Enter")
    widget_dialog(page).wait_for()
    page.keyboard.press("Escape")
    after = page.evaluate("() => [document.body.innerHTML.replace(/<corrections-widget><\\/corrections-widget>/, '')"
                          ".length, getComputedStyle(document.body).font, document.styleSheets.length]")
    assert after == before
