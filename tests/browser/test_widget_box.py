"""The corrections box: an article's published corrections, shown on the article, passages marked."""
import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.widget_host import (
    STRICT_CSP,
    article_page,
    corrections_box,
    marked_passages,
    publish_correction,
)

URL = "https://news.example.org/2026/11/city-library-reopens"
CANONICAL = f'<link rel="canonical" href="{URL}">'

# The article as readers reported it, and as it reads today: one passage corrected since
# ("then" is now "than"), and the sentence of another deleted.
THEN = """<h1>City library reopens</h1>
<p>After twelve months behind scaffolding, the central library reopened on Monday, and more then
two hundred readers were waiting at the door.</p>
<p>The renovated building keeps its red-brick facade. The project cost 4.2 million euros, most of it
payed by the regional government.</p>
<p>The library is open every day except Sunday.</p>"""
NOW = """<h1>City library reopens</h1>
<p>After twelve months behind scaffolding, the central library reopened on Monday, and more than
two hundred readers were waiting at the door.</p>
<p>The renovated building keeps its red-brick facade.</p>
<p>The library is open every day except Sunday.</p>"""
EDITED_NOTE = "We wrote that “more then” two hundred readers waited; it was more than two hundred."
DELETED_NOTE = "An earlier version gave the wrong cost of the project; the sentence was removed."


@pytest.fixture
def news(app, make_site, host_site, live_server):
    make_site(key="news", origins=["https://news.example.org", host_site.url])
    return SimpleNamespace(app=app, url=live_server.url, host=host_site)


def two_corrections(app) -> tuple[int, int]:
    edited = publish_correction(app, URL, THEN, "more then two hundred", EDITED_NOTE)
    deleted = publish_correction(app, URL, THEN, "most of it payed by the regional government", DELETED_NOTE,
                                 publication_type="editors_note")
    return edited, deleted


def open_article(page, news, article=NOW, **options) -> None:
    options["head"] = CANONICAL + options.get("head", "")
    page.goto(news.host.add("/library", article_page(news.url, article, **options)))


def test_the_box_lists_both_corrections_and_marks_only_the_passage_still_there(news, page, page_errors, screenshot):
    edited, deleted = two_corrections(news.app)
    open_article(page, news)
    box = corrections_box(page)
    expect(box).to_be_visible()
    items = box.get_by_role("listitem")
    expect(items).to_have_count(2)
    # Newest first: the editor's note, then the correction.
    assert items.nth(0).inner_text().startswith("Editor’s note, ")
    assert DELETED_NOTE in items.nth(0).inner_text()
    assert "This passage has since been changed." in items.nth(0).inner_text()
    assert items.nth(1).inner_text().startswith("Correction, ")
    assert EDITED_NOTE in items.nth(1).inner_text()
    assert "has since been changed" not in items.nth(1).inner_text()
    # The edited passage was found again (approximately: neither its quote nor the text at its
    # position is there any more), and marked; the deleted one is not marked anywhere.
    assert marked_passages(page) == ["more than two hundred"]
    link = page.get_by_role("link", name="more than two hundred")
    assert link.get_attribute("href") == f"#c{edited}"
    expect(link).to_have_accessible_description("Corrected: the note is below the article.")
    # The box follows the article, inside it.
    assert page.evaluate("document.querySelector('article').lastElementChild.localName") == "corrections-box"
    screenshot(page, "widget-box-desktop", full_page=True)


def test_a_mark_leads_to_its_note_with_the_keyboard(news, page, page_errors):
    edited, _ = two_corrections(news.app)
    open_article(page, news)
    expect(corrections_box(page)).to_be_visible()
    link = page.get_by_role("link", name="more than two hundred")
    link.focus()
    page.keyboard.press("Enter")
    note = corrections_box(page).get_by_role("listitem").filter(has_text=EDITED_NOTE)
    expect(note).to_be_focused()
    assert note.evaluate("el => el.id") == f"c{edited}"
    assert page.url.endswith("/library")  # the page did not navigate


def test_each_entry_links_to_the_public_record(news, page, page_errors):
    edited, _ = two_corrections(news.app)
    open_article(page, news)
    record = corrections_box(page).get_by_role("link", name="On the corrections record").last
    # The entry's lasting address: its anchor on its article's page of the record.
    assert re.fullmatch(rf"{re.escape(news.url)}/corrections/news/articles/\d+#correction-{edited}",
                        record.get_attribute("href"))


def test_an_unchanged_passage_is_marked_where_it_is(news, page, page_errors):
    publish_correction(news.app, URL, NOW, "every day except Sunday", "It is also closed on public holidays.",
                       publication_type="clarification")
    open_article(page, news)
    expect(corrections_box(page)).to_be_visible()
    assert marked_passages(page) == ["every day except Sunday"]


def test_a_passage_is_told_from_the_same_words_elsewhere_by_its_context(news, page, page_errors):
    then = ("<p>Opening day came. Then the doors opened, and the crowd came in.</p>"
            "<p>The doors opened again at noon.</p>")
    publish_correction(news.app, URL, then, "the doors opened", "Fixed.")
    # Today "the doors opened" is there twice, and the second time it has the reported context.
    now = "<p>The mayor spoke first; the doors opened at ten.</p>" + then
    open_article(page, news, now)
    expect(corrections_box(page)).to_be_visible()
    assert marked_passages(page) == ["the doors opened"]
    marked_paragraph = page.evaluate("document.querySelector('corrections-mark').parentElement.textContent")
    assert marked_paragraph.startswith("Opening day")


def test_a_short_passage_whose_sentence_was_rewritten_is_not_marked_on_a_lookalike(news, page, page_errors):
    publish_correction(news.app, URL, "<p>The library reopened on Monday, and then the readers came in.</p>",
                       "then", "A word was wrong.")
    # The sentence is rewritten; "than" and "them" are within one edit of "then", but not in its place.
    now = "<p>On Monday the library opened its doors to more than a hundred of them.</p>"
    open_article(page, news, now)
    expect(corrections_box(page)).to_be_visible()
    assert marked_passages(page) == []
    assert "This passage has since been changed." in corrections_box(page).inner_text()


def test_a_passage_is_found_by_its_position_when_its_context_changed(news, page, page_errors):
    then = "<p>Visitors: 120 on Monday and 120 on Tuesday.</p>"
    publish_correction(news.app, URL, then, "Tuesday", "The second day was Tuesday.")
    # Same length around it, other words: the quote with its context is gone, the position holds.
    now = "<p>Visitors: 130 on Sunday and 140 on Tuesday.</p>"
    open_article(page, news, now)
    expect(corrections_box(page)).to_be_visible()
    assert marked_passages(page) == ["Tuesday"]


def test_marks_and_the_box_shift_nothing_above_the_box(news, page, page_errors):
    two_corrections(news.app)
    layout = """() => [...document.querySelectorAll('article > *:not(corrections-box)')]
      .map((el) => { const r = el.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })"""
    open_article(page, news, script_attrs='data-corrections="off"')
    page.wait_for_load_state("networkidle")
    without = page.evaluate(layout)
    open_article(page, news)
    expect(corrections_box(page)).to_be_visible()
    assert page.evaluate(layout) == without


def test_the_page_chooses_where_the_box_goes(news, page, page_errors):
    two_corrections(news.app)
    comments = '<section class="comments"><div data-corrections-box></div><p>Comments</p></section>'
    open_article(page, news, after=comments)
    expect(corrections_box(page)).to_be_visible()
    parent = page.evaluate("document.querySelector('corrections-box').parentElement.outerHTML")
    assert parent.startswith("<div data-corrections-box")


def test_data_corrections_off_asks_for_nothing_and_shows_nothing(news, page, page_errors):
    two_corrections(news.app)
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/api/" in request.url else None)
    open_article(page, news, script_attrs='data-corrections="off"')
    page.wait_for_load_state("networkidle")
    assert asked == []
    assert page.locator("corrections-box").count() == 0 and marked_passages(page) == []


def test_the_box_under_a_strict_csp(news, page, page_errors, screenshot):
    two_corrections(news.app)
    page.add_init_script("""window.violations = [];
      document.addEventListener('securitypolicyviolation',
        (e) => window.violations.push(e.violatedDirective), true);""")
    page.goto(news.host.add("/library", article_page(news.url, NOW, head=CANONICAL),
                            **{"Content-Security-Policy": STRICT_CSP.format(app=news.url)}))
    box = corrections_box(page)
    expect(box).to_be_visible()
    # Its styles applied without any inline style.
    assert box.evaluate("el => getComputedStyle(el).borderTopStyle") == "solid"
    assert marked_passages(page) == ["more than two hundred"]
    assert page.evaluate("window.violations") == []
    screenshot(page, "widget-box-strict-csp", full_page=True)


def test_the_box_takes_the_colours_of_a_dark_page(browser, news, screenshot):
    two_corrections(news.app)
    dark = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="dark")
    page = dark.new_page()
    news.host.add("/dark.css", "body { background: #111; color: #ddd; font: 18px/1.6 Georgia, serif; }",
                  content_type="text/css")
    try:
        open_article(page, news, head='<link rel="stylesheet" href="/dark.css">')
        box = corrections_box(page)
        expect(box).to_be_visible()
        assert box.evaluate("el => [getComputedStyle(el).color, getComputedStyle(el).fontFamily]") == [
            "rgb(221, 221, 221)", "Georgia, serif"]
        screenshot(page, "widget-box-dark", full_page=True)
    finally:
        dark.close()


UKRAINIAN_THEN = """<h1>Міська бібліотека знову відкрита</h1>
<p>Після року ремонту центральна бібліотека відкрилася в понеділок, і понад двісті читачив
чекали біля дверей ще до відкриття.</p>"""
UKRAINIAN_NOW = UKRAINIAN_THEN.replace("читачив", "читачів")


def test_the_box_speaks_the_pages_language(news, page, page_errors, screenshot):
    publish_correction(news.app, URL, UKRAINIAN_THEN, "понад двісті читачив", "Виправлено одрук у слові «читачів».",
                       title="Міська бібліотека знову відкрита")
    open_article(page, news, UKRAINIAN_NOW, lang="uk")
    box = page.get_by_role("region", name="Виправлення до цієї статті")
    expect(box).to_be_visible()
    text = box.inner_text()
    assert re.match(r"Виправлення до цієї статті\s+Виправлення, ", text), text
    assert re.search(r"\d+ [а-яіїє]+ 20\d\d", text), text  # the date in Ukrainian
    assert marked_passages(page) == ["понад двісті читачів"]
    screenshot(page, "widget-box-ukrainian", full_page=True)


def test_the_box_on_a_phone(browser, news, screenshot):
    two_corrections(news.app)
    phone = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                is_mobile=True, has_touch=True)
    page = phone.new_page()
    try:
        open_article(page, news)
        box = corrections_box(page)
        expect(box).to_be_visible()
        bounds = box.bounding_box()
        assert bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= 360
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        box.scroll_into_view_if_needed()
        screenshot(page, "widget-box-phone")
    finally:
        phone.close()


def test_the_demo_article_shows_what_was_published_under_its_own_csp(app_factory, make_site, page, page_errors):
    from tests.browser.conftest import LiveServer
    demo = app_factory(DEMO=True)
    with LiveServer(demo) as server:
        demo.config["PUBLIC_URL"] = server.url
        make_site(key="demo", name="The Daily Demo", origins=[server.url])
        article = re.search(r"<article>(.*)</article>", demo.test_client().get("/demo/").text, re.S).group(1)
        publish_correction(demo, f"{server.url}/demo/", article, "payed by the regional government",
                           "“Payed” should have been “paid”.", site="demo")
        page.goto(f"{server.url}/demo/")
        expect(corrections_box(page)).to_be_visible()
        assert marked_passages(page) == ["payed by the regional government"]
