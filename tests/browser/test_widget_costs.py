"""What the widget costs a page that nobody corrects: one small, cacheable request, nothing else."""
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.widget_host import (
    article_page,
    drag_select,
    select_by_script,
    widget_dialog,
)

ARTICLE = """<h1>City library reopens</h1>
<p>After twelve months behind scaffolding, the central library reopened on Monday, and more then
two hundred readers were waiting at the door.</p>"""


@pytest.fixture
def news(app, make_site, host_site, live_server):
    make_site(key="news", origins=[host_site.url])
    return SimpleNamespace(app=app, url=live_server.url, host=host_site)


def requests_to(page, origin: str) -> list:
    seen = []
    page.on("requestfinished", lambda request: seen.append(request) if request.url.startswith(origin) else None)
    return seen


def paths(requests) -> list[str]:
    return [request.url.split("/", 3)[3].split("?")[0] for request in requests]


def test_an_article_without_corrections_costs_one_cacheable_request_after_the_script(news, page, page_errors):
    seen = requests_to(page, news.url)
    with page.expect_request_finished(lambda request: "/api/v1/corrections" in request.url):
        page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    page.wait_for_load_state("networkidle")
    assert paths(seen) == ["widget.js", "api/v1/corrections"]
    answer = seen[1].response()
    assert answer.headers["cache-control"] == "public, max-age=60"
    assert answer.body() == b'{"corrections":[],"next":null}\n'
    assert page.locator("corrections-widget, corrections-box").count() == 0


def test_the_dialog_is_fetched_when_a_passage_is_selected_and_not_before(news, page, page_errors):
    seen = requests_to(page, news.url)
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE)))
    page.wait_for_load_state("networkidle")
    page.mouse.click(5, 5)
    page.wait_for_timeout(400)
    assert "widget/dialog.en.js" not in paths(seen)

    drag_select(page, "more then two hundred")
    page.wait_for_function(
        "() => performance.getEntriesByType('resource').some(e => e.name.includes('/widget/dialog.'))")
    assert paths(seen).count("widget/dialog.en.js") == 1
    assert page.locator("corrections-widget").count() == 0  # fetched, not shown: nothing on the page yet
    before = len(seen)
    page.keyboard.press("Control+Enter")
    widget_dialog(page).wait_for()
    assert len(seen) == before  # opened with what was already there


def test_the_page_language_chooses_which_dialog_is_fetched(news, page, page_errors):
    seen = requests_to(page, news.url)
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE, script_attrs='data-lang="uk"')))
    select_by_script(page, "central library")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("dialog", name="Запропонувати виправлення")).to_be_visible()
    assert [p for p in paths(seen) if p.startswith("widget/")] == ["widget/dialog.uk.js"]


def test_a_language_the_widget_lacks_gets_english_with_the_pages_words(news, page, page_errors):
    seen = requests_to(page, news.url)
    words = ('<script type="application/json" id="corrections-strings">'
             '{"de": {"title": "Korrektur vorschlagen"}}</script>')
    page.goto(news.host.add("/a", article_page(news.url, ARTICLE, lang="de", head=words)))
    select_by_script(page, "central library")
    page.keyboard.press("Control+Enter")
    dialog = page.get_by_role("dialog", name="Korrektur vorschlagen")
    expect(dialog).to_be_visible()
    assert dialog.get_attribute("lang") == "de"
    expect(dialog.get_by_role("button", name="Send")).to_be_visible()
    assert [p for p in paths(seen) if p.startswith("widget/")] == ["widget/dialog.en.js"]
