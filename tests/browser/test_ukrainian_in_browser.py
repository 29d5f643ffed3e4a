"""The desk in Ukrainian in real Chromium: widget, no-JS form, dashboard, public log, and RTL."""
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from playwright.sync_api import expect

from corrections.extensions import db
from corrections.models import CorrectionRequest, Role, Site, State
from tests.browser.axe import axe_violations
from tests.browser.conftest import LiveServer
from tests.browser.widget_host import article_page, drag_select, widget_dialog
from tests.helpers import PASSWORD, publish

UKRAINIAN = """<h1>Міська бібліотека знову відкрита</h1>
<p>Після року ремонту центральна бібліотека відкрилася в понеділок, і понад двісті читачів
чекали біля дверей ще до відкриття.</p>"""


def set_site(app, **values) -> None:
    with app.app_context():
        db.session.execute(sa.update(Site).values(**values))
        db.session.commit()


def sign_in(page, base_url, email, label="Адреса електронної пошти", button="Увійти"):
    page.goto(f"{base_url}/login?lang=uk")
    page.get_by_label(label).fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/dashboard/**")


def test_widget_shows_a_server_side_validation_error_in_ukrainian(app, make_site, host_site,
                                                                  live_server, page, page_errors,
                                                                  screenshot):
    make_site(key="news", origins=[host_site.url], language="en")
    page.goto(host_site.add("/uk", article_page(live_server.url, UKRAINIAN, lang="uk")))
    drag_select(page, "понад двісті читачів")
    page.keyboard.press("Control+Enter")
    dialog = widget_dialog(page)
    links = " ".join(f"https://example.org/{n}" for n in range(5))  # more than the server allows
    dialog.get_by_label("Примітка для редакції (за бажанням)").fill(links)
    dialog.get_by_role("button", name="Надіслати").click()
    message = dialog.locator("#m-comment")
    expect(message).to_have_text(re.compile(r"^Коментар може містити не більше 3 посилань\."))
    screenshot(page, "uk-widget-server-error")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CorrectionRequest)) == 0


def test_the_no_js_form_end_to_end_in_ukrainian(browser, app, site, live_server, screenshot):
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/suggest?site=news&url=https://news.example.org/a&lang=uk")
    assert page.locator("html").get_attribute("lang") == "uk"
    page.get_by_role("button", name="Надіслати пропозицію").click()
    expect(page.get_by_role("alert")).to_contain_text("Деякі відповіді потребують уваги")
    screenshot(page, "uk-form-errors", full_page=True)
    page.get_by_label("Фрагмент у теперішньому вигляді").fill("понад двісті читачів")
    page.get_by_label("Як має бути (за бажанням)").fill("понад двісті відвідувачів")
    page.get_by_role("button", name="Надіслати пропозицію").click()
    expect(page.get_by_role("heading", name="Дякуємо")).to_be_visible()
    screenshot(page, "uk-form-thanks", full_page=True)
    context.close()
    with app.app_context():
        request = db.session.scalars(sa.select(CorrectionRequest)).one()
        assert request.proposed == "понад двісті відвідувачів"


def test_an_editor_working_in_ukrainian_takes_a_request_through_to_publication(
        app, live_server, make_editor, report, page, screenshot):
    make_editor(language="uk", time_zone="Europe/Kyiv")
    number = report()
    sign_in(page, live_server.url, "editor@news.example.org")
    expect(page.get_by_role("heading", name="Черга")).to_be_visible()
    screenshot(page, "uk-dashboard-queue", full_page=True)
    page.locator(f"#row-{number} a.open").click()
    page.locator("form[data-action=accept]").get_by_role("button", name="Прийняти").click()
    expect(page.get_by_text("Прийняти: виконано.")).to_be_visible()
    publish_form = page.locator("form[data-action=publish]")
    publish_form.get_by_role("radio", name="Виправлення").check()
    publish_form.get_by_label("Публічна примітка (показана в журналі виправлень)").fill(
        "Виправлено: «понад двісті».")
    publish_form.get_by_role("button", name="Опублікувати").click()
    expect(page.get_by_text("Опублікувати: виконано.")).to_be_visible()
    screenshot(page, "uk-dashboard-published", full_page=True)
    assert "Історія змін" in page.content()
    with app.app_context():
        assert db.session.get(CorrectionRequest, number).state is State.PUBLISHED


def test_the_public_log_and_feed_of_a_ukrainian_site_are_ukrainian(app, live_server, report,
                                                                   browser, screenshot):
    number = report()
    set_site(app, language="uk")
    publish(app, number, "Виправлено написання.")
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/corrections/news")
    assert page.locator("html").get_attribute("lang") == "uk"
    expect(page.get_by_role("heading", name="Виправлення та уточнення")).to_be_visible()
    expect(page.locator(".badge")).to_have_text("Виправлення")
    screenshot(page, "uk-public-log", full_page=True)
    feed = page.request.get(f"{live_server.url}/corrections/news/feed.atom").text()
    context.close()
    assert 'xml:lang="uk"' in feed and "<title>Виправлення · The Example News</title>" in feed


@pytest.mark.parametrize("language", ["en", "uk"])
def test_form_dashboard_and_public_log_have_no_accessibility_violations(
        browser, app, live_server, axe_script, make_editor, report, language):
    make_editor(email="admin@news.example.org", role=Role.ADMIN, language=language)
    number = report()
    publish(app, report(quote={"exact": "другий фрагмент", "prefix": "", "suffix": ""},
                        position=None), "Виправлено." if language == "uk" else "Fixed.")
    set_site(app, language=language)
    context = browser.new_context(bypass_csp=True)  # only so the test can inject axe
    page = context.new_page()
    found = {}
    paths = [f"/suggest?site=news&lang={language}", "/corrections/news", "LOGIN", "/dashboard/",
             f"/dashboard/requests/{number}", "/dashboard/account"]
    for path in paths:
        if path == "LOGIN":
            page.goto(f"{live_server.url}/login?lang={language}")
            page.locator("#email").fill("admin@news.example.org")
            page.locator("#password").fill(PASSWORD)
            page.locator("button[type=submit]").click()
            page.wait_for_url("**/dashboard/**")
            continue
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == language, path
        violations = axe_violations(page, axe_script)
        if violations:
            found[path] = violations
    context.close()
    assert found == {}


# --- right to left -------------------------------------------------------------------------

RTL_WORDS = {"Queue": "قائمة الانتظار", "Corrections desk": "مكتب التصحيحات", "Sign out": "خروج"}


@pytest.fixture
def rtl_app(app_factory, tmp_path):
    """The app with a small Arabic catalogue installed for this test only."""
    catalog = Catalog(locale="ar")
    for english, arabic in RTL_WORDS.items():
        catalog.add(english, arabic)
    folder = tmp_path / "translations" / "ar" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as file:
        write_mo(file, catalog)
    return app_factory(LANGUAGES=("en", "uk", "ar"),
                       BABEL_TRANSLATION_DIRECTORIES=f"translations;{tmp_path / 'translations'}")


def bounds(page, selector: str) -> SimpleNamespace:
    return SimpleNamespace(**page.locator(selector).first.bounding_box())


def test_a_right_to_left_language_mirrors_the_dashboard(rtl_app, make_editor, report, browser,
                                                       screenshot):
    make_editor(email="ar@news.example.org", language="ar")
    make_editor(email="en@news.example.org", language="en")
    report()
    layouts = {}
    with LiveServer(rtl_app) as server:
        for email in ("en@news.example.org", "ar@news.example.org"):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(f"{server.url}/login")
            page.locator("#email").fill(email)
            page.locator("#password").fill(PASSWORD)
            page.locator("button[type=submit]").click()
            page.wait_for_url("**/dashboard/**")
            html = page.locator("html")
            layouts[email] = SimpleNamespace(
                lang=html.get_attribute("lang"), dir=html.get_attribute("dir"),
                brand=bounds(page, ".topbar .brand"), account=bounds(page, ".topbar .account"),
                heading=bounds(page, "h1"), width=page.viewport_size["width"],
                title=page.locator("h1").inner_text())
            screenshot(page, f"rtl-dashboard-{email.split('@')[0]}", full_page=True)
            context.close()
    ltr, rtl = layouts["en@news.example.org"], layouts["ar@news.example.org"]
    assert (ltr.lang, ltr.dir, rtl.lang, rtl.dir) == ("en", "ltr", "ar", "rtl")
    assert rtl.title == RTL_WORDS["Queue"]
    # Mirrored: the brand starts the bar on the right, the account ends it on the left.
    assert ltr.brand.x < ltr.account.x and rtl.brand.x > rtl.account.x
    assert abs((rtl.brand.x + rtl.brand.width) - (ltr.width - ltr.brand.x)) < 4
    assert abs(rtl.heading.x + rtl.heading.width - (ltr.width - ltr.heading.x)) < 4
