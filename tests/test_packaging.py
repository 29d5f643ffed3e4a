"""The wheel: `python -m build`, installed into a fresh virtualenv outside the checkout,
migrates, serves every page (templates, static files and migrations come from the wheel) and
renders its emails. Slow-ish (it installs the dependencies): select or skip it with -m packaging."""
import os
import re
import secrets
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.mail_fixtures import SMTPServer, free_port
from tests.web import WebClient, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.packaging


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    [built] = dist.glob("corrections-*.whl")
    return built


def test_the_wheel_carries_templates_static_files_migrations_and_catalogues(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"corrections/templates/{name}" for name in files_under(ROOT / "templates")}
    expected |= {f"corrections/static/{name}" for name in files_under(ROOT / "corrections/static")}
    expected |= {f"corrections/migrations/{name}"
                 for name in files_under(ROOT / "corrections/migrations")}
    if (ROOT / "corrections/translations").is_dir():
        expected |= {f"corrections/translations/{name}"
                     for name in files_under(ROOT / "corrections/translations")}
    assert expected - names == set()
    assert not any(name.startswith(("templates/", "tests/", "instance/")) for name in names)


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """A fresh virtualenv, outside the checkout, with the wheel (and gunicorn) installed."""
    home = tmp_path_factory.mktemp("installed")
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin/python"), "-m", "pip", "install", "-q", f"{wheel}[deploy]"],
                   check=True, capture_output=True, timeout=600)
    return home, venv


def pages_without_arguments() -> list[str]:
    """Every GET page of the app that needs no argument, from its own URL map."""
    from corrections import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(32), "DEMO": True,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(rule.rule + QUERIES.get(rule.rule, "") for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments)


#: Pages that need a query to answer more than "what is missing".
QUERIES = {"/api/v1/corrections": "?site=demo&url=http://127.0.0.1/demo/"}


def environment(home: Path, **settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CORRECTIONS_", "PYTHON", "VIRTUAL_ENV"))}
    env.update({f"CORRECTIONS_{k}": str(v) for k, v in {
        "SECRET_KEY": secrets.token_hex(32), "INSTANCE_PATH": home / "instance", "DEMO": "true",
        **settings}.items()})
    return env


def test_the_installed_wheel_migrates_and_serves_every_page(installed):
    home, venv = installed
    smtp = SMTPServer().start()
    port = free_port()
    # FORM_MIN_SECONDS=0: this client sends the form at once, which the spam guard would
    # answer politely without storing anything.
    env = environment(home, PUBLIC_URL=f"http://127.0.0.1:{port}", MAIL_PORT=smtp.port,
                      FORM_MIN_SECONDS=0)

    def flask(*args) -> str:
        done = subprocess.run([str(venv / "bin/flask"), "--app", "corrections", *args], cwd=home,
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    where = subprocess.run([str(venv / "bin/python"), "-c", "import corrections; print(corrections.__file__)"],
                           cwd=home, env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(venv)) and str(ROOT) not in where

    flask("db", "upgrade")
    password = re.search(r"admin@example.org / (\S+)", flask("demo")).group(1)
    server = subprocess.Popen([str(venv / "bin/gunicorn"), "--bind", f"127.0.0.1:{port}",
                               "--workers", "1", "corrections:create_app()"], cwd=home, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base, server)
        reader = WebClient(base)
        for path in ("/suggest?site=demo", "/static/style.css", "/corrections/demo",
                     "/corrections/demo/feed.atom", *pages_without_arguments()):
            assert reader.get(path).status in (200, 302), path
        token = reader.get("/suggest?site=demo").csrf_token()
        sent = reader.post("/suggest", data={
            "csrf_token": token, "site": "demo", "url": f"{base}/demo/", "quote": "teh passage",
            "kind": "typo", "suggestion": "the passage", "comment": "A comment."})
        assert sent.status == 303, sent.text
        assert reader.get(sent.headers["Location"].replace(base, "")).status == 200

        editor = WebClient(base)
        assert editor.sign_in("admin@example.org", password).status == 303
        seen, waiting = set(), ["/dashboard/"]
        while waiting and len(seen) < 80:
            path = waiting.pop(0)
            if path in seen or path.startswith(("/logout", "/static/")):
                continue
            seen.add(path)
            page = editor.get(path)
            assert page.status == 200, f"{path}: {page.status}"
            if "text/html" in (page.header("Content-Type") or ""):
                waiting.extend(link for link in page.links() if link.startswith("/dashboard"))
        assert {"/dashboard/sites", "/dashboard/editors", "/dashboard/outbox"} <= seen
        for path in pages_without_arguments():
            assert editor.get(path).status in (200, 302), path
        assert any(path.startswith("/dashboard/requests/") for path in seen)

        assert "sent 1" in flask("mail", "send")  # the notification renders from the wheel
        smtp.wait_for(1)
        assert "teh passage" in smtp.received[0].email.get_body(("plain",)).get_content()
    finally:
        server.terminate()
        server.wait(30)
        smtp.stop()
    assert "Traceback" not in server.stderr.read()
