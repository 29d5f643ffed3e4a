"""The command line: site add, editor add, demo, db upgrade."""
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from corrections.extensions import db
from corrections.models import Editor, Role, Site


def test_site_add_stores_normalised_origins(app, runner):
    result = runner.invoke(args=["site", "add", "news", "--name", "News",
                                 "--origin", "HTTPS://News.Example.org:443",
                                 "--origin", "http://localhost:8080",
                                 "--notify", "desk@news.example.org"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        site = db.session.scalars(sa.select(Site)).one()
        assert site.origins == ["https://news.example.org", "http://localhost:8080"]
        assert site.notify_emails == ["desk@news.example.org"]


def test_site_add_refuses_an_origin_with_a_path(app, runner):
    result = runner.invoke(args=["site", "add", "news", "--name", "News",
                                 "--origin", "https://news.example.org/articles",
                                 "--notify", "desk@news.example.org"])
    assert result.exit_code != 0
    assert "--origin: https://news.example.org/articles: An origin is only" in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Site)).all() == []


def test_site_add_refuses_a_bad_notify_address(app, runner):
    result = runner.invoke(args=["site", "add", "news", "--name", "News", "--origin",
                                 "https://news.example.org", "--notify", "not an address"])
    assert result.exit_code != 0 and "not a valid email address" in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Site)).all() == []


def test_site_add_refuses_an_existing_key(runner, site):
    result = runner.invoke(args=["site", "add", "news", "--name", "Again", "--origin",
                                 "https://x.example", "--notify", "a@x.example"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: KEY: Another site already has this key."


def test_editor_add_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(args=["editor", "add", "Ed@Example.org", "--role", "admin",
                                 "--password-stdin"], input="correct horse battery\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        editor = db.session.scalars(sa.select(Editor)).one()
        assert (editor.email, editor.role) == ("ed@example.org", Role.ADMIN)
        assert editor.password_hash.startswith("scrypt:")
        assert check_password_hash(editor.password_hash, "correct horse battery")


def test_editor_add_prompts_for_the_password_twice(app, runner):
    result = runner.invoke(args=["editor", "add", "ed@example.org"],
                           input="correct horse battery\ncorrect horse battery\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Editor)).one().role is Role.EDITOR


def test_editor_add_refuses_a_short_password(app, runner):
    result = runner.invoke(args=["editor", "add", "ed@example.org", "--password-stdin"],
                           input="short\n")
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Editor)).all() == []


def test_editor_add_refuses_an_existing_address(runner):
    args = ["editor", "add", "ed@example.org", "--password-stdin"]
    runner.invoke(args=args, input="correct horse battery\n")
    result = runner.invoke(args=args, input="another long password\n")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: EMAIL: There is already an account with this address."


def test_editor_add_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["editor", "add", "ed@example.org", "--role", "owner",
                                 "--password-stdin"], input="correct horse battery\n")
    assert result.exit_code == 2 and "owner" in result.output


def test_demo_creates_site_and_admin_and_prints_the_password_once(app, runner):
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and second.exit_code == 0
    password = first.output.split("admin@example.org / ")[1].split()[0]
    assert password not in second.output
    with app.app_context():
        editor = db.session.scalars(sa.select(Editor)).one()
        assert editor.role is Role.ADMIN and check_password_hash(editor.password_hash, password)
        site = db.session.scalars(sa.select(Site)).one()
        assert site.key == "demo" and "http://127.0.0.1:5000" in site.origins


def test_db_upgrade_builds_the_schema_on_a_new_database(app_factory, tmp_path):
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
    assert {"site", "article", "correction_request", "submission", "editor", "event",
            "outbox_message"} <= tables


def test_editor_add_checks_the_address_before_asking_for_a_password(runner, editor):
    taken = runner.invoke(args=["editor", "add", "editor@news.example.org"], input="")
    assert taken.exit_code == 1
    assert taken.output == "Error: EMAIL: There is already an account with this address.\n"
    invalid = runner.invoke(args=["editor", "add", "not an address"], input="")
    assert invalid.exit_code == 1
    assert invalid.output == "Error: EMAIL: This is not a valid email address.\n"


def test_editor_password_sets_a_new_password_from_stdin(app, runner, editor):
    result = runner.invoke(args=["editor", "password", "Editor@News.Example.org", "--password-stdin"],
                           input="a brand new long password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        account = db.session.get(Editor, editor)
        assert check_password_hash(account.password_hash, "a brand new long password")


def test_editor_password_prompts_twice(app, runner, editor):
    result = runner.invoke(args=["editor", "password", "editor@news.example.org"],
                           input="a brand new long password\na brand new long password\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("password") >= 2


def test_editor_password_ends_the_editors_sessions(app, runner, editor_client):
    assert editor_client.get("/dashboard/").status_code == 200
    runner.invoke(args=["editor", "password", "editor@news.example.org", "--password-stdin"],
                  input="a brand new long password\n")
    assert editor_client.get("/dashboard/").status_code == 302


def test_editor_password_refuses_an_unknown_address_before_asking(runner):
    result = runner.invoke(args=["editor", "password", "nobody@example.org"], input="")
    assert result.exit_code == 1
    assert result.output == "Error: EMAIL: There is no account with this address.\n"


def test_editor_password_refuses_a_short_password_and_keeps_the_old_one(app, runner, editor):
    with app.app_context():
        before = db.session.get(Editor, editor).password_hash
    result = runner.invoke(args=["editor", "password", "editor@news.example.org", "--password-stdin"],
                           input="short\n")
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    with app.app_context():
        assert db.session.get(Editor, editor).password_hash == before


def test_demo_adds_the_current_public_url_to_the_demo_site(app_factory):
    app_factory().test_cli_runner().invoke(args=["demo"])
    moved = app_factory(PUBLIC_URL="http://127.0.0.1:5050")
    assert moved.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with moved.app_context():
        assert "http://127.0.0.1:5050" in db.session.scalars(sa.select(Site)).one().origins
