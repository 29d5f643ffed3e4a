"""The widget at home on real news pages: where a passage may be, what it is sent with, and how
the dialog behaves from one opening to the next."""
import json
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from corrections.extensions import db
from corrections.models import CorrectionRequest
from tests.browser.widget_host import (
    article_text,
    drag_select,
    expected_quote,
    shown_passage,
    widget_dialog,
)


@pytest.fixture
def news(app, make_site, host_site, live_server):
    make_site(key="news", origins=[host_site.url])
    return SimpleNamespace(app=app, url=live_server.url, host=host_site)


def page_html(app_url: str, body: str, *, title="City library reopens · The Example News", head="",
              lang="en", script_attrs="") -> str:
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<title>{title}</title>{head}
<script src="{app_url}/widget.js" data-site="news" {script_attrs} defer></script></head>
<body>{body}</body></html>"""


def stored(app) -> CorrectionRequest:
    with app.app_context():
        request = db.session.scalars(sa.select(CorrectionRequest)).one()
        db.session.expunge(request)
        return request


def title_of(app) -> str:
    with app.app_context():
        return db.session.scalars(sa.select(CorrectionRequest)).one().article.title


def sent_bodies(page) -> list[dict]:
    """The intake requests the page sends, as JSON, in order."""
    bodies = []
    page.on("request", lambda r: bodies.append(json.loads(r.post_data))
            if r.url.endswith("/api/v1/suggestions") else None)
    return bodies


def send(page, language="en"):
    dialog = widget_dialog(page)
    dialog.get_by_role("button", name={"en": "Send", "uk": "Надіслати"}[language]).click()
    dialog.get_by_text({"en": "Thank you!", "uk": "Дякуємо!"}[language]).wait_for()


# A news page whose teasers, related stories and comments are <article> elements, while the
# story itself is a <div> in <main>: a common shape.
TEASERS = """<header><a href="/">The Example News</a></header>
<main>
  <article class="teaser"><h2>Tram line opens</h2><p>The harbour line runs from Monday.</p></article>
  <div class="story">
    <h1>City library reopens</h1>
    <p>After twelve months behind scaffolding, the central library reopened on Monday, and more then
    two hundred readers were waiting at the door.</p>
  </div>
  <article class="comment"><p>Great news for the city!</p></article>
</main>
<aside class="sidebar"><h2>Most read</h2><p>Council approves the budget of the new libary.</p></aside>"""


def test_ctrl_enter_in_a_story_outside_article_while_teasers_are_articles(news, page, page_errors):
    page.goto(news.host.add("/a", page_html(news.url, TEASERS)))
    drag_select(page, "more then two hundred", within=".story")
    page.keyboard.press("Control+Enter")
    assert shown_passage(widget_dialog(page)) == "more then two hundred"
    send(page)
    # The context and position come from the nearest article or main around the selection: main.
    main = re.search(r"<main>(.*)</main>", TEASERS, re.S).group(1)
    expected = expected_quote(main, "more then two hundred")
    request = stored(news.app)
    assert (request.quote_exact, request.quote_prefix, request.quote_suffix) == (
        expected["exact"], expected["prefix"], expected["suffix"])
    assert (request.position_start, request.position_end) == (expected["start"], expected["end"])
    assert title_of(news.app) == "City library reopens"  # the heading around the passage


def test_a_selection_in_a_sidebar_opens_the_dialog_with_the_bodys_context(news, page, page_errors):
    page.goto(news.host.add("/a", page_html(news.url, TEASERS)))
    drag_select(page, "the new libary", within=".sidebar")
    page.keyboard.press("Control+Enter")
    assert shown_passage(widget_dialog(page)) == "the new libary"
    send(page)
    expected = expected_quote(TEASERS, "the new libary")
    request = stored(news.app)
    assert (request.quote_prefix, request.quote_suffix) == (expected["prefix"], expected["suffix"])
    assert (request.position_start, request.position_end) == (expected["start"], expected["end"])


def test_data_article_restricts_selections_and_says_so(news, page, page_errors, screenshot):
    page.goto(news.host.add("/a", page_html(news.url, TEASERS, script_attrs='data-article=".story"')))
    drag_select(page, "the new libary", within=".sidebar")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    expect(dialog.get_by_role("status")).to_have_text(
        "Only the article’s text can be corrected here: select a passage in it, or type the words below.")
    passage = dialog.get_by_label("The passage")
    assert passage.input_value() == "" and passage.evaluate("el => el === el.getRootNode().activeElement")
    screenshot(page, "widget-dialog-outside-the-article")
    page.keyboard.press("Escape")

    # Inside the element, the same keys work as usual, and the message is gone.
    drag_select(page, "more then two hundred", within=".story")
    page.keyboard.press("Control+Enter")
    assert shown_passage(dialog) == "more then two hundred"
    expect(dialog.get_by_role("status")).to_be_hidden()
    send(page)
    expected = expected_quote(re.search(r'<div class="story">(.*?)</div>', TEASERS, re.S).group(1),
                              "more then two hundred")
    assert (stored(news.app).position_start, stored(news.app).quote_prefix) == (expected["start"], expected["prefix"])


STORY = """<main><article><h1>{heading}</h1>
<p>After twelve months behind scaffolding, the central library reopened on Monday, and more then
two hundred readers were waiting at the door.</p></article></main>"""


@pytest.mark.parametrize("document_title", [
    "City library reopens | The Example News",
    "City library reopens – The Example News",
    "City library reopens · The Example News",
])
def test_the_sites_name_is_dropped_from_the_documents_title(news, page, page_errors, document_title):
    body = STORY.replace("<h1>{heading}</h1>", "")  # no og:title, no heading: the document's title
    page.goto(news.host.add("/a", page_html(news.url, body, title=document_title)))
    drag_select(page, "more then two hundred")
    page.keyboard.press("Control+Enter")
    send(page)
    assert title_of(news.app) == "City library reopens"


def test_og_title_comes_first_then_the_articles_heading(news, page, page_errors):
    og = '<meta property="og:title" content="City library reopens after a year">'
    page.goto(news.host.add("/a", page_html(news.url, STORY.format(heading="Library: open again"), head=og)))
    bodies = sent_bodies(page)
    drag_select(page, "more then two hundred")
    page.keyboard.press("Control+Enter")
    send(page)
    page.goto(news.host.add("/b", page_html(news.url, STORY.format(heading="Library: open again"))))
    drag_select(page, "central library")
    page.keyboard.press("Control+Enter")
    send(page)
    assert [body["title"] for body in bodies] == ["City library reopens after a year", "Library: open again"]


def test_reopening_after_sending_starts_afresh(news, page, page_errors):
    link = '<p><a href="/suggest?site=news" data-corrections-open>Suggest a correction</a></p>'
    page.goto(news.host.add("/a", page_html(news.url, STORY.format(heading="City library reopens") + link)))
    drag_select(page, "more then two hundred")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    dialog.get_by_label("How it should read").fill("more than two hundred")
    send(page)
    dialog.get_by_role("button", name="Close").last.click()
    expect(dialog).to_be_hidden()

    # The page's link: an empty passage to type, not the one just sent.
    page.get_by_role("link", name="Suggest a correction").click()
    expect(dialog.get_by_role("button", name="Send")).to_be_visible()
    assert shown_passage(dialog) == ""
    assert dialog.get_by_label("How it should read").input_value() == ""
    assert dialog.get_by_label("The passage").get_attribute("readonly") is None
    expect(dialog.get_by_text("Thank you!")).to_be_hidden()
    page.keyboard.press("Escape")

    # A new selection: that one.
    drag_select(page, "central library")
    page.keyboard.press("Control+Enter")
    assert shown_passage(dialog) == "central library"


def test_a_message_goes_as_soon_as_its_field_is_right(news, page, page_errors, screenshot):
    link = '<p><a href="/suggest?site=news" data-corrections-open>Suggest a correction</a></p>'
    page.goto(news.host.add("/a", page_html(news.url, STORY.format(heading="City library reopens") + link)))
    page.get_by_role("link", name="Suggest a correction").click()
    dialog = widget_dialog(page)
    dialog.get_by_label("Email me the outcome").check()
    dialog.get_by_role("button", name="Send").click()
    passage, email = dialog.get_by_label("The passage"), dialog.get_by_label("Your email (optional)")
    expect(passage).to_have_accessible_description("Type or paste the words to correct.")
    expect(email).to_have_accessible_description("Enter a valid email address.")
    screenshot(page, "widget-dialog-messages")

    passage.press_sequentially("more then")
    expect(passage).to_have_accessible_description("")
    assert passage.get_attribute("aria-invalid") == "false"
    expect(email).to_have_accessible_description("Enter a valid email address.")  # not yet
    email.press_sequentially("reader@")
    expect(email).to_have_accessible_description("Enter a valid email address.")  # still not valid
    email.press_sequentially("example.net")
    expect(email).to_have_accessible_description("")
    expect(dialog.get_by_text("Enter a valid email address.")).to_be_hidden()

    # Unticking the box makes an empty address right again, at once.
    email.fill("")
    dialog.get_by_role("button", name="Send").click()
    expect(email).to_have_accessible_description("Enter a valid email address.")
    dialog.get_by_label("Email me the outcome").uncheck()
    expect(email).to_have_accessible_description("")


def test_the_servers_field_messages_are_shown_by_their_fields(news, page, page_errors):
    page.goto(news.host.add("/a", page_html(news.url, STORY.format(heading="City library reopens"))))
    drag_select(page, "more then two hundred")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    email = dialog.get_by_label("Your email (optional)")
    email.fill("reader@newsroom")  # a browser takes it; the server wants a domain with a dot
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.get_by_role("alert")).to_have_text("Some fields need attention.")
    expect(email).to_have_accessible_description(re.compile(r"\S"))
    assert email.get_attribute("aria-invalid") == "true"
    with news.app.app_context():
        assert db.session.scalars(sa.select(CorrectionRequest)).all() == []
    email.press_sequentially(".example")  # any change to the field clears the server's word
    expect(email).to_have_accessible_description("")
    dialog.get_by_role("button", name="Try again").click()
    dialog.get_by_text("Thank you!").wait_for()


def test_every_suggestion_carries_the_dialogs_language_and_how_long_it_was_open(news, page, page_errors):
    ukrainian = """<main><article><h1>Бібліотека</h1><p>Після року ремонту центральна бібліотека відкрилася
в понеділок, і понад двісті читачів чекали біля дверей.</p></article></main>"""
    page.goto(news.host.add("/uk", page_html(news.url, ukrainian, lang="uk")))
    bodies = sent_bodies(page)
    drag_select(page, "понад двісті читачів")
    page.keyboard.press("Control+Enter")
    widget_dialog(page).wait_for()
    page.wait_for_timeout(400)
    send(page, "uk")
    [body] = bodies
    assert body["lang"] == "uk"
    assert isinstance(body["elapsed_ms"], int) and 400 <= body["elapsed_ms"] < 60_000


def test_the_typed_passage_is_found_in_the_story_and_given_its_context(news, page, page_errors):
    link = '<p><a href="/suggest?site=news" data-corrections-open>Suggest a correction</a></p>'
    page.goto(news.host.add("/a", page_html(news.url, TEASERS + link)))
    page.get_by_role("link", name="Suggest a correction").click()
    dialog = widget_dialog(page)
    dialog.get_by_label("The passage").fill("more then  two hundred")
    send(page)
    main = re.search(r"<main>(.*)</main>", TEASERS, re.S).group(1)
    expected = expected_quote(main, "more then two hundred")
    request = stored(news.app)
    assert (request.quote_prefix, request.position_start) == (expected["prefix"], expected["start"])
    assert article_text(main).startswith("Tram line opens")
