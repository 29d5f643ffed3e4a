"""The intake across processes: a site changed by an admin anywhere is seen at once by every
process's copy, and two processes writing at once both succeed (SQLite included)."""
import json
import subprocess
import sys

import sqlalchemy as sa

from corrections.extensions import db
from corrections.models import Site, Submission
from tests.helpers import ORIGIN, SECRET, suggestion_body
from tests.mail_fixtures import PATIENCE

OTHER_ORIGIN = "https://other.example.org"


def post(app, origin=ORIGIN, **overrides):
    return app.test_client().post("/api/v1/suggestions", headers={"Origin": origin},
                                  json=suggestion_body(notify=False, **overrides))


def change_site(app, **fields) -> None:
    """An admin's change, made in another app instance (another process's view)."""
    with app.app_context():
        site = db.session.scalars(sa.select(Site)).one()
        for name, value in fields.items():
            setattr(site, name, value)
        db.session.commit()


def test_an_origin_an_admin_removes_elsewhere_is_refused_at_once(app_factory, make_site):
    make_site()
    intake_app, admin_app = app_factory(), app_factory()
    assert post(intake_app).status_code == 201  # the intake holds a copy of the site now
    change_site(admin_app, origins=[OTHER_ORIGIN])
    refused = post(intake_app, quote={"exact": "another passage", "prefix": "", "suffix": ""})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "origin_not_allowed"
    with intake_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1


def test_an_origin_an_admin_adds_elsewhere_is_accepted_at_once(app_factory, make_site):
    make_site()
    intake_app, admin_app = app_factory(), app_factory()
    assert post(intake_app).status_code == 201
    change_site(admin_app, origins=[ORIGIN, OTHER_ORIGIN])
    assert post(intake_app, origin=OTHER_ORIGIN).status_code == 201


def test_a_site_renamed_elsewhere_is_used_with_its_new_name(app_factory, make_site):
    make_site()
    intake_app, admin_app = app_factory(), app_factory()
    assert post(intake_app).status_code == 201
    change_site(admin_app, name="City Paper")
    # The reader's title loses the site's name as a suffix: the current name, not the copy's.
    assert post(intake_app, title="Budget vote | City Paper", url=f"{ORIGIN}/budget").status_code == 201
    with intake_app.app_context():
        titles = db.session.scalars(sa.text("SELECT title FROM article ORDER BY id")).all()
    assert titles[-1] == "Budget vote"


def test_every_change_to_a_site_moves_its_version(app, make_site):
    make_site()
    change_site(app, language="uk")
    change_site(app, notify_emails=["a@news.example.org"])
    with app.app_context():
        assert db.session.scalar(sa.select(Site.version)) == 3


WRITER = """
import json, sys
from corrections import create_app
from tests.helpers import ORIGIN, suggestion_body
config, number, count = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
client = create_app(config).test_client()
statuses = [client.post("/api/v1/suggestions", headers={"Origin": ORIGIN}, json=suggestion_body(
    notify=False, position=None, quote={"exact": f"process {number} passage {n}", "prefix": "",
                                        "suffix": ""})).status_code for n in range(count)]
print(json.dumps(statuses))
"""


def test_two_processes_writing_at_once_both_succeed(app, make_site):
    make_site()
    config = {"TESTING": True, "SECRET_KEY": SECRET, "PUBLIC_URL": "http://corrections.test",
              "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
              "RATELIMIT_STORAGE_URI": "memory://", "INTAKE_RATE_LIMIT": "100000 per minute",
              "INTAKE_SITE_RATE_LIMIT": "100000 per minute", "API_MIN_ELAPSED_MS": 0}
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, json.dumps(config), str(n), "150"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for n in range(2)]
    results = [writer.communicate(timeout=PATIENCE * 4) for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0], results
    assert [json.loads(out) for out, _ in results] == [[201] * 150, [201] * 150], results
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 300
