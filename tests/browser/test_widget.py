"""The widget in real Chromium on a news site served from another origin than the app."""
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from corrections.extensions import db
from corrections.models import CorrectionRequest, Submission
from tests.browser.widget_host import (
    article_page,
    drag_select,
    expected_quote,
    select_by_script,
    settle,
    shown_context,
    shown_passage,
    widget_dialog,
)

ARTICLE = """<h1>City library reopens</h1>
<p>After twelve months behind scaffolding, the central library reopened on Monday, and more then
two hundred readers were waiting at the door.</p>
<p>Read the statement by <a href="/mayor">the city’s mayor</a> on <em>Tuesday</em> evening.</p>
<p>The library is open every day except Sunday.</p>"""

UKRAINIAN = """<h1>Міська бібліотека знову відкрита</h1>
<p>Після року ремонту центральна бібліотека відкрилася в понеділок, і понад двісті читачів
чекали біля дверей ще до відкриття.</p>"""


@pytest.fixture
def news(app, make_site, host_site, live_server):
    """The app, live, and a news site on another origin that embeds the widget."""
    make_site(key="news", origins=[host_site.url])
    return SimpleNamespace(app=app, url=live_server.url, host=host_site)


def stored(app):
    with app.app_context():
        request = db.session.scalars(sa.select(CorrectionRequest)).one()
        submission = db.session.scalars(sa.select(Submission)).one()
        return SimpleNamespace(request=request, submission=submission, article=request.article)


def send_and_get_reference(page) -> str:
    dialog = widget_dialog(page)
    dialog.get_by_role("button", name="Send").click()
    thanks = dialog.get_by_text("Thank you!")
    thanks.wait_for()
    return dialog.locator("b").inner_text()


def assert_quote(request, expected):
    assert (request.quote_exact, request.quote_prefix, request.quote_suffix) == (
        expected["exact"], expected["prefix"], expected["suffix"])
    assert (request.position_start, request.position_end) == (expected["start"], expected["end"])


def test_ctrl_enter_on_a_selection_stores_the_passage_with_its_context(news, page, page_errors, screenshot):
    page.goto(news.host.add("/2026/library", article_page(news.url, ARTICLE)))
    drag_select(page, "more then two hundred")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    assert shown_passage(dialog) == "more then two hundred"
    # A few words either side, so that a reader sees it is the right place.
    assert shown_context(dialog) == ("central library reopened on Monday, and ", "more then two hundred",
                                     " readers were waiting at the door.")
    dialog.get_by_label("How it should read").fill("more than two hundred")
    dialog.get_by_label("Note for the editors (optional)").fill("“then” should be “than”.")
    screenshot(page, "widget-dialog-desktop")
    reference = send_and_get_reference(page)
    screenshot(page, "widget-dialog-sent-desktop")

    result = stored(news.app)
    assert_quote(result.request, expected_quote(ARTICLE, "more then two hundred"))
    assert result.request.proposed == "more than two hundred"
    assert result.request.kind.value == "typo"
    assert result.submission.reference == reference
    assert result.submission.comment == "“then” should be “than”."
    assert result.submission.article_url == f"{news.host.url}/2026/library"
    assert result.article.title == "City library reopens"  # the article's heading, not the tab's title


def test_cmd_enter_opens_the_dialog_as_on_a_mac(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    drag_select(page, "central library")
    page.keyboard.press("Meta+Enter")
    widget_dialog(page).get_by_label("How it should read").fill("central city library")
    send_and_get_reference(page)
    result = stored(news.app)
    assert_quote(result.request, expected_quote(ARTICLE, "central library"))
    assert result.request.proposed == "central city library"


def test_a_selection_across_a_link_and_an_emphasised_word_is_one_passage(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    drag_select(page, "statement by the city’s mayor on Tuesday")
    page.keyboard.press("Control+Enter")
    widget_dialog(page).get_by_role("radio", name="Factual error").check()
    send_and_get_reference(page)
    result = stored(news.app)
    assert_quote(result.request, expected_quote(ARTICLE, "statement by the city’s mayor on Tuesday"))
    assert result.request.kind.value == "factual"


def test_a_selection_is_widened_to_whole_words(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    select_by_script(page, "more then two hundred", trim_start=2, trim_end=3)  # "re then two hund"
    page.keyboard.press("Control+Enter")
    assert shown_passage(widget_dialog(page)) == "more then two hundred"
    send_and_get_reference(page)
    assert_quote(stored(news.app).request, expected_quote(ARTICLE, "more then two hundred"))


def test_a_passage_in_a_ukrainian_article_gets_a_ukrainian_dialog(news, page, page_errors, screenshot):
    page.goto(news.host.add("/uk", article_page(news.url, UKRAINIAN, lang="uk")))
    drag_select(page, "понад двісті читачів")
    page.keyboard.press("Control+Enter")
    dialog = page.get_by_role("dialog", name="Запропонувати виправлення")
    dialog.get_by_label("Як має бути").fill("понад двісті відвідувачів")
    screenshot(page, "widget-dialog-ukrainian")
    dialog.get_by_role("button", name="Надіслати").click()
    dialog.get_by_text("Дякуємо!").wait_for()
    result = stored(news.app)
    assert_quote(result.request, expected_quote(UKRAINIAN, "понад двісті читачів"))
    assert result.request.proposed == "понад двісті відвідувачів"


def test_data_lang_chooses_the_dialog_language_over_the_page(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE, script_attrs='data-lang="uk"')))
    drag_select(page, "central library")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("dialog", name="Запропонувати виправлення")).to_be_visible()


def test_ctrl_enter_without_a_selection_is_left_to_the_page(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    page.get_by_text("The library is open").click()
    page.keyboard.press("Control+Enter")
    settle(page)
    assert not widget_dialog(page).is_visible()
    assert page.evaluate("window.CorrectionsWidget") is not None  # the widget was there


def test_ctrl_enter_in_an_editable_part_of_the_article_is_left_to_the_page(news, page, page_errors):
    # An editor editing the article in place: the keys belong to the editing tool.
    editable = ARTICLE.replace("<p>The library", '<p contenteditable="true">The library')
    page.goto(news.host.add("/a", article_page(news.url, editable)))
    page.get_by_text("The library is open").click()
    drag_select(page, "open every day")
    page.keyboard.press("Control+Enter")
    settle(page)
    assert not widget_dialog(page).is_visible()


def test_data_article_chooses_the_article_element(news, page, page_errors):
    body = '<p class="teaser">Also today: more then two hundred trees planted.</p>'
    page.goto(news.host.add("/a", article_page(
        news.url, ARTICLE, after=f'<div class="story">{body}</div>', script_attrs='data-article=".story"')))
    drag_select(page, "more then two hundred", within=".story")
    page.keyboard.press("Control+Enter")
    send_and_get_reference(page)
    request = stored(news.app).request
    assert (request.quote_exact, request.quote_prefix, request.quote_suffix) == (
        "more then two hundred", "Also today: ", " trees planted.")


def test_a_link_of_the_page_opens_the_dialog_for_a_typed_passage(news, page, page_errors):
    link = '<p><a href="/suggest" data-corrections-open>Suggest a correction</a></p>'
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE, after=link)))
    page.get_by_role("link", name="Suggest a correction").click()
    dialog = widget_dialog(page)
    passage = dialog.get_by_label("The passage")
    assert passage.evaluate("el => el === el.getRootNode().activeElement")
    passage.fill("more then   two hundred")
    dialog.get_by_label("How it should read").fill("more than two hundred")
    send_and_get_reference(page)
    assert page.url.endswith("/a")  # the link was not followed
    # The typed passage was found in the article, so it has its context and position.
    assert_quote(stored(news.app).request, expected_quote(ARTICLE, "more then two hundred"))


def test_a_typed_passage_is_required(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    page.evaluate("CorrectionsWidget.open()")
    dialog = widget_dialog(page)
    dialog.get_by_role("button", name="Send").click()
    passage = dialog.get_by_label("The passage")
    expect(passage).to_have_accessible_description("Type or paste the words to correct.")
    assert passage.get_attribute("aria-invalid") == "true"
    assert passage.evaluate("el => el === el.getRootNode().activeElement")
    with news.app.app_context():
        assert db.session.scalars(sa.select(CorrectionRequest)).all() == []


def test_the_javascript_call_opens_the_dialog_on_the_current_selection(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    select_by_script(page, "open every day")
    page.evaluate("CorrectionsWidget.open()")
    assert shown_passage(widget_dialog(page)) == "open every day"


def test_an_email_is_needed_to_hear_the_outcome(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    drag_select(page, "central library")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    dialog.get_by_label("Email me the outcome").check()
    dialog.get_by_role("button", name="Send").click()
    email = dialog.get_by_label("Your email (optional)")
    expect(email).to_have_accessible_description("Enter a valid email address.")
    assert email.get_attribute("aria-invalid") == "true"
    email.fill("reader@example.net")
    send_and_get_reference(page)
    submission = stored(news.app).submission
    assert (submission.email, submission.notify) == ("reader@example.net", True)


def test_too_many_suggestions_get_a_polite_answer(app_factory, make_site, host_site, app_servers, page,
                                                  page_errors):
    server = app_servers(app_factory(INTAKE_RATE_LIMIT="1 per day"))
    make_site(key="news", origins=[host_site.url])
    # In Ukrainian: the widget's own words, not the server's English message.
    page.goto(host_site.add("/uk", article_page(server.url, UKRAINIAN, lang="uk")))
    drag_select(page, "центральна бібліотека")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    dialog.get_by_role("button", name="Надіслати").click()
    dialog.get_by_text("Дякуємо!").wait_for()
    dialog.get_by_role("button", name="Закрити").last.click()

    drag_select(page, "понад двісті читачів")
    page.keyboard.press("Control+Enter")
    dialog.get_by_label("Як має бути").fill("понад двісті відвідувачів")
    dialog.get_by_role("button", name="Надіслати").click()
    alert = dialog.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "Забагато пропозицій з вашої мережі. Спробуйте згодом."
    assert dialog.get_by_label("Як має бути").input_value() == "понад двісті відвідувачів"


def test_server_down_keeps_the_text_and_a_retry_sends_it(app, make_site, host_site, app_servers, page,
                                                          page_errors, screenshot):
    server = app_servers(app)
    make_site(key="news", origins=[host_site.url])
    page.goto(host_site.add("/a", article_page(server.url, ARTICLE)))
    drag_select(page, "more then two hundred")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    dialog.get_by_label("How it should read").fill("more than two hundred")
    dialog.get_by_label("Note for the editors (optional)").fill("then → than")

    server.stop()  # connections are now refused
    dialog.get_by_role("button", name="Send").click()
    alert = dialog.get_by_role("alert")
    alert.wait_for()
    assert "could not be reached" in alert.inner_text()
    assert dialog.get_by_label("How it should read").input_value() == "more than two hundred"
    assert dialog.get_by_label("Note for the editors (optional)").input_value() == "then → than"
    screenshot(page, "widget-dialog-server-down")

    app_servers(app, server.port)  # back up, at the same address
    dialog.get_by_role("button", name="Try again").click()
    dialog.get_by_text("Thank you!").wait_for()
    result = stored(app)
    assert result.request.proposed == "more than two hundred"
    assert result.submission.comment == "then → than"


def test_the_dialog_shows_a_sending_state(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    drag_select(page, "central library")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    # Hold the request in the browser until the sending state has been seen, then let it go.
    held = []
    page.route(f"{news.url}/api/v1/suggestions", lambda route: held.append(route))
    dialog.get_by_role("button", name="Send").click()
    sending = dialog.get_by_role("button", name="Sending…")
    sending.wait_for()
    assert sending.get_attribute("aria-disabled") == "true"
    for route in held:
        route.continue_()
    dialog.get_by_text("Thank you!").wait_for()
    assert dialog.get_by_role("button", name="Close").last.is_visible()


def test_closing_and_reopening_on_the_same_passage_keeps_the_text(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    drag_select(page, "central library")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    dialog.get_by_label("How it should read").fill("central city library")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    drag_select(page, "central library")
    page.keyboard.press("Control+Enter")
    dialog.wait_for()
    assert dialog.get_by_label("How it should read").input_value() == "central city library"


def test_the_widget_adds_nothing_to_the_page_until_a_reader_acts(news, page, page_errors):
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    page.wait_for_function("() => window.CorrectionsWidget")
    assert page.locator("corrections-widget").count() == 0
    drag_select(page, "central library")
    page.keyboard.press("Control+Enter")
    widget_dialog(page).wait_for()
    assert page.locator("corrections-widget").count() == 1


def test_the_widget_loads_once_when_the_tag_is_there_twice(news, page, page_errors):
    twice = f'<script src="{news.url}/widget.js" data-site="news" defer></script>'
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE, head=twice)))
    drag_select(page, "central library")
    page.keyboard.press("Control+Enter")
    widget_dialog(page).wait_for()
    assert page.locator("corrections-widget").count() == 1
