"""The widget on a phone, with the keyboard alone, zoomed, in dark mode and right to left."""
import json
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import CorrectionRequest
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer
from tests.browser.widget_host import (
    article_page,
    expected_quote,
    focused_control,
    select_by_script,
    settle,
    shown_passage,
    widget_dialog,
)

ARTICLE = """<h1>City library reopens</h1>
<p>After twelve months behind scaffolding, the central library reopened on Monday, and more then
two hundred readers were waiting at the door.</p>
<p>The renovated building keeps its red-brick facade but adds a glass reading room on the roof,
a childrens’ corner with low shelves, and a workshop where visitors repair bicycles.</p>
<p>Read <a href="/mayor">the mayors statement</a> on the reopening.</p>"""


@pytest.fixture
def news(app, make_site, host_site, live_server):
    make_site(key="news", origins=[host_site.url])
    return SimpleNamespace(app=app, url=live_server.url, host=host_site)


def stored_request(app) -> CorrectionRequest:
    with app.app_context():
        return db.session.scalars(sa.select(CorrectionRequest)).one()


def box(locator) -> dict:
    return locator.bounding_box()


def test_phone_touch_selection_shows_a_floating_button_that_opens_the_dialog(browser, news, screenshot):
    phone = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                is_mobile=True, has_touch=True)
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
        page.locator("article p").first.tap()  # a touch on the page, as before a long press
        select_by_script(page, "glass reading room")  # what the long press selects
        fab = page.get_by_role("button", name="Suggest a correction")
        fab.wait_for()
        screenshot(page, "widget-floating-button-phone")
        selection = page.evaluate("""() => {
          const r = getSelection().getRangeAt(0).getBoundingClientRect();
          return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
        }""")
        button = box(fab)
        # Just below the selection, clear of its handles and of the system bar above it, on screen.
        assert selection["bottom"] + 24 <= button["y"] <= selection["bottom"] + 80
        assert selection["left"] <= button["x"] + button["width"] / 2 <= selection["right"]
        assert 0 <= button["x"] and button["x"] + button["width"] <= 360
        assert button["y"] + button["height"] <= 740
        assert button["height"] >= 44  # a comfortable touch target

        fab.tap()
        dialog = widget_dialog(page)
        assert shown_passage(dialog) == "glass reading room"
        assert not fab.is_visible()
        dialog_box = box(dialog)
        assert dialog_box["x"] >= 0 and dialog_box["x"] + dialog_box["width"] <= 360
        dialog.get_by_label("How it should read").fill("glass reading hall")
        screenshot(page, "widget-dialog-phone")
        dialog.get_by_role("button", name="Send").tap()
        dialog.get_by_text("Thank you!").wait_for()
        screenshot(page, "widget-dialog-sent-phone")
    finally:
        phone.close()
    assert errors == []
    request = stored_request(news.app)
    expected = expected_quote(ARTICLE, "glass reading room")
    assert (request.quote_exact, request.quote_prefix, request.quote_suffix) == (
        expected["exact"], expected["prefix"], expected["suffix"])
    assert request.proposed == "glass reading hall"


def test_the_floating_button_is_for_touch_screens_only(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    page.locator("article p").first.click()
    select_by_script(page, "childrens’ corner")
    page.keyboard.press("Control+Enter")  # proof that the selection was seen
    widget_dialog(page).wait_for()
    settle(page)
    assert not page.get_by_role("button", name="Suggest a correction").is_visible()


@pytest.fixture
def caret_browser(browser):
    """Chromium with caret browsing on (what F7 turns on): selecting text with the keyboard."""
    caret = browser.browser_type.launch(executable_path=CHROMIUM,
                                        args=[*CHROMIUM_ARGS, "--enable-caret-browsing"])
    yield caret
    caret.close()


def select_two_words_at_the_caret(page):
    for key in ("ArrowRight", "ArrowLeft", "Control+Shift+ArrowRight", "Control+Shift+ArrowRight"):
        page.keyboard.press(key)
    assert page.evaluate("getSelection().toString().trim()") == "the mayors"


def test_keyboard_alone_from_selection_to_sent(caret_browser, news, screenshot):
    page = caret_browser.new_page(viewport={"width": 1280, "height": 800})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))

    # Tab to the link in the article, put the caret there, then select two words.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "the mayors statement"
    select_two_words_at_the_caret(page)
    page.evaluate("window.focusedBefore = document.activeElement")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    dialog.wait_for()
    assert focused_control(page) == "suggestion"  # focus moved into the dialog, to the wording

    # Tab runs through every control in order and wraps around inside the dialog (the
    # selected passage is shown as text, not as a field).
    order = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(focused_control(page))
    assert order == ["comment", "email", "notify", "Close", "Send", "top Close", "radio typo", "suggestion"]
    backwards = []
    for _ in range(2):
        page.keyboard.press("Shift+Tab")
        backwards.append(focused_control(page))
    assert backwards == ["radio typo", "top Close"]
    page.keyboard.press("Shift+Tab")
    assert focused_control(page) == "Send"

    # Esc closes the dialog and gives the focus back to where it was.
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    # The dialog's `close` event, which gives the focus back, is dispatched as a task after
    # the dialog hides: wait for it (a timeout fails the test).
    page.wait_for_function("document.activeElement === window.focusedBefore", timeout=5000)

    # Again, to the end: choose the kind with arrow keys, write, send.
    assert page.evaluate("getSelection().toString()") == "the mayors"  # the reader's place, kept
    page.keyboard.press("Control+Enter")
    dialog.wait_for()
    assert focused_control(page) == "suggestion"
    page.keyboard.press("Control+A")
    page.keyboard.type("the mayor’s")
    page.keyboard.press("Shift+Tab")
    assert focused_control(page) == "radio typo"
    page.keyboard.press("ArrowRight")
    assert focused_control(page) == "radio factual"
    page.keyboard.press("ArrowLeft")
    for _ in range(6):
        page.keyboard.press("Tab")
    assert focused_control(page) == "Send"
    screenshot(page, "widget-dialog-keyboard")
    page.keyboard.press("Enter")
    dialog.get_by_text("Thank you!").wait_for()
    assert focused_control(page).startswith("Thank you!")
    page.keyboard.press("Tab")
    assert focused_control(page) == "Close"
    page.keyboard.press("Enter")
    assert not dialog.is_visible()
    page.close()
    assert errors == []
    request = stored_request(news.app)
    assert (request.quote_exact, request.proposed, request.kind.value) == ("the mayors", "the mayor’s", "typo")


def test_at_200_percent_zoom_every_control_can_be_reached(browser, news, screenshot):
    # 200% zoom of a 1280×800 window: a 640×400 CSS-pixel viewport at twice the pixel density.
    zoomed = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2)
    page = zoomed.new_page()
    try:
        page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
        select_by_script(page, "more then two hundred")
        page.keyboard.press("Control+Enter")
        dialog = widget_dialog(page)
        dialog_box = box(dialog)
        assert dialog_box["x"] >= 0 and dialog_box["x"] + dialog_box["width"] <= 640
        assert dialog_box["y"] >= 0 and dialog_box["y"] + dialog_box["height"] <= 400
        screenshot(page, "widget-dialog-zoom-200")
        send = dialog.get_by_role("button", name="Send")
        send.scroll_into_view_if_needed()
        assert 0 <= box(send)["y"] and box(send)["y"] + box(send)["height"] <= 400
        send.click()
        dialog.get_by_text("Thank you!").wait_for()
    finally:
        zoomed.close()
    assert stored_request(news.app).quote_exact == "more then two hundred"


def colours(locator) -> tuple[str, str]:
    return tuple(locator.evaluate("el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]"))


def test_a_reader_in_dark_mode_gets_a_dark_dialog_on_a_dark_page(browser, news, screenshot):
    dark = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="dark")
    page = dark.new_page()
    css = "body { background: #111; color: #ddd; } a { color: #8cf; }"
    try:
        news.host.add("/dark.css", css, content_type="text/css")
        page.goto(news.host.add("/a", article_page(news.url, ARTICLE, head='<link rel="stylesheet" href="/dark.css">')))
        select_by_script(page, "more then two hundred")
        page.keyboard.press("Control+Enter")
        dialog = widget_dialog(page)
        background, ink = colours(dialog)
        assert background == "rgb(34, 34, 34)" and ink == "rgb(238, 238, 238)"
        screenshot(page, "widget-dialog-dark")
    finally:
        dark.close()


def test_a_light_page_in_light_mode_gets_a_light_dialog(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    select_by_script(page, "more then two hundred")
    page.keyboard.press("Control+Enter")
    assert colours(widget_dialog(page)) == ("rgb(255, 255, 255)", "rgb(34, 34, 34)")


ARABIC_ARTICLE = """<h1>إعادة افتتاح مكتبة المدينة</h1>
<p>أعيد افتتاح المكتبة المركزية يوم الاثنين، وكان أكثر من مئتي قارئ ينتظرون عند الباب.</p>"""
ARABIC_STRINGS = {"ar": {
    "dir": "rtl", "title": "اقتراح تصحيح", "passage": "المقطع", "kind": "ما الخطأ؟",
    "typo": "خطأ مطبعي", "fix": "كيف يجب أن يكون", "send": "إرسال", "close": "إغلاق",
    "thanks": "شكرًا! رقمك المرجعي:",
}}


def test_a_right_to_left_page_gets_a_right_to_left_dialog_in_its_language(news, page, page_errors, screenshot):
    # A newsroom adds Arabic on its own page, without touching the widget.
    strings = f'<script type="application/json" id="corrections-strings">{json.dumps(ARABIC_STRINGS)}</script>'
    page.goto(news.host.add("/ar", article_page(news.url, ARABIC_ARTICLE, lang="ar", dir_="rtl",
                                                head=strings)))
    select_by_script(page, "أكثر من مئتي قارئ")
    page.keyboard.press("Control+Enter")
    dialog = page.get_by_role("dialog", name="اقتراح تصحيح")
    assert dialog.evaluate("el => getComputedStyle(el).direction") == "rtl"
    top_close = dialog.get_by_role("button", name="إغلاق").first
    send = dialog.get_by_role("button", name="إرسال")
    bottom_close = dialog.get_by_role("button", name="إغلاق").last
    dialog_box = box(dialog)
    # Mirrored: the close button in the top left corner, the main button leftmost at the bottom.
    assert box(top_close)["x"] < dialog_box["x"] + dialog_box["width"] / 4
    assert box(send)["x"] < box(bottom_close)["x"]
    label = dialog.get_by_text("كيف يجب أن يكون")
    assert box(label)["x"] + box(label)["width"] > dialog_box["x"] + dialog_box["width"] * 0.75
    # A key the page did not translate falls back to English.
    assert dialog.get_by_text("Factual error").is_visible()
    screenshot(page, "widget-dialog-rtl")
    send.click()
    dialog.get_by_text("شكرًا!").wait_for()
    assert stored_request(news.app).quote_exact == "أكثر من مئتي قارئ"


def test_a_newcomer_reports_a_typo_in_the_demo_article_with_the_keyboard_alone(
        app_factory, make_site, page, page_errors, screenshot):
    demo = app_factory(DEMO=True)
    with LiveServer(demo) as server:
        demo.config["PUBLIC_URL"] = server.url
        make_site(key="demo", name="The Daily Demo", origins=[server.url])
        page.goto(f"{server.url}/demo/")
        hint = page.locator(".hint")
        assert "Found a mistake? Highlight it and press Ctrl+Enter" in hint.inner_text()

        # Tab along the page to the hint's link, which opens the dialog.
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.hasAttribute('data-corrections-open')"):
                break
        else:
            pytest.fail("the hint's link could not be reached with Tab")
        page.keyboard.press("Enter")
        dialog = widget_dialog(page)
        dialog.wait_for()
        assert focused_control(page) == "quote"
        page.keyboard.type("more then two hundred")
        page.keyboard.press("Tab")
        assert focused_control(page) == "radio typo"
        page.keyboard.press("Tab")
        page.keyboard.type("more than two hundred")
        for _ in range(5):
            page.keyboard.press("Tab")
        assert focused_control(page) == "Send"
        screenshot(page, "widget-dialog-demo")
        page.keyboard.press("Enter")
        dialog.get_by_text("Thank you!").wait_for()

        article = re.search(r"<article>(.*)</article>", demo.test_client().get("/demo/").text, re.S).group(1)
        expected = expected_quote(article, "more then two hundred")
        with demo.app_context():
            request = db.session.scalars(sa.select(CorrectionRequest)).one()
            assert (request.quote_exact, request.quote_prefix, request.quote_suffix) == (
                expected["exact"], expected["prefix"], expected["suffix"])
            assert (request.position_start, request.position_end) == (expected["start"], expected["end"])
            assert request.proposed == "more than two hundred"
            assert request.article.url == f"{server.url}/demo/"
