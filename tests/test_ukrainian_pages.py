"""Every page, email, export and command-line answer in Ukrainian carries no run of English
words outside reader text."""
import csv
import html
import io
import os
import re
import signal
import threading
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_datetime
from flask import render_template
from flask.cli import FlaskGroup

from corrections.accounts import service as accounts
from corrections.extensions import db
from corrections.models import (
    BlockEntry,
    BlockKind,
    CorrectionRequest,
    Editor,
    Event,
    OutboxMessage,
    OutboxStatus,
    Role,
    Site,
    Submission,
)
from corrections.notifications import events, links, readers
from corrections.notifications import notify as notifications
from tests.helpers import (
    ORIGIN,
    csrf_token,
    csrf_token_in,
    publish,
    sign_in,
    suggestion_body,
)

ROOT = Path(__file__).resolve().parents[1]
#: Names and notations that are the same in every language.
ALLOWED = {"CSV", "JSON", "SMTP", "Atom", "UTC", "IPv4", "IPv6", "NUL", "UTF-8", "URL", "Enter",
           "Content-Type", "application/json", "data-site", "true", "false", "English", "me",
           "none", "origin", "origins", "http", "https", "www", "example.org", "Ctrl", "Esc",
           "news.example.org", "SIGTERM", "flask --app corrections mail worker", "make run", "EET", "GMT", "UTF", "PDF"}
#: Everything a reader, an editor or the site supplied in the fixtures below.
SUPPLIED = ["Kyiv Daily News", "City library reopens", "more then two hundred",
            "more than two hundred", "two hundred", "more", "“then” should be “than”.", "A. Reader",
            "Monday morning, and", "readers were waiting", "Spelling fixed.", "spammy phrase",
            "A note by the admin", "Connection refused by the test", "The Daily Demo",
            "The Example News", "Connection refused"]
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z’']+(?:[ ,.:;—-]+[A-Za-z][a-z’']+)+\b")


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    attributes = " ".join(re.findall(r'\b(?:aria-label|title|placeholder|alt|label)="([^"]*)"', page))
    text = re.sub(r"<[^>]+>", " ", page) + " " + attributes
    return html.unescape(text)


def english_runs(text: str) -> list[str]:
    for supplied in SUPPLIED:
        text = text.replace(supplied, " ")
    text = re.sub(r"\S+@\S+|https?://\S+|\b[\w.-]+\.(?:org|net|test|example)\S*", " ", text)
    for word in sorted(ALLOWED, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(word)}(?![\w-])", " ", text)
    return [run for run in ENGLISH_RUN.findall(text) if len(run.split()) >= 2]


@pytest.fixture
def desk(app, make_site, make_editor):
    """A Ukrainian site with a published and an open request, an admin working in Ukrainian."""
    make_site(name="Kyiv Daily News", language="uk",
              notify=("admin@news.example.org",))
    make_editor(email="admin@news.example.org", role=Role.ADMIN, language="uk",
                time_zone="Europe/Kyiv")
    client = app.test_client()
    sent = client.post("/api/v1/suggestions", json=suggestion_body(lang="uk"),
                       headers={"Origin": ORIGIN})
    assert sent.status_code == 201
    other = client.post("/api/v1/suggestions", json=suggestion_body(
        lang="uk", quote={"exact": "spammy phrase", "prefix": "", "suffix": ""}, position=None,
        email="", notify=False), headers={"Origin": ORIGIN})
    assert other.status_code == 201
    with app.app_context():
        first, second = db.session.scalars(sa.select(CorrectionRequest.id)
                                           .order_by(CorrectionRequest.id)).all()
        admin = db.session.scalars(sa.select(Editor)).one()
        db.session.add(BlockEntry(kind=BlockKind.PHRASE, value="spammy phrase",
                                  note="A note by the admin", created_by=admin))
        events.write_due_emails()  # the mail worker's step that writes the emails
        failed = db.session.scalars(sa.select(OutboxMessage)).first()
        failed.status, failed.last_error = OutboxStatus.FAILED, "Connection refused by the test"
        db.session.commit()
    publish(app, first, "Spelling fixed.")
    editor_client = app.test_client()
    assert sign_in(editor_client, "admin@news.example.org").status_code == 303
    return {"published": first, "open": second, "client": client, "editor": editor_client}


def check(page: str, where: str) -> None:
    runs = english_runs(visible_text(page))
    assert runs == [], f"English on {where}: {runs[:5]}"


def test_reader_pages_in_ukrainian_have_no_english(app, desk):
    client = desk["client"]
    headers = {"Accept-Language": "en"}  # the site's language wins over the browser's
    for path in ("/suggest?site=news", "/corrections/news", "/corrections/news/feed.atom",
                 "/corrections/news?before=garbage"):
        page = client.get(path, headers=headers)
        assert page.status_code in (200, 400)
        check(page.get_data(as_text=True), path)
    shown = client.get("/suggest?site=news&lang=uk")
    refused = client.post("/suggest", data={"csrf_token": csrf_token_in(shown.data), "site": "news",
                                            "lang": "uk", "url": "nope", "quote": "", "kind": "",
                                            "email": "bad", "notify": "y"})
    assert refused.status_code == 422
    check(refused.get_data(as_text=True), "the refused form")
    sent = client.post("/suggest", data={"csrf_token": csrf_token_in(shown.data), "site": "news",
                                         "lang": "uk", "url": f"{ORIGIN}/a", "quote": "more then two hundred",
                                         "kind": "typo", "email": "reader@example.net", "notify": "y"})
    assert sent.status_code == 303
    check(client.get(sent.headers["Location"]).get_data(as_text=True), "the thank-you page")
    with app.app_context():
        events.write_due_emails()  # the worker's step: the confirmation email is written now
    walked = []
    for body in outbox_bodies(app, "reader_confirm"):
        for link in re.findall(r"http://corrections\.test(/mail/\S+)", body):
            check(client.get(link, headers=headers).get_data(as_text=True), link)
            walked.append(link)
    assert walked, "the confirmation email's link pages were walked"


def outbox_bodies(app, kind: str) -> list[str]:
    with app.app_context():
        return [m.body_text + m.body_html for m in
                db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind))]


def test_dashboard_pages_in_ukrainian_have_no_english(app, desk):
    client = desk["editor"]
    headers = {"Accept-Language": "en"}
    with app.app_context():
        site_id = db.session.scalar(sa.select(Site.id))
    paths = ["/dashboard/", "/dashboard/?state=all", "/dashboard/?state=published",
             "/dashboard/?q=nothing-matches", "/dashboard/?kind=nope",
             f"/dashboard/requests/{desk['open']}", f"/dashboard/requests/{desk['published']}",
             "/dashboard/sites", "/dashboard/sites/new", f"/dashboard/sites/{site_id}",
             "/dashboard/editors", "/dashboard/spam", "/dashboard/outbox", "/dashboard/account",
             "/dashboard/requests/999999"]
    for path in paths:
        page = client.get(path, headers=headers)
        assert page.status_code in (200, 400, 404), path
        check(page.get_data(as_text=True), path)
    token = csrf_token(client, f"/dashboard/requests/{desk['open']}")
    refused = client.post(f"/dashboard/requests/{desk['open']}/reject",
                          data={"reject-csrf_token": token, "reject-version": "1", "reject-note": ""})
    check(refused.get_data(as_text=True), "a refused action")


def test_sign_in_and_password_pages_in_ukrainian_have_no_english(app, desk):
    client = app.test_client()
    headers = {"Accept-Language": "uk"}
    for path in ("/login", "/password/forgot", "/password/reset/not-a-token", "/nowhere"):
        check(client.get(path, headers=headers).get_data(as_text=True), path)
    token = csrf_token(client, "/password/forgot")
    sent = client.post("/password/forgot", data={"csrf_token": token, "email": "admin@news.example.org"},
                       headers=headers)
    check(sent.get_data(as_text=True), "the forgot-password answer")
    wrong = client.post("/login", data={"csrf_token": csrf_token(client), "email": "x@y.org",
                                        "password": "nope"}, headers=headers)
    check(wrong.get_data(as_text=True), "a failed sign-in")
    [body] = outbox_bodies(app, "password_reset")
    check(body, "the password-reset email")
    link = re.search(r"http://corrections\.test(/password/reset/[^\s\"<]+)", body).group(1)
    check(client.get(link, headers=headers).get_data(as_text=True), "the choose-password page")


def test_pages_behind_editors_email_links_in_ukrainian_have_no_english(app, desk):
    client = app.test_client()
    with app.app_context():
        request = db.session.get(CorrectionRequest, desk["open"])
        admin = db.session.scalars(sa.select(Editor)).one()
        actions = links.action_links(request, admin)
    for url in actions.values():
        path = url.removeprefix("http://corrections.test")
        check(client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True), path)
        # A broken link names no editor: the browser's language decides.
        broken = client.get(path[:-3] + "xyz", headers={"Accept-Language": "uk"})
        check(broken.get_data(as_text=True), "a broken link")
    path = actions["accept"].removeprefix("http://corrections.test")
    page = client.get(path)
    done = client.post(path, data={"csrf_token": csrf_token_in(page.data)})
    assert done.status_code == 200
    check(done.get_data(as_text=True), "the action-done page")


def test_every_email_in_ukrainian_has_no_english(app, desk):
    with app.app_context():
        admin = db.session.scalars(sa.select(Editor)).one()
        site = db.session.scalars(sa.select(Site)).one()
        request = db.session.get(CorrectionRequest, desk["published"])
        submission = db.session.scalars(sa.select(Submission)).first()
        event = db.session.scalars(sa.select(Event).order_by(Event.id.desc())).first()
        accounts.send_password_reset(admin.email)
        accounts.send_invitation(admin, admin)
        db.session.commit()
        context = {"site": site, "lang": "uk", "recipient": admin.email, "request": request,
                   "submission": submission, "event": event, "unsubscribe_url": "http://x.test/u",
                   "total": 1, "since": None, "period": "daily", "link_days": 7, "more": 2,
                   "items": [notifications.editor_context(request, admin)]}
        with app.test_request_context():
            rendered = {f"{name}.{ext}": render_template(f"email/uk/{name}.{ext}", **context)
                        for name in ("digest", "reader_outcome") for ext in ("txt", "html")}
        stored = {f"{m.kind} #{m.id}": m.subject + "\n" + m.body_text + (m.body_html or "")
                  for m in db.session.scalars(sa.select(OutboxMessage))}
    kinds = {name.split(" #")[0] for name in stored}
    assert {"editor_new_request", "reader_confirm", "password_reset", "editor_invite"} <= kinds
    for where, text in {**rendered, **stored}.items():
        check(text, where)
    templates = {p.name for p in (ROOT / "templates/email/uk").glob("*") if not p.name.startswith("_")}
    english = {p.name for p in (ROOT / "templates/email/en").glob("*") if not p.name.startswith("_")}
    assert english <= templates, "every English email has a Ukrainian one"


# --- the command line, the CSV export, the outbox, readers' and editors' link pages -------------

#: click's own frame around a command's help and errors (click ships no Ukrainian), option
#: names and choices: the same in every language.
CLICK_FRAME = re.compile(r"Usage: [^\n]*|Options:|Commands:|Show this message and exit\.|Error:|"
                         r"\[default: [^\]]*\]|\[required\]|\[[\w|-]+\]|--[\w-]+|\w+(?:\|\w+)+")
UKRAINIAN_SHELL = {"LANG": "uk_UA.UTF-8"}


def check_cli(result, where: str) -> None:
    check_text(CLICK_FRAME.sub(" ", result.output), where)


def check_text(text: str, where: str) -> None:
    runs = english_runs(text)
    assert runs == [], f"English in {where}: {runs[:5]}"


def cyrillic(text: str) -> bool:
    return bool(re.search(r"[а-яіїєґ]", text, re.IGNORECASE))


COMMANDS = [["privacy", "purge"], ["privacy", "erase", "reader@example.net"],
            ["privacy", "erase", "admin@news.example.org"], ["privacy", "erase", "not an address"],
            ["mail", "send"], ["demo"], ["demo"], ["site", "add", "news", "--name", "Again",
                                                   "--origin", ORIGIN, "--notify", "a@b.org"],
            ["editor", "password", "nobody@news.example.org", "--password-stdin"]]
#: (`flask --help` alone lists the commands before the app and its language are loaded.)
HELP = [["privacy"], ["privacy", "purge"], ["privacy", "export"], ["privacy", "erase"],
        ["mail"], ["mail", "send"], ["mail", "worker"], ["demo"], ["site", "add"],
        ["editor", "add"], ["editor", "password"], ["export"], ["import"]]


def test_commands_answer_in_the_shell_s_language(app, desk):
    runner = app.test_cli_runner()
    for command in COMMANDS:
        result = runner.invoke(args=command, env=UKRAINIAN_SHELL, input="\n")
        assert cyrillic(result.output), (command, result.output)
        check_cli(result, " ".join(command))
    english = runner.invoke(args=["privacy", "purge"], env={"LANG": "C.UTF-8"})
    assert english.output.startswith("Purged what is older than")


def test_command_help_is_in_the_shell_s_language(app):
    runner, flask = app.test_cli_runner(), FlaskGroup(load_dotenv=False)  # as `flask` runs it
    for command in HELP:
        result = runner.invoke(flask, args=[*command, "--help"], env=UKRAINIAN_SHELL)
        assert result.exit_code == 0 and cyrillic(result.output), (command, result.output)
        check_cli(result, " ".join(command) + " --help")


def test_mail_worker_speaks_the_shell_s_language(app, desk):
    runner, handlers = app.test_cli_runner(), {s: signal.getsignal(s) for s in (signal.SIGTERM,
                                                                                signal.SIGINT)}
    stop = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    stop.start()
    try:
        result = runner.invoke(args=["mail", "worker", "--poll", "0.05"], env=UKRAINIAN_SHELL)
    finally:
        stop.cancel()
        for number, handler in handlers.items():
            signal.signal(number, handler)
    assert result.exit_code == 0, result.output
    assert "Поштовий обробник: зупинено." in result.output
    check_cli(result, "mail worker")


def test_import_refusals_speak_the_shell_s_language(app, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = app.test_cli_runner().invoke(args=["import", str(empty)], env=UKRAINIAN_SHELL)
    assert result.exit_code == 1 and "Файл порожній." in result.output


def test_csv_export_headers_are_in_the_editor_s_language(desk):
    response = desk["editor"].get("/dashboard/export.csv", headers={"Accept-Language": "en"})
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header[:3] == ["Запит", "Стан", "Сайт"]
    assert set(re.findall(r"[A-Za-z]+", " ".join(header))) <= {"UTC"}, header


def test_outbox_shows_times_in_the_editor_s_zone_and_language(app, desk):
    page = desk["editor"].get("/dashboard/outbox", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    head = re.search(r"<thead>(.*?)</thead>", page, re.DOTALL).group(1)
    assert set(re.findall(r"[A-Za-z]{2,}", visible_text(head))) == set(), head
    with app.app_context():
        failed = db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.FAILED)).first()
        shown = format_datetime(failed.created_at.replace(tzinfo=UTC), "d MMM y, HH:mm zzz",
                                tzinfo=ZoneInfo("Europe/Kyiv"), locale="uk")
    assert html.escape(shown) in page


@pytest.fixture
def english_site_reader(app, make_site):
    """An English site and a reader who wrote to it in Ukrainian and asked for the outcome."""
    make_site(language="en")
    sent = app.test_client().post("/api/v1/suggestions", json=suggestion_body(lang="uk"),
                                  headers={"Origin": ORIGIN})
    assert sent.status_code == 201
    with app.app_context():
        events.write_due_emails()
        db.session.commit()
        address = db.session.scalars(sa.select(readers.ReaderAddress)).one()
        [body] = outbox_bodies(app, "reader_confirm")
        return {"token": address.token, "confirm": re.search(
            r"http://corrections\.test(/mail/confirm/[^\s\"<]+)", body).group(1)}


def test_reader_link_pages_speak_the_reader_s_language_not_the_site_s(app, english_site_reader):
    client = app.test_client()
    english = {"Accept-Language": "en"}
    confirm = client.get(english_site_reader["confirm"], headers=english)
    done = client.post(english_site_reader["confirm"],
                       data={"csrf_token": csrf_token_in(confirm.data)}, headers=english)
    unsubscribe_path = f"/mail/unsubscribe/{english_site_reader['token']}"
    unsubscribe = client.get(unsubscribe_path, headers=english)
    unsubscribed = client.post(unsubscribe_path, data={"csrf_token": csrf_token_in(unsubscribe.data)},
                               headers=english)
    for where, page in {"confirm": confirm, "confirmed": done, "unsubscribe": unsubscribe,
                        "unsubscribed": unsubscribed}.items():
        assert page.status_code == 200, where
        text = page.get_data(as_text=True)
        assert '<html lang="uk"' in text, where
        check(text, where)


def test_a_reader_without_a_stored_language_gets_the_site_s(app, english_site_reader):
    with app.app_context():
        db.session.execute(sa.update(readers.ReaderAddress).values(language=""))
        db.session.commit()
    page = app.test_client().get(english_site_reader["confirm"], headers={"Accept-Language": "uk"})
    assert '<html lang="en"' in page.get_data(as_text=True)


def test_invitation_and_reset_pages_speak_the_editor_s_language(app, desk):
    with app.app_context():
        admin = db.session.scalars(sa.select(Editor)).one()
        links_for = {"reset": accounts.password_link(admin, accounts.RESET),
                     "invite": accounts.password_link(admin, accounts.INVITE)}
    client = app.test_client()
    for where, url in links_for.items():
        page = client.get(url.removeprefix("http://corrections.test"),
                          headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert '<html lang="uk"' in page, where
        check(page, where)


def test_the_demo_article_is_in_the_visitor_s_language(app_factory):
    demo = app_factory(DEMO=True).test_client()
    page = demo.get("/demo/", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert '<html lang="uk"' in page and "lang=uk" in page  # the form link carries it
    check(page, "the demo article")
    english = demo.get("/demo/?lang=en", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert "City library opens its doors" in english
