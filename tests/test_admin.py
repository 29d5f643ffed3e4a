"""Admin pages: sites and editor accounts; editors who are not admins get 403."""
import re

import pytest
import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import Editor, NotifyMode, OutboxMessage, Role, Site
from tests.helpers import PASSWORD, csrf_token, sign_in

SITE_FORM = {"key": "gazette", "name": "The Gazette",
             "origins": "https://gazette.example\nhttps://www.gazette.example:8443",
             "notify_emails": "desk@gazette.example", "language": "en", "notify_mode": "daily"}


def post_form(client, path, form_page, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, form_page)} | data)


def site_named(app, key):
    with app.app_context():
        site = db.session.scalar(sa.select(Site).where(Site.key == key))
        if site is not None:
            db.session.expunge(site)
        return site


def account(app, email):
    with app.app_context():
        editor = db.session.scalar(sa.select(Editor).where(Editor.email == email))
        db.session.expunge(editor)
        return editor


@pytest.mark.parametrize("method,path", [
    ("get", "/dashboard/sites"), ("get", "/dashboard/sites/new"), ("get", "/dashboard/sites/1"),
    ("get", "/dashboard/editors"), ("post", "/dashboard/editors/invite"),
    ("post", "/dashboard/editors/1/role"), ("post", "/dashboard/editors/1/deactivate"),
])
def test_editors_who_are_not_admins_get_403(editor_client, site, method, path):
    token = csrf_token(editor_client, "/dashboard/")
    response = getattr(editor_client, method)(path, data={"csrf_token": token} if method == "post" else None)
    assert response.status_code == 403


def test_editors_do_not_see_admin_links(editor_client):
    page = editor_client.get("/dashboard/").get_data(as_text=True)
    assert "/dashboard/sites" not in page and "/dashboard/editors" not in page


def test_admins_see_admin_links(admin_client):
    page = admin_client.get("/dashboard/").get_data(as_text=True)
    assert 'href="/dashboard/sites"' in page and 'href="/dashboard/editors"' in page


# --- sites -------------------------------------------------------------------------------------

def test_admin_adds_a_site(app, admin_client):
    response = post_form(admin_client, "/dashboard/sites/new", "/dashboard/sites/new", **SITE_FORM)
    assert response.status_code == 303
    site = site_named(app, "gazette")
    assert site.origins == ["https://gazette.example", "https://www.gazette.example:8443"]
    assert (site.notify_emails, site.notify_mode) == (["desk@gazette.example"], NotifyMode.DAILY)


@pytest.mark.parametrize("field,value,message", [
    ("key", "no spaces please", "letters, digits"),
    ("origins", "https://gazette.example/news", "only scheme, host and port"),
    ("origins", "javascript:alert(1)", "must start with http"),
    ("origins", "", "at least one origin"),
    ("notify_emails", "desk at gazette", "not a valid email address"),
    ("language", "xx", "offered languages"),
    ("notify_mode", "weekly", "when editors are told"),
    ("name", "", "Give a name"),
])
def test_invalid_site_is_shown_again_and_nothing_is_saved(app, admin_client, field, value, message):
    response = post_form(admin_client, "/dashboard/sites/new", "/dashboard/sites/new",
                         **(SITE_FORM | {field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert site_named(app, "gazette") is None


def test_site_keys_are_unique(app, admin_client, site):
    response = post_form(admin_client, "/dashboard/sites/new", "/dashboard/sites/new",
                         **(SITE_FORM | {"key": site.key}))
    assert response.status_code == 422 and "already has this key" in response.get_data(as_text=True)


def test_admin_changes_a_sites_notifications(app, admin_client, site):
    path = f"/dashboard/sites/{site.id}"
    response = post_form(admin_client, path, path, **(SITE_FORM | {
        "key": "ignored", "notify_emails": "a@news.example.org\nb@news.example.org",
        "notify_mode": "hourly"}))
    assert response.status_code == 303
    changed = site_named(app, site.key)  # the key cannot change
    assert changed.notify_emails == ["a@news.example.org", "b@news.example.org"]
    assert changed.notify_mode is NotifyMode.HOURLY


def test_site_form_without_csrf_is_refused(app, admin_client):
    response = admin_client.post("/dashboard/sites/new", data=SITE_FORM)
    assert response.status_code == 400
    assert site_named(app, "gazette") is None


def test_unknown_site_is_404(admin_client):
    assert admin_client.get("/dashboard/sites/99999").status_code == 404


# --- editors -------------------------------------------------------------------------------------

def invite(client, email="new.editor@news.example.org", role="editor"):
    return post_form(client, "/dashboard/editors/invite", "/dashboard/editors", email=email, role=role)


def test_invitation_creates_the_account_and_emails_a_link(app, admin_client):
    assert invite(admin_client).status_code == 303
    invited = account(app, "new.editor@news.example.org")
    assert invited.role is Role.EDITOR and invited.active and invited.last_login_at is None
    with app.app_context():
        message = db.session.scalars(sa.select(OutboxMessage)).one()
        assert (message.kind, message.recipient) == ("editor_invite", "new.editor@news.example.org")
        assert "admin@news.example.org invited you" in message.body_text


def test_invited_editor_chooses_a_password_and_signs_in(app, admin_client):
    invite(admin_client, role="admin")
    with app.app_context():
        body = db.session.scalars(sa.select(OutboxMessage.body_text)).one()
    path = re.search(r"http://corrections\.test(/welcome/\S+)", body).group(1)
    newcomer = app.test_client()
    token = csrf_token(newcomer, path)
    response = newcomer.post(path, data={"csrf_token": token, "password": "my own long password",
                                         "confirm": "my own long password"})
    assert response.status_code == 303
    assert sign_in(newcomer, "new.editor@news.example.org", "my own long password").status_code == 303
    assert newcomer.get("/dashboard/editors").status_code == 200
    assert newcomer.get(path).status_code == 400  # the link worked once


@pytest.mark.parametrize("email,role,status,message", [
    ("not-an-address", "editor", 422, "not a valid email address"),
    ("x@news.example.org", "owner", 422, "Choose admin or editor"),
    ("ADMIN@news.example.org", "editor", 409, "already an account"),
])
def test_bad_invitation_is_refused_and_nothing_is_sent(app, admin_client, email, role, status, message):
    response = invite(admin_client, email, role)
    assert response.status_code == status and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Editor)) == 1


def test_invitation_can_be_sent_again(app, admin_client):
    invite(admin_client)
    invited = account(app, "new.editor@news.example.org")
    response = post_form(admin_client, f"/dashboard/editors/{invited.id}/invite", "/dashboard/editors")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2


def test_admin_changes_a_role(app, admin_client, editor):
    response = post_form(admin_client, f"/dashboard/editors/{editor}/role", "/dashboard/editors",
                         role="admin")
    assert response.status_code == 303
    assert account(app, "editor@news.example.org").role is Role.ADMIN


def test_last_admin_cannot_stop_being_admin(app, admin_client, admin):
    response = post_form(admin_client, f"/dashboard/editors/{admin}/role", "/dashboard/editors",
                         role="editor")
    assert response.status_code == 409 and "last active admin" in response.get_data(as_text=True)
    assert account(app, "admin@news.example.org").role is Role.ADMIN


def test_admin_deactivates_an_editor_who_is_then_signed_out(app, admin_client, editor,
                                                           editor_client):
    response = post_form(admin_client, f"/dashboard/editors/{editor}/deactivate", "/dashboard/editors")
    assert response.status_code == 303
    assert not account(app, "editor@news.example.org").active
    assert editor_client.get("/dashboard/").status_code == 302
    assert sign_in(app.test_client()).status_code == 200


def test_admin_reactivates_an_editor(app, admin_client, make_editor):
    former = make_editor(active=False)
    post_form(admin_client, f"/dashboard/editors/{former}/reactivate", "/dashboard/editors")
    assert account(app, "editor@news.example.org").active
    assert sign_in(app.test_client(), password=PASSWORD).status_code == 303


def test_admin_cannot_deactivate_themselves(app, admin_client, admin, make_editor):
    make_editor(email="other.admin@news.example.org", role=Role.ADMIN)
    response = post_form(admin_client, f"/dashboard/editors/{admin}/deactivate", "/dashboard/editors")
    assert response.status_code == 409
    assert account(app, "admin@news.example.org").active


def test_editor_email_is_inert_text_on_the_editors_page(app, admin_client, make_editor):
    make_editor(email='"><script>alert(1)</script>@news.example.org')
    page = admin_client.get("/dashboard/editors").get_data(as_text=True)
    assert "<script>alert(1)" not in page
