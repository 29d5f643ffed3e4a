"""Sessions the server can end, sign-in throttles that see through spellings, a secret key
nobody else has, and pages behind the sign-in that no cache keeps."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from corrections import create_app
from corrections.accounts import service as accounts
from corrections.extensions import db
from corrections.models import Editor, EditorSession
from corrections.security import PUBLISHED_SECRET_KEYS, secret_key_problem
from tests.helpers import PASSWORD, csrf_token, sign_in

ROOT = Path(__file__).resolve().parents[1]


def sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(EditorSession))


# --- sessions ----------------------------------------------------------------------------------

def test_signing_in_records_a_session_and_signing_out_deletes_it(app, client, editor):
    sign_in(client)
    assert sessions(app) == 1
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard/")})
    assert sessions(app) == 0


def test_signing_out_in_one_browser_leaves_the_other_signed_in(app, editor):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop), sign_in(phone)
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/dashboard/")})
    assert phone.get("/dashboard/").status_code == 200
    assert laptop.get("/dashboard/").status_code == 302


def test_a_new_password_ends_every_session_on_the_server(app, editor, editor_client):
    with app.app_context():
        accounts.set_password(db.session.get(Editor, editor), "a brand new long password")
    assert sessions(app) == 0
    assert editor_client.get("/dashboard/").status_code == 302


def test_deactivating_an_account_deletes_its_sessions(app, editor, editor_client, admin_client):
    response = admin_client.post(f"/dashboard/editors/{editor}/deactivate",
                                 data={"csrf_token": csrf_token(admin_client, "/dashboard/")})
    assert response.status_code == 303
    assert sessions(app) == 1  # the admin's own
    assert editor_client.get("/dashboard/").status_code == 302


def test_a_session_deleted_on_the_server_is_signed_out_with_a_reason(app, editor_client):
    with app.app_context():
        db.session.execute(sa.delete(EditorSession))
        db.session.commit()
    assert editor_client.get("/dashboard/").status_code == 302
    assert "This session has ended" in editor_client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("spelling", [
    "EDITOR@NEWS.EXAMPLE.ORG", " editor@news.example.org ", "editor@news.ｅｘａｍｐｌｅ.org",
    "ｅditor@news.example.org",
])
def test_every_spelling_of_an_address_meets_the_same_throttle(app_factory, make_editor, spelling):
    app = app_factory(LOGIN_RATE_LIMIT_ACCOUNT="2 per 15 minutes")
    make_editor()
    for _ in range(2):
        sign_in(app.test_client(), spelling, "wrong password entirely")
    assert sign_in(app.test_client(), "editor@news.example.org", PASSWORD).status_code == 429


def test_an_address_with_an_international_domain_signs_in_by_either_form(app, client, make_editor):
    make_editor(email="ed@xn--bcher-kva.example")
    assert sign_in(client, "Ed@Bücher.example").status_code == 303


# --- no cache keeps a page behind the sign-in ---------------------------------------------------

def dashboard_pages(app, request_id) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/dashboard") and "GET" in rule.methods:
            paths.append(rule.rule.replace("<int:request_id>", str(request_id))
                         .replace("<int:site_id>", "1"))
    return paths


def test_every_dashboard_page_is_no_store(app, admin_client, report):
    number = report()
    pages = dashboard_pages(app, number)
    assert "/dashboard/outbox" in pages and len(pages) >= 8
    for path in pages:
        response = admin_client.get(path)
        assert response.status_code in (200, 404), path
        assert response.headers["Cache-Control"] == "no-store", path


def test_signed_out_visitors_redirected_from_the_dashboard_get_no_store(client):
    response = client.get("/dashboard/outbox")
    assert response.status_code == 302 and response.headers["Cache-Control"] == "no-store"


def test_pages_behind_email_links_are_no_store(client):
    assert client.get("/mail/unsubscribe/nothing").headers["Cache-Control"] == "no-store"


def test_public_pages_may_be_cached(client, site):
    assert "no-store" not in client.get("/corrections/news").headers.get("Cache-Control", "")


# --- the secret key ----------------------------------------------------------------------------

@pytest.fixture
def bare_instance(tmp_path, monkeypatch):
    for name in ("CORRECTIONS_SECRET_KEY", "CORRECTIONS_SQLALCHEMY_DATABASE_URI", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CORRECTIONS_INSTANCE_PATH", str(tmp_path))
    return tmp_path


def test_a_short_key_is_refused_with_how_to_make_one(bare_instance):
    (bare_instance / "config.py").write_text('SECRET_KEY = "' + "x" * 31 + '"\n')
    with pytest.raises(RuntimeError) as refused:
        create_app()
    message = str(refused.value)
    assert "too short (31 bytes" in message and "secrets.token_hex(32)" in message


def test_a_key_published_with_the_software_is_refused(bare_instance):
    with pytest.raises(RuntimeError, match="published"):
        create_app({"SECRET_KEY": "test-secret-key"})


def test_a_key_of_32_random_bytes_is_accepted(bare_instance):
    (bare_instance / "config.py").write_text('SECRET_KEY = "' + "k3Y!" * 8 + '"\n')
    assert create_app().config["SECRET_KEY"] == "k3Y!" * 8


@pytest.mark.parametrize("mode", [{"DEBUG": True}, {"TESTING": True}])
def test_debug_and_testing_may_use_any_key(bare_instance, mode):
    assert create_app({"SECRET_KEY": "change-me", **mode}).config["SECRET_KEY"] == "change-me"


def _shipped_secret_keys() -> set[str]:
    """Every string literal the repository assigns to a SECRET_KEY."""
    found = set()
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    pattern = re.compile(r"""SECRET_KEY["']?\s*[:=]\s*(?:f?["'])([^"'{}]*)["']""")
    for name in listed:
        path = ROOT / name
        if path.suffix in (".py", ".md", ".cfg", ".toml", ".ini", ".txt", "") and path.is_file():
            found.update(pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
    return found


def test_no_key_shipped_in_the_repository_is_accepted():
    shipped = _shipped_secret_keys()
    assert "test-secret-key" in shipped  # the scan finds literals (this file has one)
    for key in shipped | PUBLISHED_SECRET_KEYS:
        assert secret_key_problem(key) is not None, key


def test_the_example_config_ships_no_usable_key():
    settings = {}
    exec((ROOT / "instance/config.example.py").read_text(), settings)  # noqa: S102
    assert not settings.get("SECRET_KEY")


def test_the_makefile_makes_a_key_the_app_accepts(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "instance").mkdir()
    subprocess.run(["make", "-s", "instance/config.py", f"PYTHON={sys.executable}"], cwd=tmp_path,
                   check=True, capture_output=True, timeout=60)
    settings = {}
    exec((tmp_path / "instance/config.py").read_text(), settings)  # noqa: S102
    assert secret_key_problem(settings["SECRET_KEY"]) is None
