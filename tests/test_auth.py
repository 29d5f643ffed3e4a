"""Signing in and out: sessions, the generic error, safe `next`, timeouts, throttling."""
import time

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import Editor, Role
from tests.helpers import PASSWORD, csrf_token, sign_in

GENERIC = "The email address or the password is not right"


def signed_in(client) -> bool:
    response = client.get("/dashboard/")
    return response.status_code == 200


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/requests/1", "/dashboard/sites",
                                  "/dashboard/editors", "/dashboard/export.csv"])
def test_dashboard_without_a_session_redirects_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_right_password_signs_in_and_opens_the_queue(client, editor):
    response = sign_in(client)
    assert response.status_code == 303 and response.location == "/dashboard/"
    assert signed_in(client)


def test_sign_in_records_when(app, client, editor):
    sign_in(client)
    with app.app_context():
        assert db.session.get(Editor, editor).last_login_at is not None


@pytest.mark.parametrize("email,password", [
    ("editor@news.example.org", "wrong password entirely"),
    ("nobody@news.example.org", PASSWORD),
    ("not an address", PASSWORD),
])
def test_wrong_credentials_get_one_generic_message(client, editor, email, password):
    response = sign_in(client, email, password)
    assert response.status_code == 200
    assert GENERIC in response.get_data(as_text=True)
    assert not signed_in(client)


def test_deactivated_editor_cannot_sign_in(client, make_editor):
    make_editor(active=False)
    response = sign_in(client)
    assert GENERIC in response.get_data(as_text=True)
    assert not signed_in(client)


def test_email_address_is_not_case_sensitive(client, editor):
    assert sign_in(client, "Editor@News.Example.ORG").status_code == 303


def test_sign_in_without_csrf_token_is_refused(client, editor):
    client.get("/login")
    response = client.post("/login", data={"email": "editor@news.example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert not signed_in(client)


def test_sign_in_with_a_wrong_csrf_token_is_refused(client, editor):
    client.get("/login")
    response = client.post("/login", data={"csrf_token": "forged", "password": PASSWORD,
                                           "email": "editor@news.example.org"})
    assert response.status_code == 400
    assert not signed_in(client)


def test_same_site_next_path_is_followed(client, editor):
    response = sign_in(client, next_path="/dashboard/sites?x=1")
    assert response.location == "/dashboard/sites?x=1"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example",
                                    "javascript:alert(1)", "http:evil.example", "/\n/evil.example",
                                    "/\t/evil.example",
                                    "\\\\evil.example"])
def test_next_pointing_elsewhere_goes_to_the_queue(client, editor, target):
    from urllib.parse import quote
    response = sign_in(client, next_path=quote(target, safe=""))
    assert response.status_code == 303
    assert response.location == "/dashboard/"


def test_sign_in_starts_a_fresh_session(client, editor):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.permanent


def test_session_cookie_is_http_only_and_same_site_lax(client, editor):
    response = sign_in(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app, editor):
    client = app.test_client()
    token = csrf_token(client, "https://localhost/login")
    response = client.post("https://localhost/login", data={
        "csrf_token": token, "email": "editor@news.example.org", "password": PASSWORD},
        headers={"Referer": "https://localhost/login"})
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]


def test_sign_out_needs_a_post(editor_client):
    assert editor_client.get("/logout").status_code == 405
    assert signed_in(editor_client)


def test_sign_out_without_csrf_token_is_refused(editor_client):
    assert editor_client.post("/logout").status_code == 400
    assert signed_in(editor_client)


def test_sign_out_ends_the_session(editor_client):
    token = csrf_token(editor_client, "/dashboard/")
    response = editor_client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.location == "/login"
    assert not signed_in(editor_client)


def test_idle_session_is_signed_out(app, editor_client):
    with editor_client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - app.config["SESSION_IDLE_TIMEOUT"] - 5
    response = editor_client.get("/dashboard/")
    assert response.status_code == 302
    assert "without activity" in editor_client.get("/login").get_data(as_text=True)


def test_session_older_than_the_absolute_limit_is_signed_out(app, editor_client):
    with editor_client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - app.config["PERMANENT_SESSION_LIFETIME"] - 5
    assert editor_client.get("/dashboard/").status_code == 302


def test_changing_the_password_ends_other_sessions(app, editor, editor_client):
    from werkzeug.security import generate_password_hash
    with app.app_context():
        db.session.get(Editor, editor).password_hash = generate_password_hash("another long password")
        db.session.commit()
    assert editor_client.get("/dashboard/").status_code == 302


def test_deactivating_an_account_ends_its_sessions(app, editor, editor_client):
    with app.app_context():
        db.session.get(Editor, editor).active = False
        db.session.commit()
    assert editor_client.get("/dashboard/").status_code == 302


# --- throttling ------------------------------------------------------------------------------

def test_failed_attempts_on_one_account_are_throttled(app_factory, make_editor):
    app = app_factory(LOGIN_RATE_LIMIT_ACCOUNT="3 per 15 minutes")
    make_editor()
    client = app.test_client()
    for _ in range(3):
        assert sign_in(client, password="wrong password entirely").status_code == 200
    # Even the right password is refused now, from this client or another one.
    other = app.test_client()
    response = sign_in(other, password=PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert not signed_in(other)


def test_failed_attempts_from_one_client_are_throttled_across_accounts(app_factory, make_editor):
    app = app_factory(LOGIN_RATE_LIMIT_CLIENT="3 per 15 minutes")
    make_editor()
    client = app.test_client()
    for n in range(3):
        sign_in(client, f"guess{n}@news.example.org", "wrong password entirely")
    assert sign_in(client).status_code == 429
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert sign_in(elsewhere).status_code == 303


def test_successful_sign_ins_do_not_count_towards_the_limit(app_factory, make_editor):
    app = app_factory(LOGIN_RATE_LIMIT_ACCOUNT="2 per 15 minutes")
    make_editor()
    for _ in range(4):
        assert sign_in(app.test_client()).status_code == 303


def test_throttling_works_with_redis_storage(app_factory, make_editor, redis_url):
    app = app_factory(RATELIMIT_STORAGE_URI=redis_url, LOGIN_RATE_LIMIT_ACCOUNT="2 per 15 minutes")
    make_editor()
    client = app.test_client()
    for _ in range(2):
        sign_in(client, password="wrong password entirely")
    assert sign_in(client).status_code == 429


def test_admin_role_is_kept_after_sign_in(app, client, make_editor):
    make_editor(email="boss@news.example.org", role=Role.ADMIN)
    sign_in(client, "boss@news.example.org")
    assert client.get("/dashboard/sites").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(Editor.role)) is Role.ADMIN
