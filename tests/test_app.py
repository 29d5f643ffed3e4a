"""The application factory, configuration layering and the health check."""
import secrets

import pytest
import sqlalchemy as sa

from corrections import create_app
from corrections.extensions import db


@pytest.fixture
def instance(tmp_path, monkeypatch):
    for name in ("CORRECTIONS_SECRET_KEY", "CORRECTIONS_PUBLIC_URL", "CORRECTIONS_MAIL_PORT",
                 "CORRECTIONS_SQLALCHEMY_DATABASE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CORRECTIONS_INSTANCE_PATH", str(tmp_path))
    return tmp_path


#: A key good enough outside testing: 32 bytes or more, and never shipped in the repository.
KEY = secrets.token_hex(32)


def test_instance_config_overrides_defaults(instance):
    (instance / "config.py").write_text(f'SECRET_KEY = "{KEY}"\nPUBLIC_URL = "https://from-file.example"\n')
    assert create_app().config["PUBLIC_URL"] == "https://from-file.example"


def test_environment_overrides_instance_config(instance, monkeypatch):
    (instance / "config.py").write_text(f'SECRET_KEY = "{KEY}"\nMAIL_PORT = 2525\n')
    monkeypatch.setenv("CORRECTIONS_MAIL_PORT", "1025")
    assert create_app().config["MAIL_PORT"] == 1025


def test_test_config_overrides_environment(instance, monkeypatch):
    monkeypatch.setenv("CORRECTIONS_SECRET_KEY", "from-env-" + KEY)
    assert create_app({"SECRET_KEY": KEY}).config["SECRET_KEY"] == KEY


def test_default_database_is_sqlite_in_the_instance_folder(instance, monkeypatch):
    monkeypatch.setenv("CORRECTIONS_SECRET_KEY", KEY)
    app = create_app()
    assert app.instance_path == str(instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'corrections.sqlite3'}"


def test_sqlite_runs_in_wal_mode(app_factory, tmp_path):
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_missing_secret_key_stops_start_up_with_a_clear_message(instance):
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app()


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


def test_healthz_answers_503_when_the_database_is_unreachable(app_factory, tmp_path):
    missing = tmp_path / "no-such-folder" / "db.sqlite3"
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
    assert int(response.headers["Retry-After"]) > 0


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.get_data(as_text=True)
