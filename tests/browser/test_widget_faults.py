"""The widget when the desk cannot take a suggestion: the reader's text is kept, and a retry offered."""
import re

import pytest
import sqlalchemy as sa
from flask import request
from playwright.sync_api import expect
from werkzeug.exceptions import ServiceUnavailable

from corrections.extensions import db
from corrections.models import CorrectionRequest
from tests.browser.widget_host import article_page, drag_select, widget_dialog

ARTICLE = """<h1>City library reopens</h1>
<p>After twelve months behind scaffolding, the central library reopened on Monday, and more then
two hundred readers were waiting at the door.</p>"""
UKRAINIAN = """<h1>Міська бібліотека знову відкрита</h1>
<p>Після року ремонту центральна бібліотека відкрилася в понеділок, і понад двісті читачів
чекали біля дверей ще до відкриття.</p>"""


class Storage:
    """Whether the app's storage is reachable. While it is not, the intake answers as the app does
    for storage it cannot reach: 503 in the API's error shape, with Retry-After, through the app's
    own error handling and CORS."""

    def __init__(self, app, retry_after):
        self.down = True
        self.asked = 0

        @app.before_request
        def unavailable():
            if self.down and request.method == "POST" and request.path == "/api/v1/suggestions":
                self.asked += 1
                raise ServiceUnavailable("The desk cannot take suggestions just now.", retry_after=retry_after)


@pytest.fixture
def desk(app, make_site, host_site, app_servers):
    def start(retry_after=None):
        storage = Storage(app, retry_after)
        server = app_servers(app)
        make_site(key="news", origins=[host_site.url])
        return storage, server
    return start


def stored(app) -> list[CorrectionRequest]:
    with app.app_context():
        return db.session.scalars(sa.select(CorrectionRequest)).all()


def test_a_503_keeps_the_text_says_when_to_retry_and_the_retry_sends_it(app, desk, host_site, page, page_errors,
                                                                       screenshot):
    storage, server = desk(retry_after=30)
    page.goto(host_site.add("/a", article_page(server.url, ARTICLE)))
    drag_select(page, "more then two hundred")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    dialog.get_by_label("How it should read").fill("more than two hundred")
    dialog.get_by_label("Note for the editors (optional)").fill("then → than")
    dialog.get_by_label("Your email (optional)").fill("reader@example.net")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "Not sent: the newsroom is busy. Your text is kept; try again in 30 seconds.")
    assert storage.asked == 1 and stored(app) == []
    assert dialog.get_by_label("How it should read").input_value() == "more than two hundred"
    assert dialog.get_by_label("Note for the editors (optional)").input_value() == "then → than"
    assert dialog.get_by_label("Your email (optional)").input_value() == "reader@example.net"
    screenshot(page, "widget-dialog-503")

    storage.down = False  # the database is back
    dialog.get_by_role("button", name="Try again").click()
    dialog.get_by_text("Thank you!").wait_for()
    [request_] = stored(app)
    assert request_.proposed == "more than two hundred"


def test_a_503_without_retry_after_still_offers_a_retry(app, desk, host_site, page, page_errors):
    storage, server = desk()
    page.goto(host_site.add("/a", article_page(server.url, ARTICLE)))
    drag_select(page, "more then two hundred")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.get_by_role("alert")).to_have_text("Not sent: the newsroom is busy. Your text is kept; try again.")
    expect(dialog.get_by_role("button", name="Try again")).to_be_visible()


def test_a_long_wait_is_said_in_minutes_and_in_the_readers_language(app, desk, host_site, page, page_errors):
    storage, server = desk(retry_after=300)
    page.goto(host_site.add("/uk", article_page(server.url, UKRAINIAN, lang="uk")))
    drag_select(page, "понад двісті читачів")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    dialog.get_by_role("button", name="Надіслати").click()
    alert = dialog.get_by_role("alert")
    expect(alert).to_have_text(re.compile("Текст збережено, спробуйте ще через 5 хвилин.$"))
    storage.down = False
    dialog.get_by_role("button", name="Спробувати ще").click()
    dialog.get_by_text("Дякуємо!").wait_for()
    assert len(stored(app)) == 1
