"""What a hostile outsider could do to the desk, one test each: every one of these worked
against the first edition. Run on SQLite and PostgreSQL, like every test with `app`."""
import base64
import binascii
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
import sqlalchemy as sa

from corrections import create_app
from corrections.extensions import db
from corrections.models import Article, CorrectionRequest, OutboxMessage, Submission
from corrections.notifications import events
from tests.helpers import (
    NOTHING,
    ORIGIN,
    PASSWORD,
    act,
    csrf_token,
    passage,
    publish,
    request_ids,
    row_counts,
    sign_in,
    suggestion_body,
)

ATOM = "{http://www.w3.org/2005/Atom}"
HEADLINE = "City library reopens"
DEFACED = "Newsroom retracts: story was fabricated"


def outbox_rows(app, **where) -> list[OutboxMessage]:
    """The outbox once the mail worker has written the emails of due events."""
    with app.app_context():
        events.write_due_emails()
        rows = db.session.scalars(sa.select(OutboxMessage).filter_by(**where)
                                  .order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return rows


# --- rewriting public headlines ----------------------------------------------------------------

def test_a_reader_cannot_rewrite_a_published_headline(app, client, editor_client, post_suggestion):
    post_suggestion(title=HEADLINE)
    [first] = request_ids(app)
    publish(app, first, "We misstated the number of readers.")
    assert post_suggestion(title=DEFACED, **passage(2)).status_code == 201
    second = request_ids(app)[-1]
    log = client.get("/corrections/news").get_data(as_text=True)
    feed = ET.fromstring(client.get("/corrections/news/feed.atom").data)
    dashboard = editor_client.get(f"/dashboard/requests/{second}").get_data(as_text=True)
    [mail] = [row for row in outbox_rows(app, kind="editor_new_request") if row.request_id == second]
    assert HEADLINE in log and DEFACED not in log
    assert feed.find(f"{ATOM}entry/{ATOM}title").text == f"Correction: {HEADLINE}"
    assert HEADLINE in dashboard and DEFACED not in dashboard
    assert HEADLINE in mail.body_text and DEFACED not in mail.body_text + mail.body_html


def test_a_title_with_characters_xml_forbids_leaves_the_feed_valid(app, client, post_suggestion):
    post_suggestion(title="Library\ufffe reopens\uffff")
    publish(app, request_ids(app)[0], "Fixed\ufffe.")
    feed = ET.fromstring(client.get("/corrections/news/feed.atom").data)  # raises if invalid
    assert feed.find(f"{ATOM}entry/{ATOM}title").text == "Correction: Library reopens"


# --- making the newsroom mail any address ------------------------------------------------------

def test_asking_for_the_outcome_mails_no_outcome_to_an_unconfirmed_address(app, post_suggestion):
    victim = "victim@example.org"
    post_suggestion(email=victim, notify=True, name="Spam Name",
                    comment="Buy cheap watches at watches.example")
    publish(app, request_ids(app)[0], "Corrected.")
    to_victim = outbox_rows(app, recipient=victim)
    assert [row.kind for row in to_victim] == ["reader_confirm"]
    [confirmation] = to_victim
    text = confirmation.subject + confirmation.body_text + confirmation.body_html
    assert "watches" not in text and "Spam Name" not in text


# --- crashing a request ----------------------------------------------------------------------

LONE_SURROGATE = "\ud800"
SURROGATE_FIELDS = {
    "quote.exact": {"quote": {"exact": f"more{LONE_SURROGATE}", "prefix": "", "suffix": ""}},
    "name": {"name": f"A{LONE_SURROGATE}"},
    "title": {"title": f"T{LONE_SURROGATE}"},
    "comment": {"comment": f"c{LONE_SURROGATE}"},
    "site": {"site": f"news{LONE_SURROGATE}"},
    "url": {"url": f"{ORIGIN}/a{LONE_SURROGATE}"},
}


@pytest.mark.parametrize("field", SURROGATE_FIELDS)
def test_a_lone_surrogate_is_a_422_naming_the_field(app, client, site, field):
    body = json.dumps(suggestion_body(**SURROGATE_FIELDS[field]))  # "\ud800" as JSON has it
    response = client.post("/api/v1/suggestions", data=body, content_type="application/json",
                           headers={"Origin": ORIGIN})
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert row_counts(app) == NOTHING


def test_a_nul_in_the_user_agent_is_stored_without_it(app, client, site):
    response = client.post("/api/v1/suggestions", json=suggestion_body(),
                           headers={"Origin": ORIGIN, "User-Agent": "Mozilla/5.0\x00\x01 evil"})
    assert response.status_code == 201
    with app.app_context():
        assert db.session.scalars(sa.select(Submission.user_agent)).one() == "Mozilla/5.0 evil"


def test_a_log_cursor_beyond_any_id_is_a_400(client, site):
    response = client.get("/corrections/news?before=2026-01-01T00:00:00,99999999999999999999999")
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/dashboard/requests/99999999999999999999",
                                  "/dashboard/requests/9223372036854775808",
                                  "/dashboard/sites/99999999999999999999"])
def test_an_id_beyond_any_in_a_dashboard_address_is_a_404(app, client, make_editor, path):
    from corrections.models import Role
    make_editor(role=Role.ADMIN)
    assert sign_in(client).status_code == 303
    assert client.get(path).status_code == 404


def test_a_post_to_an_id_beyond_any_is_a_404(app, editor_client):
    token = csrf_token(editor_client, "/dashboard/")
    response = editor_client.post("/dashboard/requests/99999999999999999999/accept",
                                  data={"accept-csrf_token": token, "accept-version": "1"})
    assert response.status_code == 404


# --- walking past the spam guards ------------------------------------------------------------

def test_the_honeypot_answers_like_a_success_and_never_names_itself(app, post_suggestion):
    response = post_suggestion(website="http://spam.example")
    assert response.status_code == 201
    assert set(response.json) == {"id", "reference", "status"}
    assert "website" not in response.get_data(as_text=True)
    assert row_counts(app) == NOTHING


def test_a_comment_with_sixty_links_is_refused(app, post_suggestion):
    comment = " ".join(f"https://spam{n}.example/buy" for n in range(60))
    response = post_suggestion(comment=comment)
    assert response.status_code == 422
    assert "link" in response.json["error"]["fields"]["comment"]
    assert row_counts(app) == NOTHING


def test_marking_a_sender_as_spam_can_stop_their_next_submission(app, editor_client, report):
    number = report(ip="203.0.113.66")
    response = act(editor_client, number, "spam", block_client="y")
    assert response.status_code == 303
    before = row_counts(app)
    again = app.test_client().post("/api/v1/suggestions", json=suggestion_body(**passage(9)),
                                   headers={"Origin": ORIGIN},
                                   environ_base={"REMOTE_ADDR": "203.0.113.66"})
    assert again.status_code == 201  # the sender is not told
    assert row_counts(app) == before


def test_one_ipv6_network_shares_one_rate_limit(app_factory, make_site):
    app = app_factory(INTAKE_RATE_LIMIT="1 per minute")
    make_site()
    client = app.test_client()

    def send(ip):
        return client.post("/api/v1/suggestions", json=suggestion_body(),
                           headers={"Origin": ORIGIN}, environ_base={"REMOTE_ADDR": ip}).status_code
    assert send("2001:db8:1:2::1") == 201
    assert send("2001:db8:1:2:ffff:ffff:ffff:fffe") == 429


# --- keeping a stolen session ----------------------------------------------------------------

def test_a_session_cookie_copied_before_sign_out_no_longer_works(app, editor_client):
    copied = editor_client.get_cookie("session").value
    token = csrf_token(editor_client, "/dashboard/")
    assert editor_client.post("/logout", data={"csrf_token": token}).status_code == 303
    thief = app.test_client()
    thief.set_cookie("session", copied, domain="localhost")
    assert thief.get("/dashboard/").status_code == 302


def test_another_spelling_of_a_locked_account_is_locked_too(app_factory, make_editor):
    app = app_factory(LOGIN_RATE_LIMIT_ACCOUNT="3 per 15 minutes")
    make_editor()
    for _ in range(3):
        sign_in(app.test_client(), password="wrong password entirely")
    response = sign_in(app.test_client(), "editor@news.\uff45xample.org", PASSWORD)  # fullwidth e
    assert response.status_code == 429


def test_the_app_refuses_to_start_with_the_example_secret_key(tmp_path, monkeypatch):
    for name in ("CORRECTIONS_SECRET_KEY", "CORRECTIONS_SQLALCHEMY_DATABASE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CORRECTIONS_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text('SECRET_KEY = "change-me"\n')
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


# --- readers' data ---------------------------------------------------------------------------

def confirm_addresses(app) -> None:
    """Follow every confirmation link in the outbox as the reader would: open it, press the button."""
    for row in outbox_rows(app, kind="reader_confirm"):
        path = re.search(r"http://corrections\.test(/mail/confirm/\S+)", row.body_text).group(1)
        client = app.test_client()
        assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 200


def test_the_unsubscribe_link_does_not_carry_the_address(app, post_suggestion):
    post_suggestion(email="reader@example.net", notify=True)
    confirm_addresses(app)
    publish(app, request_ids(app)[0], "Corrected.")
    [outcome] = outbox_rows(app, kind="reader_published")
    token = re.search(r"/mail/unsubscribe/([^/>\s]+)", outcome.headers["List-Unsubscribe"]).group(1)
    for piece in token.split("."):
        try:
            decoded = base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4))
        except binascii.Error:  # not base64 at all: nothing to read in it
            continue
        assert b"reader" not in decoded
    assert "reader" not in token


def test_privacy_commands_export_and_erase_a_readers_data(app, runner, post_suggestion):
    post_suggestion(email="reader@example.net", name="A. Reader")
    exported = runner.invoke(args=["privacy", "export", "reader@example.net"])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["submissions"][0]["name"] == "A. Reader"
    erased = runner.invoke(args=["privacy", "erase", "reader@example.net"])
    assert erased.exit_code == 0, erased.output
    with app.app_context():
        submission = db.session.scalars(sa.select(Submission)).one()
        assert (submission.name, submission.email) == ("", "")
        assert submission.comment  # the text stays


def test_purge_removes_the_bodies_of_old_delivered_emails(app, runner, post_suggestion):
    post_suggestion()
    with app.app_context():
        events.write_due_emails()  # the mail worker writes the suggestion's emails
        long_ago = datetime(2020, 1, 1)
        db.session.execute(sa.update(OutboxMessage).values(status="sent", sent_at=long_ago,
                                                           created_at=long_ago))
        db.session.commit()
    result = runner.invoke(args=["privacy", "purge", "--older-than", "30"])
    assert result.exit_code == 0, result.output
    assert outbox_rows(app) and all(row.body_text == "" and row.body_html is None
                                    for row in outbox_rows(app))


def test_the_outbox_page_is_never_cached(app, admin_client):
    response = admin_client.get("/dashboard/outbox")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_headline_is_not_overwritten_in_the_database_either(app, post_suggestion):
    post_suggestion(title=HEADLINE)
    post_suggestion(title=DEFACED, **passage(3))
    with app.app_context():
        assert db.session.scalars(sa.select(Article.title)).one() == HEADLINE
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CorrectionRequest)) == 2
