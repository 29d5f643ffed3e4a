"""Which language each page, API answer and email is in (corrections.languages)."""
import re
from datetime import timedelta

import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import CorrectionRequest, Editor, OutboxMessage, utcnow
from corrections.notifications import events
from tests.helpers import (
    NOTHING,
    ORIGIN,
    csrf_token,
    csrf_token_in,
    row_counts,
    sign_in,
    suggestion_body,
)

ARTICLE = f"{ORIGIN}/2026/11/city-library-reopens"


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)" dir="(ltr|rtl)">', page).group(1)


# --- reader pages ------------------------------------------------------------------------

def test_the_form_link_s_lang_wins_over_the_site_and_the_browser(client, make_site):
    make_site(language="en")
    page = client.get("/suggest?site=news&lang=uk",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(page) == "uk"
    assert "Запропонувати виправлення" in page and "Suggest a correction" not in page


def test_without_lang_the_form_follows_the_site_s_language(client, make_site):
    make_site(language="uk")
    page = client.get("/suggest?site=news", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(page) == "uk" and "Надіслати пропозицію" in page


def test_without_lang_or_site_the_form_follows_accept_language(client, site):
    page = client.get("/suggest", headers={"Accept-Language": "uk-UA,uk;q=0.9"}).get_data(as_text=True)
    assert html_lang(page) == "uk"
    page = client.get("/suggest", headers={"Accept-Language": "de, en;q=0.5"}).get_data(as_text=True)
    assert html_lang(page) == "en" and "Send suggestion" in page


def test_no_js_form_end_to_end_in_ukrainian(app, client, make_site):
    make_site(language="en")
    shown = client.get(f"/suggest?site=news&url={ARTICLE}&lang=uk")
    data = {"csrf_token": csrf_token_in(shown.data), "site": "news", "url": ARTICLE,
            "quote": "", "kind": "typo", "suggestion": "", "lang": "uk", "website": ""}
    refused = client.post("/suggest", data=data, headers={"Accept-Language": "en"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and row_counts(app) == NOTHING
    assert "Деякі відповіді потребують уваги" in page
    quote_error = re.search(r'id="quote-error">([^<]+)<', page).group(1)
    assert quote_error == "Це поле обов’язкове."
    sent = client.post("/suggest", data=data | {"quote": "more then two hundred"},
                       headers={"Accept-Language": "en"})
    assert sent.status_code == 303 and "lang=uk" in sent.headers["Location"]
    thanks = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert html_lang(thanks) == "uk" and "Дякуємо" in thanks and "Номер вашого звернення" in thanks


def set_site_language(app, language: str) -> None:
    from corrections.models import Site
    with app.app_context():
        db.session.execute(sa.update(Site).values(language=language))
        db.session.commit()


def test_public_log_and_feed_of_a_ukrainian_site_are_ukrainian(app, client, report):
    request_id = report()
    set_site_language(app, "uk")
    from tests.helpers import publish
    publish(app, request_id, "Виправлено написання.")
    log = client.get("/corrections/news", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(log) == "uk"
    assert "Виправлення та уточнення" in log and "Corrections and clarifications" not in log
    assert re.search(r"\d{1,2} [а-яії]+ \d{4}", log), "the date is written in Ukrainian"
    feed = client.get("/corrections/news/feed.atom").get_data(as_text=True)
    assert 'xml:lang="uk"' in feed and "<title>Виправлення · " in feed
    assert "Виправлення: " in feed  # each entry's type label


# --- the API -------------------------------------------------------------------------------

def test_api_errors_follow_the_widget_s_lang_field(app, post_suggestion):
    response = post_suggestion(suggestion_body(lang="uk", quote={"exact": ""}))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == "Деякі поля потребують уваги."
    assert error["fields"] == {"quote.exact": "Це поле обов’язкове."}
    assert error["code"] == "invalid"  # codes stay the same in every language


def test_api_errors_without_lang_follow_accept_language(client, site):
    response = client.post("/api/v1/suggestions", data="{", headers={
        "Origin": ORIGIN, "Content-Type": "application/json", "Accept-Language": "uk"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "Тіло запиту не є дійсним JSON."
    response = client.post("/api/v1/suggestions", data="{", headers={
        "Origin": ORIGIN, "Content-Type": "application/json", "Accept-Language": "en"})
    assert response.get_json()["error"]["message"] == "The request body is not valid JSON."


def test_an_unknown_lang_falls_back_to_accept_language(post_suggestion, client):
    response = client.post("/api/v1/suggestions", json=suggestion_body(lang="xx", kind="nope"),
                           headers={"Origin": ORIGIN, "Accept-Language": "uk"})
    assert response.get_json()["error"]["message"] == "Деякі поля потребують уваги."


# --- editors -------------------------------------------------------------------------------

def test_the_dashboard_is_in_the_editor_s_language_whatever_the_browser_says(app, make_editor):
    make_editor(language="uk")
    client = app.test_client()
    assert sign_in(client).status_code == 303
    page = client.get("/dashboard/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(page) == "uk" and "<h1>Черга</h1>" in page and "Queue" not in page


def test_an_editor_changes_their_language_and_time_zone_on_their_account_page(app, editor_client):
    page = editor_client.get("/dashboard/account").get_data(as_text=True)
    response = editor_client.post("/dashboard/account", data={
        "csrf_token": csrf_token_in(page), "language": "uk", "time_zone": "Europe/Kyiv"})
    assert response.status_code == 303
    with app.app_context():
        editor = db.session.scalars(sa.select(Editor)).one()
        assert (editor.language, editor.time_zone) == ("uk", "Europe/Kyiv")
    saved = editor_client.get("/dashboard/account").get_data(as_text=True)
    assert "Ваші налаштування збережено." in saved


def test_an_unknown_time_zone_is_refused_and_changes_nothing(app, editor_client):
    page = editor_client.get("/dashboard/account").get_data(as_text=True)
    response = editor_client.post("/dashboard/account", data={
        "csrf_token": csrf_token_in(page), "language": "uk", "time_zone": "Mars/Olympus"})
    assert response.status_code == 422
    assert "Choose a time zone from the list." in response.get_data(as_text=True)
    with app.app_context():
        editor = db.session.scalars(sa.select(Editor)).one()
        assert (editor.language, editor.time_zone) == ("en", "UTC")


def test_times_on_the_dashboard_are_in_the_editor_s_time_zone(app, make_editor, report):
    make_editor(language="uk", time_zone="Europe/Kyiv")
    request_id = report()
    with app.app_context():
        item = db.session.get(CorrectionRequest, request_id)
        item.created_at = item.created_at.replace(hour=10, minute=5, second=0)
        item.created_at -= timedelta(days=1)
        db.session.commit()
    client = app.test_client()
    sign_in(client)
    page = client.get(f"/dashboard/requests/{request_id}").get_data(as_text=True)
    assert re.search(r"12:05 (\+0200|EET|GMT\+2)", page), "10:05 UTC is 12:05 in Kyiv in winter"


def test_ages_in_the_queue_are_in_the_editor_s_language(app, make_editor, report):
    make_editor(language="uk")
    request_id = report()
    with app.app_context():
        item = db.session.get(CorrectionRequest, request_id)
        item.created_at = utcnow() - timedelta(minutes=2, seconds=5)
        db.session.commit()
    client = app.test_client()
    sign_in(client)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert ">2 хв</time>" in page


def test_the_sign_in_page_follows_accept_language_and_its_switch_sticks(client):
    assert html_lang(client.get("/login", headers={"Accept-Language": "uk"}).get_data(as_text=True)) == "uk"
    page = client.get("/login?lang=en", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert html_lang(page) == "en" and 'hreflang="uk"' in page  # the switch offers the other
    again = client.get("/password/forgot", headers={"Accept-Language": "uk"})
    assert html_lang(again.get_data(as_text=True)) == "en"


def test_editor_add_sets_the_account_s_language(app, runner):
    result = runner.invoke(args=["editor", "add", "ed@news.example.org", "--language", "uk",
                                 "--password-stdin"], input="correct horse battery staple\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Editor.language)).one() == "uk"


def test_editor_add_refuses_a_language_the_app_does_not_have(app, runner):
    result = runner.invoke(args=["editor", "add", "ed@news.example.org", "--language", "xx",
                                 "--password-stdin"], input="correct horse battery staple\n")
    assert result.exit_code != 0 and "--language" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Editor)) == 0


def test_an_invitation_defaults_to_the_inviting_browser_s_language_and_is_written_in_it(app, admin_client):
    page = admin_client.get("/dashboard/editors", headers={"Accept-Language": "uk"})
    assert '<option selected value="uk">' in page.get_data(as_text=True)
    token = csrf_token(admin_client, "/dashboard/editors")
    response = admin_client.post("/dashboard/editors/invite", data={
        "csrf_token": token, "email": "new@news.example.org", "role": "editor", "language": "uk"},
        headers={"Accept-Language": "en"})
    assert response.status_code == 303
    with app.app_context():
        invited = db.session.scalars(sa.select(Editor).where(Editor.email == "new@news.example.org")).one()
        message = db.session.scalars(sa.select(OutboxMessage)).one()
    assert invited.language == "uk"
    assert message.subject == "Вас запрошено до редакції виправлень"
    assert "запрошує вас" in message.body_text and message.headers["Content-Language"] == "uk"


def test_editors_emails_are_in_their_own_language_not_the_site_s(app, make_editor, post_suggestion):
    from corrections.models import Site
    with app.app_context():
        db.session.execute(sa.update(Site).values(
            notify_emails=["desk@news.example.org", "uk.editor@news.example.org"]))
        db.session.commit()
    make_editor(email="uk.editor@news.example.org", language="uk")
    assert post_suggestion().status_code == 201
    with app.app_context():
        events.write_due_emails()  # the mail worker's step that writes them
        languages = dict(db.session.execute(sa.select(OutboxMessage.recipient,
                                                      OutboxMessage.headers)).all())
    assert languages["uk.editor@news.example.org"]["Content-Language"] == "uk"
    assert languages["desk@news.example.org"]["Content-Language"] == "en"
